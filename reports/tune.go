package reports

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// TuneLevel is the digest of one level of a concurrency sweep: one stage
// run with a fixed number of operations in flight. Rates are per second
// over Seconds; latencies are in milliseconds.
type TuneLevel struct {
	// Concurrency is the level's in-flight bound, the semaphore size.
	Concurrency int `json:"concurrency"`
	// Seconds is the span the rates are counted over.
	Seconds float64 `json:"seconds"`
	// Operations counts operations that reached a final outcome.
	Operations int64 `json:"operations"`
	// Offered counts operations intended, Throughput operations
	// answered and Goodput ok operations, per second. Over a window,
	// Throughput counts operations started, which a closed model's
	// steady state finishes as fast.
	Offered    float64 `json:"offered_per_s"`
	Throughput float64 `json:"throughput_per_s"`
	Goodput    float64 `json:"goodput_per_s"`
	// ThrottledShare is the share of attempts answered throttled.
	ThrottledShare float64 `json:"throttled_share"`
	// FailedShare is the share of operations whose final outcome was an
	// error class: neither ok nor a policy denial.
	FailedShare float64 `json:"failed_share"`
	// RetriesPerOp is retries per finished operation.
	RetriesPerOp float64 `json:"retries_per_op"`
	// P50, P99 and Mean are of operation latency: from an operation's
	// first intended instant to its final outcome, across retries.
	P50  float64 `json:"p50_ms"`
	P99  float64 `json:"p99_ms"`
	Mean float64 `json:"mean_ms"`
	// Service is the mean service time of one attempt.
	Service float64 `json:"service_ms"`
	// RetryWait is the mean time an operation spent waiting before its
	// retries, for a Retry-After or a backoff.
	RetryWait float64 `json:"retry_wait_ms"`
}

// InFlightTime returns the mean time an operation held its permit, in
// milliseconds, from Little's law on a closed model: concurrency divided
// by throughput. It is 0 when nothing finished.
func (l TuneLevel) InFlightTime() float64 {
	if l.Throughput <= 0 {
		return 0
	}
	return 1000 * float64(l.Concurrency) / l.Throughput
}

// SummarizeLevel digests one level's stage result. When window is at
// least a second, rates count the whole seconds of the window from the
// stage's start only, so operations that were still waiting out a long
// Retry-After when the window closed do not stretch the span; else they
// count the stage's whole duration, as a batch's do.
func SummarizeLevel(st *Stage, window time.Duration) TuneLevel {
	l := TuneLevel{Concurrency: st.Concurrency,
		Operations: st.Outcomes.Total()}
	span := st.Duration
	offered, done, good := st.Intended, l.Operations, st.Outcomes[OK]
	if n := int(window / time.Second); n >= 1 {
		span = time.Duration(n) * time.Second
		offered = sumFirst(st.Series.Offered, n)
		good = sumFirst(st.Series.Goodput, n)
		// In a closed model's steady state operations start as fast as
		// they finish, so the window's intended count stands for its
		// finished one, which the series do not keep.
		done = offered
	}
	l.Seconds = span.Seconds()
	l.Offered = perSecond(offered, span)
	l.Goodput = perSecond(good, span)
	l.Throughput = perSecond(done, span)
	l.fillShares(st)
	l.fillLatency(st)
	return l
}

// fillShares sets the shares and the retries per operation.
func (l *TuneLevel) fillShares(st *Stage) {
	l.ThrottledShare = share(st.Attempts[Throttled], st.Attempts.Total())
	ok := st.Outcomes[OK] + st.Outcomes[Denied]
	l.FailedShare = share(l.Operations-ok, l.Operations)
	l.RetriesPerOp = share(st.Retries, l.Operations)
	if l.Operations > 0 {
		l.RetryWait = ms(st.RetryWait / time.Duration(l.Operations))
	}
}

// fillLatency sets the latency statistics.
func (l *TuneLevel) fillLatency(st *Stage) {
	op := st.Latency[Operation].Summary()
	l.P50, l.P99, l.Mean = deref(op.P50), deref(op.P99), deref(op.Mean)
	l.Service = deref(st.Latency[Service].Summary().Mean)
}

func sumFirst(s []int64, n int) int64 {
	var t int64
	for _, v := range s[:min(n, len(s))] {
		t += v
	}
	return t
}

