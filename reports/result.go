package reports

import (
	"encoding/json"
	"fmt"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Class is the outcome class of one attempt or of one logical operation.
// The classes are those of the measurement contract: a denial is a correct
// answer, not an error, and a transport error never carries a latency.
type Class uint8

// The outcome classes. NumClasses is their count, for arrays indexed by Class.
const (
	OK             Class = iota // 2xx
	Throttled                   // 429, or 503 with Retry-After
	Denied                      // 403 POLICY_DENIED
	ClientError                 // any other 4xx
	ServerError                 // 5xx without Retry-After
	TransportError              // reset, timeout, EOF, refused: no response
	NumClasses
)

var classNames = [NumClasses]string{
	"ok", "throttled", "denied", "client_error", "server_error",
	"transport_error",
}

// String returns the class's name as it appears in summary.json.
func (c Class) String() string {
	if c < NumClasses {
		return classNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// Outcomes counts attempts or operations by class.
type Outcomes [NumClasses]int64

// Total returns the sum over all classes.
func (o *Outcomes) Total() int64 {
	var n int64
	for _, v := range o {
		n += v
	}
	return n
}

// Add adds every count of p to o.
func (o *Outcomes) Add(p *Outcomes) {
	for i := range o {
		o[i] += p[i]
	}
}

// MarshalJSON writes the counts as an object keyed by class name.
func (o Outcomes) MarshalJSON() ([]byte, error) {
	m := make(map[string]int64, NumClasses)
	for c := Class(0); c < NumClasses; c++ {
		m[c.String()] = o[c]
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads the object written by MarshalJSON. Unknown class
// names are an error, so a summary from a newer version is not misread.
func (o *Outcomes) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*o = Outcomes{}
outer:
	for k, v := range m {
		for c := Class(0); c < NumClasses; c++ {
			if c.String() == k {
				o[c] = v
				continue outer
			}
		}
		return fmt.Errorf("unknown outcome class %q", k)
	}
	return nil
}

// Histogram bounds. Latencies are recorded in microseconds from 1 µs to one
// hour with three significant digits; a value outside is clamped to the
// nearest bound and counted in Latency.Clamped.
const (
	histMinMicros = 1
	histMaxMicros = int64(time.Hour / time.Microsecond)
	histSigFigs   = 3
)

// NewHistogram returns an empty latency histogram with the bounds every
// histogram of a result shares, so any two of them merge without loss.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinMicros, histMaxMicros, histSigFigs)
}

// Latency is one latency distribution: a histogram in microseconds and the
// count of values clamped into its range. The zero value is not usable;
// make one with NewLatency.
type Latency struct {
	Hist    *hdrhistogram.Histogram
	Clamped int64
}

// NewLatency returns an empty Latency.
func NewLatency() *Latency { return &Latency{Hist: NewHistogram()} }

// Record adds one duration. A negative or zero duration is recorded as
// 1 µs and one above an hour as an hour; both are counted as clamped.
func (l *Latency) Record(d time.Duration) {
	v := d.Microseconds()
	switch {
	case v < histMinMicros:
		if d < 0 {
			l.Clamped++
		}
		v = histMinMicros
	case v > histMaxMicros:
		l.Clamped++
		v = histMaxMicros
	}
	// In range by construction, so RecordValue cannot fail.
	_ = l.Hist.RecordValue(v)
}

// Merge adds every value of from to l. It returns an error if the
// histogram dropped any value, which cannot happen between histograms
// made by NewHistogram.
func (l *Latency) Merge(from *Latency) error {
	if from == nil {
		return nil
	}
	l.Clamped += from.Clamped
	if dropped := l.Hist.Merge(from.Hist); dropped > 0 {
		return fmt.Errorf("histogram merge dropped %d values", dropped)
	}
	return nil
}

// Kinds of latency, as named in summary.json.
const (
	Response  = "response"  // done − intended, per attempt
	Service   = "service"   // done − sent, per attempt
	Dispatch  = "dispatch"  // sent − intended, per attempt
	Operation = "operation" // first intended to final outcome, per operation
)

// LatencyKinds lists the kinds in the order reports show them.
var LatencyKinds = []string{Response, Service, Dispatch, Operation}

// Series holds per-second counts of a stage, indexed by whole seconds since
// the stage's start. Offered counts operations by intended time; the others
// by completion time.
type Series struct {
	Offered   []int64 `json:"offered"`
	Sent      []int64 `json:"sent"`
	Goodput   []int64 `json:"goodput"`
	Throttled []int64 `json:"throttled"`
	Errors    []int64 `json:"errors"`
}

// Step is the result of one step of a flow (authorize, notarize, ...):
// per-attempt outcomes and latencies.
type Step struct {
	Name     string
	Attempts Outcomes
	Latency  map[string]*Latency // Response and Service
}

// NewStep returns an empty step result with its histograms made.
func NewStep(name string) *Step {
	return &Step{Name: name, Latency: map[string]*Latency{
		Response: NewLatency(), Service: NewLatency(),
	}}
}

// Stage is the result of one stage of a run.
//
// Counts add up: Intended = Sent + Dropped, and Outcomes.Total() = Sent once
// every sent operation has finished. Outcomes are final outcomes of
// operations; Attempts counts every attempt of every step, so for a flow
// of one step Attempts.Total() - Sent is the number of retries.
type Stage struct {
	Name        string
	Flow        string
	Model       string // "closed", "unbounded", "chunked", "open", ...
	Concurrency int    // in-flight bound; 0 when unbounded
	Start       time.Time
	Duration    time.Duration // from the first intended instant to the last outcome

	Intended int64
	Sent     int64
	Dropped  int64
	Outcomes Outcomes
	Attempts Outcomes
	Retries  int64
	// RetriesBy counts retries by the class of the attempt that caused
	// them: throttled, server_error or transport_error.
	RetriesBy Outcomes
	// RetryWait is the total time operations spent waiting between attempts.
	RetryWait time.Duration
	// EarlyRetries counts retries sent before the Retry-After the server
	// had advertised for the previous attempt; it must stay zero.
	EarlyRetries int64
	// Held counts ok authorizations answered pending_approval.
	Held int64
	// InvalidReceipts counts verified receipts that the server called
	// invalid or that failed the client's own hash and signature check.
	InvalidReceipts int64
	// SucceededEarlier counts retries answered 409 DUPLICATE_REQUEST: an
	// earlier attempt had gone through, so the operation is ok.
	SucceededEarlier int64
	// Capped counts Retry-After values above the policy's cap.
	Capped int64
	// BudgetExhausted counts retries refused because the run's retry
	// budget was spent.
	BudgetExhausted int64
	// Setup is how many actions an untimed setup phase prepared for the
	// notarize and verify flows.
	Setup int64
	// TransportErrors counts attempts of class TransportError by cause:
	// timeout, reset, eof, refused, too-many-open-files or other.
	TransportErrors map[string]int64
	// NewConnections counts connections the client opened during the
	// stage; a pool sized to the concurrency keeps it near that size.
	NewConnections int64
	// TargetRate is the open model's planned mean rate per second over
	// the stage (the whole schedule's, even in a shard); 0 for the closed
	// models.
	TargetRate float64
	// Offline holds the offline queue's account, for stages that ran
	// through one; nil otherwise.
	Offline *Offline

	Latency map[string]*Latency // keyed by LatencyKinds
	Steps   []*Step
	Series  Series

	// Intervals optionally holds the latencies of consecutive reporting
	// intervals, oldest first, for the .hlog interval logs. When empty,
	// the logs hold one interval spanning the stage. summary.json does
	// not carry them; the .hlog files do.
	Intervals []*Interval
}

// Offline is the account of an offline queue. Every action the caller
// handed over is either delivered (the server answered it, whatever the
// answer) or lost, with its cause: Accepted = Delivered + Lost, and Lost
// is the sum of LostBy.
type Offline struct {
	Accepted  int64
	Delivered int64
	Lost      int64
	// LostBy counts lost actions by cause: "overflow" (the queue was
	// full), "failed" (sending failed after retries) and "abandoned"
	// (still queued when the run stopped).
	LostBy map[string]int64
	// DeniedLate counts delivered actions the policy denied after the
	// caller had moved on.
	DeniedLate int64
	// Enqueue is the caller's critical path: how long handing an action
	// to the queue took.
	Enqueue *Latency
	// TimeToReceipt runs from enqueue to the server's answer.
	TimeToReceipt *Latency
	// Depth is the deepest the queue was in each second of the stage.
	Depth []int64
}

// NewOffline returns an empty offline account with its histograms made.
func NewOffline() *Offline {
	return &Offline{LostBy: map[string]int64{}, Enqueue: NewLatency(),
		TimeToReceipt: NewLatency()}
}

// NewStage returns an empty stage result with its histograms made.
func NewStage(name, flow string) *Stage {
	s := &Stage{Name: name, Flow: flow, Latency: map[string]*Latency{}}
	for _, k := range LatencyKinds {
		s.Latency[k] = NewLatency()
	}
	return s
}

// Step returns the step result named name, adding it if absent.
func (s *Stage) Step(name string) *Step {
	for _, st := range s.Steps {
		if st.Name == name {
			return st
		}
	}
	st := NewStep(name)
	s.Steps = append(s.Steps, st)
	return st
}

// Throughput returns finished operations per second over the stage's
// duration, or 0 for a stage of no duration.
func (s *Stage) Throughput() float64 {
	return perSecond(s.Outcomes.Total(), s.Duration)
}

// Goodput returns ok operations per second over the stage's duration.
func (s *Stage) Goodput() float64 {
	return perSecond(s.Outcomes[OK], s.Duration)
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// Run is the result of a whole run: what ran, against what, and each stage.
type Run struct {
	Scenario    string
	Description string
	Target      string // "mock" or the base URL; never a key
	MockProfile string
	MockSeed    int64
	Version     string
	Start       time.Time
	Interrupted bool
	Stages      []*Stage

	// Warnings are plain-words notes about the run as a whole, such as
	// merged inputs that did not overlap in time. Reports show them.
	Warnings []string

	// ShardIndex and ShardCount name the shard this result is, when the
	// run was one shard of several (ShardCount > 1); a merge of a whole
	// shard set has ShardCount 0.
	ShardIndex int
	ShardCount int
}
