package loadgen

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Flow names what one logical operation does.
type Flow string

// The flows.
const (
	// FlowAuthorize is one POST /actions.
	FlowAuthorize Flow = "authorize"
	// FlowAuthorizeNotarize is an authorize followed, when the action was
	// authorized, by POST /actions/{id}/notarize. A hold or a denial ends
	// the operation without a notarize; both are answers, not errors.
	FlowAuthorizeNotarize Flow = "authorize+notarize"
	// FlowNotarize notarizes actions authorized in an untimed setup
	// phase before the stage starts.
	FlowNotarize Flow = "notarize"
	// FlowVerify is the public GET /verify/action/{id} of receipts minted
	// in an untimed setup phase.
	FlowVerify Flow = "verify"
	// FlowHealth is GET /health.
	FlowHealth Flow = "health"
	// FlowMint mints a receipt in-process, sending nothing: canonical
	// JSON of a v1.2 action receipt payload, its SHA-256 and an Ed25519
	// signature, the work behind Aira's in-process mint figure.
	FlowMint Flow = "mint"
	// FlowMix picks one of Stage.Mix's flows per operation, by weight.
	FlowMix Flow = "mix"
)

// Flows lists the flows a stage may run.
var Flows = []Flow{FlowAuthorize, FlowAuthorizeNotarize, FlowNotarize,
	FlowVerify, FlowHealth, FlowMint, FlowMix}

// Model names a load model.
type Model string

// The load models.
const (
	// Closed keeps at most Concurrency operations in flight, like an
	// asyncio.Semaphore or p-limit around a gather of every item.
	Closed Model = "closed"
	// Unbounded starts every item at once, like asyncio.gather or
	// Promise.all with no limit.
	Unbounded Model = "unbounded"
	// Chunked runs items in groups of Concurrency, awaiting each group
	// before the next one starts.
	Chunked Model = "chunked"
	// Open starts operations on one global schedule (Rate, or Ramp),
	// however fast answers come back.
	Open Model = "open"
)

// MaxUnbounded is the largest batch the Unbounded model starts at once.
const MaxUnbounded = 100_000

// Models lists the load models.
var Models = []Model{Closed, Unbounded, Chunked, Open}

// Overflow names what the open model does with an operation that is due
// while MaxInFlight operations are already in flight.
type Overflow string

// The open model's overflow policies.
const (
	// OverflowWait holds the operation until a slot frees; the wait is
	// measured as dispatch delay, so it shows in response time.
	OverflowWait Overflow = "wait"
	// OverflowDrop never sends the operation and counts it as dropped.
	OverflowDrop Overflow = "drop"
)

// RampStep is one step of a ramping arrival rate: the rate moves
// linearly from the previous step's target (or Load.Rate, for the first
// step) to Target over Duration.
type RampStep struct {
	Target   Rate
	Duration time.Duration
}

// Load is the load model of a stage.
//
// A batch (Items > 0) is created at the stage's start: every item's
// intended instant is the start, so waiting for a permit is dispatch delay.
// A Duration instead keeps Concurrency workers looping, each operation
// intended the moment its worker is free (k6's constant-vus).
//
// The open model starts operations on one schedule for the whole stage:
// Rate for Duration (constant-arrival-rate), or from Rate through each
// step of Ramp (ramping-arrival-rate). MaxInFlight, when above zero,
// bounds operations in flight, and Overflow says what happens to one
// that is due when the bound is reached. After a stall the schedule
// catches up at most CatchUp times faster than planned (0 means as fast
// as the client can send).
type Load struct {
	Model       Model
	Concurrency int           // in-flight bound; ignored when Unbounded
	Items       int           // a batch of this many operations, or 0
	Duration    time.Duration // or run for this long

	Rate        Rate
	Ramp        []RampStep
	MaxInFlight int
	Overflow    Overflow
	CatchUp     float64
}

// MixEntry is one flow of a weighted mix.
type MixEntry struct {
	Flow   Flow
	Weight float64
}

// OfflinePolicy names what an offline queue does when it is full.
type OfflinePolicy string

