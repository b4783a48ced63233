package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airabench/airabench/mockserver"
)

// cli runs the command line in-process and returns its exit code and
// output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestRunSemaphoreBatch runs the main job, scaled down, against the
// in-process mock and checks the report it writes.
func TestRunSemaphoreBatch(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := cli(t, "run", "--out", dir, "--scale", "0.1",
		"semaphore-batch")
	if code != exitOK {
		t.Fatalf("run exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{"semaphore-50", "intended", "throttled",
		"p99"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Stages []struct {
			Name     string           `json:"name"`
			Intended int64            `json:"intended"`
			Sent     int64            `json:"sent"`
			Dropped  int64            `json:"dropped"`
			Outcomes map[string]int64 `json:"outcomes"`
		} `json:"stages"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if len(sum.Stages) != 1 || sum.Stages[0].Intended != 200 {
		t.Fatalf("summary stages = %+v, want one of 200 intended", sum.Stages)
	}
	st := sum.Stages[0]
	var total int64
	for _, n := range st.Outcomes {
		total += n
	}
	if st.Intended != st.Sent+st.Dropped || total != st.Sent {
		t.Errorf("counts do not add up: %+v", st)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(pngs) == 0 {
		t.Error("no plot written")
	}
}

func TestUsageErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("stages:\n  - flow: authorize\n"+
		"    executor: semaphore\n    concurency: 5\n    items: 3\n"), 0o644)
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"no command", nil, exitUsage, "Usage"},
		{"unknown command", []string{"fly"}, exitUsage, "unknown command"},
		{"run without scenario", []string{"run"}, exitUsage, "Usage"},
		{"unknown scenario", []string{"run", "no-such"}, exitUsage,
			"no shipped scenario"},
		{"typo in file", []string{"run", bad}, exitUsage,
			`bad.yaml:4:5: stages[0].concurency: unknown key "concurency" ` +
				`(did you mean "concurrency"?)`},
		{"validate typo", []string{"validate", bad}, exitUsage,
			"did you mean"},
		{"bad scale", []string{"run", "--scale", "-1", "semaphore-batch"},
			exitUsage, "--scale"},
		{"mock off loopback", []string{"mock", "--addr", "0.0.0.0:0"},
			exitUsage, "--listen-any"},
		{"help is not an error", []string{"run", "-h"}, exitOK, "Usage"},
		{"mock bad port", []string{"mock", "--addr", "127.0.0.1:99999"},
			exitUsage, "not a number from 0 to 65535"},
		{"mock garbage address", []string{"mock", "--addr", "garbage"},
			exitUsage, "is not host:port"},
		{"unwritable output", []string{"run", "--out", "/proc/x",
			"semaphore-batch"}, exitUsage, "--out"},
		{"unwritable summary", []string{"run", "--summary-md",
			"/proc/x/s.md", "semaphore-batch"}, exitUsage, "--summary-md"},
	}
	for _, tt := range tests {
		code, _, errOut := cli(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.name,
				code, errOut, tt.code, tt.wantErr)
		}
	}
}

func TestValidateShipped(t *testing.T) {
	code, out, errOut := cli(t, "validate", "semaphore-batch")
	if code != exitOK || !strings.Contains(out, "ok") {
		t.Errorf("validate semaphore-batch: exit %d\n%s%s", code, out, errOut)
	}
}

// TestAPIKeyNeverWritten runs against a URL target with a known key and
// searches every byte the run wrote for it.
func TestAPIKeyNeverWritten(t *testing.T) {
	const key = "aira_live_SECRETsecretSECRETsecret0123456789"
	p, _ := mockserver.Lookup("unlimited")
	srv, err := mockserver.New(mockserver.Config{Profile: p,
		Keys: []string{key}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	t.Setenv("AIRA_API_KEY", key)
	t.Setenv("TARGET_URL", srv.URL)

	dir := t.TempDir()
	sc := filepath.Join(dir, "real.yaml")
	os.WriteFile(sc, []byte(`name: real
target:
  url: ${TARGET_URL}
stages:
  - flow: authorize+notarize
    executor: semaphore
    concurrency: 4
    items: 20
`), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "run", "--out", out, sc)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, key) {
		t.Error("the API key was printed")
	}
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("%s holds the API key", path)
		}
		return nil
	})
	if !strings.Contains(stdout, "ok") {
		t.Errorf("no successful operation:\n%s", stdout)
	}
}

// TestAbortOnFail runs a scenario whose threshold fails early: the run
// stops within seconds of a ten-second stage, writes its report, says
// why, and exits 99.
func TestAbortOnFail(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "abort.yaml")
	os.WriteFile(sc, []byte(`name: abort
target:
  mock:
    profile: unlimited
    latency:
      authorize: {dist: fixed, value: 20ms}
stages:
  - name: steady
    flow: authorize
    executor: constant-arrival-rate
    rate: 50/s
    duration: 10s
thresholds:
  latency.response: ["p(50)<5ms"]
abort_on_fail: true
`), 0o644)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := cli(t, "run", "--quiet", "--no-plots", "--out",
		out, sc)
	if code != exitGate || !strings.Contains(stderr, "aborted") {
		t.Fatalf("exit %d, want 99 and an abort\n%s\n%s", code, stdout,
			stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Interrupted bool     `json:"interrupted"`
		Warnings    []string `json:"warnings"`
		Stages      []struct {
			Sent int64 `json:"sent"`
		} `json:"stages"`
	}
	json.Unmarshal(b, &sum)
	if !sum.Interrupted || len(sum.Stages) != 1 || sum.Stages[0].Sent >= 500 ||
		!strings.Contains(strings.Join(sum.Warnings, " "), "p(50)<5ms") {
		t.Errorf("summary: interrupted %v, stages %+v, warnings %q; want "+
			"an early stop naming the threshold", sum.Interrupted,
			sum.Stages, sum.Warnings)
	}
}

// TestCompareUnrelatedResults: two results with no stage in common are a
// usage error, not a regression.
func TestCompareUnrelatedResults(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, r := range []struct{ dir, name string }{{a, "gather-100"},
		{b, "no-retries"}} {
		if code, out, errOut := cli(t, "run", "--quiet", "--no-plots",
			"--scale", "0.1", "--out", r.dir, r.name); code != exitOK {
			t.Fatalf("run %s: exit %d\n%s%s", r.name, code, out, errOut)
		}
	}
	code, _, errOut := cli(t, "compare", a, b)
	if code != exitUsage || !strings.Contains(errOut, "share no stage") {
		t.Errorf("compare: exit %d, stderr %q; want 2", code, errOut)
	}
}
