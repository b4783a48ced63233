package reports

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// simStage returns a stage whose latencies are lognormal around 20 ms
// times latScale and whose goodput is about 200/s times goodScale over
// 30 s, drawn from seed.
func simStage(seed uint64, latScale, goodScale, failShare float64) *Stage {
	rng := rand.New(rand.NewPCG(seed, 7))
	s := NewStage("s", "authorize")
	s.Start, s.Duration = t0, 30*time.Second
	for range 6000 {
		ms := 20 * latScale * math.Exp(0.5*rng.NormFloat64())
		d := time.Duration(ms * float64(time.Millisecond))
		s.Latency[Response].Record(d + time.Millisecond)
		s.Latency[Service].Record(d)
	}
	for range 30 {
		v := 200*goodScale + 8*rng.NormFloat64()
		s.Series.Goodput = append(s.Series.Goodput, int64(v))
	}
	s.Sent = 6000
	s.Outcomes[TransportError] = int64(float64(s.Sent) * failShare)
	s.Outcomes[TransportError] += int64(rng.IntN(5))
	s.Outcomes[OK] = s.Sent - s.Outcomes[TransportError]
	return s
}

func simRun(seed uint64, lat, good, fail float64) *Run {
	return &Run{Scenario: "sim", Stages: []*Stage{simStage(seed, lat, good, fail)}}
}

func TestCompareNoFalseAlarm(t *testing.T) {
	for i := range uint64(20) {
		c, err := Compare(simRun(i, 1, 1, 0.01), simRun(i+1000, 1, 1, 0.01),
			DefaultTolerances())
		if err != nil {
			t.Fatal(err)
		}
		if c.Regressed() {
			var b bytes.Buffer
			_ = WriteComparison(&b, c)
			t.Errorf("A/A pair %d was called a regression:\n%s", i, b.String())
		}
	}
}

func TestCompareFindsRegressions(t *testing.T) {
	tests := []struct {
		name   string
		next   *Run
		metric string
	}{
		{"latency +20%", simRun(2, 1.2, 1, 0.01), "latency.response p(50)"},
		{"service +20%", simRun(2, 1.2, 1, 0.01), "latency.service p(90)"},
		{"goodput -20%", simRun(2, 1, 0.8, 0.01), "goodput"},
		{"failures +5 points", simRun(2, 1, 1, 0.06), "failure rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(simRun(1, 1, 1, 0.01), tt.next, DefaultTolerances())
			if err != nil {
				t.Fatal(err)
			}
			var found bool
			for _, d := range c.Deltas {
				if d.Metric == tt.metric {
					found = d.Regression
				}
			}
			if !found || !c.Regressed() {
				var b bytes.Buffer
				_ = WriteComparison(&b, c)
				t.Errorf("%s not flagged as a regression:\n%s",
					tt.metric, b.String())
			}
		})
	}
}

func TestCompareMissingStageAndEmpty(t *testing.T) {
	base := sampleRun()
	next := sampleRun()
	next.Stages = next.Stages[:1]
	c, err := Compare(base, next, DefaultTolerances())
	if err != nil {
		t.Fatal(err)
	}
	last := c.Deltas[len(c.Deltas)-1]
	if !last.Regression || last.Stage != "ramp" {
		t.Errorf("missing stage: last delta %+v, want a regression", last)
	}
	empty := edgeRuns()["empty"]
	c, err = Compare(empty, empty, DefaultTolerances())
	if err != nil || c.Regressed() {
		t.Errorf("Compare(empty, empty) = %+v, %v; want no regression", c, err)
	}
	var b bytes.Buffer
	if err := WriteComparison(&b, c); err != nil ||
		strings.Contains(b.String(), "NaN") {
		t.Errorf("WriteComparison of empty runs: %v\n%s", err, b.String())
	}
	if _, err := Compare(base, next, Tolerances{}); err == nil {
		t.Error("Compare with confidence 0: want an error")
	}
}

func TestMannWhitney(t *testing.T) {
	a := simStage(1, 1, 1, 0).Latency[Response]
	same := simStage(2, 1, 1, 0).Latency[Response]
	shifted := simStage(2, 1.1, 1, 0).Latency[Response]
	if p := mannWhitneyP(a, a); p < 0.99 {
		t.Errorf("p of a sample against itself = %v, want 1", p)
	}
	if p := mannWhitneyP(a, same); p < 0.001 {
		t.Errorf("p of two samples of one law = %v, want not tiny", p)
	}
	if p := mannWhitneyP(a, shifted); p > 1e-6 {
		t.Errorf("p of a 10%% shift over 6,000 values = %v, want tiny", p)
	}
	// Half of over lies above base's highest value, where the walk of
	// base's buckets has ended.
	base, over := NewLatency(), NewLatency()
	for v := range 100 {
		base.Record(time.Duration(v+1) * time.Millisecond)
		over.Record(time.Duration(v+51) * time.Millisecond)
	}
	if p := mannWhitneyP(base, over); p > 1e-10 {
		t.Errorf("p of a shift past the baseline's maximum = %v, want tiny",
			p)
	}
	if p := mannWhitneyP(a, NewLatency()); p != -1 {
		t.Errorf("p against an empty histogram = %v, want -1", p)
	}
}