func share(n, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(n) / float64(total)
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// FlatGain is the least rise of goodput, as a share of an earlier level's,
// that counts as growth when a sweep looks for its plateau.
const FlatGain = 0.05

// PlateauStart returns the index of the first level from which goodput
// no longer grows: no later level beats its goodput by FlatGain or more.
// Levels are in ascending concurrency. It returns -1 for no levels.
func PlateauStart(levels []TuneLevel) int {
	after := make([]float64, len(levels)) // best goodput after each level
	for i := len(levels) - 2; i >= 0; i-- {
		after[i] = max(after[i+1], levels[i+1].Goodput)
	}
	for i, l := range levels {
		if after[i] <= l.Goodput || after[i] < l.Goodput*(1+FlatGain) {
			return i
		}
	}
	return -1
}

// PastKnee reports whether a sweep may skip its remaining levels: the
// goodput has been flat since some level, and the last level run has at
// least twice that level's concurrency. Levels are in ascending
// concurrency.
func PastKnee(levels []TuneLevel) bool {
	k := PlateauStart(levels)
	if k < 0 || k == len(levels)-1 {
		return false
	}
	return levels[len(levels)-1].Concurrency >= 2*levels[k].Concurrency
}

// Criteria are what a recommended level must meet.
type Criteria struct {
	// Share is the part of the best goodput seen that a level must
	// reach, such as 0.95.
	Share float64 `json:"share"`
	// MaxThrottled bounds the share of attempts answered throttled; 1
	// or more means no bound.
	MaxThrottled float64 `json:"max_throttled"`
	// MaxP99 bounds the p99 of operation latency; zero means no bound.
	MaxP99 time.Duration `json:"-"`
}

// Verdict is what Recommend found of one level.
type Verdict struct {
	Concurrency int  `json:"concurrency"`
	Meets       bool `json:"meets"`
	// Why says, when the level falls short, which limits it missed.
	Why string `json:"why,omitempty"`
}

// Recommendation is the outcome of Recommend.
type Recommendation struct {
	// Found is false when no level meets the criteria.
	Found bool `json:"found"`
	// Index and Concurrency name the recommended level; -1 and 0 when
	// none was found.
	Index       int `json:"-"`
	Concurrency int `json:"concurrency"`
	// Best is the best goodput seen and BestConcurrency the level that
	// reached it.
	Best            float64 `json:"best_goodput_per_s"`
	BestConcurrency int     `json:"best_concurrency"`
	// Verdicts hold one verdict per level, in the levels' order.
	Verdicts []Verdict `json:"verdicts"`
}

// Recommend picks the smallest concurrency whose goodput reaches
// c.Share of the best seen, whose throttled share is at most
// c.MaxThrottled and whose p99 operation latency is at most c.MaxP99.
// Levels need not be sorted.
func Recommend(levels []TuneLevel, c Criteria) Recommendation {
	r := Recommendation{Index: -1}
	for i, l := range levels {
		if i == 0 || l.Goodput > r.Best {
			r.Best, r.BestConcurrency = l.Goodput, l.Concurrency
		}
	}
	for i, l := range levels {
		v := Verdict{Concurrency: l.Concurrency, Why: c.shortfall(l, r.Best)}
		v.Meets = v.Why == ""
		r.Verdicts = append(r.Verdicts, v)
		if v.Meets && (!r.Found || l.Concurrency < r.Concurrency) {
			r.Found, r.Index, r.Concurrency = true, i, l.Concurrency
		}
	}
	return r
}

// shortfall says which criteria l misses, or "" when it meets them all.
func (c Criteria) shortfall(l TuneLevel, best float64) string {
	var why []string
	if best <= 0 {
		why = append(why, "no goodput")
	} else if l.Goodput < c.Share*best {
		why = append(why, fmt.Sprintf("goodput %.0f%% of best",
			100*l.Goodput/best))
	}
	if c.MaxThrottled < 1 && l.ThrottledShare > c.MaxThrottled {
		why = append(why, fmt.Sprintf("throttled %.1f%% > %.1f%%",
			100*l.ThrottledShare, 100*c.MaxThrottled))
	}
	if c.MaxP99 > 0 && l.P99 > ms(c.MaxP99) {
		why = append(why, fmt.Sprintf("p99 %s > %s", fmtMillis(l.P99),
			fmtMillis(ms(c.MaxP99))))
	}
	return strings.Join(why, ", ")
}

// Refinement returns one more concurrency worth trying after a sweep,
// and false when there is none. Levels are in ascending concurrency; c
// are the criteria and rate the allowed rate (0 when unknown), as for
// Recommend and Explain. In order, it tries:
//
//   - the whole numbers either side of what Little's law predicts, when
//     inside the range swept: often the knee itself, and a sharp peak
//     between two doubling levels is not missed;
//   - halfway between the recommended level (or, when none meets the
//     limits, the lowest that reaches c.Share of the best goodput) and
//     the nearest level below it, until they are adjacent.
//
// Every concurrency it returns lies inside the range swept and has not
// been tried, so repeated calls end.
func Refinement(levels []TuneLevel, c Criteria, rate float64) (int, bool) {
	if len(levels) < 2 {
		return 0, false
	}
	rec := Recommend(levels, c)
	p := Explain(levels, rec, rate, "").Predicted
	lo, hi := levels[0].Concurrency, levels[len(levels)-1].Concurrency
	for _, n := range []int{int(math.Floor(p)), int(math.Ceil(p))} {
		if n >= lo && n <= hi && !tried(levels, n) {
			return n, true
		}
	}
	return halfway(levels, pivot(levels, rec, c))
}

// pivot is the level refinement narrows towards from below: the
// recommendation, or the lowest level that reaches the goodput share;
// 0 when there is none.
func pivot(levels []TuneLevel, rec Recommendation, c Criteria) int {
	if rec.Found {
		return rec.Concurrency
	}
	for _, l := range levels {
		if rec.Best > 0 && l.Goodput >= c.Share*rec.Best {
			return l.Concurrency
		}
	}
	return 0
}

// halfway returns the concurrency halfway between at and the nearest
// level below it, when they are at least two apart.
func halfway(levels []TuneLevel, at int) (int, bool) {
	below := nearestBelow(levels, at)
	if below == 0 || at-below < 2 {
		return 0, false
	}
	return below + (at-below)/2, true
}

// nearestBelow returns the highest concurrency tried below at, or 0.
func nearestBelow(levels []TuneLevel, at int) int {
	below := 0
	for _, l := range levels {
		if l.Concurrency < at {
			below = max(below, l.Concurrency)
		}
	}
	return below
}

func tried(levels []TuneLevel, n int) bool {
	for _, l := range levels {
		if l.Concurrency == n {
			return true
		}
	}
	return false
}

// fmtMillis writes a latency in ms as "850 ms" or "1.25 s".
func fmtMillis(v float64) string {
	if v >= 999.5 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	if v >= 9.95 {
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}
