package mockserver

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestRetryAfterSeconds(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want int64
	}{
		{0, 0}, {-time.Second, 0}, {1, 1}, {time.Second, 1},
		{time.Second + 1, 2}, {59*time.Second + 1, 60},
	}
	for _, tt := range tests {
		if got := retryAfterSeconds(tt.in); got != tt.want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d",
				tt.in, got, tt.want)
		}
	}
}

// step is one request of a table-driven limiter test.
type step struct {
	at        time.Duration
	allowed   bool
	remaining int
	retry     time.Duration
}

func runSteps(t *testing.T, rule RateLimit, steps []step) {
	t.Helper()
	l := newLimitState(rule)
	for _, st := range steps {
		d := allow(l, st.at)
		// The token bucket's float arithmetic is exact to about a
		// microsecond, and untilTokens rounds up.
		if !exact(rule.Algorithm) && d.retryAfter >= st.retry &&
			d.retryAfter <= st.retry+time.Microsecond {
			d.retryAfter = st.retry
		}
		if d.allowed != st.allowed || d.remaining != st.remaining ||
			d.retryAfter != st.retry {
			t.Errorf("%s: allow(%v) = %+v, want allowed %v remaining %d "+
				"retry %v", rule.Algorithm, st.at, d, st.allowed,
				st.remaining, st.retry)
		}
	}
}