func TestWriteComparisonGolden(t *testing.T) {
	c, err := Compare(simRun(1, 1, 1, 0.01), simRun(2, 1.2, 0.8, 0.01),
		DefaultTolerances())
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteComparison(&b, c); err != nil {
		t.Fatal(err)
	}
	golden(t, "compare.golden.txt", b.Bytes())
}

// shortRun returns a run of one sub-second batch stage: n ok operations
// over d, with service times of about ms milliseconds.
func shortRun(n int, d time.Duration, ms float64) *Run {
	s := NewStage("s", "authorize")
	s.Model, s.Concurrency = "closed", 10
	s.Start, s.Duration = t0, d
	s.Intended, s.Sent = int64(n), int64(n)
	s.Outcomes[OK], s.Attempts[OK] = int64(n), int64(n)
	rng := rand.New(rand.NewPCG(uint64(n), uint64(d)))
	for range n {
		v := ms * math.Exp(0.3*rng.NormFloat64())
		lat := time.Duration(v * float64(time.Millisecond))
		s.Latency[Service].Record(lat)
		s.Latency[Response].Record(lat)
	}
	s.Series.Goodput = []int64{int64(n)}
	return &Run{Scenario: "short", Stages: []*Stage{s}}
}

// TestCompareShortStageGoodput judges the goodput of stages too short for
// a per-second series by their ok count over their duration.
func TestCompareShortStageGoodput(t *testing.T) {
	tests := []struct {
		name string
		next *Run
		want bool
	}{
		{"same", shortRun(500, 370*time.Millisecond, 7), false},
		{"5% slower", shortRun(500, 389*time.Millisecond, 7), false},
		{"25% slower", shortRun(500, 463*time.Millisecond, 7), true},
	}
	base := shortRun(500, 370*time.Millisecond, 7)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compare(base, tt.next, DefaultTolerances())
			if err != nil {
				t.Fatal(err)
			}
			g := findDelta(t, c, "goodput")
			if g.Regression != tt.want || !strings.HasPrefix(g.Method,
				"ok count over duration") {
				t.Errorf("goodput delta %+v: want regression %v by the "+
					"ok count", g, tt.want)
			}
		})
	}
}

func findDelta(t *testing.T, c *Comparison, metric string) Delta {
	t.Helper()
	for _, d := range c.Deltas {
		if d.Metric == metric {
			return d
		}
	}
	t.Fatalf("no delta %q in %+v", metric, c.Deltas)
	return Delta{}
}

// TestCompareDoesNotGateThinTails shows a p99 of 500 values, which has 5
// values above it, without gating on it, however far it moved.
func TestCompareDoesNotGateThinTails(t *testing.T) {
	base := shortRun(500, 370*time.Millisecond, 7)
	next := shortRun(500, 370*time.Millisecond, 7)
	for range 6 {
		next.Stages[0].Latency[Service].Record(80 * time.Millisecond)
	}
	c, err := Compare(base, next, DefaultTolerances())
	if err != nil {
		t.Fatal(err)
	}
	d := findDelta(t, c, "latency.service p(99)")
	if d.Regression || d.Rel < 1 || !strings.HasPrefix(d.Note,
		"not gated: 5 values above p(99), want 2") {
		t.Errorf("p(99) delta %+v: want a large rise, noted, not gated", d)
	}
	if c.Regressed() {
		t.Errorf("six slow values out of 506 called a regression")
	}
}

// TestCompareTailsAgainstInFlight gates a percentile only when twice as
// many values lie above it as requests were in flight: 300 requests of
// about 40 ms in 0.24 s kept 50 in flight, as did 300 of 60 ms in
// 0.36 s, so the 30 values above p90 are too few, the 150 above p50
// enough.
func TestCompareTailsAgainstInFlight(t *testing.T) {
	base := shortRun(300, 240*time.Millisecond, 40)
	next := shortRun(300, 360*time.Millisecond, 60)
	if got := inFlight(base.Stages[0]); got < 48 || got > 53 {
		t.Fatalf("inFlight = %d, want about 50", got)
	}
	c, err := Compare(base, next, DefaultTolerances())
	if err != nil {
		t.Fatal(err)
	}
	p90 := findDelta(t, c, "latency.service p(90)")
	p50 := findDelta(t, c, "latency.service p(50)")
	if p90.Regression || !strings.HasPrefix(p90.Note,
		"not gated: 30 values above p(90), want 10") {
		t.Errorf("p(90) delta %+v: want it noted, not gated", p90)
	}
	if !p50.Regression {
		t.Errorf("p(50) delta %+v: want a regression", p50)
	}
}
