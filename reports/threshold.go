package reports

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Threshold is one pass/fail criterion in k6's expression syntax: an
// aggregation of a metric, a comparison and a value, e.g. "p(99)<300ms"
// on "latency.response". Make one with ParseThreshold.
//
// Metrics and their aggregations:
//
//	latency.<kind>              p(N), avg, med, min, max, count;
//	                            kind is response, service, dispatch or
//	                            operation; values in ms unless a unit
//	                            (us, µs, ms, s, m) is given
//	outcomes.<class|errors>     rate (fraction of finished operations),
//	                            count
//	attempts.<class|errors>     rate (fraction of attempts), count
//	throughput, goodput         rate (operations per second)
//	retries                     count, rate (per sent operation)
//	dropped                     count, rate (fraction of intended)
//	held                        count, rate (per ok operation)
//	offline_lost                count, rate (fraction of accepted)
//	early_retries, intended,
//	sent, invalid_receipts      count
//
// The class "errors" is client_error + server_error + transport_error.
// A rate may be written as a fraction (0.01) or a percentage (1%).
type Threshold struct {
	Metric string // e.g. "latency.response", "outcomes.throttled"
	Stage  string // the stage it applies to; "" for the whole run
	Expr   string // as written, e.g. "p(99)<300ms"

	agg   string  // p, avg, med, min, max, count, rate
	pct   float64 // the percentile of p(N)
	op    string  // <, <=, >, >=, ==, !=
	value float64 // in the metric's unit: ms, a fraction, or per second
}

// String returns the threshold as written, with its stage scope in k6's
// tag syntax: `latency.response{stage:batch}: p(99)<300ms`.
func (t Threshold) String() string {
	return t.Key() + ": " + t.Expr
}

// Key returns the metric with its stage scope, as a ParseThresholds key.
func (t Threshold) Key() string {
	if t.Stage == "" {
		return t.Metric
	}
	return t.Metric + "{stage:" + t.Stage + "}"
}

// ErrThreshold is wrapped by every error of ParseThreshold.
var ErrThreshold = errors.New("bad threshold")

// metricAggs lists the aggregations each metric family accepts.
var metricAggs = map[string][]string{
	"latency":          {"p", "avg", "med", "min", "max", "count"},
	"outcomes":         {"rate", "count"},
	"attempts":         {"rate", "count"},
	"throughput":       {"rate"},
	"goodput":          {"rate"},
	"retries":          {"count", "rate"},
	"dropped":          {"count", "rate"},
	"early_retries":    {"count"},
	"intended":         {"count"},
	"sent":             {"count"},
	"held":             {"count", "rate"},
	"offline_lost":     {"count", "rate"},
	"invalid_receipts": {"count"},
}

// ParseThreshold parses one expression for one metric key. The key is a
// metric name, optionally scoped to a stage with k6's tag syntax:
// "latency.response{stage:batch}". The error names the key and the
// expression and says what was expected.
func ParseThreshold(key, expr string) (Threshold, error) {
	t := Threshold{Expr: strings.TrimSpace(expr)}
	fail := func(format string, a ...any) (Threshold, error) {
		return Threshold{}, fmt.Errorf("%w %s: %q: %s", ErrThreshold, key,
			expr, fmt.Sprintf(format, a...))
	}
	var err error
	if t.Metric, t.Stage, err = parseKey(key); err != nil {
		return fail("%v", err)
	}
	family, err := checkMetric(t.Metric)
	if err != nil {
		return fail("%v", err)
	}
	rest, err := t.parseAgg(t.Expr)
	if err != nil {
		return fail("%v", err)
	}
	if !slices.Contains(metricAggs[family], t.agg) {
		return fail("%s does not support %s (use %s)", t.Metric, t.agg,
			strings.Join(metricAggs[family], ", "))
	}
	if rest, err = t.parseOp(rest); err != nil {
		return fail("%v", err)
	}
	if t.value, err = parseValue(rest, family, t.agg); err != nil {
		return fail("%v", err)
	}
	return t, nil
}