// The offline queue's overflow policies.
const (
	DropNewest OfflinePolicy = "drop-newest" // the new action is lost
	DropOldest OfflinePolicy = "drop-oldest" // the oldest queued one is
	Block      OfflinePolicy = "block"       // the caller waits for room
)

// Offline is the SDKs' offline mode: the caller's authorize enqueues and
// returns at once; flushers send queued actions in the background.
// Every action is sent no later than FlushInterval after it was queued
// (a maximum age, not a debounce), and a full batch goes early. At the
// stage's end the queue is drained, as sync() does.
type Offline struct {
	FlushInterval time.Duration
	MaxQueueSize  int
	BatchSize     int           // actions per flush; MaxQueueSize when zero
	Flushers      int           // concurrent senders; 1 when zero
	Overflow      OfflinePolicy // DropNewest when empty
}

// Body is the authorize request body of every operation. In Details the
// text {{i}} is replaced by the item's index.
type Body struct {
	ActionType string
	Details    string
	AgentID    string
	ModelID    string
	// IdempotencyKeys sends a fresh idempotency_key per operation, reused
	// by its retries.
	IdempotencyKeys bool
}

// DefaultBody is the authorize body of the batch-processing guide.
var DefaultBody = Body{
	ActionType: "llm_call",
	Details:    "Process item {{i}}",
	ModelID:    "claude-sonnet-4-6",
}

// Stage is one stage of a plan.
type Stage struct {
	Name  string
	Flow  Flow
	Load  Load
	Retry RetryPolicy
	Body  Body
	// Mix lists the flows of FlowMix with their weights.
	Mix []MixEntry
	// Setup is how many actions the notarize and verify flows prepare
	// before the stage's clock starts; operations cycle through them.
	// When zero, a batch prepares one per item, and a duration 1,000.
	Setup int
	// VerifyReceipts makes the verify flow check each receipt's hash and
	// Ed25519 signature itself, against the key the target publishes.
	VerifyReceipts bool
	// Offline, when set, runs authorize through an offline queue.
	Offline *Offline
	// Shard is set by Plan.Shard; the zero value runs the whole stage.
	Shard Shard
}

// Plan is what Run runs: stages in order, with client settings.
type Plan struct {
	Name    string
	Stages  []Stage
	Timeout time.Duration // per request; 30 s, the SDKs' value, when zero
	// RetryBudget bounds the retries of the whole run; once spent, a
	// failed attempt is final. Zero means no bound.
	RetryBudget int64
}

// DefaultTimeout is the per-request timeout of the official SDKs.
const DefaultTimeout = 30 * time.Second

