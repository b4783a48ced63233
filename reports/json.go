package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// SchemaVersion is the version of the summary.json layout that WriteJSON
// writes. It grows by one whenever a field changes meaning or goes away;
// added fields keep it. ReadJSON accepts versions 1 to SchemaVersion.
const SchemaVersion = 1

// ErrSchemaVersion is returned by ReadJSON for a summary written by a
// newer airabench, or one without a schema_version.
var ErrSchemaVersion = errors.New("unsupported summary schema version")

// ToolName is the name written as tool.name in summary.json.
const ToolName = "airabench"

type jsonRun struct {
	SchemaVersion int         `json:"schema_version"`
	Tool          jsonTool    `json:"tool"`
	Scenario      string      `json:"scenario"`
	Description   string      `json:"description"`
	Target        string      `json:"target"`
	Mock          *jsonMock   `json:"mock"`
	Shard         *jsonShard  `json:"shard"`
	Start         string      `json:"start"`
	Interrupted   bool        `json:"interrupted"`
	HistUnit      string      `json:"histogram_unit"`
	Warnings      []string    `json:"warnings"`
	Stages        []jsonStage `json:"stages"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// jsonShard names the shard a result is; null for a whole run or a
// merge.
type jsonShard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

type jsonMock struct {
	Profile string `json:"profile"`
	Seed    int64  `json:"seed"`
}

type jsonStage struct {
	Name           string                 `json:"name"`
	Flow           string                 `json:"flow"`
	Model          string                 `json:"model"`
	Concurrency    int                    `json:"concurrency"`
	Start          string                 `json:"start"`
	DurationS      float64                `json:"duration_s"`
	Intended       int64                  `json:"intended"`
	Sent           int64                  `json:"sent"`
	Dropped        int64                  `json:"dropped"`
	Outcomes       Outcomes               `json:"outcomes"`
	Attempts       Outcomes               `json:"attempts"`
	TransportErrs  map[string]int64       `json:"transport_errors"`
	Retries        int64                  `json:"retries"`
	RetryWaitS     float64                `json:"retry_wait_s"`
	EarlyRetries   int64                  `json:"early_retries"`
	RetriesBy      Outcomes               `json:"retries_by"`
	Capped         int64                  `json:"retry_after_capped"`
	BudgetOut      int64                  `json:"retry_budget_exhausted"`
	SucceededEarly int64                  `json:"succeeded_earlier"`
	Held           int64                  `json:"held"`
	InvalidReceipt int64                  `json:"invalid_receipts"`
	Setup          int64                  `json:"setup"`
	NewConns       int64                  `json:"new_connections"`
	AttemptsPerOp  *float64               `json:"attempts_per_op"`
	TargetRatePerS *float64               `json:"target_rate_per_s"`
	ThroughputPerS float64                `json:"throughput_per_s"`
	GoodputPerS    float64                `json:"goodput_per_s"`
	LatencyMs      map[string]jsonLatency `json:"latency_ms"`
	Steps          []jsonStep             `json:"steps"`
	Series         jsonSeries             `json:"series"`
	Offline        *jsonOffline           `json:"offline"`
}

type jsonOffline struct {
	Accepted      int64            `json:"accepted"`
	Delivered     int64            `json:"delivered"`
	Lost          int64            `json:"lost"`
	LostBy        map[string]int64 `json:"lost_by"`
	DeniedLate    int64            `json:"denied_late"`
	Enqueue       *jsonLatency     `json:"enqueue_ms"`
	TimeToReceipt *jsonLatency     `json:"time_to_receipt_ms"`
	Depth         []int64          `json:"depth"`
}

type jsonStep struct {
	Name      string                 `json:"name"`
	Attempts  Outcomes               `json:"attempts"`
	LatencyMs map[string]jsonLatency `json:"latency_ms"`
}

type jsonLatency struct {
	LatencySummary
	// HDR is the histogram in microseconds, in HdrHistogram's compressed
	// V2 encoding, base64: the exact data the summary was computed from.
	HDR string `json:"hdr"`
}

type jsonSeries struct {
	IntervalS int     `json:"interval_s"`
	Offered   []int64 `json:"offered"`
	Sent      []int64 `json:"sent"`
	Goodput   []int64 `json:"goodput"`
	Throttled []int64 `json:"throttled"`
	Errors    []int64 `json:"errors"`
}

// WriteJSON writes r as summary.json: indented, with every histogram kept
// losslessly beside its summary so ReadJSON restores r exactly (durations
// to the nanosecond, times in RFC 3339 with nanoseconds). Undefined
// statistics are null; no number is NaN or infinite.
func WriteJSON(w io.Writer, r *Run) error {
	jr, err := toJSONRun(r)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jr); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// ReadJSON reads a summary written by WriteJSON and rebuilds the Run,
// histograms included. It fails on malformed JSON, an unsupported
// schema_version, an unknown outcome class, or a histogram that is
// missing, undecodable or disagrees with its count.
func ReadJSON(rd io.Reader) (*Run, error) {
	var jr jsonRun
	if err := json.NewDecoder(rd).Decode(&jr); err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	if jr.SchemaVersion < 1 || jr.SchemaVersion > SchemaVersion {
		return nil, fmt.Errorf("read summary: %w: %d (want 1 to %d)",
			ErrSchemaVersion, jr.SchemaVersion, SchemaVersion)
	}
	r, err := fromJSONRun(&jr)
	if err != nil {
		return nil, fmt.Errorf("read summary: %w", err)
	}
	return r, nil
}

func toJSONRun(r *Run) (*jsonRun, error) {
	jr := &jsonRun{
		SchemaVersion: SchemaVersion,
		Tool:          jsonTool{Name: ToolName, Version: r.Version},
		Scenario:      r.Scenario,
		Description:   r.Description,
		Target:        r.Target,
		Start:         formatTime(r.Start),
		Interrupted:   r.Interrupted,
		HistUnit:      "us",
		Warnings:      append([]string{}, r.Warnings...),
		Stages:        []jsonStage{},
	}
	if r.Target == "mock" || r.MockProfile != "" || r.MockSeed != 0 {
		jr.Mock = &jsonMock{Profile: r.MockProfile, Seed: r.MockSeed}
	}
	if r.ShardCount > 1 {
		jr.Shard = &jsonShard{Index: r.ShardIndex, Count: r.ShardCount}
	}
	for _, st := range r.Stages {
		js, err := toJSONStage(st)
		if err != nil {
			return nil, fmt.Errorf("stage %q: %w", st.Name, err)
		}
		jr.Stages = append(jr.Stages, js)
	}
	return jr, nil
}

func toJSONStage(s *Stage) (jsonStage, error) {
	js := jsonStage{
		Name: s.Name, Flow: s.Flow, Model: s.Model,
		Concurrency:    s.Concurrency,
		Start:          formatTime(s.Start),
		DurationS:      s.Duration.Seconds(),
		Intended:       s.Intended,
		Sent:           s.Sent,
		Dropped:        s.Dropped,
		Outcomes:       s.Outcomes,
		Attempts:       s.Attempts,
		TransportErrs:  copyCounts(s.TransportErrors),
		Retries:        s.Retries,
		RetryWaitS:     s.RetryWait.Seconds(),
		EarlyRetries:   s.EarlyRetries,
		RetriesBy:      s.RetriesBy,
		Capped:         s.Capped,
		BudgetOut:      s.BudgetExhausted,
		SucceededEarly: s.SucceededEarlier,
		Held:           s.Held,
		InvalidReceipt: s.InvalidReceipts,
		Setup:          s.Setup,
		NewConns:       s.NewConnections,
		ThroughputPerS: finite(s.Throughput()),
		GoodputPerS:    finite(s.Goodput()),
		Steps:          []jsonStep{},
		Series:         toJSONSeries(s.Series),
	}
	if a, ok := s.AttemptsPerOp(); ok {
		js.AttemptsPerOp = &a
	}
	if v := finite(s.TargetRate); v > 0 {
		js.TargetRatePerS = &v
	}
	var err error
	if js.LatencyMs, err = toJSONLatencies(s.Latency); err != nil {
		return js, err
	}
	if js.Offline, err = toJSONOffline(s.Offline); err != nil {
		return js, fmt.Errorf("offline: %w", err)
	}
	for _, step := range s.Steps {
		lat, err := toJSONLatencies(step.Latency)
		if err != nil {
			return js, fmt.Errorf("step %q: %w", step.Name, err)
		}
		js.Steps = append(js.Steps, jsonStep{
			Name: step.Name, Attempts: step.Attempts, LatencyMs: lat,
		})
	}
	return js, nil
}

func toJSONOffline(o *Offline) (*jsonOffline, error) {
	if o == nil {
		return nil, nil
	}
	lat, err := toJSONLatencies(map[string]*Latency{
		"enqueue": orEmpty(o.Enqueue), "receipt": orEmpty(o.TimeToReceipt)})
	if err != nil {
		return nil, err
	}
	jo := &jsonOffline{Accepted: o.Accepted, Delivered: o.Delivered,
		Lost: o.Lost, LostBy: o.LostBy, DeniedLate: o.DeniedLate,
		Depth: nonNil(o.Depth)}
	if jo.LostBy == nil {
		jo.LostBy = map[string]int64{}
	}
	if l, ok := lat["enqueue"]; ok {
		jo.Enqueue = &l
	}
	if l, ok := lat["receipt"]; ok {
		jo.TimeToReceipt = &l
	}
	return jo, nil
}

// copyCounts returns a copy of m, empty rather than nil.
func copyCounts(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// orEmpty returns l, or an empty Latency when l is nil.
func orEmpty(l *Latency) *Latency {
	if l == nil || l.Hist == nil {
		return NewLatency()
	}
	return l
}

func toJSONLatencies(m map[string]*Latency) (map[string]jsonLatency, error) {
	out := make(map[string]jsonLatency, len(m))
	for kind, l := range m {
		if l == nil || l.Hist == nil {
			continue
		}
		enc, err := l.Hist.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
		if err != nil {
			return nil, fmt.Errorf("encode %s histogram: %w", kind, err)
		}
		out[kind] = jsonLatency{LatencySummary: l.Summary(), HDR: string(enc)}
	}
	return out, nil
}

func toJSONSeries(s Series) jsonSeries {
	return jsonSeries{
		IntervalS: 1,
		Offered:   nonNil(s.Offered),
		Sent:      nonNil(s.Sent),
		Goodput:   nonNil(s.Goodput),
		Throttled: nonNil(s.Throttled),
		Errors:    nonNil(s.Errors),
	}
}

func nonNil(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q: %w", s, err)
	}
	return t, nil
}

func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

func fromJSONRun(jr *jsonRun) (*Run, error) {
	r := &Run{
		Scenario:    jr.Scenario,
		Description: jr.Description,
		Target:      jr.Target,
		Version:     jr.Tool.Version,
		Interrupted: jr.Interrupted,
		Warnings:    jr.Warnings,
	}
	if jr.Mock != nil {
		r.MockProfile, r.MockSeed = jr.Mock.Profile, jr.Mock.Seed
	}
	if sh := jr.Shard; sh != nil {
		if sh.Count < 2 || sh.Index < 0 || sh.Index >= sh.Count {
			return nil, fmt.Errorf("bad shard %d/%d: want a count of at "+
				"least 2 and an index from 0 to count-1", sh.Index, sh.Count)
		}
		r.ShardIndex, r.ShardCount = sh.Index, sh.Count
	}
	var err error
	if r.Start, err = parseTime(jr.Start); err != nil {
		return nil, err
	}
	for i := range jr.Stages {
		st, err := fromJSONStage(&jr.Stages[i])
		if err != nil {
			return nil, fmt.Errorf("stage %q: %w", jr.Stages[i].Name, err)
		}
		r.Stages = append(r.Stages, st)
	}
	return r, nil
}

func fromJSONStage(js *jsonStage) (*Stage, error) {
	if err := js.check(); err != nil {
		return nil, err
	}
	s := &Stage{
		Name: js.Name, Flow: js.Flow, Model: js.Model,
		Concurrency:  js.Concurrency,
		Duration:     seconds(js.DurationS),
		Intended:     js.Intended,
		Sent:         js.Sent,
		Dropped:      js.Dropped,
		Outcomes:     js.Outcomes,
		Attempts:     js.Attempts,
		Retries:      js.Retries,
		RetryWait:    seconds(js.RetryWaitS),
		EarlyRetries: js.EarlyRetries,
		RetriesBy:    js.RetriesBy,
		Series:       fromJSONSeries(js.Series),

		Capped:           js.Capped,
		BudgetExhausted:  js.BudgetOut,
		SucceededEarlier: js.SucceededEarly,
		Held:             js.Held,
		InvalidReceipts:  js.InvalidReceipt,
		Setup:            js.Setup,
		NewConnections:   js.NewConns,
	}
	if len(js.TransportErrs) > 0 {
		s.TransportErrors = copyCounts(js.TransportErrs)
	}
	if js.TargetRatePerS != nil {
		s.TargetRate = *js.TargetRatePerS
	}
	var err error
	if s.Start, err = parseTime(js.Start); err != nil {
		return nil, err
	}
	if s.Latency, err = fromJSONLatencies(js.LatencyMs); err != nil {
		return nil, err
	}
	if s.Offline, err = fromJSONOffline(js.Offline); err != nil {
		return nil, fmt.Errorf("offline: %w", err)
	}
	for _, jst := range js.Steps {
		lat, err := fromJSONLatencies(jst.LatencyMs)
		if err != nil {
			return nil, fmt.Errorf("step %q: %w", jst.Name, err)
		}
		s.Steps = append(s.Steps, &Step{
			Name: jst.Name, Attempts: jst.Attempts, Latency: lat,
		})
	}
	return s, nil
}

func fromJSONOffline(jo *jsonOffline) (*Offline, error) {
	if jo == nil {
		return nil, nil
	}
	o := NewOffline()
	o.Accepted, o.Delivered, o.Lost = jo.Accepted, jo.Delivered, jo.Lost
	o.DeniedLate, o.Depth = jo.DeniedLate, jo.Depth
	for k, v := range jo.LostBy {
		o.LostBy[k] = v
	}
	var err error
	if jo.Enqueue != nil {
		if o.Enqueue, err = decodeLatency(*jo.Enqueue); err != nil {
			return nil, fmt.Errorf("enqueue latency: %w", err)
		}
	}
	if jo.TimeToReceipt != nil {
		if o.TimeToReceipt, err = decodeLatency(*jo.TimeToReceipt); err != nil {
			return nil, fmt.Errorf("time to receipt: %w", err)
		}
	}
	return o, nil
}

func fromJSONLatencies(m map[string]jsonLatency) (map[string]*Latency, error) {
	out := make(map[string]*Latency, len(m))
	for kind, jl := range m {
		l, err := decodeLatency(jl)
		if err != nil {
			return nil, fmt.Errorf("latency %s: %w", kind, err)
		}
		out[kind] = l
	}
	return out, nil
}

// decodeLatency rebuilds a Latency from its stored histogram. The decoded
// histogram is merged into one made by NewHistogram, so a summary written
// with other bounds still merges with this run's histograms, or fails.
func decodeLatency(jl jsonLatency) (*Latency, error) {
	l := NewLatency()
	l.Clamped = jl.Clamped
	if jl.HDR == "" {
		if jl.Count != 0 {
			return nil, fmt.Errorf("count %d but no histogram", jl.Count)
		}
		return l, nil
	}
	h, err := decodeHist(jl.HDR)
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w", err)
	}
	if dropped := l.Hist.Merge(h); dropped > 0 {
		return nil, fmt.Errorf("histogram has %d values out of range",
			dropped)
	}
	if got := l.Hist.TotalCount(); got != jl.Count {
		return nil, fmt.Errorf("histogram holds %d values, count says %d",
			got, jl.Count)
	}
	return l, nil
}

func fromJSONSeries(js jsonSeries) Series {
	return Series{
		Offered:   js.Offered,
		Sent:      js.Sent,
		Goodput:   js.Goodput,
		Throttled: js.Throttled,
		Errors:    js.Errors,
	}
}

// decodeHist decodes a base64 compressed histogram. hdrhistogram.Decode
// indexes its input without checking its length, so a truncated string
// would panic; that panic is turned into an error here.
func decodeHist(s string) (h *hdrhistogram.Histogram, err error) {
	defer func() {
		if p := recover(); p != nil {
			h, err = nil, fmt.Errorf("corrupt histogram: %v", p)
		}
	}()
	return hdrhistogram.Decode([]byte(s))
}

// check refuses counts that no run can produce, so that a summary edited
// by hand or cut short is reported, not merged into wrong figures.
func (js *jsonStage) check() error {
	for _, c := range []struct {
		name string
		n    int64
	}{{"intended", js.Intended}, {"sent", js.Sent},
		{"dropped", js.Dropped}, {"retries", js.Retries}} {
		if c.n < 0 {
			return fmt.Errorf("%s is %d; counts are never negative",
				c.name, c.n)
		}
	}
	for c := Class(0); c < NumClasses; c++ {
		if js.Outcomes[c] < 0 || js.Attempts[c] < 0 {
			return fmt.Errorf("outcome %s is negative", c)
		}
	}
	switch {
	case js.Intended != js.Sent+js.Dropped:
		return fmt.Errorf("intended %d is not sent %d + dropped %d",
			js.Intended, js.Sent, js.Dropped)
	case js.Outcomes.Total() > js.Sent:
		return fmt.Errorf("outcomes add up to %d, more than the %d sent",
			js.Outcomes.Total(), js.Sent)
	case js.DurationS < 0:
		return fmt.Errorf("duration_s %v is negative", js.DurationS)
	}
	return nil
}
