package mockserver

import (
	"context"
	"sync/atomic"
	"time"
)

// Capacity models a server of bounded size: a pool of Workers simulated
// workers, each busy for a sampled service time per request, with
// requests queueing for a free worker. Throughput then saturates near
// Workers divided by the mean service time, and latency grows with the
// queue, as on a real instance. Zero Workers means no capacity limit.
type Capacity struct {
	// Workers is the number of requests served at once.
	Workers int `yaml:"workers" json:"workers"`
	// MaxQueue bounds the requests waiting for a worker; one more gets
	// 503 SERVICE_UNAVAILABLE with Retry-After: 1. Zero means no bound.
	MaxQueue int `yaml:"max_queue" json:"max_queue"`
	// ServiceTime is the time a worker spends on each endpoint.
	ServiceTime Latency `yaml:"service_time" json:"service_time"`
}

// live is the profile in force and what is built from it. The admin API
// swaps it whole.
type live struct {
	prof   Profile
	pool   *pool
	faults []*faultState
	gen    uint64 // from 1, bumped on every swap so principals rebuild limits
}

func newLive(p Profile, gen uint64) *live {
	return &live{prof: p, pool: newPool(p.Capacity),
		faults: newFaults(p.Faults), gen: gen}
}

// pool hands out the workers of a Capacity. A nil pool has no limit.
type pool struct {
	workers  chan struct{}
	maxQueue int64
	queued   atomic.Int64
	busy     atomic.Int64
}

func newPool(c Capacity) *pool {
	if c.Workers <= 0 {
		return nil
	}
	return &pool{workers: make(chan struct{}, c.Workers),
		maxQueue: int64(c.MaxQueue)}
}

// serve waits for a free worker, keeps it busy for service, and frees
// it. It reports false when the queue is full or ctx ends first.
func (p *pool) serve(ctx context.Context, service time.Duration) bool {
	if p == nil {
		return true
	}
	q := p.queued.Add(1)
	free := int64(cap(p.workers)) - p.busy.Load()
	if p.maxQueue > 0 && q-free > p.maxQueue {
		p.queued.Add(-1)
		return false
	}
	select {
	case p.workers <- struct{}{}:
	case <-ctx.Done():
		p.queued.Add(-1)
		return false
	}
	p.queued.Add(-1)
	p.busy.Add(1)
	defer func() {
		p.busy.Add(-1)
		<-p.workers
	}()
	return sleepCtx(ctx, service)
}

// depth returns the requests waiting for a worker.
func (p *pool) depth() int64 {
	if p == nil {
		return 0
	}
	return max(p.queued.Load(), 0)
}

// busyNow returns the workers busy now.
func (p *pool) busyNow() int64 {
	if p == nil {
		return 0
	}
	return p.busy.Load()
}

// sleepCtx waits d on a timer, or less if ctx ends; it reports whether
// the whole of d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}
