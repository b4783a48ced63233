package scenarios

import (
	"slices"
	"strings"
	"testing"
)

// shippedNames are the scenarios the binary must carry: one per pattern
// of the batch-processing guide, and the runs built on them.
var shippedNames = []string{
	"chunked",
	"ci-gate",
	"gather-100",
	"manual-backoff",
	"migration-capacity",
	"no-retries",
	"offline-queue",
	"patterns-compared",
	"reference-4vcpu",
	"sdk-retries",
	"semaphore-batch",
}

func TestShippedNames(t *testing.T) {
	var got []string
	for _, info := range Shipped() {
		got = append(got, info.Name)
	}
	if !slices.Equal(got, shippedNames) {
		t.Errorf("Shipped() names = %v\nwant %v", got, shippedNames)
	}
}

// TestShippedLoad checks that every shipped scenario loads, passes the
// load generator's own validation, describes itself, and opens with a
// comment that teaches its pattern.
func TestShippedLoad(t *testing.T) {
	for _, info := range Shipped() {
		t.Run(info.Name, func(t *testing.T) {
			s, err := Load(info.Name, noEnv)
			if err != nil {
				t.Fatalf("Load(%q): %v", info.Name, err)
			}
			if s.Name != info.Name || s.Plan.Name != info.Name {
				t.Errorf("name %q, plan name %q; want %q", s.Name,
					s.Plan.Name, info.Name)
			}
			if d := info.Description; d == "" || len(d) > 76 ||
				strings.Contains(d, "\n") {
				t.Errorf("description %q: want one line of at most 76 "+
					"bytes, for airabench scenarios", d)
			}
			if err := s.Plan.Validate(); err != nil {
				t.Errorf("Plan.Validate: %v", err)
			}
			if len(s.References) != len(s.Plan.Stages) {
				t.Errorf("%d references for %d stages", len(s.References),
					len(s.Plan.Stages))
			}
			checkTeaches(t, info.Name)
		})
	}
}

// checkTeaches wants a file that opens with "# NAME:" and a comment of
// several lines.
func checkTeaches(t *testing.T, name string) {
	t.Helper()
	data, err := shipped.ReadFile(name + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if !strings.HasPrefix(text, "# "+name+":") {
		t.Errorf("%s.yaml does not open with %q", name, "# "+name+":")
	}
	comments := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			comments++
		}
	}
	if comments < 6 {
		t.Errorf("%s.yaml has %d comment lines; a shipped scenario "+
			"explains its pattern", name, comments)
	}
}

// TestShippedScale checks that every shipped scenario can be scaled down
// for a fast test run and stays valid for the load generator.
func TestShippedScale(t *testing.T) {
	for _, name := range shippedNames {
		s, err := Load(name, noEnv)
		if err != nil {
			t.Fatalf("Load(%q): %v", name, err)
		}
		if err := s.Scale(0.05); err != nil {
			t.Fatalf("%s: Scale(0.05): %v", name, err)
		}
		if err := s.Plan.Validate(); err != nil {
			t.Errorf("%s scaled: Plan.Validate: %v", name, err)
		}
	}
}

// TestShippedThresholdsNameStages checks the stage scopes of the shipped
// thresholds against the stage names, which the loader also does.
func TestShippedThresholdsNameStages(t *testing.T) {
	s, err := Load("ci-gate", noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Thresholds) == 0 {
		t.Fatal("ci-gate has no thresholds")
	}
	for _, th := range s.Thresholds {
		if th.Stage != "" && th.Stage != s.Plan.Stages[0].Name {
			t.Errorf("threshold %v names stage %q", th, th.Stage)
		}
	}
}
