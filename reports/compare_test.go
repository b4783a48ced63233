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
