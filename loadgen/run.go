package loadgen

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airabench/airabench/reports"
)

// DefaultGrace is how long in-flight requests may take to finish once a
// run is told to stop.
const DefaultGrace = 10 * time.Second

// Options are the settings of one run that are not part of its plan.
type Options struct {
	// Seed drives the client's random choices (jitter, mix picks). Runs
	// with the same seed make the same choices in the same order per
	// worker.
	Seed uint64
	// Grace bounds how long in-flight requests may run after ctx is
	// done; DefaultGrace when zero.
	Grace time.Duration
	// Progress, if set, receives a live progress bar per stage.
	Progress io.Writer
	// PlainProgress writes Progress as plain lines, one every few
	// seconds, for logs and terminals that cannot redraw.
	PlainProgress bool
	// RunID tells this run's idempotency keys from another's; random
	// when empty.
	RunID string
	// Abort, if set, is asked about once a second while a stage runs,
	// with the results so far (the running stage last, its duration the
	// time elapsed); a non-empty answer stops the run as ctx would, and
	// becomes a run warning. It runs on the stage's recorder goroutine
	// and must not keep the run it is given.
	Abort func(sofar *reports.Run) (reason string)
}

// errAborted is the cause of a stop that Options.Abort asked for.
var errAborted = errors.New("aborted")

// Run runs the plan's stages in order against t and returns their
// results. When ctx is done, Run stops starting operations and retries,
// lets in-flight requests finish within the grace period, counts what it
// never sent as dropped, and returns the partial result with Interrupted
// set. The error is non-nil only when the plan is invalid.
func Run(ctx context.Context, p Plan, t Target, o Options) (*reports.Run,
	error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("invalid plan: %w", err)
	}
	if o.Grace == 0 {
		o.Grace = DefaultGrace
	}
	if o.RunID == "" {
		var b [6]byte
		rand.Read(b[:])
		o.RunID = hex.EncodeToString(b[:])
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}

	// stop ends sending: when ctx is done, or when Abort asks.
	stop, abort := context.WithCancelCause(ctx)
	defer abort(nil)

	// Requests outlive the stop by the grace period, so that what is in
	// flight when a run stops is measured, not cut.
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stopAfter := context.AfterFunc(stop, func() {
		t := time.AfterFunc(o.Grace, cancel)
		context.AfterFunc(reqCtx, func() { t.Stop() })
	})
	defer stopAfter()

	c := newClient(t, maxInFlight(p), timeout)
	defer c.close()
	var budget *atomic.Int64
	if p.RetryBudget > 0 {
		budget = new(atomic.Int64)
		budget.Store(p.RetryBudget)
	}

	run := &reports.Run{Scenario: p.Name, Start: time.Now()}
	bars := newProgress(o.Progress, o.PlainProgress)
	for i := range p.Stages {
		r := &stageRun{
			stage: &p.Stages[i], index: i, client: c, seed: o.Seed,
			stop: stop.Done(), bars: bars, budget: budget,
			idem: "airabench-" + o.RunID + "-" + strconv.Itoa(i) + "-",
		}
		if o.Abort != nil {
			r.check = watch(run, o.Abort, abort)
		}
		run.Stages = append(run.Stages, r.run(reqCtx))
	}
	bars.wait()
	if w := c.guardWarning(t.MaxRate); w != "" {
		run.Warnings = append(run.Warnings, w)
	}
	if cause := context.Cause(stop); errors.Is(cause, errAborted) {
		run.Warnings = append(run.Warnings, cause.Error())
	}
	run.Interrupted = stop.Err() != nil
	return run, nil
}

// watch returns the check a stage's recorder makes once a second: it
// shows Options.Abort the finished stages and the running one, and
// stops the run when it answers.
func watch(run *reports.Run, ask func(*reports.Run) string,
	abort context.CancelCauseFunc) func(*reports.Stage) {
	done := slices.Clone(run.Stages)
	return func(st *reports.Stage) {
		sofar := *run
		sofar.Stages = append(slices.Clip(done), st)
		if reason := ask(&sofar); reason != "" {
			abort(fmt.Errorf("%w at %.1f s of stage %s: %s", errAborted,
				st.Duration.Seconds(), st.Name, reason))
		}
	}
}

// MaxInFlight is the most requests any stage of p may keep in flight. It
// sizes the connection pool, and a caller can hold it against the
// process's open-file limit before a run.
func (p Plan) MaxInFlight() int { return maxInFlight(p) }