func TestAlgorithmTables(t *testing.T) {
	s := time.Second
	tests := []struct {
		rule  RateLimit
		steps []step
	}{
		{RateLimit{Algorithm: algSlidingLog, Limit: 2, Window: 60 * s},
			[]step{{0, true, 1, 0}, {10 * s, true, 0, 0},
				{20 * s, false, 0, 40 * s}, {60 * s, true, 0, 0},
				{65 * s, false, 0, 5 * s}, {70 * s, true, 0, 0}}},
		{RateLimit{Algorithm: algFixedWindow, Limit: 2, Window: 60 * s},
			[]step{{50 * s, true, 1, 0}, {55 * s, true, 0, 0},
				{59 * s, false, 0, s}, {60 * s, true, 1, 0}}},
		// At 90s the previous window's 2 requests weigh 2*(1-30/60) = 1.
		{RateLimit{Algorithm: algSlidingWindow, Limit: 2, Window: 60 * s},
			[]step{{0, true, 1, 0}, {1 * s, true, 0, 0},
				{2 * s, false, 0, 88 * s}, {90 * s, true, 0, 0},
				{91 * s, false, 0, 29 * s}, {120 * s, true, 0, 0}}},
		{RateLimit{Algorithm: algGCRA, Limit: 2, Window: 60 * s},
			[]step{{0, true, 1, 0}, {0, true, 0, 0},
				{10 * s, false, 0, 20 * s}, {30 * s, true, 0, 0}}},
		{RateLimit{Algorithm: algTokenBucket, Limit: 2, Window: 60 * s},
			[]step{{0, true, 1, 0}, {0, true, 0, 0},
				{10 * s, false, 0, 20 * s}, {30 * s, true, 0, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.rule.Algorithm, func(t *testing.T) {
			runSteps(t, tt.rule, tt.steps)
		})
	}
}

func TestConcurrencyCap(t *testing.T) {
	l := newLimitState(RateLimit{Algorithm: algConcurrency, Limit: 2})
	for i := range 2 {
		if d := allow(l, 0); !d.allowed || d.remaining != 1-i {
			t.Fatalf("request %d: %+v, want admitted", i, d)
		}
	}
	if d := allow(l, 0); d.allowed || d.retryAfter != time.Second {
		t.Fatalf("third in flight: %+v, want 429 with Retry-After 1s", d)
	}
	l.release()
	if d := allow(l, 0); !d.allowed {
		t.Fatalf("after a release: %+v, want admitted", d)
	}
}

func TestStackTakesTheStrictest(t *testing.T) {
	st := stack{
		newLimitState(RateLimit{Limit: 1, Window: time.Second}),
		newLimitState(RateLimit{Limit: 3, Window: time.Minute}),
	}
	for i, at := range []time.Duration{0, time.Second, 2 * time.Second} {
		if d := allow(st, at); !d.allowed {
			t.Fatalf("request %d at %v: %+v, want admitted", i, at, d)
		}
	}
	d := allow(st, 3*time.Second)
	if d.allowed || d.retryAfter != 57*time.Second {
		t.Fatalf("fourth: %+v, want rejected by the minute rule, 57s", d)
	}
	// The per-second rule must not have counted the rejected request.
	if d := st[0].peek(3 * time.Second); !d.allowed {
		t.Fatalf("per-second rule after the rejection: %+v", d)
	}
}

// bound returns the most requests rule may admit within any half-open
// interval one window long.
func bound(rule RateLimit) int {
	burst := rule.Burst
	if burst == 0 {
		burst = rule.Limit
	}
	switch rule.Algorithm {
	case algFixedWindow, algSlidingWindow:
		return 2 * rule.Limit
	case algTokenBucket, algGCRA:
		return burst + rule.Limit
	}
	return rule.Limit
}

// exact reports whether the algorithm's wait is exact to the
// nanosecond; the token bucket's float arithmetic is exact only to
// about a microsecond.
func exact(alg string) bool { return alg != algTokenBucket }

// schedule draws n request instants with gaps that cluster (bursts)
// and spread (pauses) around the window.
func schedule(r *rand.Rand, n int, window time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	var t time.Duration
	for i := range out {
		switch r.IntN(4) {
		case 0:
		case 1:
			t += time.Duration(r.Int64N(int64(window / 50)))
		case 2:
			t += time.Duration(r.Int64N(int64(window)))
		default:
			t += time.Duration(r.Int64N(int64(window / 5)))
		}
		out[i] = t
	}
	return out
}

// TestLimiterProperties checks every time-based algorithm over random
// schedules: no window admits more than the algorithm's bound; a
// rejection leaves the state as the admitted requests alone made it; and
// a retry after exactly the advertised wait, or after the wait rounded
// up to the Retry-After seconds, is admitted.
func TestLimiterProperties(t *testing.T) {
	for _, alg := range []string{algSlidingLog, algFixedWindow,
		algSlidingWindow, algTokenBucket, algGCRA} {
		t.Run(alg, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			for trial := range 60 {
				rule := randomRule(r, alg)
				name := fmt.Sprintf("trial %d %+v", trial, rule)
				checkRule(t, name, rule, schedule(r, 200, rule.Window))
			}
		})
	}
}

func randomRule(r *rand.Rand, alg string) RateLimit {
	rule := RateLimit{
		Algorithm: alg,
		Limit:     1 + r.IntN(20),
		Window:    time.Duration(1+r.IntN(120)) * 100 * time.Millisecond,
	}
	if r.IntN(2) == 0 {
		rule.Burst = 1 + r.IntN(10)
	}
	return rule
}

func replay(rule RateLimit, admitted []time.Duration) limitState {
	l := newLimitState(rule)
	for _, at := range admitted {
		allow(l, at)
	}
	return l
}

func checkRule(t *testing.T, name string, rule RateLimit,
	at []time.Duration) {
	t.Helper()
	l := newLimitState(rule)
	var admitted []time.Duration
	for _, now := range at {
		d := allow(l, now)
		if d.allowed {
			admitted = append(admitted, now)
			continue
		}
		checkRejection(t, name, rule, admitted, now, d)
		if got := replay(rule, admitted).peek(now); got != l.peek(now) {
			t.Fatalf("%s: the rejection at %v changed the state: "+
				"%+v, want %+v", name, now, l.peek(now), got)
		}
	}
	b := bound(rule)
	for i := b; i < len(admitted); i++ {
		if admitted[i]-admitted[i-b] < rule.Window {
			t.Fatalf("%s: %d admitted in [%v, %v], bound %d",
				name, b+1, admitted[i-b], admitted[i], b)
		}
	}
}

func checkRejection(t *testing.T, name string, rule RateLimit,
	admitted []time.Duration, now time.Duration, d decision) {
	t.Helper()
	if d.retryAfter <= 0 {
		t.Fatalf("%s: rejected at %v with retryAfter %v",
			name, now, d.retryAfter)
	}
	early := replay(rule, admitted).peek(now + d.retryAfter - 1)
	if exact(rule.Algorithm) && early.allowed {
		t.Fatalf("%s: admitted 1ns before the exact wait %v",
			name, d.retryAfter)
	}
	if !replay(rule, admitted).peek(now + d.retryAfter).allowed {
		t.Fatalf("%s: rejected after the exact wait %v",
			name, d.retryAfter)
	}
	secs := time.Duration(retryAfterSeconds(d.retryAfter)) * time.Second
	if !replay(rule, admitted).peek(now + secs).allowed {
		t.Fatalf("%s: rejected at %v after waiting Retry-After %v",
			name, now+secs, secs)
	}
}
