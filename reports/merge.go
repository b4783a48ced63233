package reports

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrMerge is wrapped by every error of Merge.
var ErrMerge = errors.New("cannot merge runs")

// Merge combines runs of one scenario, such as the shards of a run or
// repeated runs, into a new run; the inputs are not modified. Stages are
// matched by name, in the order they first appear. Counts are added and
// histograms merged exactly; per-second series are aligned by wall-clock
// start (whole seconds); a stage's start is the earliest and its duration
// the total length of the union of the inputs' active intervals, so rates
// are computed over time when something ran. A stage's TargetRate is
// the whole schedule's in every shard, so it is kept, not added. A
// warning is added when a stage's inputs do not overlap in time, when
// they planned different target rates (the highest is kept), or when
// their mock settings or targets differ.
//
// Inputs that are shards (ShardCount > 1) must form one whole shard set:
// one count, and each index from 0 to count-1 exactly once; otherwise
// Merge returns a *ShardSetError naming the missing and duplicated
// indexes, so that a lost shard is not reported as a smaller run. To
// merge repeated sharded runs, merge each set first. Inputs that are
// not shards may be merged with the set. The merge is not a shard: its
// ShardCount is 0. Merging runs of different scenarios, or stages of
// one name but different flows, is an error. Every error wraps ErrMerge.
func Merge(runs ...*Run) (*Run, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("%w: no run given", ErrMerge)
	}
	if err := checkShardSet(runs); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMerge, err)
	}
	out := mergeHeader(runs)
	for _, r := range runs {
		if r.Scenario != out.Scenario {
			return nil, fmt.Errorf("%w: scenarios %q and %q differ",
				ErrMerge, out.Scenario, r.Scenario)
		}
	}
	for _, name := range stageNames(runs) {
		st, warn, err := mergeStages(name, stagesNamed(runs, name))
		if err != nil {
			return nil, err
		}
		out.Stages = append(out.Stages, st)
		out.Warnings = append(out.Warnings, warn...)
	}
	return out, nil
}

// ShardSetError says why shards do not form one whole set. Indexes run
// from 0; Count is the count of the first shard.
type ShardSetError struct {
	Count int
	// Counts lists every shard count seen, when the shards disagree.
	Counts []int
	// Missing lists the indexes of the set that no input has, and
	// Duplicated those that more than one input has.
	Missing, Duplicated []int
	// Outside lists indexes that are not from 0 to Count-1.
	Outside []int
}

// Error names the problem and the indexes, e.g. "incomplete shard set
// of 4: missing shard 2".
func (e *ShardSetError) Error() string {
	if len(e.Counts) > 1 {
		return fmt.Sprintf("shards of different sets: shard counts %s",
			joinInts(e.Counts))
	}
	var parts []string
	if len(e.Missing) > 0 {
		parts = append(parts, "missing "+shardWord(e.Missing))
	}
	if len(e.Duplicated) > 0 {
		parts = append(parts, "duplicated "+shardWord(e.Duplicated))
	}
	if len(e.Outside) > 0 {
		parts = append(parts, "out of range "+shardWord(e.Outside))
	}
	return fmt.Sprintf("incomplete shard set of %d: %s", e.Count,
		strings.Join(parts, "; "))
}

