package loadgen

import (
	"context"
	"sync"
	"time"

	"github.com/airabench/airabench/reports"
)

// queued is one action waiting in an offline queue.
type queued struct {
	n        int       // item index
	enqueued time.Time // when the caller handed it over
}

// offlineQueue is the SDKs' offline mode with the bounds they document:
// a queue of at most MaxQueueSize actions, flushed in batches by
// background flushers. Each action leaves the queue no later than
// FlushInterval after it entered (a maximum age, not a debounce); a full
// batch leaves at once. The queue keeps the stage's offline account.
type offlineQueue struct {
	cfg   Offline
	r     *stageRun
	start time.Time

	mu      sync.Mutex
	items   []queued // FIFO; items[0] is the oldest
	room    *sync.Cond
	closed  bool // the caller is done: drain everything
	acct    *reports.Offline
	batches chan []queued
	wake    chan struct{} // a batch filled, or the queue closed
}

func newOfflineQueue(r *stageRun, st *reports.Stage) *offlineQueue {
	cfg := *r.stage.Offline
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = cfg.MaxQueueSize
	}
	if cfg.Flushers <= 0 {
		cfg.Flushers = 1
	}
	if cfg.Overflow == "" {
		cfg.Overflow = DropNewest
	}
	q := &offlineQueue{
		cfg: cfg, r: r, start: st.Start, acct: reports.NewOffline(),
		batches: make(chan []queued),
		wake:    make(chan struct{}, 1),
	}
	q.room = sync.NewCond(&q.mu)
	st.Offline = q.acct
	return q
}

// offline runs a stage through an offline queue: the load model calls
// enqueue, which returns at once (or, with Block, when there is room);
// flushers send what is queued; at the end the queue is drained as
// sync() does. If the run stops, what is still queued after the grace
// period is counted as abandoned.
func (r *stageRun) offline(ctx context.Context, st *reports.Stage) {
	q := newOfflineQueue(r, st)
	var flushers sync.WaitGroup
	for id := range q.cfg.Flushers {
		w := r.worker(1<<33 | uint64(id))
		flushers.Go(func() { q.flush(ctx, w) })
	}
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		q.dispatch(ctx)
	}()
	// A caller blocked for room must see the stop.
	callerDone := make(chan struct{})
	defer close(callerDone)
	go func() {
		select {
		case <-r.stop:
			q.mu.Lock()
			q.room.Broadcast()
			q.mu.Unlock()
		case <-callerDone:
		}
	}()

	if r.stage.Load.Model == Open {
		r.pace(st.Start, func(n uint64, intended time.Time) bool {
			return q.enqueue(int(n), intended)
		})
	} else {
		for k := range r.stage.Load.Items {
			i := r.stage.Shard.global(k)
			if r.stopped() || !q.enqueue(i, time.Now()) {
				r.rec.record(event{kind: evDropped, intended: time.Now()})
				q.count(func(a *reports.Offline) { a.Accepted++ })
				q.lose("abandoned", 1)
				continue
			}
		}
	}
	q.close()
	<-dispatched
	flushers.Wait()
}

// count applies f to the account under the queue's lock.
func (q *offlineQueue) count(f func(*reports.Offline)) {
	q.mu.Lock()
	f(q.acct)
	q.mu.Unlock()
}

// lose counts n lost actions of the given cause.
func (q *offlineQueue) lose(cause string, n int64) {
	q.count(func(a *reports.Offline) {
		a.Lost += n
		a.LostBy[cause] += n
	})
}

// enqueue hands item n to the queue, as the caller's authorize does in
// offline mode, and records how long that took. It reports false only
// when the run stopped while the caller was blocked for room.
func (q *offlineQueue) enqueue(n int, intended time.Time) bool {
	begin := time.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.acct.Accepted++
	for len(q.items) >= q.cfg.MaxQueueSize {
		switch q.cfg.Overflow {
		case DropNewest:
			q.overflow(intended)
			q.acct.Enqueue.Record(time.Since(begin))
			return true
		case DropOldest:
			q.overflow(q.items[0].enqueued)
			q.items = q.items[1:]
		default: // Block
			if q.r.stopped() {
				q.acct.Accepted-- // never handed over
				return false
			}
			q.room.Wait()
		}
	}
	now := time.Now()
	q.items = append(q.items, queued{n: n, enqueued: now})
	q.acct.Enqueue.Record(now.Sub(begin))
	q.depth(now)
	if len(q.items) >= q.cfg.BatchSize || len(q.items) == 1 {
		q.poke()
	}
	return true
}

