package reports

import (
	"errors"
	"maps"
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

// dealt returns a whole open stage of n operations at rate per second,
// one every 1/rate from t0, and the same operations dealt round-robin
// into count shards, as loadgen deals an open schedule. Shard i started
// late by late[i], which delays its operations too; the whole run holds
// them where they happened.
func dealt(n int, rate float64, count int,
	late []time.Duration) (*Run, []*Run) {
	whole := &Run{Scenario: "dealt", Target: "mock"}
	shards := make([]*Run, count)
	for i := range shards {
		shards[i] = &Run{Scenario: "dealt", Target: "mock",
			ShardIndex: i, ShardCount: count}
	}
	stage := func(start time.Time) *Stage {
		s := NewStage("open", "authorize")
		s.Model, s.TargetRate, s.Start = "open", rate, start
		s.NewConnections = 3
		s.TransportErrors = map[string]int64{"reset": 1}
		return s
	}
	ws := stage(t0)
	whole.Stages = []*Stage{ws}
	for i, sh := range shards {
		sh.Stages = []*Stage{stage(t0.Add(late[i]))}
	}
	gap := time.Duration(float64(time.Second) / rate)
	for k := range n {
		at := time.Duration(k)*gap + late[k%count]
		d := time.Duration(1000+(k*7919)%20000) * time.Microsecond
		for _, s := range []*Stage{ws, shards[k%count].Stages[0]} {
			s.Intended++
			s.Sent++
			s.Outcomes[OK]++
			s.Attempts[OK]++
			s.Latency[Response].Record(d)
			s.Latency[Service].Record(d)
			off := t0.Sub(s.Start) + at
			bumpSeries(&s.Series.Offered, off)
			bumpSeries(&s.Series.Sent, off)
			bumpSeries(&s.Series.Goodput, off+d)
			s.Duration = max(s.Duration, off+d)
		}
	}
	ws.TransportErrors["reset"] = int64(count)
	ws.NewConnections = int64(3 * count)
	return whole, shards
}

func bumpSeries(s *[]int64, at time.Duration) {
	i := int(at / time.Second)
	for len(*s) <= i {
		*s = append(*s, 0)
	}
	(*s)[i]++
}

// TestMergeShardSetIsTheWholeRun merges 4 shards of one schedule and
// finds the single run's counts, histograms, per-second offered rate
// (aligned on wall-clock time), target rate, transport errors and
// connections. When one shard started two seconds late, the merge says
// that the target rate was not met, though each shard met its share.
func TestMergeShardSetIsTheWholeRun(t *testing.T) {
	tests := []struct {
		name string
		late []time.Duration
		warn string
	}{
		{"together", make([]time.Duration, 4), ""},
		{"one 2 s late", []time.Duration{0, 0, 2 * time.Second, 0},
			"target rate not met: operations went out at 285.8/s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			whole, shards := dealt(2000, 400, 4, tt.late)
			m, err := Merge(shards[2], shards[0], shards[3], shards[1])
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			if m.ShardCount != 0 || len(m.Warnings) != 0 {
				t.Errorf("merge is shard %d/%d with warnings %q; want a "+
					"whole run, none", m.ShardIndex, m.ShardCount, m.Warnings)
			}
			checkSameTotals(t, m.Stages[0], whole.Stages[0])
			w := StageWarnings(m.Stages[0])
			if tt.warn == "" && len(w) > 0 || tt.warn != "" &&
				(len(w) != 1 || !strings.HasPrefix(w[0], tt.warn)) {
				t.Errorf("merged stage warns %q; want %q", w, tt.warn)
			}
			for _, sh := range shards {
				st := sh.Stages[0]
				if w := stageWarnings(st, shardShare(sh)); len(w) != 0 {
					t.Errorf("shard %d warns %q; want nothing",
						sh.ShardIndex, w)
				}
			}
		})
	}
}

// checkSameTotals compares a merged stage with the whole run's.
func checkSameTotals(t *testing.T, got, want *Stage) {
	t.Helper()
	if got.Intended != want.Intended || got.Outcomes != want.Outcomes ||
		got.NewConnections != want.NewConnections ||
		!maps.Equal(got.TransportErrors, want.TransportErrors) {
		t.Errorf("merged counts %+v, want %+v", got, want)
	}
	if got.TargetRate != want.TargetRate {
		t.Errorf("merged target rate = %v, want the schedule's %v",
			got.TargetRate, want.TargetRate)
	}
	for _, kind := range []string{Response, Service} {
		if !got.Latency[kind].Hist.Equals(want.Latency[kind].Hist) {
			t.Errorf("merged %s histogram differs from the whole run's",
				kind)
		}
	}
	if !slices.Equal(got.Series.Offered, want.Series.Offered) {
		t.Errorf("merged offered per second = %v, want %v",
			got.Series.Offered, want.Series.Offered)
	}
}

func TestMergeRefusesBrokenShardSets(t *testing.T) {
	_, shards := dealt(40, 400, 4, make([]time.Duration, 4))
	other := sampleRun()
	other.Scenario, other.ShardIndex, other.ShardCount = "dealt", 1, 3
	whole := sampleRun()
	whole.Scenario = "dealt"
	tests := []struct {
		name string
		runs []*Run
		want string // "" for no error
	}{
		{"whole set", shards, ""},
		{"whole set and a whole run", append(slices.Clone(shards), whole), ""},
		{"one missing", []*Run{shards[0], shards[1], shards[3]},
			"incomplete shard set of 4: missing shard 2"},
		{"one alone", shards[1:2],
			"incomplete shard set of 4: missing shards 0, 2, 3"},
		{"one twice", append(slices.Clone(shards), shards[3]),
			"incomplete shard set of 4: duplicated shard 3"},
		{"missing and twice", []*Run{shards[0], shards[0], shards[1],
			shards[2]}, "missing shard 3; duplicated shard 0"},
		{"two sets", append(slices.Clone(shards), other),
			"shards of different sets: shard counts 4, 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Merge(tt.runs...)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Merge = %v, want no error", err)
				}
				return
			}
			var set *ShardSetError
			if !errors.Is(err, ErrMerge) || !errors.As(err, &set) ||
				!strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Merge = %v, want a *ShardSetError wrapping "+
					"ErrMerge and saying %q", err, tt.want)
			}
		})
	}
}

func TestShardSetErrorLists(t *testing.T) {
	_, shards := dealt(40, 400, 5, make([]time.Duration, 5))
	_, err := Merge(shards[0], shards[2], shards[2], shards[4])
	var set *ShardSetError
	if !errors.As(err, &set) {
		t.Fatalf("Merge = %v, want a *ShardSetError", err)
	}
	if set.Count != 5 || !slices.Equal(set.Missing, []int{1, 3}) ||
		!slices.Equal(set.Duplicated, []int{2}) {
		t.Errorf("ShardSetError = %+v, want count 5, missing [1 3], "+
			"duplicated [2]", set)
	}
}

func TestMergeWarnsOfDifferentTargetRates(t *testing.T) {
	a, b := sampleRun(), sampleRun()
	b.Stages[1].TargetRate = 250
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Stages[1].TargetRate; got != 250 {
		t.Errorf("target rate = %v, want the highest, 250", got)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0],
		"planned different target rates (200.0/s, 250.0/s)") {
		t.Errorf("warnings = %q, want one about the target rates",
			m.Warnings)
	}
}
