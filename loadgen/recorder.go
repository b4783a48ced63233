package loadgen

import (
	"sync/atomic"
	"time"

	"github.com/airabench/airabench/reports"
)

type eventKind uint8

const (
	evAttempt   eventKind = iota // one request and its answer
	evOperation                  // a logical operation's final outcome
	evDropped                    // an operation that was never sent
	evCapped                     // a Retry-After above the policy's cap
	evBudget                     // a retry refused: the budget is spent
)

// event is what workers send to the recorder. It is a value, so sending
// one allocates nothing.
type event struct {
	kind  eventKind
	step  uint8 // index into the flow's steps, for attempts
	class reports.Class
	retry bool          // the attempt was a retry
	after reports.Class // of a retry: the class of the attempt before
	first bool          // the attempt was its operation's first
	early bool          // the retry went out before the advertised Retry-After
	// earlier marks a retry answered 409 DUPLICATE_REQUEST; held an
	// operation that ended pending approval; invalid one whose receipt
	// failed its check.
	earlier, held, invalid bool
	cause                  string // of a transport error
	// intended, sent and done are the attempt's instants; for an
	// operation, intended is its first intended instant and done its end.
	intended, sent, done time.Time
	wait                 time.Duration // time waited before this retry
}

// recorder owns a stage's result while the stage runs. Only its own
// goroutine touches the histograms, so recording takes no lock; the
// counters that progress bars read are atomics.
type recorder struct {
	st     *reports.Stage
	start  time.Time
	steps  [numSteps]*reports.Step // made on a step's first attempt
	events chan event
	done   chan struct{}
	last   time.Time // the latest done instant seen
	// check, if set, is called about once a second with the stage so
	// far, its Duration the time elapsed; it runs on the loop.
	check func(*reports.Stage)

	finished  atomic.Int64 // operations with a final outcome
	throttled atomic.Int64 // throttled attempts
	failed    atomic.Int64 // operations that ended in an error class
	dropped   atomic.Int64 // operations never sent
}

// newRecorder starts a recorder for st, with an optional check to make
// once a second. Its goroutine runs until close.
func newRecorder(st *reports.Stage, start time.Time,
	check func(*reports.Stage)) *recorder {
	r := &recorder{
		st:     st,
		start:  start,
		events: make(chan event, 4096),
		done:   make(chan struct{}),
		last:   start,
		check:  check,
	}
	go r.loop()
	return r
}

// record hands one event to the recorder. Safe for concurrent use until
// close is called.
func (r *recorder) record(e event) {
	switch {
	case e.kind == evOperation:
		r.finished.Add(1)
		if e.class != reports.OK && e.class != reports.Denied {
			r.failed.Add(1)
		}
	case e.kind == evAttempt && e.class == reports.Throttled:
		r.throttled.Add(1)
	case e.kind == evDropped:
		r.dropped.Add(1)
	}
	r.events <- e
}

// close waits until every recorded event is in the stage result and sets
// the stage's duration. No record may follow it.
func (r *recorder) close() {
	close(r.events)
	<-r.done
	r.st.Duration = r.last.Sub(r.start)
	s := &r.st.Series
	n := int((r.st.Duration + time.Second - 1) / time.Second)
	for _, p := range []*[]int64{&s.Offered, &s.Sent, &s.Goodput,
		&s.Throttled, &s.Errors} {
		n = max(n, len(*p))
	}
	for _, p := range []*[]int64{&s.Offered, &s.Sent, &s.Goodput,
		&s.Throttled, &s.Errors} {
		for len(*p) < n {
			*p = append(*p, 0)
		}
	}
}

func (r *recorder) loop() {
	defer close(r.done)
	var tick <-chan time.Time
	if r.check != nil {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case e, ok := <-r.events:
			if !ok {
				return
			}
			r.handle(&e)
		case now := <-tick:
			r.st.Duration = now.Sub(r.start)
			r.check(r.st)
		}
	}
}

// handle adds one event to the stage's result.
func (r *recorder) handle(e *event) {
	switch e.kind {
	case evAttempt:
		r.attempt(e)
	case evOperation:
		r.operation(e)
	case evDropped:
		r.st.Intended++
		r.st.Dropped++
		r.bump(&r.st.Series.Offered, e.intended)
	case evCapped:
		r.st.Capped++
	case evBudget:
		r.st.BudgetExhausted++
	}
}

func (r *recorder) attempt(e *event) {
	st := r.st
	st.Attempts[e.class]++
	if e.retry {
		st.Retries++
		st.RetriesBy[e.after]++
		st.RetryWait += e.wait
	}
	if e.first {
		st.Intended++
		st.Sent++
		r.bump(&st.Series.Offered, e.intended)
	}
	if e.early {
		st.EarlyRetries++
	}
	if e.earlier {
		st.SucceededEarlier++
	}
	r.bump(&st.Series.Sent, e.sent)
	switch e.class {
	case reports.Throttled:
		r.bump(&st.Series.Throttled, e.done)
	case reports.ClientError, reports.ServerError, reports.TransportError:
		r.bump(&st.Series.Errors, e.done)
	}
	r.see(e.done)

	step := r.steps[e.step]
	if step == nil {
		step = r.st.Step(stepName[e.step])
		r.steps[e.step] = step
	}
	step.Attempts[e.class]++
	if e.class == reports.TransportError {
		if st.TransportErrors == nil {
			st.TransportErrors = map[string]int64{}
		}
		st.TransportErrors[e.cause]++
		return // no answer, so no latency
	}
	resp, svc := e.done.Sub(e.intended), e.done.Sub(e.sent)
	st.Latency[reports.Response].Record(resp)
	st.Latency[reports.Service].Record(svc)
	st.Latency[reports.Dispatch].Record(e.sent.Sub(e.intended))
	step.Latency[reports.Response].Record(resp)
	step.Latency[reports.Service].Record(svc)
}

func (r *recorder) operation(e *event) {
	r.st.Outcomes[e.class]++
	if e.held {
		r.st.Held++
	}
	if e.invalid {
		r.st.InvalidReceipts++
	}
	r.st.Latency[reports.Operation].Record(e.done.Sub(e.intended))
	if e.class == reports.OK {
		r.bump(&r.st.Series.Goodput, e.done)
	}
	r.see(e.done)
}

func (r *recorder) see(t time.Time) {
	if t.After(r.last) {
		r.last = t
	}
}

// bump adds one to the per-second slot of instant t, growing the series.
func (r *recorder) bump(s *[]int64, t time.Time) {
	i := int(t.Sub(r.start) / time.Second)
	if i < 0 {
		i = 0
	}
	for len(*s) <= i {
		*s = append(*s, 0)
	}
	(*s)[i]++
}
