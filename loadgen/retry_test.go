package loadgen

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	exp := RetryPolicy{MaxRetries: 5, Base: 500 * time.Millisecond,
		Factor: 2, Cap: 3 * time.Second}
	tests := []struct {
		name string
		p    RetryPolicy
		n    int
		u    float64
		want time.Duration
	}{
		{"first retry waits base", exp, 1, 0.5, 500 * time.Millisecond},
		{"doubles", exp, 2, 0.5, time.Second},
		{"doubles again", exp, 3, 0.5, 2 * time.Second},
		{"capped", exp, 4, 0.5, 3 * time.Second},
		{"huge n stays capped", exp, 5000, 0.5, 3 * time.Second},
		{"defaults 1s, x2", RetryPolicy{}, 3, 0, 4 * time.Second},
		{"default cap 60s", RetryPolicy{}, 10, 0, time.Minute},
		{"full jitter scales", RetryPolicy{Base: time.Second,
			Jitter: FullJitter}, 1, 0.25, 250 * time.Millisecond},
		{"full jitter at 0", RetryPolicy{Base: time.Second,
			Jitter: FullJitter}, 1, 0, 0},
		{"equal jitter keeps half", RetryPolicy{Base: time.Second,
			Jitter: EqualJitter}, 1, 0, 500 * time.Millisecond},
		{"equal jitter top", RetryPolicy{Base: time.Second,
			Jitter: EqualJitter}, 1, 0.5, 750 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := tt.p.Backoff(tt.n, tt.u); got != tt.want {
			t.Errorf("%s: Backoff(%d, %v) = %v, want %v", tt.name, tt.n,
				tt.u, got, tt.want)
		}
	}
}

func TestDecide(t *testing.T) {
	ra := RetryPolicy{MaxRetries: 3, Base: time.Second, RetryAfter: true,
		Cap: 10 * time.Second}
	giveUp := ra
	giveUp.OverCap = GiveUp
	noRA := ra
	noRA.RetryAfter = false
	tests := []struct {
		name  string
		p     RetryPolicy
		n     int
		ra    time.Duration
		hasRA bool
		want  Decision
	}{
		{"no policy never retries", RetryPolicy{}, 1, time.Second, true,
			Decision{}},
		{"past max", ra, 4, time.Second, true, Decision{}},
		{"honours header", ra, 1, 7 * time.Second, true,
			Decision{Retry: true, Wait: 7 * time.Second, FromHeader: true}},
		{"missing header backs off", ra, 2, 0, false,
			Decision{Retry: true, Wait: 2 * time.Second}},
		{"zero header backs off, no hot loop", ra, 1, 0, true,
			Decision{Retry: true, Wait: time.Second}},
		{"over cap waits cap", ra, 1, time.Hour, true,
			Decision{Retry: true, Wait: 10 * time.Second, Capped: true}},
		{"over cap gives up", giveUp, 1, time.Hour, true,
			Decision{Capped: true}},
		{"header ignored when not honoured", noRA, 1, 9 * time.Second,
			true, Decision{Retry: true, Wait: time.Second}},
	}
	for _, tt := range tests {
		got := tt.p.Decide(tt.n, tt.ra, tt.hasRA, 0.5)
		if got != tt.want {
			t.Errorf("%s: Decide(%d, %v, %v) = %+v, want %+v", tt.name,
				tt.n, tt.ra, tt.hasRA, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"12", 12 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"0", 0, true},
		{"Thu, 03 Dec 2026 18:00:30 GMT", 30 * time.Second, true},
		{"Thursday, 03-Dec-26 18:00:30 GMT", 30 * time.Second, true},
		{"Thu Dec  3 18:00:30 2026", 30 * time.Second, true},
		{"Thu, 03 Dec 2026 17:00:00 GMT", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in,
				got, ok, tt.want, tt.wantOK)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "Thu, 03 Dec 2026 18:00:30 GMT",
		"", "0", "-5", "1e9", "Mon, 99 Foo 0000 99:99:99 GMT"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, now)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, negative", s, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v with ok false", s, d)
		}
	})
}
