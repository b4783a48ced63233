package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/airabench/airabench/reports"
)

// SweepOptions set how Sweep runs a stage at several concurrency levels.
type SweepOptions struct {
	// Levels are the concurrency levels, each at least 1, run in
	// ascending order.
	Levels []int
	// Items or Duration sets the length of every level. When both are
	// zero, each level keeps the stage's own items or duration.
	// Durations of at least a second are counted in whole seconds from
	// the level's start, so that operations still waiting out a long
	// Retry-After at the end do not stretch the span (see
	// reports.SummarizeLevel).
	Items    int
	Duration time.Duration
	// Keys, when set, replaces the target's keys with this pool
	// (Target.Keys): each key has a rate limit of its own.
	Keys []string
	// NoSkip runs every level. Otherwise the sweep stops once goodput
	// has been flat from some level to twice its concurrency
	// (reports.PastKnee), and reports the levels it skipped.
	NoSkip bool
	// Refine, if set, is asked after the levels for one more level to
	// run, until it says no; such levels join the result in order.
	Refine func(done []reports.TuneLevel) (int, bool)
	// Settle, if set, is called before each level, to forget the
	// previous level's rate-limit state: reset a mock, or wait out the
	// limit's window. An error ends the sweep.
	Settle func(ctx context.Context) error
	// OnLevel, if set, is called after each level, from the goroutine
	// that called Sweep.
	OnLevel func(SweepLevel)
	// Run holds the options of every level's run.
	Run Options
}

// SweepLevel is one level of a sweep: its stage result and its digest.
type SweepLevel struct {
	Stage   *reports.Stage
	Summary reports.TuneLevel
}

// SweepResult is what Sweep ran, in ascending concurrency.
type SweepResult struct {
	Levels []SweepLevel
	// Skipped lists levels not run because goodput had flattened.
	Skipped []int
	// Interrupted is set when ctx ended before the sweep did.
	Interrupted bool
}

// Summaries returns the digests of the levels, in ascending concurrency.
func (r *SweepResult) Summaries() []reports.TuneLevel {
	out := make([]reports.TuneLevel, len(r.Levels))
	for i, l := range r.Levels {
		out[i] = l.Summary
	}
	return out
}

// Sweep runs stage si of p once per concurrency level, each as a plan of
// its own with a fresh client, and digests each level. A stage of any
// load model becomes a closed one (a chunked batch stays chunked); an
// offline stage is refused, as its concurrency is not the caller's. The
// error is non-nil when the options or the level plans are invalid, or
// when Settle fails; what ran until then is returned with it.
func Sweep(ctx context.Context, p Plan, si int, t Target,
	o SweepOptions) (*SweepResult, error) {
	if err := o.check(p, si); err != nil {
		return nil, err
	}
	levels := sortedUnique(o.Levels)
	res := &SweepResult{}
	for i, c := range levels {
		if err := sweepLevel(ctx, p, si, t, o, c, res); err != nil {
			return res, err
		}
		if res.Interrupted {
			return res, nil
		}
		if !o.NoSkip && reports.PastKnee(res.Summaries()) {
			res.Skipped = levels[i+1:]
			break
		}
	}
	return res, refine(ctx, p, si, t, o, res)
}

// refine runs the levels o.Refine asks for.
func refine(ctx context.Context, p Plan, si int, t Target,
	o SweepOptions, res *SweepResult) error {
	for o.Refine != nil && !res.Interrupted {
		c, ok := o.Refine(res.Summaries())
		if !ok || c < 1 || slices.ContainsFunc(res.Levels,
			func(l SweepLevel) bool { return l.Summary.Concurrency == c }) {
			return nil
		}
		if err := sweepLevel(ctx, p, si, t, o, c, res); err != nil {
			return err
		}
	}
	return nil
}

// sweepLevel settles, runs one level and adds it to res in order.
func sweepLevel(ctx context.Context, p Plan, si int, t Target,
	o SweepOptions, c int, res *SweepResult) error {
	if o.Settle != nil {
		if err := o.Settle(ctx); err != nil {
			if ctx.Err() != nil {
				res.Interrupted = true
				return nil
			}
			return fmt.Errorf("settle before level %d: %w", c, err)
		}
	}
	run, err := runLevel(ctx, p, si, t, o, c)
	if err != nil {
		return fmt.Errorf("level %d: %w", c, err)
	}
	st := run.Stages[0]
	l := SweepLevel{Stage: st, Summary: reports.SummarizeLevel(st,
		o.window(p.Stages[si]))}
	at, _ := slices.BinarySearchFunc(res.Levels, c,
		func(l SweepLevel, c int) int { return l.Summary.Concurrency - c })
	res.Levels = slices.Insert(res.Levels, at, l)
	res.Interrupted = run.Interrupted
	if o.OnLevel != nil {
		o.OnLevel(l)
	}
	return nil
}

// runLevel runs the stage at concurrency c with a client of its own.
func runLevel(ctx context.Context, p Plan, si int, t Target,
	o SweepOptions, c int) (*reports.Run, error) {
	lp := LevelPlan(p, si, c, o.Items, o.Duration)
	if len(o.Keys) > 0 {
		t.Keys = o.Keys
	}
	return Run(ctx, lp, t, o.Run)
}

// window is the span over which a level's rates are counted.
func (o SweepOptions) window(s Stage) time.Duration {
	switch {
	case o.Items > 0:
		return 0
	case o.Duration > 0:
		return o.Duration
	case s.Load.Items > 0:
		return 0
	}
	return s.Load.Duration
}

// check reports what makes the options unusable with stage si of p.
func (o SweepOptions) check(p Plan, si int) error {
	var errs []error
	if si < 0 || si >= len(p.Stages) {
		return fmt.Errorf("stage %d: plan has %d stages", si+1,
			len(p.Stages))
	}
	if p.Stages[si].Offline != nil {
		errs = append(errs, errors.New("an offline stage's concurrency "+
			"is its flushers'; sweep it with SweepOffline"))
	}
	if len(o.Levels) == 0 {
		errs = append(errs, errors.New("no concurrency levels"))
	}
	for _, c := range o.Levels {
		if c < 1 {
			errs = append(errs, fmt.Errorf("level %d: must be at least 1",
				c))
		}
	}
	if o.Items < 0 || o.Duration < 0 {
		errs = append(errs, errors.New("items and duration must not be "+
			"negative"))
	}
	if o.Items > 0 && o.Duration > 0 {
		errs = append(errs, errors.New("set items or duration, not both"))
	}
	return errors.Join(errs...)
}

// LevelPlan returns a plan of stage si of p alone, run closed at
// concurrency c: a batch of items, or for duration, or with the stage's
// own length when both are zero. A chunked batch stays chunked; any
// other model becomes closed. The plan keeps p's name, timeout and
// retry budget.
func LevelPlan(p Plan, si, c, items int, duration time.Duration) Plan {
	s := p.Stages[si]
	s.Name = fmt.Sprintf("%s-c%d", s.Name, c)
	l := &s.Load
	switch {
	case items > 0:
		l.Items, l.Duration = items, 0
	case duration > 0:
		l.Items, l.Duration = 0, duration
	}
	if l.Model != Chunked || l.Items == 0 {
		l.Model = Closed
	}
	l.Concurrency = c
	l.Rate, l.Ramp, l.MaxInFlight, l.Overflow, l.CatchUp = Rate{}, nil,
		0, "", 0
	return Plan{Name: p.Name, Stages: []Stage{s}, Timeout: p.Timeout,
		RetryBudget: p.RetryBudget}
}
