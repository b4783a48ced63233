package loadgen

import (
	"context"
	"sync"
	"time"
)

// DefaultMaxInFlight bounds the open model's operations in flight when
// Load.MaxInFlight is not set: each holds a goroutine and a connection,
// and a schedule far beyond what the target answers would otherwise
// grow them until the process runs out of memory or file descriptors.
// Operations beyond it follow Load.Overflow, so they are measured or
// counted, never lost silently.
const DefaultMaxInFlight = 10_000

// span returns how long a stage of load l is planned to send: its
// duration, or its schedule's length; 0 for a batch.
func (l Load) span() time.Duration {
	if l.Model == Open {
		return l.schedule().Duration()
	}
	return l.Duration
}

// schedule returns the open model's schedule for l.
func (l Load) schedule() Schedule {
	if len(l.Ramp) > 0 {
		return RampSchedule(l.Rate, l.Ramp)
	}
	return ConstantSchedule(l.Rate, l.Duration)
}

// open runs the open model: one pacer walks the schedule and starts each
// operation in its own goroutine at its intended instant, whatever the
// answers are doing. With MaxInFlight set, an operation due while the
// bound is reached waits for a slot (measured as dispatch delay) or is
// dropped, as Overflow says. When the run stops, operations that were
// due by then and not sent are counted as dropped.
func (r *stageRun) open(ctx context.Context, start time.Time) {
	m := r.stage.Load.MaxInFlight
	if m == 0 {
		m = DefaultMaxInFlight
	}
	slots := make(chan struct{}, m)
	var wg sync.WaitGroup
	end := start.Add(r.stage.Load.schedule().Duration())
	r.pace(start, func(n uint64, intended time.Time) bool {
		switch r.acquire(slots, end) {
		case slotStopped:
			return false
		case slotFull:
			r.rec.record(event{kind: evDropped, intended: intended})
			return true
		case slotLate:
			return false
		}
		wg.Go(func() {
			r.worker(n).operation(ctx, int(n), intended)
			<-slots
		})
		return true
	})
	wg.Wait()
}

// pace walks the stage's schedule and calls dispatch with each
// operation at its intended instant. dispatch returns false when the
// operation could not go before the run stopped or the stage ended;
// pace then counts it, and everything else due by then, as dropped.
func (r *stageRun) pace(start time.Time,
	dispatch func(n uint64, intended time.Time) bool) {
	l := r.stage.Load
	sched := l.schedule()
	timer := time.NewTimer(0)
	<-timer.C
	defer timer.Stop()

	prev := time.Duration(-1)
	for n := uint64(0); ; n++ {
		if !r.stage.Shard.owns(n) {
			if _, ok := sched.At(n); !ok {
				return
			}
			continue // another shard's operation
		}
		// A shard's own sends are Count times further apart.
		catchUp := l.CatchUp / float64(max(r.stage.Shard.Count, 1))
		wait, stop := sched.Pace(time.Since(start), n, prev, catchUp)
		if stop {
			return
		}
		// Behind schedule there is no sleep to notice a stop in.
		if r.stopped() {
			r.dropDue(sched, n, start)
			return
		}
		if wait > 0 && !r.sleep(timer, wait) {
			r.dropDue(sched, n, start)
			return
		}
		at, _ := sched.At(n)
		prev = time.Since(start)
		if !dispatch(n, start.Add(at)) {
			r.dropDue(sched, n, start)
			return
		}
	}
}

// sleep waits d on t, reporting false if the run stopped first.
func (r *stageRun) sleep(t *time.Timer, d time.Duration) bool {
	t.Reset(d)
	select {
	case <-t.C:
		return true
	case <-r.stop:
		if !t.Stop() {
			<-t.C
		}
		return false
	}
}

// slot is what acquire got.
type slot uint8

const (
	slotTaken   slot = iota // the operation may go
	slotFull                // none free, and the policy drops
	slotStopped             // the run stopped while waiting for one
	slotLate                // the stage ended while waiting for one
)

// acquire takes an in-flight slot. When none is free, OverflowDrop
// gives up at once and OverflowWait waits for one until the stage's
// end; the wait shows as the operation's dispatch delay.
func (r *stageRun) acquire(slots chan struct{}, end time.Time) slot {
	select {
	case slots <- struct{}{}:
		return slotTaken
	default:
	}
	if r.stage.Load.Overflow == OverflowDrop {
		return slotFull
	}
	t := time.NewTimer(time.Until(end))
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return slotTaken
	case <-r.stop:
		return slotStopped
	case <-t.C:
		return slotLate
	}
}

// dropDue records as dropped operation n and every later one that was
// due by now.
func (r *stageRun) dropDue(sched Schedule, n uint64, start time.Time) {
	now := time.Since(start)
	for ; ; n++ {
		at, ok := sched.At(n)
		if !ok || at > now {
			return
		}
		if r.stage.Shard.owns(n) {
			r.rec.record(event{kind: evDropped, intended: start.Add(at)})
		}
	}
}
