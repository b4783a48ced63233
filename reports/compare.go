package reports

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Tolerances say how much worse a new run may be than its baseline before
// Compare calls it a regression. Relative values are fractions (0.10 is
// 10%); Confidence is that of the intervals (0.99 is 99%).
type Tolerances struct {
	Latency float64 // relative rise of a latency percentile
	// MinLatency is the smallest rise of a latency percentile that can
	// be a regression, however large relative to the baseline. The
	// harness's own work (the client, the loopback, a busy machine) adds
	// a fraction of a millisecond to every request that changes from
	// run to run, so a few-millisecond latency cannot be told apart
	// from that within Latency alone. Zero means no floor.
	MinLatency  time.Duration
	Throughput  float64 // relative fall of goodput
	FailureRate float64 // absolute rise of the share of failed operations
	Confidence  float64
}

// DefaultTolerances returns 10% on latency with a floor of 1 ms, 10% on
// goodput, one point of failure rate, and 99% intervals.
func DefaultTolerances() Tolerances {
	return Tolerances{Latency: 0.10, MinLatency: time.Millisecond,
		Throughput: 0.10, FailureRate: 0.01, Confidence: 0.99}
}

// ComparedPercentiles are the latency percentiles Compare reports.
var ComparedPercentiles = []float64{50, 90, 99}

// MinTailValues is the fewest values each run must have above a
// percentile for Compare to gate on it, and more when many requests were
// in flight at once; below that the delta is shown with a note.
const MinTailValues = 20

// MinSeriesSeconds is how many whole seconds, besides the first and the
// last, each stage needs for Compare to judge goodput by its per-second
// series; shorter stages are judged by their whole count.
const MinSeriesSeconds = 10

// Delta is the change of one metric of one stage from base to new, with a
// confidence interval [Low, High] of New - Base.
type Delta struct {
	Stage     string
	Metric    string // e.g. "latency.response p(99)", "goodput"
	Unit      string // "ms", "/s" or "share"
	Base, New float64
	Diff      float64 // New - Base
	Low, High float64 // confidence interval of Diff
	// Rel is Diff / Base, 0 when Base is 0.
	Rel float64
	// P is the two-sided p-value of the Mann-Whitney test of the whole
	// latency distribution, for latency rows; -1 elsewhere.
	P          float64
	Method     string
	Regression bool
	Note       string
}

// Comparison is the result of Compare: one Delta per stage and metric.
type Comparison struct {
	Tolerances Tolerances
	Deltas     []Delta
}

// Regressed reports whether any delta is a regression.
func (c *Comparison) Regressed() bool {
	return slices.ContainsFunc(c.Deltas, func(d Delta) bool {
		return d.Regression
	})
}

// Compare compares each stage of next with the stage of the same name in
// base. The methods, chosen so that no sample is needed beyond what a
// summary keeps:
//
//   - Latency percentiles (p50, p90, p99 of response and service time):
//     a distribution-free interval of each quantile from order
//     statistics (the ranks n·q ± z·√(n·q·(1−q)), read off the
//     histogram), each at a Bonferroni-adjusted level so the interval of
//     the difference, [newLow − baseHigh, newHigh − baseLow], holds at
//     Confidence. Tail values come in clusters: one pause of the client,
//     the server or the machine delays every request in flight at once,
//     and, in the open model, every request that falls due during the
//     pause, as many again for a pause as long as the latency. A tail of
//     fewer values than that can be one event, and an interval that
//     counts them as independent draws is too narrow. A percentile is
//     therefore gated only when each run has at least twice as many
//     values above it as requests in flight, on average, in either run
//     (by Little's law, the sum of service times over the stage's
//     duration), and at least MinTailValues: p99 of a run that kept 50
//     requests in flight needs 10,000 values. Beside it, a Mann-Whitney
//     U test over the histogram buckets (ties within a bucket counted
//     as half) gives the p-value of a shift of the whole distribution;
//     it is shown, not gated on, since it treats every request as
//     independent and calls a shift of a few percent between two honest
//     runs significant.
//   - Goodput, when both stages have at least MinSeriesSeconds whole
//     seconds besides their first and last (partial) ones: the mean of
//     those per-second ok counts, with a moving-block bootstrap interval
//     of the difference of means (blocks of ∛n seconds, 2,000
//     resamples, fixed seed, so a comparison is reproducible). A shorter
//     stage has too few seconds for that, and a mean of partial seconds
//     says little, so its goodput is ok operations over the stage's
//     duration, with the interval of a Poisson count: the variance of
//     k ok operations in time T taken as k/T². Completions that a
//     bounded pool of workers paces are more regular than Poisson, so
//     this interval errs on the wide side.
//   - Failure rate (operations ending other than ok or denied): the
//     difference of two proportions with a normal-approximation interval.
//
// A delta is a regression when it is worse than its tolerance (for
// latency, both the relative one and MinLatency) and its interval
// excludes zero on the worse side: both large and not chance.
// Requests within a run are not independent, and two honest runs differ
// by more than sampling (a busy machine shifts a whole run), so the
// intervals are on the narrow side; the tolerances absorb what they
// miss. A stage of base that next lacks is a regression.
func Compare(base, next *Run, tol Tolerances) (*Comparison, error) {
	if tol.Confidence <= 0 || tol.Confidence >= 1 {
		return nil, fmt.Errorf("compare: confidence %v is not in (0, 1)",
			tol.Confidence)
	}
	c := &Comparison{Tolerances: tol}
	for _, b := range base.Stages {
		n := findStage(next, b.Name)
		if n == nil {
			c.Deltas = append(c.Deltas, Delta{Stage: b.Name,
				Metric: "stage", P: -1, Regression: true,
				Note: "missing from the new run"})
			continue
		}
		c.Deltas = append(c.Deltas, compareStage(b, n, tol)...)
	}
	return c, nil
}