func shardWord(idx []int) string {
	if len(idx) == 1 {
		return "shard " + joinInts(idx)
	}
	return "shards " + joinInts(idx)
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

// checkShardSet returns a *ShardSetError unless the inputs that are
// shards form one whole set, or none is a shard.
func checkShardSet(runs []*Run) error {
	e := &ShardSetError{}
	seen := map[int]int{}
	for _, r := range runs {
		if r.ShardCount < 2 {
			continue
		}
		if !slices.Contains(e.Counts, r.ShardCount) {
			e.Counts = append(e.Counts, r.ShardCount)
		}
		seen[r.ShardIndex]++
	}
	if len(e.Counts) == 0 {
		return nil
	}
	e.Count = e.Counts[0]
	if len(e.Counts) > 1 {
		return e
	}
	for i := range e.Count {
		if seen[i] == 0 {
			e.Missing = append(e.Missing, i)
		}
	}
	for _, i := range slices.Sorted(maps.Keys(seen)) {
		switch {
		case i < 0 || i >= e.Count:
			e.Outside = append(e.Outside, i)
		case seen[i] > 1:
			e.Duplicated = append(e.Duplicated, i)
		}
	}
	if len(e.Missing)+len(e.Duplicated)+len(e.Outside) == 0 {
		return nil
	}
	return e
}

// mergeHeader returns the run-level fields of the merge of runs.
func mergeHeader(runs []*Run) *Run {
	first := runs[0]
	out := &Run{
		Scenario: first.Scenario, Description: first.Description,
		Target: first.Target, MockProfile: first.MockProfile,
		MockSeed: first.MockSeed, Version: first.Version,
		Start: first.Start,
	}
	for _, r := range runs {
		out.Interrupted = out.Interrupted || r.Interrupted
		out.Start = earliest(out.Start, r.Start)
		out.Warnings = append(out.Warnings, r.Warnings...)
	}
	for _, r := range runs[1:] {
		if r.Target != first.Target {
			out.Warnings = append(out.Warnings, fmt.Sprintf(
				"merged runs have different targets: %s and %s",
				first.Target, r.Target))
			break
		}
	}
	for _, r := range runs[1:] {
		if r.MockProfile != first.MockProfile {
			out.Warnings = append(out.Warnings, fmt.Sprintf(
				"merged runs used different mock profiles: %s and %s",
				first.MockProfile, r.MockProfile))
			break
		}
	}
	return out
}

// earliest returns the earlier of two times, ignoring zero times.
func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

func stageNames(runs []*Run) []string {
	var names []string
	for _, r := range runs {
		for _, st := range r.Stages {
			if !slices.Contains(names, st.Name) {
				names = append(names, st.Name)
			}
		}
	}
	return names
}

func stagesNamed(runs []*Run, name string) []*Stage {
	var out []*Stage
	for _, r := range runs {
		for _, st := range r.Stages {
			if st.Name == name {
				out = append(out, st)
			}
		}
	}
	return out
}

// mergeStages merges stages of one name into a new stage and returns
// warnings about them.
func mergeStages(name string, in []*Stage) (*Stage, []string, error) {
	for _, st := range in {
		if st.Flow != in[0].Flow {
			return nil, nil, fmt.Errorf("%w: stage %q runs flows %q and %q",
				ErrMerge, name, in[0].Flow, st.Flow)
		}
	}
	out, err := combine(name, in)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: stage %q: %w", ErrMerge, name, err)
	}
	var warn []string
	if len(in) > 1 && !overlapping(activeSpans(in)) {
		warn = append(warn, fmt.Sprintf("stage %s: the merged inputs do "+
			"not overlap in time; rates are over their union", name))
	}
	if rates := targetRates(in); len(rates) > 1 {
		warn = append(warn, fmt.Sprintf("stage %s: the merged inputs "+
			"planned different target rates (%s); the highest is kept",
			name, strings.Join(rates, ", ")))
	}
	return out, warn, nil
}