func maxInFlight(p Plan) int {
	n := 1
	for _, s := range p.Stages {
		l := s.Load
		switch {
		case l.Model == Unbounded:
			n = max(n, l.Items)
		case l.Model == Open && l.MaxInFlight > 0:
			n = max(n, l.MaxInFlight)
		case l.Model == Open:
			n = max(n, DefaultMaxInFlight)
		default:
			n = max(n, l.Concurrency)
		}
		if s.Offline != nil {
			n = max(n, s.Offline.Flushers)
		}
		if needsSetup(&s) {
			n = max(n, setupWorkers)
		}
	}
	return n
}

// stageRun runs one stage.
type stageRun struct {
	stage  *Stage
	index  int
	client *client
	seed   uint64
	stop   <-chan struct{}
	bars   *progress
	rec    *recorder
	budget *atomic.Int64
	idem   string
	prep   *prepared
	check  func(*reports.Stage) // the abort check; nil for none
}

func (r *stageRun) run(ctx context.Context) *reports.Stage {
	s := r.stage
	st := reports.NewStage(s.Name, string(s.Flow))
	st.Model = string(s.Load.Model)
	st.Concurrency = s.Load.Concurrency
	switch s.Load.Model {
	case Unbounded:
		st.Concurrency = 0
	case Open:
		st.Concurrency = s.Load.MaxInFlight
		sch := s.Load.schedule()
		if d := sch.Duration(); d > 0 {
			st.TargetRate = float64(sch.Total()) / d.Seconds()
		}
	}
	if needsSetup(s) {
		r.prep = r.setup(ctx)
		st.Setup = int64(len(r.prep.actions))
	}
	st.Start = time.Now()
	dials := r.client.dials.Load()
	defer func() { st.NewConnections = r.client.dials.Load() - dials }()
	r.rec = newRecorder(st, st.Start, r.check)
	bar := r.bars.add(s, r.rec)

	switch {
	case s.Offline != nil:
		r.offline(ctx, st)
	case s.Load.Model == Open:
		r.open(ctx, st.Start)
	case s.Load.Duration > 0:
		r.forDuration(ctx, st.Start)
	case s.Load.Model == Chunked:
		r.chunked(ctx, st.Start)
	default:
		n := s.Load.Concurrency
		if s.Load.Model == Unbounded {
			n = s.Load.Items
		}
		var next atomic.Int64
		r.pool(ctx, n, func() (int, bool) {
			i := int(next.Add(1) - 1)
			return s.Shard.global(i), i < s.Load.Items
		}, st.Start)
	}
	r.rec.close()
	bar.finish()
	return st
}

// stopped reports whether the run was told to stop.
func (r *stageRun) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// pool runs n workers that take items from next until it says no more.
// Every item taken after the stop is recorded as dropped, so a batch
// interrupted half way still adds up. Every item is intended at start.
func (r *stageRun) pool(ctx context.Context, n int,
	next func() (int, bool), start time.Time) {
	var wg sync.WaitGroup
	for id := range n {
		w := r.worker(uint64(id))
		wg.Go(func() {
			for {
				i, ok := next()
				if !ok {
					return
				}
				if r.stopped() {
					r.rec.record(event{kind: evDropped, intended: start})
					continue
				}
				w.operation(ctx, i, start)
			}
		})
	}
	wg.Wait()
}

// chunked runs the batch in groups of Concurrency, each awaited before
// the next starts.
func (r *stageRun) chunked(ctx context.Context, start time.Time) {
	items, size := r.stage.Load.Items, r.stage.Load.Concurrency
	for lo := 0; lo < items; lo += size {
		hi := min(lo+size, items)
		var next atomic.Int64
		next.Store(int64(lo))
		r.pool(ctx, hi-lo, func() (int, bool) {
			i := int(next.Add(1) - 1)
			return r.stage.Shard.global(i), i < hi
		}, start)
	}
}

// forDuration keeps Concurrency workers busy until the stage's duration
// has passed; each operation is intended when its worker is free.
func (r *stageRun) forDuration(ctx context.Context, start time.Time) {
	end := start.Add(r.stage.Load.Duration)
	var wg sync.WaitGroup
	var seq atomic.Int64
	sh := r.stage.Shard
	for id := range r.stage.Load.Concurrency {
		w := r.worker(uint64(id))
		wg.Go(func() {
			for !r.stopped() {
				now := time.Now()
				if !now.Before(end) {
					return
				}
				w.operation(ctx, sh.global(int(seq.Add(1)-1)), now)
			}
		})
	}
	wg.Wait()
}

// worker returns a worker with its own random stream, id picking the
// stream within the stage.
func (r *stageRun) worker(id uint64) *worker {
	return &worker{
		c:      r.client,
		rec:    r.rec,
		stage:  r.stage,
		stop:   r.stop,
		rng:    mrand.New(mrand.NewPCG(r.seed, uint64(r.index)<<40|id)),
		idem:   r.idem,
		budget: r.budget,
		prep:   r.prep,
	}
}
