package mockserver

import (
	"slices"
	"time"
)

// decision is a limiter's answer to one request. Durations are offsets
// from the instant of the request.
type decision struct {
	allowed   bool
	limit     int
	remaining int
	// retryAfter is how long until a retry would be admitted if no other
	// request were admitted meanwhile; zero when allowed.
	retryAfter time.Duration
	// reset is how long until the rule's quota next grows: the oldest
	// counted request leaves (sliding log), the window ends (fixed window,
	// sliding-window counter), or the bucket is full (token bucket, GCRA).
	reset time.Duration
}

// limitState is the per-key state of one rate-limit rule. now is the
// monotonic time since the server started; it never goes backwards for
// one state. peek answers without changing anything; commit counts an
// admitted request and is called only after peek allowed it at the same
// now; release ends a request that commit counted.
type limitState interface {
	peek(now time.Duration) decision
	commit(now time.Duration)
	release()
}

// The algorithm names accepted in RateLimit.Algorithm.
const (
	algSlidingLog    = "sliding-log"
	algSlidingWindow = "sliding-window"
	algFixedWindow   = "fixed-window"
	algTokenBucket   = "token-bucket"
	algGCRA          = "gcra"
	algConcurrency   = "concurrency"
)

// algorithmNames lists the accepted RateLimit.Algorithm values.
func algorithmNames() []string {
	return []string{algSlidingLog, algSlidingWindow, algFixedWindow,
		algTokenBucket, algGCRA, algConcurrency}
}

func knownAlgorithm(name string) bool {
	return name == "" || slices.Contains(algorithmNames(), name)
}

// newLimitState returns fresh state for rule r, or nil when r is off.
func newLimitState(r RateLimit) limitState {
	if r.Limit <= 0 {
		return nil
	}
	burst := r.Burst
	if burst <= 0 {
		burst = r.Limit
	}
	switch r.Algorithm {
	case algSlidingWindow:
		return &slidingWindow{limit: int64(r.Limit), window: r.Window}
	case algFixedWindow:
		return &fixedWindow{limit: r.Limit, window: r.Window}
	case algTokenBucket:
		return newTokenBucket(r.Limit, r.Window, burst)
	case algGCRA:
		return newGCRA(r.Limit, r.Window, burst)
	case algConcurrency:
		return &concurrency{limit: r.Limit}
	}
	return &slidingLog{limit: r.Limit, window: r.Window}
}

// allow peeks and, when the request is admitted, commits it.
func allow(l limitState, now time.Duration) decision {
	d := l.peek(now)
	if d.allowed {
		l.commit(now)
	}
	return d
}

// stack is the per-key state of several rules at once. A request is
// admitted only when every rule admits it, and then every rule counts it;
// a rejection changes none of them.
type stack []limitState

func (s stack) peek(now time.Duration) decision {
	var out decision
	for i, l := range s {
		d := l.peek(now)
		switch {
		case i == 0:
			out = d
		case !d.allowed && (out.allowed || d.retryAfter > out.retryAfter):
			out = d
		case out.allowed && d.allowed && d.remaining < out.remaining:
			out = d
		}
	}
	return out
}

func (s stack) commit(now time.Duration) {
	for _, l := range s {
		l.commit(now)
	}
}

func (s stack) release() {
	for _, l := range s {
		l.release()
	}
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
