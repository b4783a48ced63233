package reports

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMergeShards(t *testing.T) {
	a, b := sampleRun(), sampleRun()
	for _, st := range b.Stages {
		st.Start = st.Start.Add(2 * time.Second)
	}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if len(m.Stages) != 2 || len(m.Warnings) != 0 {
		t.Fatalf("Merge gave %d stages, warnings %q; want 2, none",
			len(m.Stages), m.Warnings)
	}
	st, one := m.Stages[0], a.Stages[0]
	if st.Sent != 2*one.Sent || st.Outcomes[OK] != 2*one.Outcomes[OK] ||
		st.Attempts.Total() != 2*one.Attempts.Total() ||
		st.Concurrency != 2*one.Concurrency {
		t.Errorf("counts not added: %+v", st)
	}
	for _, kind := range LatencyKinds {
		want := NewLatency()
		_ = want.Merge(one.Latency[kind])
		_ = want.Merge(one.Latency[kind])
		if !st.Latency[kind].Hist.Equals(want.Hist) {
			t.Errorf("%s histogram is not the exact merge", kind)
		}
	}
	if want := one.Duration + 2*time.Second; st.Duration != want {
		t.Errorf("duration = %v, want the union %v", st.Duration, want)
	}
	if !st.Start.Equal(one.Start) {
		t.Errorf("start = %v, want the earliest %v", st.Start, one.Start)
	}
	off := one.Series.Goodput
	if got := st.Series.Goodput; len(got) != len(off)+2 ||
		got[0] != off[0] || got[2] != off[2]+off[0] {
		t.Errorf("goodput series %v is not %v added at +2 s", got, off)
	}
	if st.Held != 2*one.Held || st.Capped != 2*one.Capped {
		t.Errorf("held %d, capped %d: not added", st.Held, st.Capped)
	}
	ramp, oneRamp := m.Stages[1], a.Stages[1]
	if o := ramp.Offline; o == nil || o.Lost != 2*oneRamp.Offline.Lost ||
		o.LostBy["overflow"] != 20 ||
		o.TimeToReceipt.Count() != 2*oneRamp.Offline.TimeToReceipt.Count() ||
		o.Depth[2] != oneRamp.Offline.Depth[2]+oneRamp.Offline.Depth[0] {
		t.Errorf("offline accounts not merged: %+v", o)
	}
	if st.Steps[0].Attempts[OK] != 2*one.Steps[0].Attempts[OK] {
		t.Errorf("step attempts not added: %+v", st.Steps[0].Attempts)
	}
	if a.Stages[0].Sent != one.Sent || a.Stages[0].Latency[Response].Count() != 2200 {
		t.Errorf("Merge modified its input")
	}
}

func TestMergeWarnsWithoutOverlap(t *testing.T) {
	a, b := sampleRun(), sampleRun()
	b.Stages = b.Stages[:1]
	b.Stages[0].Start = b.Stages[0].Start.Add(time.Hour)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "overlap") {
		t.Errorf("warnings = %q, want one about overlap", m.Warnings)
	}
	if got, want := m.Stages[0].Duration, 2*a.Stages[0].Duration; got != want {
		t.Errorf("duration = %v, want the two active spans %v", got, want)
	}
	if n := len(m.Stages[0].Series.Offered); n != 3600+11 {
		t.Errorf("series holds %d seconds, want %d", n, 3600+11)
	}
}

func TestMergeErrors(t *testing.T) {
	other := sampleRun()
	other.Scenario = "other"
	flows := sampleRun()
	flows.Stages[0].Flow = "verify"
	tests := []struct {
		name string
		runs []*Run
		want string
	}{
		{"nothing", nil, "no run given"},
		{"scenarios", []*Run{sampleRun(), other}, "scenarios"},
		{"flows", []*Run{sampleRun(), flows}, `stage "batch" runs flows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Merge(tt.runs...)
			if !errors.Is(err, ErrMerge) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Merge = %v, want ErrMerge containing %q", err, tt.want)
			}
		})
	}
}

func TestUnionLength(t *testing.T) {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name    string
		spans   []span
		want    time.Duration
		overlap bool
	}{
		{"one", []span{{at(0), at(5)}}, 5 * time.Second, true},
		{"nested", []span{{at(0), at(10)}, {at(2), at(3)}}, 10 * time.Second, true},
		{"chained", []span{{at(4), at(9)}, {at(0), at(5)}}, 9 * time.Second, true},
		{"apart", []span{{at(0), at(2)}, {at(5), at(6)}}, 3 * time.Second, false},
		{"touching", []span{{at(0), at(2)}, {at(2), at(4)}}, 4 * time.Second, false},
	}
	for _, tt := range tests {
		if got := unionLength(tt.spans); got != tt.want {
			t.Errorf("%s: unionLength = %v, want %v", tt.name, got, tt.want)
		}
		if got := overlapping(tt.spans); got != tt.overlap {
			t.Errorf("%s: overlapping = %v, want %v", tt.name, got, tt.overlap)
		}
	}
}

func TestMergeKeepsIntervalsSorted(t *testing.T) {
	a, b := sampleRun(), sampleRun()
	for i, r := range []*Run{b, a} {
		st := r.Stages[0]
		st.Intervals = []*Interval{{Start: t0.Add(time.Duration(i) * time.Second),
			Latency: map[string]*Latency{Response: NewLatency()}}}
	}
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	ivs := m.Stages[0].Intervals
	if !slices.IsSortedFunc(ivs, func(x, y *Interval) int {
		return x.Start.Compare(y.Start)
	}) || len(ivs) != 2 {
		t.Errorf("intervals not merged in time order: %v", ivs)
	}
}
