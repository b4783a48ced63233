package loadgen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/airabench/airabench/reports"
)

// OfflineSweepOptions set how SweepOffline tunes an offline queue.
type OfflineSweepOptions struct {
	// Rate is the arrival rate of authorize calls; Duration how long
	// each setting runs at it.
	Rate     Rate
	Duration time.Duration
	// Intervals are the flush intervals and QueueSizes the queue sizes
	// to try; each is run in ascending order.
	Intervals  []time.Duration
	QueueSizes []int
	// Keys, Settle and Run are as in SweepOptions; OnPoint, if set, is
	// called after each setting.
	Keys    []string
	Settle  func(ctx context.Context) error
	OnPoint func(OfflineSweepPoint)
	Run     Options
}

// OfflineSweepPoint is one setting of an offline sweep: its stage
// result and its digest.
type OfflineSweepPoint struct {
	Stage   *reports.Stage
	Summary reports.OfflinePoint
}

// OfflineSweepResult is what SweepOffline ran, in the order it ran.
type OfflineSweepResult struct {
	Points []OfflineSweepPoint
	// Skipped lists flush intervals not run: a shorter one lost actions
	// at every queue size, and a longer interval needs a larger queue.
	Skipped     []time.Duration
	Interrupted bool
}

// Summaries returns the digests of the points, in the order they ran.
func (r *OfflineSweepResult) Summaries() []reports.OfflinePoint {
	out := make([]reports.OfflinePoint, len(r.Points))
	for i, p := range r.Points {
		out[i] = p.Summary
	}
	return out
}

// SweepOffline runs stage si of p, an authorize stage, through an
// offline queue at a fixed arrival rate, once per setting, to find for
// each flush interval the smallest queue size that loses nothing. For
// each interval, shortest first, it tries queue sizes upwards from the
// smallest that was lossless for the interval before, and stops at the
// first lossless one. The stage's own offline settings give the batch
// size, flushers and overflow policy; without them, batches are whole
// queues, one flusher sends, and a full queue drops the newest action.
func SweepOffline(ctx context.Context, p Plan, si int, t Target,
	o OfflineSweepOptions) (*OfflineSweepResult, error) {
	if err := o.check(p, si); err != nil {
		return nil, err
	}
	intervals := sortedUnique(o.Intervals)
	sizes := sortedUnique(o.QueueSizes)
	res := &OfflineSweepResult{}
	from := 0
	for i, iv := range intervals {
		found, err := sweepSizes(ctx, p, si, t, o, iv, sizes[from:], res)
		if err != nil || res.Interrupted {
			return res, err
		}
		if found < 0 {
			res.Skipped = intervals[i+1:]
			break
		}
		from += found
	}
	return res, nil
}

// sweepSizes runs one interval over sizes until one loses nothing, and
// returns its index in sizes, or -1.
func sweepSizes(ctx context.Context, p Plan, si int, t Target,
	o OfflineSweepOptions, iv time.Duration, sizes []int,
	res *OfflineSweepResult) (int, error) {
	for k, size := range sizes {
		pt, stopped, err := offlinePoint(ctx, p, si, t, o, iv, size)
		if err != nil {
			return -1, err
		}
		if pt.Stage != nil {
			res.Points = append(res.Points, pt)
		}
		if res.Interrupted = stopped; stopped {
			return -1, nil
		}
		if o.OnPoint != nil {
			o.OnPoint(pt)
		}
		if pt.Summary.Lossless() {
			return k, nil
		}
	}
	return -1, nil
}

// offlinePoint settles and runs one setting, and reports whether ctx
// ended; when it ended while settling, the point has no Stage.
func offlinePoint(ctx context.Context, p Plan, si int, t Target,
	o OfflineSweepOptions, iv time.Duration,
	size int) (OfflineSweepPoint, bool, error) {
	var none OfflineSweepPoint
	if o.Settle != nil {
		if err := o.Settle(ctx); err != nil {
			if ctx.Err() != nil {
				return none, true, nil
			}
			return none, false, fmt.Errorf("settle: %w", err)
		}
	}
	lp := OfflinePlan(p, si, o.Rate, o.Duration, iv, size)
	if len(o.Keys) > 0 {
		t.Keys = o.Keys
	}
	run, err := Run(ctx, lp, t, o.Run)
	if err != nil {
		return none, false, fmt.Errorf("flush interval %v, queue %d: %w",
			iv, size, err)
	}
	st := run.Stages[0]
	return OfflineSweepPoint{Stage: st, Summary: reports.SummarizeOffline(
		st, iv, size)}, run.Interrupted, nil
}

// OfflinePlan returns a plan of stage si of p alone, arriving at rate
// for duration through an offline queue flushed every interval and
// bounded to size actions. The plan keeps p's name, timeout and retry
// budget.
func OfflinePlan(p Plan, si int, rate Rate, duration,
	interval time.Duration, size int) Plan {
	s := p.Stages[si]
	s.Name = fmt.Sprintf("%s-%v-q%d", s.Name, interval, size)
	s.Load = Load{Model: Open, Rate: rate, Duration: duration}
	off := Offline{}
	if s.Offline != nil {
		off = *s.Offline
	}
	off.FlushInterval, off.MaxQueueSize = interval, size
	off.BatchSize = min(off.BatchSize, size)
	s.Offline = &off
	return Plan{Name: p.Name, Stages: []Stage{s}, Timeout: p.Timeout,
		RetryBudget: p.RetryBudget}
}

// check reports what makes the options unusable with stage si of p.
func (o OfflineSweepOptions) check(p Plan, si int) error {
	if si < 0 || si >= len(p.Stages) {
		return fmt.Errorf("stage %d: plan has %d stages", si+1,
			len(p.Stages))
	}
	var errs []error
	if f := p.Stages[si].Flow; f != FlowAuthorize {
		errs = append(errs, fmt.Errorf("offline mode queues authorize "+
			"calls; the stage's flow is %q", f))
	}
	if o.Rate.PerSecond() <= 0 || o.Duration <= 0 {
		errs = append(errs, errors.New("an offline sweep needs a rate "+
			"and a duration above zero"))
	}
	if len(o.Intervals) == 0 || len(o.QueueSizes) == 0 {
		errs = append(errs, errors.New("an offline sweep needs flush "+
			"intervals and queue sizes"))
	}
	for _, d := range o.Intervals {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("flush interval %v: must be "+
				"above zero", d))
		}
	}
	for _, n := range o.QueueSizes {
		if n < 1 {
			errs = append(errs, fmt.Errorf("queue size %d: must be at "+
				"least 1", n))
		}
	}
	return errors.Join(errs...)
}

func sortedUnique[T int | time.Duration](v []T) []T {
	v = slices.Clone(v)
	slices.Sort(v)
	return slices.Compact(v)
}
