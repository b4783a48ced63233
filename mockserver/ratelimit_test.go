package mockserver

import (
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

func limitedMock(t *testing.T, clk *fakeClock, rule RateLimit) *Server {
	t.Helper()
	p := unlimited(t)
	p.RateLimit, p.PublicRateLimit = rule, rule
	s, err := NewUnstarted(Config{Profile: p, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func header(t *testing.T, r reply, name string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(r.header.Get(name), 10, 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", name, r.header.Get(name), err)
	}
	return v
}

func TestRateLimitHeadersAndRetryAfter(t *testing.T) {
	clk := newFakeClock()
	s := limitedMock(t, clk, RateLimit{Limit: 3, Window: time.Minute})
	h := s.Handler()
	for i := range 3 {
		r := serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
		wantStatus(t, r, http.StatusCreated, "within the limit")
		if got := header(t, r, "X-RateLimit-Remaining"); got != int64(2-i) {
			t.Errorf("request %d: Remaining %d, want %d", i, got, 2-i)
		}
		if got := header(t, r, "X-RateLimit-Limit"); got != 3 {
			t.Errorf("Limit %d, want 3", got)
		}
		clk.Advance(10*time.Second + time.Millisecond)
	}
	r := serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
	wantError(t, r, http.StatusTooManyRequests, "RATE_LIMITED", "over")
	// The first request leaves the window 60s after it came, which is
	// 29.997s from now: Retry-After rounds that up to 30.
	if got := header(t, r, "Retry-After"); got != 30 {
		t.Errorf("Retry-After %d, want 30", got)
	}
	if got := r.get("details.retry_after"); got != float64(30) {
		t.Errorf("details.retry_after %v, want 30", got)
	}
	// That instant falls on a whole second, so Reset is exactly it.
	reset := clk.Now().Add(29997 * time.Millisecond)
	if got := header(t, r, "X-RateLimit-Reset"); got != reset.Unix() {
		t.Errorf("Reset %d, want %d", got, reset.Unix())
	}
	clk.Advance(30 * time.Second)
	r = serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
	wantStatus(t, r, http.StatusCreated, "after Retry-After")
	checkLimitStats(t, s)
}

func checkLimitStats(t *testing.T, s *Server) {
	t.Helper()
	st := s.Stats().Keys["k"]
	if st.Admitted != 4 || st.Limited != 1 || st.RetryAfter[30] != 1 ||
		st.EarlyRetries != 0 || st.LimitedAfterWait != 0 {
		t.Errorf("Stats().Keys[k] = %+v, want 4 admitted, 1 limited "+
			"with Retry-After 30, no early retries", st)
	}
}

func TestRateLimitPerKeyAndPerIP(t *testing.T) {
	clk := newFakeClock()
	s := limitedMock(t, clk, RateLimit{Limit: 1, Window: time.Second})
	h := s.Handler()
	for _, key := range []string{"a", "b"} {
		r := serve(t, h, "GET", "/api/v1/health", key, nil)
		wantStatus(t, r, 200, "first request of key "+key)
	}
	r := serve(t, h, "GET", "/api/v1/health", "a", nil)
	wantError(t, r, 429, "RATE_LIMITED", "second request of key a")
	r = serve(t, h, "GET", "/api/v1/health", "", nil)
	wantStatus(t, r, 200, "first public request")
	r = serve(t, h, "GET", "/api/v1/verify/action/x", "", nil)
	wantError(t, r, 429, "RATE_LIMITED", "second public request")
	if got := header(t, r, "Retry-After"); got != 1 {
		t.Errorf("Retry-After %d, want 1", got)
	}
}

// TestLatencyAppliedOnTimer runs requests inside a synctest bubble,
// where the handler's timer advances the fake clock by exactly the
// sampled delay.
func TestLatencyAppliedOnTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := unlimited(t)
		p.Latency.Health = Dist{Dist: "fixed", Value: 250 * time.Millisecond}
		s, err := NewUnstarted(Config{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		r := serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
		wantStatus(t, r, 200, "health")
		if got := time.Since(start); got != 250*time.Millisecond {
			t.Errorf("health took %v, want 250ms", got)
		}
	})
}

// TestLatencyConcurrent checks that delays overlap: 100 requests with a
// 1s delay all finish 1s after they start.
func TestLatencyConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := unlimited(t)
		p.Latency.Authorize = Dist{Dist: "fixed", Value: time.Second}
		s, err := NewUnstarted(Config{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		done := make(chan int, 100)
		for range 100 {
			go func() {
				r := serve(t, s.Handler(), "POST", "/api/v1/actions",
					"k", authorizeBody)
				done <- r.status
			}()
		}
		for range 100 {
			if st := <-done; st != http.StatusCreated {
				t.Errorf("status %d, want 201", st)
			}
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("100 concurrent requests took %v, want 1s", got)
		}
	})
}