func findStage(r *Run, name string) *Stage {
	for _, st := range r.Stages {
		if st.Name == name {
			return st
		}
	}
	return nil
}

func compareStage(b, n *Stage, tol Tolerances) []Delta {
	var out []Delta
	minTail := max(MinTailValues, clusterFactor*inFlight(b),
		clusterFactor*inFlight(n))
	for _, kind := range []string{Response, Service} {
		lb, ln := b.Latency[kind], n.Latency[kind]
		p := mannWhitneyP(lb, ln)
		for _, q := range ComparedPercentiles {
			d := compareQuantile(lb, ln, q, minTail, tol)
			d.Stage, d.P = b.Name, p
			d.Metric = fmt.Sprintf("latency.%s p(%g)", kind, q)
			out = append(out, d)
		}
	}
	g := compareGoodput(b, n, tol)
	g.Stage = b.Name
	f := compareFailures(b, n, tol)
	f.Stage = b.Name
	return append(out, g, f)
}

// zFor returns the standard normal quantile of a two-sided interval at
// confidence c.
func zFor(c float64) float64 {
	return math.Sqrt2 * math.Erfinv(c)
}

// quantileCI returns the value at percentile q of l and a distribution-
// free interval of it at confidence c, in ms.
func quantileCI(l *Latency, q, c float64) (v, lo, hi float64) {
	n := float64(l.Count())
	p := q / 100
	half := zFor(c) * math.Sqrt(n*p*(1-p))
	at := func(rank float64) float64 {
		rank = min(max(rank, 1), n)
		return float64(l.Hist.ValueAtPercentile(100*rank/n)) / 1000
	}
	return at(n * p), at(math.Floor(n*p - half)), at(math.Ceil(n*p + half))
}

// clusterFactor is how many values one pause can delay, in units of the
// requests in flight: those in flight and as many falling due.
const clusterFactor = 2

// inFlight returns the mean number of requests of s in flight, rounded
// up: by Little's law, the sum of its service times over its duration.
func inFlight(s *Stage) int64 {
	l := s.Latency[Service]
	if l.Count() == 0 || s.Duration <= 0 {
		return 0
	}
	busy := float64(l.Count()) * l.Hist.Mean() // µs
	return int64(math.Ceil(busy / float64(s.Duration.Microseconds())))
}

// compareQuantile compares percentile q of two latencies, gating on it
// only when each has at least minTail values above it.
func compareQuantile(lb, ln *Latency, q float64, minTail int64,
	tol Tolerances) Delta {
	d := Delta{Unit: "ms", Method: "order-statistic interval"}
	if lb.Count() == 0 || ln.Count() == 0 {
		d.Note = "no data"
		return d
	}
	each := 1 - (1-tol.Confidence)/2 // Bonferroni over the two intervals
	b, blo, bhi := quantileCI(lb, q, each)
	n, nlo, nhi := quantileCI(ln, q, each)
	d.Base, d.New, d.Diff = b, n, n-b
	d.Low, d.High = nlo-bhi, nhi-blo
	d.Rel = rel(d.Diff, b)
	if tail := min(tailCount(lb, q), tailCount(ln, q)); tail < minTail {
		d.Note = fmt.Sprintf("not gated: %d values above p(%g), want %d",
			tail, q, minTail)
		return d
	}
	floor := float64(tol.MinLatency) / float64(time.Millisecond)
	d.Regression = d.Rel > tol.Latency && d.Diff > floor && d.Low > 0
	return d
}

