package reports

import (
	"math"
	"strconv"
)

// SummaryPercentiles are the percentiles every latency summary carries,
// in the order reports show them.
var SummaryPercentiles = []float64{50, 90, 99, 99.9}

// LatencySummary is the digest of one Latency in milliseconds. A pointer
// field is nil when the statistic is undefined, that is when Count is 0.
type LatencySummary struct {
	Count   int64    `json:"count"`
	P50     *float64 `json:"p50"`
	P90     *float64 `json:"p90"`
	P99     *float64 `json:"p99"`
	P999    *float64 `json:"p999"`
	Max     *float64 `json:"max"`
	Mean    *float64 `json:"mean"`
	Clamped int64    `json:"clamped"`
}

// Summary returns the digest of l. A nil l or one with no histogram gives
// a summary of count 0 with every statistic nil.
func (l *Latency) Summary() LatencySummary {
	if l == nil || l.Hist == nil {
		return LatencySummary{}
	}
	s := LatencySummary{Count: l.Hist.TotalCount(), Clamped: l.Clamped}
	if s.Count == 0 {
		return s
	}
	s.P50, _ = l.Percentile(50)
	s.P90, _ = l.Percentile(90)
	s.P99, _ = l.Percentile(99)
	s.P999, _ = l.Percentile(99.9)
	s.Max = msPtr(l.Hist.Max())
	s.Mean = floatPtr(roundMicro(l.Hist.Mean() / 1000))
	return s
}

// Percentile returns the value at percentile p (0 to 100) in milliseconds,
// and false when l holds no value, so the percentile is undefined.
func (l *Latency) Percentile(p float64) (*float64, bool) {
	if l == nil || l.Hist == nil || l.Hist.TotalCount() == 0 {
		return nil, false
	}
	return msPtr(l.Hist.ValueAtPercentile(p)), true
}

// Count returns the number of values recorded in l; 0 for a nil l.
func (l *Latency) Count() int64 {
	if l == nil || l.Hist == nil {
		return 0
	}
	return l.Hist.TotalCount()
}

func msPtr(micros int64) *float64 {
	return floatPtr(float64(micros) / 1000)
}

func floatPtr(v float64) *float64 { return &v }

// roundMicro rounds a millisecond value to whole microseconds, the
// resolution of every histogram.
func roundMicro(ms float64) float64 {
	return math.Round(ms*1000) / 1000
}

// finite returns v, or 0 when v is NaN or infinite, so that no such value
// reaches JSON, text or a plot.
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

// AttemptsPerOp returns the retry amplification of the stage: attempts per
// sent operation, and false when nothing was sent.
func (s *Stage) AttemptsPerOp() (float64, bool) {
	if s.Sent == 0 {
		return 0, false
	}
	return float64(s.Attempts.Total()) / float64(s.Sent), true
}

// formatNumber writes v with thousands separators and no decimals when v
// is whole, else with up to one decimal: 10500 → "10,500", 0.5 → "0.5".
func formatNumber(v float64) string {
	v = math.Round(finite(v)*10) / 10
	neg := v < 0
	if neg {
		v = -v
	}
	whole := int64(v)
	s := groupThousands(whole)
	if frac := v - float64(whole); frac >= 0.05 {
		s += strconv.FormatFloat(frac, 'f', 1, 64)[1:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}
