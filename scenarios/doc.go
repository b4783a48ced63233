// Package scenarios reads scenario files: what airabench sends, to
// which target, and what counts as a pass. A file is YAML, checked
// strictly against the types of schema.go before anything runs: unknown
// keys, wrong types, values without units or out of range, and settings
// that contradict each other are all errors, each placed at its file,
// line, column and field, and all reported at once.
//
// The smallest use:
//
//	s, err := scenarios.Load("semaphore-batch", os.LookupEnv)
//	if err != nil {
//		// err is Errors: one *Error a problem, each with a position.
//	}
//	res, err := loadgen.Run(ctx, s.Plan, target, opts)
//
// Load reads a path, or the name of a scenario shipped in the binary
// (Shipped lists them). ${VAR} and ${VAR:-default} are expanded from the
// environment first. JSONSchema returns the format's JSON Schema, for
// editors; docs/scenarios.md documents the format for users.
package scenarios
