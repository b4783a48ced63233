package reports

import (
	"fmt"
	"math"
	"strings"
)

// LittlesLaw sets what Little's law predicts beside what a sweep
// measured. The law says that operations in flight equal their rate
// times the time each one is in flight, so the semaphore that just
// reaches an allowed rate is that rate times the unloaded latency.
type LittlesLaw struct {
	// Rate is the allowed rate in operations per second, and RateSource
	// says where it comes from: a rate limit times the keys, or, when
	// no limit is known, the best goodput measured.
	Rate       float64 `json:"allowed_per_s"`
	RateSource string  `json:"allowed_from"`
	// FromLimit is set when Rate is a known limit, not a measurement.
	FromLimit bool `json:"from_limit"`
	// Unloaded is the time an operation holds its permit at the lowest
	// level, in ms: concurrency over throughput there.
	Unloaded float64 `json:"unloaded_ms"`
	// Predicted is Rate times Unloaded: the operations in flight that
	// just reach the rate.
	Predicted float64 `json:"predicted_concurrency"`
	// Measured is the recommended concurrency, 0 when there is none;
	// MeasuredThroughput and MeasuredGoodput are its operations
	// answered and ok per second, and MeasuredTime the time an
	// operation held its permit there, in ms. The allowed rate counts
	// every answer, a policy denial too, so it compares with the
	// throughput.
	Measured           int     `json:"measured_concurrency"`
	MeasuredThroughput float64 `json:"measured_throughput_per_s"`
	MeasuredGoodput    float64 `json:"measured_goodput_per_s"`
	MeasuredTime       float64 `json:"measured_in_flight_ms"`
	// Why says in words why the measurement and the prediction differ.
	Why string `json:"why"`
}

// Explain applies Little's law to a sweep. levels are in ascending
// concurrency and rec is their recommendation; rate is the allowed rate
// in operations per second, or 0 when unknown, in which case the most
// operations answered per second at any level stands for it.
func Explain(levels []TuneLevel, rec Recommendation, rate float64,
	source string) LittlesLaw {
	x := LittlesLaw{Rate: rate, RateSource: source, FromLimit: rate > 0}
	if rate <= 0 {
		x.Rate, x.RateSource = bestThroughput(levels), "the most "+
			"answered per second, as no rate limit is known"
	}
	if len(levels) == 0 {
		x.Why = "No level ran, so there is nothing to compare."
		return x
	}
	x.Unloaded = levels[0].InFlightTime()
	x.Predicted = x.Rate * x.Unloaded / 1000
	if !rec.Found {
		x.Why = "No level met the limits, so no measurement stands " +
			"beside the prediction."
		return x
	}
	r := levels[rec.Index]
	x.Measured, x.MeasuredGoodput = r.Concurrency, r.Goodput
	x.MeasuredThroughput = r.Throughput
	x.MeasuredTime = r.InFlightTime()
	x.Why = x.why(levels, rec)
	for _, s := range []string{x.past(levels, rec),
		stillGrowing(levels, rec)} {
		if s != "" {
			x.Why += " " + s
		}
	}
	return x
}

// stillGrowing warns when goodput grew up to the highest level tried.
func stillGrowing(levels []TuneLevel, rec Recommendation) string {
	last := len(levels) - 1
	if last < 1 || rec.Index != last || PlateauStart(levels) != last {
		return ""
	}
	return "Goodput still grew at the highest level tried, so the knee " +
		"may lie above it: raise the top of --range."
}

// why builds the sentence that explains the gap.
func (x *LittlesLaw) why(levels []TuneLevel, rec Recommendation) string {
	r := levels[rec.Index]
	var parts []string
	if s := spent(r); s != "" {
		parts = append(parts, s)
	}
	if s := x.belowLimit(levels); s != "" {
		parts = append(parts, s)
	}
	if s := x.aboveLimit(levels); s != "" {
		parts = append(parts, s)
	}
	if s := x.coarse(levels, r); s != "" && stillGrowing(levels,
		rec) == "" {
		parts = append(parts, s)
	}
	if s := x.under(r, rec); s != "" {
		parts = append(parts, s)
	}
	if s := x.retryWaits(r); s != "" {
		parts = append(parts, s)
	}
	if s := x.slower(r); s != "" {
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("They agree: %d in flight against %.1f "+
			"predicted, with no retry waits or queueing worth naming.",
			r.Concurrency, x.Predicted)
	}
	return "They differ because " + strings.Join(parts, "; and ") + "."
}

