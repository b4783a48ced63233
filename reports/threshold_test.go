package reports

import (
	"errors"
	"strings"
	"testing"
)

func TestParseThresholdErrors(t *testing.T) {
	tests := []struct {
		key, expr string
		want      string
	}{
		{"latency.response", "p(99)", "no comparison"},
		{"latency.response", "p(101)<3", "bad percentile"},
		{"latency.response", "p(x)<3", "bad percentile"},
		{"latency.response", "<3", "no aggregation"},
		{"latency.response", "p(99)<fast", `bad value "fast"`},
		{"latency.response", "p(99)=<3", "bad comparison"},
		{"latency.response", "rate<3", "does not support rate (use p, avg"},
		{"latency.wall", "p(99)<3", `unknown latency kind "wall"`},
		{"outcomes.teapot", "rate<0.1", `unknown outcome class "teapot"`},
		{"http_req_duration", "p(95)<200", `unknown metric "http_req_duration"`},
		{"goodput.ok", "rate>1", "metric goodput takes no .ok"},
		{"goodput", "count>1", "does not support count"},
		{"goodput{scenario:x}", "rate>1", "the only scope is {stage:NAME}"},
		{"goodput{stage:x", "rate>1", "unclosed {"},
		{"outcomes.ok", "rate>NaN", "bad value"},
	}
	for _, tt := range tests {
		_, err := ParseThreshold(tt.key, tt.expr)
		if !errors.Is(err, ErrThreshold) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseThreshold(%q, %q) = %v, want ErrThreshold "+
				"containing %q", tt.key, tt.expr, err, tt.want)
		}
	}
}

func TestParseThreshold(t *testing.T) {
	tests := []struct {
		key, expr string
		want      Threshold
	}{
		{"latency.response", "p(99)<300ms", Threshold{Metric: "latency.response",
			agg: "p", pct: 99, op: "<", value: 300}},
		{"latency.service{stage:batch}", " p(99.9) <= 1.5s ", Threshold{
			Metric: "latency.service", Stage: "batch", agg: "p", pct: 99.9,
			op: "<=", value: 1500}},
		{"latency.operation", "avg<250us", Threshold{Metric: "latency.operation",
			agg: "avg", op: "<", value: 0.25}},
		{"latency.dispatch", "max<2", Threshold{Metric: "latency.dispatch",
			agg: "max", op: "<", value: 2}},
		{"latency.response", "count>=100", Threshold{Metric: "latency.response",
			agg: "count", op: ">=", value: 100}},
		{"outcomes.errors", "rate<1%", Threshold{Metric: "outcomes.errors",
			agg: "rate", op: "<", value: 0.01}},
		{"goodput", "rate>150", Threshold{Metric: "goodput", agg: "rate",
			op: ">", value: 150}},
		{"dropped", "count==0", Threshold{Metric: "dropped", agg: "count",
			op: "==", value: 0}},
	}
	for _, tt := range tests {
		got, err := ParseThreshold(tt.key, tt.expr)
		tt.want.Expr = strings.TrimSpace(tt.expr)
		if err != nil || got != tt.want {
			t.Errorf("ParseThreshold(%q, %q) = %+v, %v; want %+v",
				tt.key, tt.expr, got, err, tt.want)
		}
	}
}

func TestEvaluateThresholds(t *testing.T) {
	tests := []struct {
		key, expr string
		pass      bool
		value     float64 // checked when reason is empty
		reason    string
	}{
		{"latency.response{stage:batch}", "p(99)<30ms", true, 26.863, ""},
		{"latency.response{stage:batch}", "p(99)<20ms", false, 26.863, ""},
		{"latency.service{stage:batch}", "max<=25.007", true, 25.007, ""},
		{"latency.response{stage:batch}", "count==2200", true, 2200, ""},
		{"outcomes.throttled{stage:batch}", "rate<0.05", true, 0.03, ""},
		{"outcomes.errors{stage:batch}", "rate<=1%", true, 0.005, ""},
		{"attempts.throttled{stage:batch}", "count<=240", true, 240, ""},
		{"retries{stage:batch}", "rate<0.1", false, 0.1, ""},
		{"dropped", "count==0", false, 10, ""},
		{"dropped{stage:ramp}", "rate<=1%", true, 0.01, ""},
		{"early_retries", "count==0", false, 2, ""},
		{"sent", "count==2990", true, 2990, ""},
		{"goodput{stage:ramp}", "rate>190", true, 197, ""},
		{"throughput", "rate>190", true, 2990 / 15.25, ""},
		{"invalid_receipts", "count==0", false, 1, ""},
		{"held{stage:batch}", "count<=12", true, 12, ""},
		{"offline_lost{stage:ramp}", "rate<0.05", true, 0.01, ""},
		{"offline_lost{stage:batch}", "count==0", false, 0, "no data"},
		{"latency.response{stage:nope}", "p(99)<1", false, 0,
			`no stage named "nope"`},
	}
	r := sampleRun()
	for _, tt := range tests {
		th, err := ParseThreshold(tt.key, tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		res := th.Evaluate(r)
		if res.Pass != tt.pass || res.Reason != tt.reason {
			t.Errorf("%s: got %s, want pass %v reason %q",
				th, res, tt.pass, tt.reason)
			continue
		}
		if tt.reason == "" && (res.Value == nil || !near(*res.Value, tt.value)) {
			t.Errorf("%s: got %s, want value %v", th, res, tt.value)
		}
	}
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-9 && d > -1e-9
}

func TestEvaluateUndefinedFails(t *testing.T) {
	ts, err := ParseThresholds(map[string][]string{
		"latency.response": {"p(99)<1s"},
		"outcomes.errors":  {"rate<0.01"},
		"goodput":          {"rate>0"},
	})
	if err != nil {
		t.Fatal(err)
	}
	res := EvaluateThresholds(edgeRuns()["empty"], ts)
	for _, r := range res {
		if r.Pass || r.Reason != "no data" || r.Value != nil {
			t.Errorf("%s on an empty stage: want a failure for no data", r)
		}
	}
	if AllPassed(res) {
		t.Error("AllPassed = true with failures")
	}
	if !AllPassed(nil) {
		t.Error("AllPassed(nil) = false, want true")
	}
	if ts[0].Key() != "goodput" {
		t.Errorf("ParseThresholds did not sort by key: %v", ts)
	}
}

func TestThresholdResultString(t *testing.T) {
	th, _ := ParseThreshold("latency.response{stage:batch}", "p(99)<300ms")
	got := th.Evaluate(sampleRun()).String()
	want := "pass latency.response{stage:batch}: p(99)<300ms " +
		"(measured 26.863 ms)"
	if got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestBreached: only a threshold failing on a measured value is a
// breach; no data and a stage yet to run are not.
func TestBreached(t *testing.T) {
	r := &Run{Stages: []*Stage{closedStage()}}
	parse := func(key, expr string) Threshold {
		th, err := ParseThreshold(key, expr)
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	waiting := []Threshold{
		parse("latency.response{stage:later}", "p(99)<1ms"),
		parse("dropped", "count<1"),
	}
	if res, ok := Breached(r, waiting); ok {
		t.Errorf("Breached = %v, want none", res)
	}
	failing := append(waiting, parse("latency.service", "p(50)<1ms"))
	res, ok := Breached(r, failing)
	if !ok || res.Threshold.Expr != "p(50)<1ms" {
		t.Errorf("Breached = %v, %v; want the p(50) threshold", res, ok)
	}
}
