package reports

import (
	"fmt"
	"strings"
)

// ThresholdResult is the verdict of one threshold on one run.
type ThresholdResult struct {
	Threshold Threshold
	// Value is the measured value in the metric's unit (ms, a fraction,
	// per second, or a count); nil when it is undefined.
	Value *float64
	Pass  bool
	// Reason says why a threshold failed without a comparison: no data,
	// or no stage of that name. Empty otherwise.
	Reason string
}

// String returns a one-line account, e.g.
// "pass latency.response: p(99)<300ms (measured 26.863 ms)".
func (r ThresholdResult) String() string {
	verdict := "FAIL"
	if r.Pass {
		verdict = "pass"
	}
	got := r.Reason
	if r.Value != nil {
		got = "measured " + r.Threshold.format(*r.Value)
	}
	return fmt.Sprintf("%s %s (%s)", verdict, r.Threshold, got)
}

// EvaluateThresholds evaluates each threshold on r, in order. A threshold
// whose value is undefined (an empty histogram, no operation, a stage of
// no duration) or whose stage is absent fails, so a gate never passes on
// missing data. What to do with a failure (exit 99, abort) is the
// caller's choice.
func EvaluateThresholds(r *Run, ts []Threshold) []ThresholdResult {
	out := make([]ThresholdResult, len(ts))
	for i, t := range ts {
		out[i] = t.Evaluate(r)
	}
	return out
}

// AllPassed reports whether every result passed; true for none.
func AllPassed(results []ThresholdResult) bool {
	for _, r := range results {
		if !r.Pass {
			return false
		}
	}
	return true
}

// Breached returns the first threshold that a run still in progress
// already fails on a measured value. A threshold with no data yet, or
// scoped to a stage that has not started, is not breached: unlike
// EvaluateThresholds, which judges a finished run, Breached gives a
// run time to show its numbers. Stopping a run on a breach is k6's
// abort-on-fail.
func Breached(r *Run, ts []Threshold) (ThresholdResult, bool) {
	for _, t := range ts {
		if res := t.Evaluate(r); !res.Pass && res.Value != nil {
			return res, true
		}
	}
	return ThresholdResult{}, false
}

// Evaluate measures t's metric on r, over t.Stage or over every stage
// combined, and compares it.
func (t Threshold) Evaluate(r *Run) ThresholdResult {
	res := ThresholdResult{Threshold: t}
	st, err := t.scope(r)
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	v, ok := t.measure(st)
	if !ok {
		res.Reason = "no data"
		return res
	}
	res.Value = &v
	res.Pass = compare(v, t.op, t.value)
	return res
}

// scope returns the stage the threshold reads: the named one, or all
// stages combined.
func (t Threshold) scope(r *Run) (*Stage, error) {
	if t.Stage == "" {
		return combine("", r.Stages)
	}
	for _, st := range r.Stages {
		if st.Name == t.Stage {
			return st, nil
		}
	}
	return nil, fmt.Errorf("no stage named %q", t.Stage)
}

// measure returns the metric's value on st and whether it is defined.
func (t Threshold) measure(st *Stage) (float64, bool) {
	family, sub, _ := strings.Cut(t.Metric, ".")
	switch family {
	case "latency":
		return t.latency(st.Latency[sub])
	case "outcomes":
		return classShare(&st.Outcomes, sub, t.agg)
	case "attempts":
		return classShare(&st.Attempts, sub, t.agg)
	case "throughput":
		return st.Throughput(), st.Duration > 0
	case "goodput":
		return st.Goodput(), st.Duration > 0
	case "retries":
		return countOrRate(st.Retries, st.Sent, t.agg)
	case "dropped":
		return countOrRate(st.Dropped, st.Intended, t.agg)
	case "early_retries":
		return float64(st.EarlyRetries), true
	case "intended":
		return float64(st.Intended), true
	case "sent":
		return float64(st.Sent), true
	case "held":
		return countOrRate(st.Held, st.Outcomes[OK], t.agg)
	case "offline_lost":
		if st.Offline == nil {
			return 0, false
		}
		return countOrRate(st.Offline.Lost, st.Offline.Accepted, t.agg)
	case "invalid_receipts":
		return float64(st.InvalidReceipts), true
	}
	return 0, false
}

func (t Threshold) latency(l *Latency) (float64, bool) {
	if t.agg == "count" {
		return float64(l.Count()), true
	}
	if l.Count() == 0 {
		return 0, false
	}
	switch t.agg {
	case "p":
		return float64(l.Hist.ValueAtPercentile(t.pct)) / 1000, true
	case "med":
		return float64(l.Hist.ValueAtPercentile(50)) / 1000, true
	case "avg":
		return l.Hist.Mean() / 1000, true
	case "min":
		return float64(l.Hist.Min()) / 1000, true
	case "max":
		return float64(l.Hist.Max()) / 1000, true
	}
	return 0, false
}

func classShare(o *Outcomes, name, agg string) (float64, bool) {
	classes, _ := classByName(name)
	var n int64
	for _, c := range classes {
		n += o[c]
	}
	return countOrRate(n, o.Total(), agg)
}

func countOrRate(n, of int64, agg string) (float64, bool) {
	if agg == "count" {
		return float64(n), true
	}
	if of == 0 {
		return 0, false
	}
	return float64(n) / float64(of), true
}

func compare(v float64, op string, want float64) bool {
	switch op {
	case "<":
		return v < want
	case "<=":
		return v <= want
	case ">":
		return v > want
	case ">=":
		return v >= want
	case "==":
		return v == want
	case "!=":
		return v != want
	}
	return false
}

// format writes a measured value with the threshold's unit.
func (t Threshold) format(v float64) string {
	family, _, _ := strings.Cut(t.Metric, ".")
	switch {
	case t.agg == "count":
		return fmtFloat(v, 0)
	case family == "latency":
		return fmtFloat(v, 3) + " ms"
	case family == "throughput" || family == "goodput":
		return fmtRate(v)
	}
	return fmtFloat(100*v, 2) + "%"
}
