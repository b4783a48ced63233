package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
)

// capacityScenario is a mock of 4 workers, each busy a fixed 100 ms per
// authorize, with no rate limit: the knee is at 4 in flight.
const capacityScenario = `name: tune-capacity
target:
  mock:
    profile: unlimited
    seed: 3
    capacity:
      workers: 4
      service_time:
        authorize: {dist: fixed, value: 100ms}
stages:
  - name: batch
    flow: authorize
    executor: semaphore
    concurrency: 50
    items: 2000
  - name: check
    flow: verify
    executor: semaphore
    concurrency: 2
    items: 4
`

func writeTuneScenario(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tune.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tuneJSON is the part of tune.json the tests read.
type tuneJSON struct {
	Levels []struct {
		Concurrency int     `json:"concurrency"`
		Goodput     float64 `json:"goodput_per_s"`
	} `json:"levels"`
	Recommendation struct {
		Found       bool `json:"found"`
		Concurrency int  `json:"concurrency"`
	} `json:"recommendation"`
	Little struct {
		Predicted float64 `json:"predicted_concurrency"`
	} `json:"littles_law"`
	Offline *struct {
		Found  bool `json:"found"`
		Points []struct {
			QueueSize int   `json:"max_queue_size"`
			Lost      int64 `json:"lost"`
		} `json:"points"`
	} `json:"offline"`
}

func readTuneJSON(t *testing.T, dir string) tuneJSON {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "tune.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r tuneJSON
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("tune.json: %v", err)
	}
	return r
}

