package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
)

// parseOK parses src and fails the test on any error.
func parseOK(t *testing.T, src string, env Getenv) *Scenario {
	t.Helper()
	s, err := Parse("ok.yaml", []byte(src), env)
	if err != nil {
		t.Fatalf("Parse:\n%s\nerror:\n%v", src, err)
	}
	return s
}

func rate(t *testing.T, s string) loadgen.Rate {
	t.Helper()
	r, err := loadgen.ParseRate(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestExecutors(t *testing.T) {
	tests := []struct {
		name  string
		stage []string
		want  loadgen.Load
	}{
		{name: "semaphore",
			stage: []string{"executor: semaphore", "concurrency: 50",
				"items: 2000"},
			want: loadgen.Load{Model: loadgen.Closed, Concurrency: 50,
				Items: 2000}},
		{name: "shared-iterations",
			stage: []string{"executor: shared-iterations",
				"concurrency: 10", "items: 100"},
			want: loadgen.Load{Model: loadgen.Closed, Concurrency: 10,
				Items: 100}},
		{name: "per-vu-iterations",
			stage: []string{"executor: per-vu-iterations",
				"concurrency: 10", "iterations: 7"},
			want: loadgen.Load{Model: loadgen.Closed, Concurrency: 10,
				Items: 70}},
		{name: "constant-vus",
			stage: []string{"executor: constant-vus", "concurrency: 4",
				"duration: 30s"},
			want: loadgen.Load{Model: loadgen.Closed, Concurrency: 4,
				Duration: 30 * time.Second}},
		{name: "chunked",
			stage: []string{"executor: chunked", "concurrency: 100",
				"items: 2000"},
			want: loadgen.Load{Model: loadgen.Chunked, Concurrency: 100,
				Items: 2000}},
		{name: "gather",
			stage: []string{"executor: gather", "items: 100"},
			want:  loadgen.Load{Model: loadgen.Unbounded, Items: 100}},
		{name: "constant-arrival-rate",
			stage: []string{"executor: constant-arrival-rate",
				"rate: 60/1m", "duration: 2m", "max_in_flight: 20",
				"overflow: drop", "catch_up: 2"},
			want: loadgen.Load{Model: loadgen.Open,
				Rate:     loadgen.Rate{Freq: 60, Per: time.Minute},
				Duration: 2 * time.Minute, MaxInFlight: 20,
				Overflow: loadgen.OverflowDrop, CatchUp: 2}},
		{name: "ramping-arrival-rate",
			stage: []string{"executor: ramping-arrival-rate",
				"start_rate: 10/s", "stages:",
				"  - {target: 200/s, duration: 1m}",
				"  - {target: 0, duration: 10s}"},
			want: loadgen.Load{Model: loadgen.Open,
				Rate: loadgen.Rate{Freq: 10, Per: time.Second},
				Ramp: []loadgen.RampStep{
					{Target: loadgen.Rate{Freq: 200, Per: time.Second},
						Duration: time.Minute},
					{Duration: 10 * time.Second},
				}}},
		{name: "ramping-arrival-rate from nothing",
			stage: []string{"executor: ramping-arrival-rate",
				"stages: [{target: 1/10s, duration: 1m}]"},
			want: loadgen.Load{Model: loadgen.Open,
				Ramp: []loadgen.RampStep{{
					Target:   loadgen.Rate{Freq: 1, Per: 10 * time.Second},
					Duration: time.Minute}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := stage(append([]string{"flow: authorize"},
				tt.stage...)...)
			got := parseOK(t, src, noEnv).Plan.Stages[0].Load
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Load of\n%s= %+v\nwant %+v", src, got, tt.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	env := func(name string) (string, bool) {
		v, ok := map[string]string{"N": "7", "EMPTY": "", "RATE": "5/s"}[name]
		return v, ok
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "set", in: "items: ${N}", want: "items: 7"},
		{name: "default unused", in: "items: ${N:-3}", want: "items: 7"},
		{name: "default used", in: "items: ${NOPE:-3}", want: "items: 3"},
		{name: "empty takes default", in: "x: ${EMPTY:-d}", want: "x: d"},
		{name: "empty without default", in: "x: '${EMPTY}'", want: "x: ''"},
		{name: "empty default", in: "url: ${NOPE:-}", want: "url: "},
		{name: "two on a line", in: "r: ${RATE}${N}", want: "r: 5/s7"},
		{name: "comment line kept", in: "  # ${NOPE}", want: "  # ${NOPE}"},
		{name: "bare dollar kept", in: "x: $N", want: "x: $N"},
		{name: "not a name", in: "x: ${1N}", want: "x: ${1N}"},
	}
	for _, tt := range tests {
		got, errs := expand("f.yaml", []byte(tt.in), env)
		if len(errs) > 0 || string(got) != tt.want {
			t.Errorf("expand(%q) = %q, %v; want %q", tt.in, got, errs,
				tt.want)
		}
	}
}

func TestExpandUnsetPlaces(t *testing.T) {
	_, errs := expand("f.yaml", []byte("a: 1\nb: x ${ONE} ${TWO}\n"), noEnv)
	if len(errs) != 2 {
		t.Fatalf("expand gave %v; want two errors", errs)
	}
	for i, col := range []int{6, 13} {
		if errs[i].Line != 2 || errs[i].Col != col {
			t.Errorf("error %d at %d:%d; want 2:%d", i, errs[i].Line,
				errs[i].Col, col)
		}
	}
}

func TestEnvFillsAScenario(t *testing.T) {
	env := func(name string) (string, bool) {
		switch name {
		case "DUR":
			return "2s", true
		case "URL":
			return "https://aira.example", true
		}
		return "", false
	}
	src := lines("target:", "  url: ${URL}", "stages:",
		"  - flow: health", "    executor: constant-arrival-rate",
		"    rate: ${RATE:-20/s}", "    duration: ${DUR}")
	s := parseOK(t, src, env)
	l := s.Plan.Stages[0].Load
	if s.URL != "https://aira.example" || s.Mock != nil ||
		l.Duration != 2*time.Second || l.Rate != rate(t, "20/s") {
		t.Errorf("got URL %q, mock %v, load %+v", s.URL, s.Mock, l)
	}
}

func TestDefaults(t *testing.T) {
	s := parseOK(t, sem(), noEnv)
	st := s.Plan.Stages[0]
	switch {
	case s.Name != "ok" || s.Plan.Name != "ok":
		t.Errorf("name %q, plan %q; want the file's base name", s.Name,
			s.Plan.Name)
	case s.Mock == nil || s.Mock.ProfileName != "default":
		t.Errorf("mock %+v; want the default profile", s.Mock)
	case st.Name != "stage-1" || st.Body != loadgen.DefaultBody:
		t.Errorf("stage %q body %+v; want stage-1, the guide's body",
			st.Name, st.Body)
	case st.Retry != (loadgen.RetryPolicy{}) || st.Offline != nil:
		t.Errorf("retry %+v offline %+v; want none", st.Retry, st.Offline)
	case s.Reference != "authorize" || s.References[0] != "authorize":
		t.Errorf("reference %q %v; want authorize", s.Reference,
			s.References)
	}
}

func TestClientSettingsReachStages(t *testing.T) {
	src := lines("client:", "  retry: {policy: retry-after, max_retries: 4}",
		"  retry_budget: 100", "  offline: {flushers: 2}", "stages:",
		"  - {flow: authorize, executor: semaphore, concurrency: 5, items: 9}",
		"  - {flow: verify, executor: semaphore, concurrency: 5, items: 9,",
		"     retry: {policy: none}}")
	s := parseOK(t, src, noEnv)
	a, v := s.Plan.Stages[0], s.Plan.Stages[1]
	wantOff := loadgen.Offline{FlushInterval: 5 * time.Second,
		MaxQueueSize: 1000, Flushers: 2}
	switch {
	case a.Offline == nil || *a.Offline != wantOff:
		t.Errorf("authorize stage offline %+v; want %+v", a.Offline, wantOff)
	case v.Offline != nil:
		t.Errorf("verify stage offline %+v; want none", v.Offline)
	case a.Retry.MaxRetries != 4 || !a.Retry.RetryAfter:
		t.Errorf("authorize stage retry %+v; want retry-after, 4", a.Retry)
	case v.Retry.MaxRetries != 0:
		t.Errorf("verify stage retry %+v; want none", v.Retry)
	case s.Plan.RetryBudget != 100:
		t.Errorf("retry budget %d; want 100", s.Plan.RetryBudget)
	case s.References[1] != "verify":
		t.Errorf("references %v; want verify for the verify stage",
			s.References)
	}
}

func TestMixAndFlowOptions(t *testing.T) {
	src := stage("flow: mix", "executor: constant-vus", "concurrency: 3",
		"duration: 1s", "setup: 50", "verify_receipts: true", "mix:",
		"  - {flow: authorize, weight: 3}", "  - {flow: verify, weight: 1.5}")
	st := parseOK(t, src, noEnv).Plan.Stages[0]
	want := []loadgen.MixEntry{{Flow: loadgen.FlowAuthorize, Weight: 3},
		{Flow: loadgen.FlowVerify, Weight: 1.5}}
	if !reflect.DeepEqual(st.Mix, want) || st.Setup != 50 ||
		!st.VerifyReceipts {
		t.Errorf("stage %+v; want mix %v, setup 50, verify_receipts", st,
			want)
	}
}

func TestAnchorsAndMergeKeys(t *testing.T) {
	src := lines("x-w: &w {flow: authorize, executor: semaphore,",
		"  concurrency: 5, items: 10}", "x-r: &r {policy: exponential, max_retries: 2}",
		"stages:", "  - <<: *w", "    items: 20", "    retry: *r",
		"  - *w")
	s := parseOK(t, src, noEnv)
	a, b := s.Plan.Stages[0], s.Plan.Stages[1]
	if a.Load.Items != 20 || b.Load.Items != 10 || a.Retry.MaxRetries != 2 ||
		a.Load.Concurrency != 5 {
		t.Errorf("stages %+v / %+v; want items 20 and 10, retries 2",
			a.Load, b.Load)
	}
}

func TestThresholdsInFileOrder(t *testing.T) {
	src := lines("stages:", "  - {name: b, flow: health, executor: gather,",
		"     items: 1}", "thresholds:", "  sent: [count>0]",
		"  latency.response{stage:b}: [p(99)<1s, avg<20ms]",
		"  dropped: [count==0]")
	var got []string
	for _, th := range parseOK(t, src, noEnv).Thresholds {
		got = append(got, th.String())
	}
	want := []string{"sent: count>0",
		"latency.response{stage:b}: p(99)<1s",
		"latency.response{stage:b}: avg<20ms", "dropped: count==0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("thresholds %q\nwant %q", got, want)
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	src := lines("nmae: x", "stages:", "  - flow: authorise",
		"    executor: semaphore", "    concurrency: -1", "    items: 0",
		"reference: nope")
	_, err := Parse("f.yaml", []byte(src), noEnv)
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("Parse: %v; want Errors", err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Field)
	}
	want := []string{"nmae", "stages[0].flow", "stages[0].concurrency",
		"stages[0].items", "reference"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields %q\nwant %q\n%v", got, want, err)
	}
}

func TestLoadFromDisk(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	data := append([]byte("\xef\xbb\xbf"), sem()...)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(path, noEnv)
	if err != nil || s.Name != "mine" || s.Source != path {
		t.Fatalf("Load(%q) = %+v, %v; want scenario mine", path, s, err)
	}
	if _, err := Load(filepath.Join(dir, "none.yaml"), noEnv); err == nil ||
		!strings.Contains(err.Error(), "no shipped scenario") {
		t.Errorf("Load of a missing file: %v", err)
	}
	if _, err := Load("../scenarios/gather-100", noEnv); err == nil {
		t.Error("Load reached a shipped file through a path")
	}
}

func TestScale(t *testing.T) {
	s := parseOK(t, ramp("stages: [{target: 5/s, duration: 10s}]"), noEnv)
	if err := s.Scale(0.1); err != nil {
		t.Fatal(err)
	}
	if d := s.Plan.Stages[0].Load.Ramp[0].Duration; d != time.Second {
		t.Errorf("scaled ramp step %v; want 1s", d)
	}
	for _, f := range []float64{0, -1, 1001} {
		if err := s.Scale(f); err == nil {
			t.Errorf("Scale(%v) accepted", f)
		}
	}
}

func TestJSONSchemaIsEmbedded(t *testing.T) {
	if !strings.Contains(string(JSONSchema()), `"ramping-arrival-rate"`) {
		t.Error("JSONSchema() lacks the executor names")
	}
}

// TestTooDeepOrTooBig refuses inputs that would make the parser spend
// memory in proportion, with a position, before parsing.
func TestTooDeepOrTooBig(t *testing.T) {
	deep := "stages: " + strings.Repeat("[", 100) + strings.Repeat("]", 100)
	dashes := "stages:\n  " + strings.Repeat("- ", 100) + "x\n"
	quoted := "description: \"" + strings.Repeat("[", 100) + "\"\n" +
		"stages: [{flow: authorize, executor: gather, items: 1}]\n"
	for _, tt := range []struct {
		name, text, want string
	}{
		{"flow lists", deep, "x.yaml:1:73: lists or mappings nest deeper"},
		{"block lists", dashes, "x.yaml:2:"},
		{"brackets in quotes are text", quoted, ""},
	} {
		_, err := Parse("x.yaml", []byte(tt.text), noEnv)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if tt.want == "" && err != nil || !strings.Contains(got, tt.want) {
			t.Errorf("%s: error %q, want %q", tt.name, got, tt.want)
		}
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(big, make([]byte, MaxFileBytes+1), 0o644)
	if _, err := Load(big, noEnv); err == nil ||
		!strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load of a file over the limit: %v", err)
	}
}
