package mockserver

import (
	"math"
	"time"

	"golang.org/x/time/rate"
)

// slidingLog admits a request at t when fewer than limit requests were
// admitted in (t-window, t]: exact, and the default. It keeps the
// admitted instants in a ring that grows up to limit entries.
type slidingLog struct {
	limit  int
	window time.Duration
	ring   []time.Duration
	head   int
	n      int
}

func (l *slidingLog) peek(now time.Duration) decision {
	l.expire(now)
	if l.n >= l.limit {
		wait := l.ring[l.head] + l.window - now
		return decision{limit: l.limit, retryAfter: wait, reset: wait}
	}
	oldest := now
	if l.n > 0 {
		oldest = l.ring[l.head]
	}
	return decision{allowed: true, limit: l.limit,
		remaining: l.limit - l.n - 1, reset: oldest + l.window - now}
}

// expire drops the instants that no longer count at now. It does not
// change which requests count, so peek may call it.
func (l *slidingLog) expire(now time.Duration) {
	for l.n > 0 && l.ring[l.head] <= now-l.window {
		l.head = (l.head + 1) % len(l.ring)
		l.n--
	}
}

func (l *slidingLog) commit(now time.Duration) {
	if l.n == len(l.ring) {
		l.grow()
	}
	l.ring[(l.head+l.n)%len(l.ring)] = now
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

func (l *slidingLog) release() {}

// fixedWindow counts requests in aligned windows [k*window,
// (k+1)*window) of server time. Two adjacent windows can admit up to
// 2*limit within one window's length.
type fixedWindow struct {
	limit  int
	window time.Duration
	start  time.Duration
	count  int
}

func (f *fixedWindow) view(now time.Duration) (start time.Duration, n int) {
	start = now - now%f.window
	if start != f.start {
		return start, 0
	}
	return start, f.count
}

func (f *fixedWindow) peek(now time.Duration) decision {
	start, n := f.view(now)
	end := start + f.window - now
	if n >= f.limit {
		return decision{limit: f.limit, retryAfter: end, reset: end}
	}
	return decision{allowed: true, limit: f.limit,
		remaining: f.limit - n - 1, reset: end}
}

func (f *fixedWindow) commit(now time.Duration) {
	f.start, f.count = f.view(now)
	f.count++
}

func (f *fixedWindow) release() {}

// slidingWindow is the sliding-window counter: it estimates the count of
// the trailing window as prev*(1-e/window) + cur, where prev and cur
// count the previous and current aligned windows and e is the time into
// the current one, and admits while the estimate stays within limit.
// All arithmetic is in integers, so Retry-After is exact.
type slidingWindow struct {
	limit  int64
	window time.Duration
	start  time.Duration
	prev   int64
	cur    int64
}

func (s *slidingWindow) view(now time.Duration) (start time.Duration,
	prev, cur int64) {
	start = now - now%s.window
	switch start {
	case s.start:
		return start, s.prev, s.cur
	case s.start + s.window:
		return start, s.cur, 0
	}
	return start, 0, 0
}

// fits reports whether n more requests fit at e into a window whose
// counts are prev and cur.
func (s *slidingWindow) fits(prev, cur, n int64, e time.Duration) bool {
	w := int64(s.window)
	return prev*(w-int64(e))+(cur+n)*w <= s.limit*w
}

func (s *slidingWindow) peek(now time.Duration) decision {
	start, prev, cur := s.view(now)
	e := now - start
	end := start + s.window - now
	if !s.fits(prev, cur, 1, e) {
		wait := s.wait(start, prev, cur) - now
		return decision{limit: int(s.limit), retryAfter: wait, reset: end}
	}
	w := int64(s.window)
	room := (s.limit*w-prev*(w-int64(e)))/w - cur - 1
	return decision{allowed: true, limit: int(s.limit),
		remaining: int(room), reset: end}
}

// wait returns the first instant at which one more request fits, if no
// other request is admitted meanwhile.
func (s *slidingWindow) wait(start time.Duration, prev, cur int64) time.Duration {
	w := int64(s.window)
	if cur+1 <= s.limit && prev > 0 {
		e := w - (s.limit-cur-1)*w/prev
		if e < w {
			return start + time.Duration(e)
		}
	}
	if cur == 0 {
		return start + s.window
	}
	e := w - (s.limit-1)*w/cur
	return start + s.window + time.Duration(e)
}

func (s *slidingWindow) commit(now time.Duration) {
	s.start, s.prev, s.cur = s.view(now)
	s.cur++
}

func (s *slidingWindow) release() {}

// tokenBucket wraps golang.org/x/time/rate: limit tokens per window
// refill a bucket of burst tokens, and each request takes one.
type tokenBucket struct {
	lim   *rate.Limiter
	burst int
	epoch time.Time
}

func newTokenBucket(limit int, window time.Duration, burst int) *tokenBucket {
	r := rate.Limit(float64(limit) / window.Seconds())
	// A new rate.Limiter starts full. The epoch only anchors server
	// time for the rate package; any fixed instant works.
	return &tokenBucket{lim: rate.NewLimiter(r, burst), burst: burst,
		epoch: time.Unix(0, 0)}
}

func (b *tokenBucket) peek(now time.Duration) decision {
	t := b.epoch.Add(now)
	tok := b.lim.TokensAt(t)
	full := b.untilTokens(t, float64(b.burst))
	if tok >= 1 {
		return decision{allowed: true, limit: b.burst,
			remaining: int(tok - 1), reset: full}
	}
	wait := b.untilTokens(t, 1)
	return decision{limit: b.burst, retryAfter: wait, reset: full}
}

// untilTokens returns how long from t until the bucket holds want
// tokens, rounded up so that TokensAt confirms it despite float error.
func (b *tokenBucket) untilTokens(t time.Time, want float64) time.Duration {
	missing := want - b.lim.TokensAt(t)
	if missing <= 0 {
		return 0
	}
	d := time.Duration(math.Ceil(missing / float64(b.lim.Limit()) * 1e9))
	for b.lim.TokensAt(t.Add(d)) < want {
		d += time.Microsecond
	}
	return d
}

func (b *tokenBucket) commit(now time.Duration) {
	b.lim.AllowN(b.epoch.Add(now), 1)
}

func (b *tokenBucket) release() {}

// gcra is the generic cell rate algorithm: requests are due every
// interval, and one may come up to tolerance ahead of its theoretical
// arrival time tat. Integer arithmetic keeps it exact.
type gcra struct {
	limit     int
	interval  time.Duration
	tolerance time.Duration
	tat       time.Duration
}

func newGCRA(limit int, window time.Duration, burst int) *gcra {
	// Rounding the interval up keeps the long-run rate at or below limit
	// per window.
	interval := (window + time.Duration(limit) - 1) / time.Duration(limit)
	return &gcra{limit: burst, interval: interval,
		tolerance: time.Duration(burst-1) * interval}
}

func (g *gcra) peek(now time.Duration) decision {
	tat := max(g.tat, now)
	if tat-now > g.tolerance {
		wait := tat - g.tolerance - now
		return decision{limit: g.limit, retryAfter: wait,
			reset: tat - now}
	}
	next := tat + g.interval
	room := int((now + g.tolerance - next + g.interval) / g.interval)
	return decision{allowed: true, limit: g.limit,
		remaining: max(room, 0), reset: next - now}
}

func (g *gcra) commit(now time.Duration) {
	g.tat = max(g.tat, now) + g.interval
}

func (g *gcra) release() {}

// concurrency caps the requests in flight at once. It cannot know when
// a slot will free, so its Retry-After is always one second.
type concurrency struct {
	limit    int
	inflight int
}

func (c *concurrency) peek(time.Duration) decision {
	if c.inflight >= c.limit {
		return decision{limit: c.limit, retryAfter: time.Second}
	}
	return decision{allowed: true, limit: c.limit,
		remaining: c.limit - c.inflight - 1}
}

func (c *concurrency) commit(time.Duration) { c.inflight++ }

func (c *concurrency) release() { c.inflight-- }