// TestTuneCapacity runs the command against the mock on loopback. Its
// numbers are wall-clock, so the exact knee is left to loadgen's
// synctest tests; here the wiring is checked: the table, the
// recommendation and Little's law printed, and the files written agree.
func TestTuneCapacity(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cli(t, "tune", "--levels", "2,4,8",
		"--duration", "2s", "--refine=false", "--out", out,
		writeTuneScenario(t, capacityScenario))
	if code != exitOK {
		t.Fatalf("tune exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout,
			stderr)
	}
	for _, want := range []string{"concurrency", "offered/s",
		"goodput/s", "throttled", "retries/op", "p50 ms", "p99 ms",
		"<- recommended", "recommended concurrency:", "Little's law:",
		"no rate limit is known", "measured:", "wrote tune.json"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	r := readTuneJSON(t, out)
	var got []int
	for _, l := range r.Levels {
		got = append(got, l.Concurrency)
	}
	if !slices.Equal(got, []int{2, 4, 8}) {
		t.Errorf("levels %v, want [2 4 8]", got)
	}
	if rc := r.Recommendation.Concurrency; !r.Recommendation.Found ||
		rc < 4 || !strings.Contains(stdout, "recommended concurrency: "+
		strconv.Itoa(rc)+" ") {
		t.Errorf("tune.json recommends %d (found %v); want 4 or more, "+
			"as printed:\n%s", rc, r.Recommendation.Found, stdout)
	}
	for _, f := range []string{"sweep.png", "sweep.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil ||
			st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}

// TestTuneNoLevelMeets: a p99 bound below the service time rules out
// every level, which exits 99 after writing the report.
func TestTuneNoLevelMeets(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cli(t, "tune", "--levels", "1,2",
		"--duration", "1s", "--max-p99", "10ms", "--quiet", "--out", out,
		writeTuneScenario(t, capacityScenario))
	if code != exitGate || !strings.Contains(stdout,
		"no level meets the limits") {
		t.Fatalf("exit %d, want %d and a word on it\n%s%s", code, exitGate,
			stdout, stderr)
	}
	if r := readTuneJSON(t, out); r.Recommendation.Found {
		t.Error("tune.json says a level was found")
	}
}

// TestTuneOffline sweeps the offline queue at a rate the flusher keeps
// up with: the smallest queue tried already loses nothing.
func TestTuneOffline(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := cli(t, "tune", "--offline", "--rate", "10/s",
		"--duration", "1s", "--flush-intervals", "100ms,500ms",
		"--queue-sizes", "2,8", "--quiet", "--out", out,
		writeTuneScenario(t, capacityScenario))
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"flush interval", "queue size",
		"receipt p99 ms", "recommended: flush_interval 100ms, " +
			"max_queue_size 2", "Little's law:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	r := readTuneJSON(t, out)
	if r.Offline == nil || !r.Offline.Found || len(r.Offline.Points) != 2 {
		t.Errorf("tune.json offline = %+v, want two lossless points",
			r.Offline)
	}
}

func TestTuneUsageErrors(t *testing.T) {
	sc := writeTuneScenario(t, capacityScenario)
	url := writeTuneScenario(t, "name: real\ntarget:\n  url: "+
		"http://127.0.0.1:1\nstages:\n  - flow: authorize\n"+
		"    executor: semaphore\n    concurrency: 2\n    items: 4\n")
	t.Setenv("AIRA_API_KEYS", "")
	t.Setenv("AIRA_API_KEY", "")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no scenario", args: nil, wantErr: "Usage"},
		{name: "bad range", args: []string{"--range", "8..2", sc},
			wantErr: "--range"},
		{name: "zero level", args: []string{"--levels", "0,2", sc},
			wantErr: "--levels"},
		{name: "items and duration", args: []string{"--items", "5",
			"--duration", "1s", sc}, wantErr: "not both"},
		{name: "no keys", args: []string{"--keys", "0", sc},
			wantErr: "--keys"},
		{name: "share above one", args: []string{"--share", "1.5", sc},
			wantErr: "--share"},
		{name: "unknown stage", args: []string{"--stage", "nope", sc},
			wantErr: `no such stage (have batch, check)`},
		{name: "unknown tier", args: []string{"--limit", "gold", sc},
			wantErr: "tier"},
		{name: "offline without rate", args: []string{"--offline", sc},
			wantErr: "--offline needs --rate"},
		{name: "offline of verify", args: []string{"--offline", "--rate",
			"5/s", "--stage", "check", sc}, wantErr: "runs verify"},
		{name: "key pool without keys", args: []string{"--keys", "2",
			url}, wantErr: "AIRA_API_KEYS"},
	}
	for _, tt := range tests {
		code, _, errOut := cli(t, append([]string{"tune"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tt.wantErr) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.name, code,
				errOut, exitUsage, tt.wantErr)
		}
	}
}

func TestParseLevels(t *testing.T) {
	tests := []struct {
		list, span string
		want       []int
		err        bool
	}{
		{span: "1..256", want: []int{1, 2, 4, 8, 16, 32, 64, 128, 256}},
		{span: "3..20", want: []int{3, 6, 12, 20}},
		{span: "5..5", want: []int{5}},
		{list: "8, 1,4", span: "1..256", want: []int{8, 1, 4}},
		{span: "0..4", err: true},
		{span: "4..2", err: true},
		{span: "1-4", err: true},
		{list: "1,x", err: true},
		{list: "1,200000", err: true},
	}
	for _, tt := range tests {
		got, err := parseLevels(tt.list, tt.span)
		if (err != nil) != tt.err || !tt.err && !slices.Equal(got, tt.want) {
			t.Errorf("parseLevels(%q, %q) = %v, %v; want %v (error %v)",
				tt.list, tt.span, got, err, tt.want, tt.err)
		}
	}
}

func TestAllowedRate(t *testing.T) {
	pro, _ := parseLimit("pro")
	public, _ := parseLimit("public")
	perSec, _ := parseLimit("100/s")
	mix := loadgen.Stage{Flow: loadgen.FlowMix, Mix: []loadgen.MixEntry{
		{Flow: loadgen.FlowAuthorize, Weight: 1},
		{Flow: loadgen.FlowAuthorizeNotarize, Weight: 1}}}
	tests := []struct {
		name   string
		lim    *tierLimit
		stage  loadgen.Stage
		keys   int
		want   float64
		source string
	}{
		{name: "a rate times the keys", lim: perSec, keys: 2,
			stage: loadgen.Stage{Flow: loadgen.FlowAuthorize}, want: 200,
			source: "--limit 100/s x 2 key(s)"},
		{name: "two requests per operation", lim: perSec, keys: 1,
			stage: loadgen.Stage{Flow: loadgen.FlowAuthorizeNotarize},
			want:  50, source: "/ 2 requests per operation"},
		{name: "a guessed tier says so", lim: pro, keys: 1,
			stage: loadgen.Stage{Flow: loadgen.FlowAuthorize}, want: 5,
			source: "pro tier 300/m, a guess x 1 key(s)"},
		{name: "public routes ignore the pool", lim: perSec, keys: 4,
			stage: loadgen.Stage{Flow: loadgen.FlowVerify}, want: 100,
			source: "per client IP"},
		{name: "the public tier is per IP", lim: public, keys: 4,
			stage: loadgen.Stage{Flow: loadgen.FlowAuthorize}, want: 0.5,
			source: "per client IP"},
		{name: "a mix weighs its flows", lim: perSec, keys: 1,
			stage: mix, want: 100 / 1.5, source: "1.5 requests"},
		{name: "no limit", lim: nil, keys: 3, want: 0},
	}
	for _, tt := range tests {
		got, src := allowedRate(tt.lim, tt.stage, tt.keys)
		if d := got - tt.want; d > 1e-9 || d < -1e-9 ||
			!strings.Contains(src, tt.source) {
			t.Errorf("%s: allowedRate = %v, %q; want %v, %q", tt.name, got,
				src, tt.want, tt.source)
		}
	}
}

func TestProfileLimit(t *testing.T) {
	rl := func(alg string, n int, w time.Duration) mockserver.RateLimit {
		return mockserver.RateLimit{Algorithm: alg, Limit: n, Window: w}
	}
	tests := []struct {
		name string
		p    mockserver.Profile
		want float64 // per second; 0 for none
	}{
		{name: "none", want: 0},
		{name: "the default", p: mockserver.Profile{
			RateLimit: rl("sliding-log", 60, time.Minute)}, want: 1},
		{name: "the strictest rule", p: mockserver.Profile{
			RateLimit: rl("", 10, time.Second),
			ExtraRateLimits: []mockserver.RateLimit{
				rl("fixed-window", 300, time.Minute),
				rl("concurrency", 2, 0)}}, want: 5},
		{name: "a concurrency cap is no rate", p: mockserver.Profile{
			RateLimit: rl("concurrency", 4, 0)}, want: 0},
	}
	for _, tt := range tests {
		got := 0.0
		if l := profileLimit(tt.p); l != nil {
			got = l.rate.PerSecond()
		}
		if got != tt.want {
			t.Errorf("%s: profileLimit = %v/s, want %v/s", tt.name, got,
				tt.want)
		}
	}
}
