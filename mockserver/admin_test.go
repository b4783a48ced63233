package mockserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func adminDo(t *testing.T, h http.Handler, method, path,
	body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out, _ := io.ReadAll(rec.Body)
	return rec.Code, string(out)
}

func TestAdminProfile(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	h := s.Handler()
	code, body := adminDo(t, h, "PATCH", "/__admin/profile",
		"rate_limit: {limit: 1, window: 1m}\n")
	if code != 200 || !strings.Contains(body, "window: 1m") {
		t.Fatalf("PATCH = %d %s", code, body)
	}
	serve(t, h, "GET", "/api/v1/health", "k", nil)
	r := serve(t, h, "GET", "/api/v1/health", "k", nil)
	wantError(t, r, 429, "RATE_LIMITED", "after PATCH to 1/min")

	code, body = adminDo(t, h, "PUT", "/__admin/profile",
		`{"policy": {"deny": 2}}`)
	if code != 422 || !strings.Contains(body, "policy.deny") {
		t.Errorf("PUT invalid = %d %s, want 422 naming policy.deny",
			code, body)
	}
	code, body = adminDo(t, h, "PUT", "/__admin/profile", "bogus: 1")
	if code != 400 {
		t.Errorf("PUT unknown field = %d %s, want 400", code, body)
	}
	code, _ = adminDo(t, h, "PUT", "/__admin/profile", "{}")
	if code != 200 || s.Profile().RateLimit.Limit != 0 {
		t.Errorf("PUT {} = %d, limit %d; want 200 and no limit",
			code, s.Profile().RateLimit.Limit)
	}
	wantStatus(t, serve(t, h, "GET", "/api/v1/health", "k", nil), 200,
		"after PUT of an empty profile")
}

func TestAdminResetAndStats(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	h := s.Handler()
	a := serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
	code, body := adminDo(t, h, "GET", "/__admin/stats", "")
	if code != 200 || !strings.Contains(body, `"actions":1`) {
		t.Errorf("stats = %d %s", code, body)
	}
	if code, _ := adminDo(t, h, "POST", "/__admin/reset", ""); code != 200 {
		t.Fatalf("reset = %d", code)
	}
	if st := s.Stats(); st.Actions != 0 || st.Requests != 0 ||
		len(st.Keys) != 0 {
		t.Errorf("Stats after reset = %+v", st)
	}
	r := serve(t, h, "GET", "/api/v1/actions/"+a.str("action_uuid"), "k",
		nil)
	wantError(t, r, 404, "NOT_FOUND", "action after reset")
}

func TestMetrics(t *testing.T) {
	p := unlimited(t)
	p.RateLimit = RateLimit{Limit: 1, Window: time.Minute}
	s, _ := NewUnstarted(Config{Profile: p})
	h := s.Handler()
	serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
	serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
	_, body := adminDo(t, h, "GET", "/metrics", "")
	for _, want := range []string{
		`airabench_mock_requests_total{code="201",route="authorize"} 1`,
		`airabench_mock_requests_total{code="429",route="authorize"} 1`,
		`airabench_mock_limiter_decisions_total{decision="limited",tier="key"} 1`,
		`airabench_mock_in_flight_requests 0`,
		`airabench_mock_queue_depth 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestThrottleStyles(t *testing.T) {
	tests := []struct {
		throttle Throttle
		status   int
		retry    string
		html     bool
	}{
		{Throttle{}, 429, "60", false},
		{Throttle{RetryAfter: "missing"}, 429, "", false},
		{Throttle{RetryAfter: "zero"}, 429, "0", false},
		{Throttle{RetryAfter: "short"}, 429, "30", false},
		{Throttle{RetryAfter: "milliseconds"}, 429, "60000", false},
		{Throttle{RetryAfter: "http-date"}, 429,
			"Fri, 10 Apr 2026 00:01:00 GMT", false},
		{Throttle{Status: 503}, 503, "60", false},
		{Throttle{HTMLBody: true}, 429, "60", true},
	}
	for _, tt := range tests {
		p := unlimited(t)
		p.RateLimit = RateLimit{Limit: 1, Window: time.Minute}
		p.Throttle = tt.throttle
		clk := newFakeClock()
		s, _ := NewUnstarted(Config{Profile: p, Now: clk.Now})
		serve(t, s.Handler(), "GET", "/api/v1/health", "k", nil)
		req := httptest.NewRequest("GET", "/api/v1/health", nil)
		req.Header.Set("Authorization", "Bearer k")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		isHTML := strings.HasPrefix(rec.Header().Get("Content-Type"),
			"text/html")
		if rec.Code != tt.status || rec.Header().Get("Retry-After") !=
			tt.retry || isHTML != tt.html {
			t.Errorf("%+v: %d, Retry-After %q, html %v; want %d, %q, %v",
				tt.throttle, rec.Code, rec.Header().Get("Retry-After"),
				isHTML, tt.status, tt.retry, tt.html)
		}
	}
}

func TestIETFHeaders(t *testing.T) {
	p := unlimited(t)
	p.RateLimit = RateLimit{Limit: 5, Window: time.Minute}
	p.Throttle.IETFHeaders = true
	s, _ := NewUnstarted(Config{Profile: p})
	r := serve(t, s.Handler(), "GET", "/api/v1/health", "k", nil)
	if got := r.header.Get("RateLimit"); got != `"default";r=4;t=60` {
		t.Errorf("RateLimit = %q", got)
	}
	if got := r.header.Get("RateLimit-Policy"); got != `"default";q=5;w=60` {
		t.Errorf("RateLimit-Policy = %q", got)
	}
}

// TestStatsTrackHonouring plays two clients on one key: the first
// retries early, then honours its Retry-After but the second client
// takes the freed slot first.
func TestStatsTrackHonouring(t *testing.T) {
	clk := newFakeClock()
	p := unlimited(t)
	p.RateLimit = RateLimit{Limit: 1, Window: 10 * time.Second}
	s, _ := NewUnstarted(Config{Profile: p, Now: clk.Now})
	h := s.Handler()
	wantStatus(t, serve(t, h, "GET", "/api/v1/health", "k", nil), 200,
		"first")
	r := serve(t, h, "GET", "/api/v1/health", "k", nil)
	wantStatus(t, r, 429, "second")
	clk.Advance(time.Second)
	wantStatus(t, serve(t, h, "GET", "/api/v1/health", "k", nil), 429,
		"early retry")
	clk.Advance(9 * time.Second)
	wantStatus(t, serve(t, h, "GET", "/api/v1/health", "k", nil), 200,
		"the other client")
	wantStatus(t, serve(t, h, "GET", "/api/v1/health", "k", nil), 429,
		"after honouring")
	st := s.Stats().Keys["k"]
	if st.Admitted != 2 || st.Limited != 3 || st.EarlyRetries != 1 ||
		st.LimitedAfterWait != 1 {
		t.Errorf("Stats = %+v, want 2 admitted, 3 limited, 1 early, "+
			"1 limited after waiting", st)
	}
}