// ParseThresholds parses k6's thresholds map, key to expressions, into
// thresholds ordered by key and then as listed.
func ParseThresholds(m map[string][]string) ([]Threshold, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []Threshold
	for _, k := range keys {
		for _, e := range m[k] {
			t, err := ParseThreshold(k, e)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func parseKey(key string) (metric, stage string, err error) {
	key = strings.TrimSpace(key)
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key, "", nil
	}
	if !strings.HasSuffix(key, "}") {
		return "", "", errors.New("unclosed {")
	}
	tag, ok := strings.CutPrefix(key[open+1:len(key)-1], "stage:")
	if !ok || tag == "" {
		return "", "", errors.New("the only scope is {stage:NAME}")
	}
	return key[:open], tag, nil
}

// checkMetric validates a metric name and returns its family.
func checkMetric(m string) (string, error) {
	family, sub, dotted := strings.Cut(m, ".")
	if _, ok := metricAggs[family]; !ok {
		return "", fmt.Errorf("unknown metric %q (want latency.KIND, "+
			"outcomes.CLASS, attempts.CLASS, throughput, goodput, retries, "+
			"dropped, early_retries, intended, sent, held, offline_lost "+
			"or invalid_receipts)", m)
	}
	switch family {
	case "latency":
		if !slices.Contains(LatencyKinds, sub) {
			return "", fmt.Errorf("unknown latency kind %q (want %s)",
				sub, strings.Join(LatencyKinds, ", "))
		}
	case "outcomes", "attempts":
		if _, ok := classByName(sub); !ok {
			return "", fmt.Errorf("unknown outcome class %q (want %s or "+
				"errors)", sub, strings.Join(classNames[:], ", "))
		}
	default:
		if dotted {
			return "", fmt.Errorf("metric %s takes no .%s", family, sub)
		}
	}
	return family, nil
}

// classByName returns the classes a name in outcomes.NAME stands for.
func classByName(name string) ([]Class, bool) {
	if name == "errors" {
		return []Class{ClientError, ServerError, TransportError}, true
	}
	for c := Class(0); c < NumClasses; c++ {
		if c.String() == name {
			return []Class{c}, true
		}
	}
	return nil, false
}

// parseAgg reads the aggregation at the start of s and returns the rest.
func (t *Threshold) parseAgg(s string) (string, error) {
	i := strings.IndexAny(s, "<>=!")
	if i < 0 {
		return "", errors.New("no comparison (want e.g. p(99)<300ms)")
	}
	agg, rest := strings.TrimSpace(s[:i]), s[i:]
	if inner, ok := strings.CutPrefix(agg, "p("); ok {
		num, ok := strings.CutSuffix(inner, ")")
		p, err := strconv.ParseFloat(num, 64)
		if !ok || err != nil || p <= 0 || p > 100 {
			return "", fmt.Errorf("bad percentile %q (want p(N), 0 < N <= 100)", agg)
		}
		t.agg, t.pct = "p", p
		return rest, nil
	}
	if agg == "" {
		return "", errors.New("no aggregation before the comparison")
	}
	t.agg = agg
	return rest, nil
}

// parseOp reads the comparison at the start of s and returns the rest.
func (t *Threshold) parseOp(s string) (string, error) {
	for _, op := range []string{"<=", ">=", "==", "!=", "<", ">"} {
		if rest, ok := strings.CutPrefix(s, op); ok {
			t.op = op
			return strings.TrimSpace(rest), nil
		}
	}
	return "", fmt.Errorf("bad comparison in %q (want <, <=, >, >=, == or !=)", s)
}

// latencyUnits are the units a latency value may carry, in ms.
var latencyUnits = []struct {
	suffix string
	ms     float64
}{
	{"ms", 1}, {"us", 0.001}, {"µs", 0.001}, {"s", 1000}, {"m", 60000},
}

// parseValue reads the number a threshold compares with, in the unit of
// the metric: ms for latency values, a fraction for rates of classes.
func parseValue(s, family, agg string) (float64, error) {
	num, scale := s, 1.0
	switch {
	case family == "latency" && agg != "count":
		for _, u := range latencyUnits {
			if n, ok := strings.CutSuffix(s, u.suffix); ok {
				num, scale = n, u.ms
				break
			}
		}
	case agg == "rate" && family != "throughput" && family != "goodput":
		if n, ok := strings.CutSuffix(s, "%"); ok {
			num, scale = n, 0.01
		}
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad value %q", s)
	}
	return v * scale, nil
}