// spent notes a level whose attempts were mostly throttled: the allowed
// rate was not this client's to use.
func spent(r TuneLevel) string {
	if r.ThrottledShare < 0.5 {
		return ""
	}
	return fmt.Sprintf("%.0f%% of attempts were throttled even at %d in "+
		"flight, so the limit was spent by something else: another "+
		"client on the same key, or a window not yet emptied (raise "+
		"--settle)", 100*r.ThrottledShare, r.Concurrency)
}

// past describes a level above the recommendation that lost goodput:
// more in flight bought only waiting.
func (x *LittlesLaw) past(levels []TuneLevel, rec Recommendation) string {
	r := levels[rec.Index]
	for _, l := range levels[rec.Index+1:] {
		if l.Goodput >= 0.9*r.Goodput {
			continue
		}
		s := fmt.Sprintf("Past the knee goodput falls, to %.1f/s at %d "+
			"in flight", l.Goodput, l.Concurrency)
		if l.RetryWait >= 0.05*l.InFlightTime() && l.RetryWait > 0 {
			s += fmt.Sprintf(", where an operation waited %s on average "+
				"before its retries (%s per retry): the extra permits "+
				"are spent waiting", fmtMillis(l.RetryWait),
				perRetry(l))
		}
		return s + "."
	}
	return ""
}

// belowLimit notes a ceiling that something other than the allowed rate
// sets.
func (x *LittlesLaw) belowLimit(levels []TuneLevel) string {
	best := bestThroughput(levels)
	if !x.FromLimit || best >= 0.9*x.Rate {
		return ""
	}
	return fmt.Sprintf("the most operations answered, %.1f/s, stay "+
		"below the allowed %.1f/s, so something else binds first (the "+
		"server's capacity or the client), and the rate-based "+
		"prediction is too high", best, x.Rate)
}

// aboveLimit notes a target that answered faster than the allowed rate.
func (x *LittlesLaw) aboveLimit(levels []TuneLevel) string {
	best := bestThroughput(levels)
	if !x.FromLimit || best <= 1.1*x.Rate {
		return ""
	}
	return fmt.Sprintf("the target answered up to %.1f/s, above the "+
		"allowed %.1f/s, so it does not hold this flow to that limit, "+
		"and the prediction is too low", best, x.Rate)
}

// coarse notes a knee that lies between two levels tried.
func (x *LittlesLaw) coarse(levels []TuneLevel, r TuneLevel) string {
	below := nearestBelow(levels, r.Concurrency)
	need := int(math.Ceil(x.Predicted - 1e-9))
	if below == 0 || r.Concurrency-below < 2 || r.Concurrency <= need {
		return ""
	}
	return fmt.Sprintf("the sweep jumped from %d to %d in flight, and "+
		"the knee lies between them (--refine, or finer --levels, "+
		"narrows it)", below, r.Concurrency)
}

// under notes a recommendation below the prediction.
func (x *LittlesLaw) under(r TuneLevel, rec Recommendation) string {
	if float64(r.Concurrency) >= x.Predicted-0.5 || rec.Best <= 0 {
		return ""
	}
	return fmt.Sprintf("at %d in flight goodput already reaches %.0f%% "+
		"of the best, which the criteria count as enough", r.Concurrency,
		100*r.Goodput/rec.Best)
}

// retryWaits notes time spent waiting before retries.
func (x *LittlesLaw) retryWaits(r TuneLevel) string {
	t := r.InFlightTime()
	if r.RetryWait <= 0 || r.RetryWait < 0.05*t {
		return ""
	}
	return fmt.Sprintf("at %d in flight an operation waited %s on "+
		"average for Retry-After or backoff before its retries "+
		"(%.2f retries per operation, %s per retry), holding its "+
		"permit while it waited", r.Concurrency, fmtMillis(r.RetryWait),
		r.RetriesPerOp, perRetry(r))
}

// perRetry returns the mean wait before one retry, as text.
func perRetry(l TuneLevel) string {
	if l.RetriesPerOp <= 0 {
		return "-"
	}
	return fmtMillis(l.RetryWait / l.RetriesPerOp)
}

// slower notes attempts that took longer than unloaded ones: requests
// queueing in the server, or on the client, before being served.
func (x *LittlesLaw) slower(r TuneLevel) string {
	extra := r.InFlightTime() - r.RetryWait - x.Unloaded
	if extra < 1 || extra < 0.1*x.Unloaded {
		return ""
	}
	return fmt.Sprintf("each operation spent %s longer in flight than "+
		"unloaded, besides retry waits: requests queued in the server "+
		"(or the client) before being served", fmtMillis(extra))
}

// bestThroughput returns the most operations answered per second at any
// level.
func bestThroughput(levels []TuneLevel) float64 {
	best := 0.0
	for _, l := range levels {
		best = max(best, l.Throughput)
	}
	return best
}