// Validate reports every problem of the plan at once. A plan that passes
// can be run; the scenario loader maps these problems to file positions.
func (p *Plan) Validate() error {
	var errs []error
	if len(p.Stages) == 0 {
		errs = append(errs, errors.New("plan has no stages"))
	}
	if p.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v is negative", p.Timeout))
	}
	for i := range p.Stages {
		if err := p.Stages[i].Validate(); err != nil {
			errs = append(errs, fmt.Errorf("stage %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}

// Validate reports every problem of the stage at once.
func (s *Stage) Validate() error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if !oneOf(s.Flow, Flows) {
		add("unknown flow %q (want one of %v)", s.Flow, Flows)
	}
	if err := s.Load.validate(s.Shard.Count > 1); err != nil {
		errs = append(errs, err)
	}
	if err := s.validateMix(); err != nil {
		errs = append(errs, err)
	}
	if s.Setup < 0 || s.Setup > maxSetup {
		add("setup %d: must be from 0 to %d", s.Setup, maxSetup)
	}
	if s.Offline != nil {
		if err := s.validateOffline(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.Retry.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (l Load) validate(sharded bool) error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if !oneOf(l.Model, Models) {
		add("unknown model %q (want one of %v)", l.Model, Models)
	}
	if l.Model == Open {
		return errors.Join(append(errs, l.validateOpen())...)
	}
	if l.Model != Unbounded && l.Concurrency < 1 {
		add("concurrency %d: must be at least 1", l.Concurrency)
	}
	if l.Model == Unbounded && l.Items > MaxUnbounded {
		add("items %d: gather starts every item at once, each with a "+
			"goroutine and a connection; above %d use a semaphore",
			l.Items, MaxUnbounded)
	}
	switch {
	case l.Items < 0:
		add("items %d: must not be negative", l.Items)
	case l.Duration < 0:
		add("duration %v: must not be negative", l.Duration)
	case l.Items == 0 && l.Duration == 0 && !sharded:
		add("set items or duration")
	case l.Items > 0 && l.Duration > 0:
		add("set items or duration, not both")
	case l.Duration > 0 && l.Model != Closed:
		add("a duration needs the closed model; %s runs a batch", l.Model)
	}
	if l.Rate != (Rate{}) || len(l.Ramp) > 0 {
		add("a rate needs the open model")
	}
	return errors.Join(errs...)
}

func (l Load) validateOpen() error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if l.Items != 0 || l.Concurrency != 0 {
		add("the open model takes a rate, not items or concurrency")
	}
	if len(l.Ramp) == 0 {
		if l.Duration <= 0 {
			add("duration %v: must be above zero", l.Duration)
		}
		if err := l.Rate.check(l.Rate.String()); err != nil {
			errs = append(errs, err)
		}
	} else if l.Duration != 0 {
		add("a ramp's length is the sum of its steps; drop duration")
	}
	for i, st := range l.Ramp {
		if st.Duration <= 0 {
			add("ramp step %d: duration must be above zero", i+1)
		}
		if st.Target.PerSecond() > MaxRate || st.Target.Freq < 0 {
			add("ramp step %d: target %v out of range", i+1, st.Target)
		}
	}
	if l.MaxInFlight < 0 {
		add("max_in_flight %d: must not be negative", l.MaxInFlight)
	}
	switch l.Overflow {
	case "", OverflowWait, OverflowDrop:
	default:
		add("unknown overflow %q (want wait or drop)", l.Overflow)
	}
	if l.CatchUp < 0 {
		add("catch_up %v: must not be negative", l.CatchUp)
	}
	if l.Model == Open && l.schedule().Total() == 0 {
		add("the schedule intends no operation")
	}
	return errors.Join(errs...)
}

func (s *Stage) validateMix() error {
	if s.Flow != FlowMix {
		if len(s.Mix) > 0 {
			return errors.New("mix entries need flow mix")
		}
		return nil
	}
	if len(s.Mix) == 0 {
		return errors.New("flow mix needs at least one entry")
	}
	var errs []error
	for i, m := range s.Mix {
		if m.Flow == FlowMix || !oneOf(m.Flow, Flows) {
			errs = append(errs, fmt.Errorf("mix entry %d: flow %q cannot "+
				"be mixed", i+1, m.Flow))
		}
		if !(m.Weight > 0) || math.IsInf(m.Weight, 0) {
			errs = append(errs, fmt.Errorf("mix entry %d: weight %v must "+
				"be above zero", i+1, m.Weight))
		}
	}
	return errors.Join(errs...)
}

func (s *Stage) validateOffline() error {
	o := s.Offline
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if s.Flow != FlowAuthorize {
		add("offline mode queues authorize calls; flow is %q", s.Flow)
	}
	if s.Load.Model != Open && s.Load.Items == 0 && s.Shard.Count <= 1 {
		add("offline mode needs a rate or a batch of items")
	}
	if o.FlushInterval <= 0 {
		add("flush_interval %v: must be above zero", o.FlushInterval)
	}
	if o.MaxQueueSize < 1 {
		add("max_queue_size %d: must be at least 1", o.MaxQueueSize)
	}
	if o.BatchSize < 0 || o.BatchSize > o.MaxQueueSize {
		add("batch_size %d: must be from 0 to max_queue_size", o.BatchSize)
	}
	if o.Flushers < 0 {
		add("flushers %d: must not be negative", o.Flushers)
	}
	switch o.Overflow {
	case "", DropNewest, DropOldest, Block:
	default:
		add("unknown overflow %q (want drop-newest, drop-oldest or block)",
			o.Overflow)
	}
	return errors.Join(errs...)
}

func oneOf[T comparable](v T, set []T) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}
