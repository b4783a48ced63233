package mockserver

import (
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

func TestSlidingLogBasics(t *testing.T) {
	l := newLimitState(RateLimit{Limit: 2, Window: time.Minute})
	steps := []struct {
		at        time.Duration
		allowed   bool
		remaining int
		retry     time.Duration
	}{
		{0, true, 1, 0},
		{10 * time.Second, true, 0, 0},
		{20 * time.Second, false, 0, 40 * time.Second},
		{60 * time.Second, true, 0, 0}, // the first left at 60s
		{65 * time.Second, false, 0, 5 * time.Second},
		{70 * time.Second, true, 0, 0},
	}
	for _, st := range steps {
		d := l.allow(st.at)
		if d.allowed != st.allowed || d.remaining != st.remaining ||
			d.retryAfter != st.retry {
			t.Errorf("allow(%v) = %+v, want allowed %v remaining %d "+
				"retry %v", st.at, d, st.allowed, st.remaining, st.retry)
		}
	}
}

// schedule draws n request instants with gaps that cluster (bursts)
// and spread (pauses) around the window.
func schedule(r *rand.Rand, n int, window time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	var t time.Duration
	for i := range out {
		switch r.IntN(4) {
		case 0:
			t += 0
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

// TestLimiterProperties checks, over random schedules, that no trailing
// window admits more than the limit, that a rejection leaves the state
// unchanged, and that a retry after exactly the advertised Retry-After
// is admitted while one a nanosecond before the exact wait is not.
func TestLimiterProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		rule := RateLimit{
			Limit:  1 + r.IntN(20),
			Window: time.Duration(1+r.IntN(120)) * 100 * time.Millisecond,
		}
		checkRule(t, trial, rule, schedule(r, 300, rule.Window))
	}
}

func checkRule(t *testing.T, trial int, rule RateLimit,
	at []time.Duration) {
	t.Helper()
	l := newLimitState(rule)
	var admitted []time.Duration
	for _, now := range at {
		before := l.clone()
		d := l.allow(now)
		if d.allowed {
			admitted = append(admitted, now)
			continue
		}
		checkRejection(t, trial, rule, before, now, d)
		checkUnchanged(t, trial, rule, before, l, now)
	}
	for i := rule.Limit; i < len(admitted); i++ {
		if admitted[i]-admitted[i-rule.Limit] < rule.Window {
			t.Fatalf("trial %d %+v: %d admitted in [%v, %v]",
				trial, rule, rule.Limit+1, admitted[i-rule.Limit],
				admitted[i])
		}
	}
}

func checkRejection(t *testing.T, trial int, rule RateLimit,
	before limitState, now time.Duration, d decision) {
	t.Helper()
	if d.retryAfter <= 0 || retryAfterSeconds(d.retryAfter) < 1 {
		t.Fatalf("trial %d %+v: rejected at %v with retryAfter %v",
			trial, rule, now, d.retryAfter)
	}
	if early := before.clone().allow(now + d.retryAfter - 1); early.allowed {
		t.Fatalf("trial %d %+v: admitted 1ns before the exact wait %v",
			trial, rule, d.retryAfter)
	}
	secs := time.Duration(retryAfterSeconds(d.retryAfter)) * time.Second
	if !before.clone().allow(now + secs).allowed {
		t.Fatalf("trial %d %+v: rejected at %v after waiting "+
			"Retry-After %v", trial, rule, now+secs, secs)
	}
	if !before.clone().allow(now + d.retryAfter).allowed {
		t.Fatalf("trial %d %+v: rejected after the exact wait %v",
			trial, rule, d.retryAfter)
	}
}

// checkUnchanged compares the states before and after a rejection by
// the answers they give to the same later requests.
func checkUnchanged(t *testing.T, trial int, rule RateLimit,
	before, after limitState, now time.Duration) {
	t.Helper()
	for _, dt := range []time.Duration{0, rule.Window / 3, rule.Window} {
		b, a := before.clone().allow(now+dt), after.clone().allow(now+dt)
		if a != b {
			t.Fatalf("trial %d %+v: a rejection at %v changed the "+
				"state: at +%v before %+v, after %+v",
				trial, rule, now, dt, b, a)
		}
	}
}