// tailCount returns how many of l's values lie above percentile q, as
// the rank arithmetic of quantileCI counts them.
func tailCount(l *Latency, q float64) int64 {
	return int64(math.Floor(float64(l.Count()) * (100 - q) / 100))
}

func rel(diff, base float64) float64 {
	if base == 0 {
		return 0
	}
	return diff / base
}

// mannWhitneyP returns the two-sided p-value of the Mann-Whitney U test
// of two latency histograms, or -1 when either is empty. Histograms made
// by NewHistogram share their buckets, so they are walked side by side;
// values within one bucket count as ties. Distribution stops at each
// histogram's highest value, so the shorter walk is padded with empty
// buckets.
func mannWhitneyP(lb, ln *Latency) float64 {
	nb, nn := float64(lb.Count()), float64(ln.Count())
	if nb == 0 || nn == 0 {
		return -1
	}
	bb, bn := lb.Hist.Distribution(), ln.Hist.Distribution()
	count := func(bars []hdrhistogram.Bar, i int) float64 {
		if i < len(bars) {
			return float64(bars[i].Count)
		}
		return 0
	}
	var u, below, ties float64
	for i := range max(len(bb), len(bn)) {
		cb, cn := count(bb, i), count(bn, i)
		u += cn * (below + cb/2)
		below += cb
		t := cb + cn
		ties += t*t*t - t
	}
	total := nb + nn
	variance := nb * nn / 12 * ((total + 1) - ties/(total*(total-1)))
	if variance <= 0 {
		return 1 // every value in one bucket: no evidence of a shift
	}
	z := (u - nb*nn/2) / math.Sqrt(variance)
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// steady returns the per-second series less its first and last second,
// which are partial, when it is long enough to spare them.
func steady(s []int64) []float64 {
	if len(s) > 4 {
		s = s[1 : len(s)-1]
	}
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// Bootstrap settings of compareGoodput.
const (
	bootstrapResamples = 2000
	bootstrapSeed      = 0x61697261 // "aira"
)

// compareGoodput compares ok operations per second, by the per-second
// series when both stages are long enough and by whole counts otherwise.
func compareGoodput(b, n *Stage, tol Tolerances) Delta {
	sb, sn := steady(b.Series.Goodput), steady(n.Series.Goodput)
	if len(sb) >= MinSeriesSeconds && len(sn) >= MinSeriesSeconds {
		return seriesGoodput(sb, sn, tol)
	}
	return countGoodput(b, n, tol)
}

func seriesGoodput(b, n []float64, tol Tolerances) Delta {
	d := Delta{Metric: "goodput", Unit: "/s", P: -1,
		Method: "moving-block bootstrap of per-second means"}
	d.Base, d.New = mean(b), mean(n)
	d.Diff, d.Rel = d.New-d.Base, rel(d.New-d.Base, d.Base)
	d.Low, d.High = bootstrapDiff(b, n, tol.Confidence)
	d.Regression = d.Rel < -tol.Throughput && d.High < 0
	return d
}

// countGoodput compares ok operations over each stage's duration, with
// a Poisson interval of each count.
func countGoodput(b, n *Stage, tol Tolerances) Delta {
	d := Delta{Metric: "goodput", Unit: "/s", P: -1,
		Method: "ok count over duration, Poisson interval"}
	if b.Duration <= 0 || n.Duration <= 0 {
		d.Note = "no data"
		return d
	}
	d.Base, d.New = b.Goodput(), n.Goodput()
	d.Diff, d.Rel = d.New-d.Base, rel(d.New-d.Base, d.Base)
	half := zFor(tol.Confidence) * math.Sqrt(poissonVar(b)+poissonVar(n))
	d.Low, d.High = d.Diff-half, d.Diff+half
	d.Regression = d.Rel < -tol.Throughput && d.High < 0
	return d
}

// poissonVar returns the variance of s's goodput taken as a Poisson
// count over its duration: ok / duration².
func poissonVar(s *Stage) float64 {
	d := s.Duration.Seconds()
	return float64(s.Outcomes[OK]) / (d * d)
}

// bootstrapDiff returns a percentile interval at confidence c of
// mean(n) - mean(b) by moving-block bootstrap.
func bootstrapDiff(b, n []float64, c float64) (lo, hi float64) {
	rng := rand.New(rand.NewPCG(bootstrapSeed, 0))
	diffs := make([]float64, bootstrapResamples)
	for i := range diffs {
		diffs[i] = blockMean(rng, n) - blockMean(rng, b)
	}
	slices.Sort(diffs)
	at := func(q float64) float64 {
		return diffs[int(math.Round(q*float64(len(diffs)-1)))]
	}
	return at((1 - c) / 2), at(1 - (1-c)/2)
}

// blockMean returns the mean of one moving-block resample of v.
func blockMean(rng *rand.Rand, v []float64) float64 {
	size := max(1, int(math.Round(math.Cbrt(float64(len(v))))))
	var sum float64
	var count int
	for count < len(v) {
		start := rng.IntN(len(v) - size + 1)
		for _, x := range v[start : start+size] {
			if count == len(v) {
				break
			}
			sum += x
			count++
		}
	}
	return sum / float64(count)
}

func failures(s *Stage) (failed, total float64) {
	t := s.Outcomes.Total()
	return float64(t - s.Outcomes[OK] - s.Outcomes[Denied]), float64(t)
}

func compareFailures(b, n *Stage, tol Tolerances) Delta {
	d := Delta{Metric: "failure rate", Unit: "share", P: -1,
		Method: "difference of proportions, normal interval"}
	fb, tb := failures(b)
	fn, tn := failures(n)
	if tb == 0 || tn == 0 {
		d.Note = "no data"
		return d
	}
	d.Base, d.New = fb/tb, fn/tn
	d.Diff, d.Rel = d.New-d.Base, rel(d.New-d.Base, d.Base)
	se := math.Sqrt(d.Base*(1-d.Base)/tb + d.New*(1-d.New)/tn)
	half := zFor(tol.Confidence) * se
	d.Low, d.High = d.Diff-half, d.Diff+half
	d.Regression = d.Diff > tol.FailureRate && d.Low > 0
	return d
}

// WriteComparison writes c as an aligned table, one line per delta, then
// a verdict line. Differences carry their interval and relative change.
func WriteComparison(w io.Writer, c *Comparison) error {
	ew := &errWriter{w: w}
	head := []string{"stage", "metric", "base", "new", "change",
		"interval", "p", "verdict", ""}
	var rows [][]string
	for _, d := range c.Deltas {
		rows = append(rows, deltaRow(d))
	}
	writeTable(ew, table{head: head, rows: rows, noted: true, left: 2})
	ew.printf("%s\n", comparisonVerdict(c))
	if ew.err != nil {
		return fmt.Errorf("write comparison: %w", ew.err)
	}
	return nil
}

// comparisonVerdict returns the verdict line of c with its tolerances.
func comparisonVerdict(c *Comparison) string {
	verdict := "no regression"
	if c.Regressed() {
		verdict = "REGRESSION"
	}
	floor := ""
	if m := c.Tolerances.MinLatency; m > 0 {
		floor = " and " + fmtFloat(float64(m)/float64(time.Millisecond),
			1) + " ms"
	}
	return fmt.Sprintf("%s (tolerances: latency +%s%%%s, goodput -%s%%, "+
		"failure rate +%s points; %s%% intervals)", verdict,
		fmtFloat(100*c.Tolerances.Latency, 0), floor,
		fmtFloat(100*c.Tolerances.Throughput, 0),
		fmtFloat(100*c.Tolerances.FailureRate, 1),
		fmtFloat(100*c.Tolerances.Confidence, 0))
}

func deltaRow(d Delta) []string {
	verdict := "ok"
	if d.Regression {
		verdict = "REGRESSION"
	}
	p := "-"
	if d.P >= 0 {
		p = fmt.Sprintf("%.3g", d.P)
	}
	num := func(v float64) string {
		if d.Unit == "share" {
			return fmtFloat(100*v, 2) + "%"
		}
		return fmtFloat(v, 3)
	}
	change := num(d.Diff) + " (" + fmtSigned(100*d.Rel) + "%)"
	interval := "[" + num(d.Low) + ", " + num(d.High) + "]"
	return []string{d.Stage, d.Metric, num(d.Base), num(d.New), change,
		interval, p, verdict, d.Note}
}

func fmtSigned(v float64) string {
	s := fmtFloat(v, 1)
	if v >= 0 {
		s = "+" + s
	}
	return s
}
