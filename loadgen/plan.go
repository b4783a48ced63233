package loadgen

import (
	"errors"
	"fmt"
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
)

// Flows lists the flows a stage may run.
var Flows = []Flow{FlowAuthorize, FlowAuthorizeNotarize}

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
)

// Models lists the load models.
var Models = []Model{Closed, Unbounded, Chunked}

// Load is the load model of a stage.
//
// A batch (Items > 0) is created at the stage's start: every item's
// intended instant is the start, so waiting for a permit is dispatch delay.
// A Duration instead keeps Concurrency workers looping, each operation
// intended the moment its worker is free (k6's constant-vus).
type Load struct {
	Model       Model
	Concurrency int           // in-flight bound; ignored when Unbounded
	Items       int           // a batch of this many operations, or 0
	Duration    time.Duration // or run for this long
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
}

// Plan is what Run runs: stages in order, with client settings.
type Plan struct {
	Name    string
	Stages  []Stage
	Timeout time.Duration // per request; 30 s, the SDKs' value, when zero
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
	l := s.Load
	if !oneOf(l.Model, Models) {
		add("unknown model %q (want one of %v)", l.Model, Models)
	}
	if l.Model != Unbounded && l.Concurrency < 1 {
		add("concurrency %d: must be at least 1", l.Concurrency)
	}
	switch {
	case l.Items < 0:
		add("items %d: must not be negative", l.Items)
	case l.Duration < 0:
		add("duration %v: must not be negative", l.Duration)
	case l.Items == 0 && l.Duration == 0:
		add("set items or duration")
	case l.Items > 0 && l.Duration > 0:
		add("set items or duration, not both")
	case l.Duration > 0 && l.Model != Closed:
		add("a duration needs the closed model; %s runs a batch", l.Model)
	}
	if err := s.Retry.Validate(); err != nil {
		errs = append(errs, err)
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
