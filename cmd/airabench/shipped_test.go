package main

import (
	"testing"

	"github.com/airabench/airabench/scenarios"
)

// TestShippedScenariosRun runs every shipped scenario, scaled down to a
// tenth, against the in-process mock. Each must finish, write its
// report, and pass its own thresholds.
func TestShippedScenariosRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every shipped scenario against the mock")
	}
	for _, s := range scenarios.Shipped() {
		t.Run(s.Name, func(t *testing.T) {
			code, out, errOut := cli(t, "run", "--quiet", "--no-plots",
				"--scale", "0.1", "--out", t.TempDir(), s.Name)
			if code != exitOK {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out,
					errOut)
			}
		})
	}
}