// targetRates returns the distinct non-zero target rates of in, as
// text, in the order they appear.
func targetRates(in []*Stage) []string {
	var out []string
	for _, st := range in {
		if r := fmtRate(st.TargetRate); st.TargetRate > 0 &&
			!slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// combine adds stages into a new stage named name. Its flow and model
// are the inputs' when they agree and "mixed" when not; its duration is
// the length of the union of their active intervals.
func combine(name string, in []*Stage) (*Stage, error) {
	out := NewStage(name, "")
	if len(in) == 0 {
		return out, nil
	}
	out.Flow, out.Model = in[0].Flow, in[0].Model
	for _, st := range in {
		out.Start = earliest(out.Start, st.Start)
	}
	for _, st := range in {
		if st.Flow != out.Flow {
			out.Flow = "mixed"
		}
		if st.Model != out.Model {
			out.Model = "mixed"
		}
		if err := addStage(out, st); err != nil {
			return nil, err
		}
	}
	out.Duration = unionLength(activeSpans(in))
	sortIntervals(out.Intervals)
	return out, nil
}

// addStage adds the counts, histograms, steps, series and intervals of
// src to dst, whose Start must already be the earliest.
func addStage(dst, src *Stage) error {
	dst.Concurrency += src.Concurrency
	dst.Intended += src.Intended
	dst.Sent += src.Sent
	dst.Dropped += src.Dropped
	dst.Outcomes.Add(&src.Outcomes)
	dst.Attempts.Add(&src.Attempts)
	dst.Retries += src.Retries
	dst.RetryWait += src.RetryWait
	dst.EarlyRetries += src.EarlyRetries
	dst.RetriesBy.Add(&src.RetriesBy)
	dst.Capped += src.Capped
	dst.BudgetExhausted += src.BudgetExhausted
	dst.SucceededEarlier += src.SucceededEarlier
	dst.Held += src.Held
	dst.InvalidReceipts += src.InvalidReceipts
	dst.Setup += src.Setup
	dst.NewConnections += src.NewConnections
	dst.TargetRate = max(dst.TargetRate, src.TargetRate)
	for cause, n := range src.TransportErrors {
		if dst.TransportErrors == nil {
			dst.TransportErrors = map[string]int64{}
		}
		dst.TransportErrors[cause] += n
	}
	if err := mergeLatencies(dst.Latency, src.Latency); err != nil {
		return err
	}
	off := secondsBetween(dst.Start, src.Start)
	if err := addOffline(dst, src.Offline, off); err != nil {
		return fmt.Errorf("offline: %w", err)
	}
	for _, sst := range src.Steps {
		dstep := dst.Step(sst.Name)
		dstep.Attempts.Add(&sst.Attempts)
		if err := mergeLatencies(dstep.Latency, sst.Latency); err != nil {
			return fmt.Errorf("step %q: %w", sst.Name, err)
		}
	}
	addSeries(&dst.Series, &src.Series, off)
	for _, iv := range src.Intervals {
		dst.Intervals = append(dst.Intervals, cloneInterval(iv))
	}
	return nil
}

// addOffline adds an offline account into dst's, making it if needed.
// Depths of queues that ran side by side are added second by second: the
// sum of each queue's deepest point bounds the total from above.
func addOffline(dst *Stage, src *Offline, off int) error {
	if src == nil {
		return nil
	}
	if dst.Offline == nil {
		dst.Offline = NewOffline()
	}
	o := dst.Offline
	o.Accepted += src.Accepted
	o.Delivered += src.Delivered
	o.Lost += src.Lost
	o.DeniedLate += src.DeniedLate
	for k, v := range src.LostBy {
		o.LostBy[k] += v
	}
	o.Depth = addShifted(o.Depth, src.Depth, off)
	if err := o.Enqueue.Merge(src.Enqueue); err != nil {
		return err
	}
	return o.TimeToReceipt.Merge(src.TimeToReceipt)
}

// mergeLatencies merges every latency of src into dst, adding kinds dst
// lacks.
func mergeLatencies(dst, src map[string]*Latency) error {
	for kind, l := range src {
		if dst[kind] == nil {
			dst[kind] = NewLatency()
		}
		if err := dst[kind].Merge(l); err != nil {
			return fmt.Errorf("%s latency: %w", kind, err)
		}
	}
	return nil
}

func cloneInterval(iv *Interval) *Interval {
	c := &Interval{Start: iv.Start, End: iv.End,
		Latency: map[string]*Latency{}}
	_ = mergeLatencies(c.Latency, iv.Latency) // exact: same bounds
	return c
}

func sortIntervals(ivs []*Interval) {
	slices.SortStableFunc(ivs, func(a, b *Interval) int {
		return a.Start.Compare(b.Start)
	})
}

// secondsBetween returns whole seconds from base to t, 0 when either is
// unknown or t is earlier.
func secondsBetween(base, t time.Time) int {
	if base.IsZero() || t.IsZero() || t.Before(base) {
		return 0
	}
	return int(t.Sub(base) / time.Second)
}

// addSeries adds src to dst with src's first second at dst's second off.
func addSeries(dst, src *Series, off int) {
	dst.Offered = addShifted(dst.Offered, src.Offered, off)
	dst.Sent = addShifted(dst.Sent, src.Sent, off)
	dst.Goodput = addShifted(dst.Goodput, src.Goodput, off)
	dst.Throttled = addShifted(dst.Throttled, src.Throttled, off)
	dst.Errors = addShifted(dst.Errors, src.Errors, off)
}

func addShifted(dst, src []int64, off int) []int64 {
	if len(src) == 0 {
		return dst
	}
	if n := off + len(src); n > len(dst) {
		dst = append(dst, make([]int64, n-len(dst))...)
	}
	for i, v := range src {
		dst[off+i] += v
	}
	return dst
}

// span is a stage's active interval [from, to).
type span struct{ from, to time.Time }

// activeSpans returns the active interval of each stage. A stage of
// unknown start is laid after the others, so its duration still counts.
func activeSpans(in []*Stage) []span {
	var out []span
	var last time.Time
	for _, st := range in {
		if !st.Start.IsZero() {
			out = append(out, span{st.Start, st.Start.Add(st.Duration)})
			if end := st.Start.Add(st.Duration); end.After(last) {
				last = end
			}
		}
	}
	for _, st := range in {
		if st.Start.IsZero() {
			out = append(out, span{last, last.Add(st.Duration)})
			last = last.Add(st.Duration)
		}
	}
	return out
}

// unionLength returns the total time covered by spans.
func unionLength(spans []span) time.Duration {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b span) int { return a.from.Compare(b.from) })
	var total time.Duration
	var end time.Time
	for i, sp := range s {
		if i == 0 || sp.from.After(end) {
			total += sp.to.Sub(sp.from)
			end = sp.to
			continue
		}
		if sp.to.After(end) {
			total += sp.to.Sub(end)
			end = sp.to
		}
	}
	return total
}

// overlapping reports whether every span overlaps the union of the
// others, that is whether the union is one unbroken interval.
func overlapping(spans []span) bool {
	s := slices.Clone(spans)
	slices.SortFunc(s, func(a, b span) int { return a.from.Compare(b.from) })
	end := s[0].to
	for _, sp := range s[1:] {
		if sp.from.After(end) || sp.from.Equal(end) {
			return false
		}
		if sp.to.After(end) {
			end = sp.to
		}
	}
	return true
}
