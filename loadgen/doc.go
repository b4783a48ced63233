// Package loadgen drives the Aira API with the client patterns teams use in
// front of it, and measures what a caller feels.
//
// A Plan is a list of stages run in order. Each stage runs one flow
// (authorize, or authorize then notarize) under one load model: a closed
// model bounded by a semaphore of in-flight operations, all operations at
// once (unbounded), or awaited chunks. Every attempt carries three instants
// on the monotonic clock, intended, sent and done, so response time
// (done − intended) includes the time spent waiting for a permit and never
// hides coordinated omission. Results stream to one recorder per stage,
// which keeps HdrHistograms and counters rather than samples.
//
// The smallest use:
//
//	plan := loadgen.Plan{Stages: []loadgen.Stage{{
//		Name: "batch", Flow: loadgen.FlowAuthorize,
//		Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 50, Items: 2000},
//	}}}
//	run, err := loadgen.Run(ctx, plan, loadgen.Target{BaseURL: url, APIKey: key}, loadgen.Options{})
//
// Per-request failures are data (an outcome class), never a Go error that
// stops the run; Run returns an error only when it cannot run at all.
package loadgen
