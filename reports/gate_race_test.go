//go:build race

package reports_test

// raceEnabled reports whether the race detector is on; it multiplies
// the harness's own work, which the gate tests must keep small.
const raceEnabled = true