// overflow counts one action lost to a full queue. Called with mu held.
func (q *offlineQueue) overflow(intended time.Time) {
	q.acct.Lost++
	q.acct.LostBy["overflow"]++
	q.r.rec.record(event{kind: evDropped, intended: intended})
}

// depth notes the queue's depth in the second of now. Called with mu
// held.
func (q *offlineQueue) depth(now time.Time) {
	i := max(int(now.Sub(q.start)/time.Second), 0)
	for len(q.acct.Depth) <= i {
		q.acct.Depth = append(q.acct.Depth, 0)
	}
	q.acct.Depth[i] = max(q.acct.Depth[i], int64(len(q.items)))
}

func (q *offlineQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close marks the caller done, so the dispatcher drains the queue.
func (q *offlineQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.room.Broadcast()
	q.mu.Unlock()
	q.poke()
}

// dispatch forms batches: a full batch at once, else whatever is queued
// when the oldest action reaches its maximum age, else everything once
// the caller is done. It closes batches when the queue is empty and
// closed, or when the requests' context ends.
func (q *offlineQueue) dispatch(ctx context.Context) {
	defer close(q.batches)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		batch, due, done := q.take()
		if len(batch) > 0 {
			select {
			case q.batches <- batch:
				continue
			case <-ctx.Done():
				for _, it := range batch {
					q.r.rec.record(event{kind: evDropped,
						intended: it.enqueued})
				}
				q.lose("abandoned", int64(len(batch)))
				q.abandonAll()
				return
			}
		}
		if done {
			return
		}
		timer.Reset(due)
		select {
		case <-timer.C:
		case <-q.wake:
		case <-ctx.Done():
			q.abandonAll()
			return
		}
	}
}

// take removes the next batch that is ready, or says how long until the
// oldest action is due, and whether the queue is finished.
func (q *offlineQueue) take() (batch []queued, due time.Duration,
	done bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return nil, time.Hour, q.closed
	}
	age := time.Since(q.items[0].enqueued)
	if len(q.items) < q.cfg.BatchSize && age < q.cfg.FlushInterval &&
		!q.closed {
		return nil, q.cfg.FlushInterval - age, false
	}
	k := min(len(q.items), q.cfg.BatchSize)
	batch = append([]queued(nil), q.items[:k]...)
	q.items = q.items[k:]
	q.depth(time.Now())
	q.room.Broadcast()
	return batch, 0, false
}

// abandonAll counts what is still queued as abandoned.
func (q *offlineQueue) abandonAll() {
	q.mu.Lock()
	n := int64(len(q.items))
	q.items = nil
	q.room.Broadcast()
	q.mu.Unlock()
	for range n {
		q.r.rec.record(event{kind: evDropped, intended: time.Now()})
	}
	q.lose("abandoned", n)
}

// flush sends batches, one action after another as the SDKs' sync does,
// and keeps the account of each.
func (q *offlineQueue) flush(ctx context.Context, w *worker) {
	for batch := range q.batches {
		taken := time.Now()
		for k, it := range batch {
			if ctx.Err() != nil {
				for range batch[k:] {
					q.r.rec.record(event{kind: evDropped, intended: taken})
				}
				q.lose("abandoned", int64(len(batch)-k))
				break
			}
			q.deliver(ctx, w, it, taken)
		}
	}
}

// deliver sends one queued action's authorize and accounts for it: an ok
// or a denial is delivered (the server decided); anything else is lost.
func (q *offlineQueue) deliver(ctx context.Context, w *worker, it queued,
	taken time.Time) {
	w.first, w.key = true, it.n
	r, _ := w.authorize(ctx, it.n, taken)
	w.rec.record(event{kind: evOperation, class: r.class,
		intended: it.enqueued, done: r.done, held: r.held})
	switch r.class {
	case reports.OK, reports.Denied:
		q.count(func(a *reports.Offline) {
			a.Delivered++
			a.TimeToReceipt.Record(r.done.Sub(it.enqueued))
			if r.class == reports.Denied {
				a.DeniedLate++
			}
		})
	default:
		q.lose("failed", 1)
	}
}
