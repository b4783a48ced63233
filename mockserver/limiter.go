package mockserver

import (
	"slices"
	"time"
)

// decision is a limiter's answer to one request. Times are offsets from
// the instant of the request.
type decision struct {
	allowed   bool
	limit     int
	remaining int
	// retryAfter is how long until a retry would be admitted, if no
	// other request is admitted meanwhile; zero when allowed.
	retryAfter time.Duration
	// reset is how long until the next counted request stops counting.
	reset time.Duration
}

// limitState is the per-key state of one rate-limit rule. now is
// monotonic time since the server started and never goes backwards.
// A rejected request must leave the state as it found it.
type limitState interface {
	allow(now time.Duration) decision
	clone() limitState
}

// algorithmNames lists the accepted RateLimit.Algorithm values.
func algorithmNames() []string { return []string{"sliding-log"} }

func knownAlgorithm(name string) bool {
	return name == "" || slices.Contains(algorithmNames(), name)
}

// newLimitState returns fresh state for rule r, or nil when r is off.
func newLimitState(r RateLimit) limitState {
	if r.Limit <= 0 {
		return nil
	}
	return &slidingLog{limit: r.Limit, window: r.Window}
}

// slidingLog admits a request at t when fewer than limit requests were
// admitted in (t-window, t]. It keeps the admitted instants in a ring
// that grows up to limit entries.
type slidingLog struct {
	limit  int
	window time.Duration
	ring   []time.Duration
	head   int
	n      int
}

func (l *slidingLog) allow(now time.Duration) decision {
	l.expire(now)
	if l.n >= l.limit {
		wait := l.oldest() + l.window - now
		return decision{limit: l.limit, retryAfter: wait, reset: wait}
	}
	l.push(now)
	return decision{
		allowed: true, limit: l.limit, remaining: l.limit - l.n,
		reset: l.oldest() + l.window - now,
	}
}

// expire drops the instants that no longer count at now. It does not
// change which requests count, so a rejection may call it.
func (l *slidingLog) expire(now time.Duration) {
	for l.n > 0 && l.oldest() <= now-l.window {
		l.head = (l.head + 1) % len(l.ring)
		l.n--
	}
}

func (l *slidingLog) oldest() time.Duration { return l.ring[l.head] }

func (l *slidingLog) push(t time.Duration) {
	if l.n == len(l.ring) {
		l.grow()
	}
	l.ring[(l.head+l.n)%len(l.ring)] = t
	l.n++
}

func (l *slidingLog) grow() {
	size := min(max(2*len(l.ring), 8), l.limit)
	ring := make([]time.Duration, size)
	for i := range l.n {
		ring[i] = l.ring[(l.head+i)%len(l.ring)]
	}
	l.ring, l.head = ring, 0
}

func (l *slidingLog) clone() limitState {
	c := *l
	c.ring = slices.Clone(l.ring)
	return &c
}

// retryAfterSeconds rounds d up to whole seconds, so a client that waits
// that long is past the instant the limiter named. A positive d never
// gives 0.
func retryAfterSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
