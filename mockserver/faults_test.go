package mockserver

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

func faultyMock(t *testing.T, fs ...Fault) *Server {
	t.Helper()
	p := unlimited(t)
	p.Faults = fs
	s, err := NewUnstarted(Config{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestHTTPFaults(t *testing.T) {
	tests := []struct {
		fault  Fault
		status int
		code   string
	}{
		{Fault{Kind: FaultHTTP500}, 500, "INTERNAL_ERROR"},
		{Fault{Kind: FaultHTTP502}, 502, "BAD_GATEWAY"},
		{Fault{Kind: FaultHTTP503, RetryAfter: "3"}, 503,
			"SERVICE_UNAVAILABLE"},
	}
	for _, tt := range tests {
		t.Run(tt.fault.Kind, func(t *testing.T) {
			s := faultyMock(t, tt.fault)
			r := serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
			wantError(t, r, tt.status, tt.code, tt.fault.Kind)
			if got := r.header.Get("Retry-After"); got != tt.fault.RetryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.fault.RetryAfter)
			}
		})
	}
}

// TestFaultTriggers counts which of 12 requests each trigger fires on.
func TestFaultTriggers(t *testing.T) {
	tests := []struct {
		name  string
		fault Fault
		want  string // one letter per request: F fault, . normal
	}{
		{"first", Fault{First: 3}, "FFF........."},
		{"every", Fault{Every: 4}, "...F...F...F"},
		{"first and every", Fault{First: 6, Every: 2}, ".F.F.F......"},
		{"window", Fault{From: 2 * time.Second, Until: 5 * time.Second},
			"..FFF......."},
		{"other endpoint", Fault{Endpoints: []string{"authorize"}},
			"............"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fault.Kind = FaultHTTP500
			p := unlimited(t)
			p.Faults = []Fault{tt.fault}
			c := newFakeClock()
			s, _ := NewUnstarted(Config{Profile: p, Now: c.Now})
			var got strings.Builder
			for range 12 {
				r := serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
				got.WriteByte(mark(r.status == 500))
				c.Advance(time.Second)
			}
			if got.String() != tt.want {
				t.Errorf("fired %s, want %s", got.String(), tt.want)
			}
		})
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	run := func() string {
		s := faultyMock(t, Fault{Kind: FaultHTTP503, Probability: 0.3})
		var b strings.Builder
		for range 200 {
			r := serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
			b.WriteByte(mark(r.status == 503))
		}
		return b.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	if n := strings.Count(a, "F"); n < 40 || n > 80 {
		t.Errorf("%d of 200 fired at probability 0.3", n)
	}
}

func TestStallFault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := faultyMock(t, Fault{Kind: FaultStall, Duration: 3 * time.Second})
		start := time.Now()
		r := serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
		wantStatus(t, r, 200, "stalled health")
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("stall took %v, want 3s", d)
		}
	})
}

// get fetches base+path over loopback and returns the error of reading
// the whole answer.
func get(t *testing.T, base, path string) (int, []byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", base+path,
		nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestConnectionFaults(t *testing.T) {
	tests := []struct {
		kind string
		want func(status int, err error) bool
	}{
		{FaultReset, func(_ int, err error) bool {
			return errors.Is(err, syscall.ECONNRESET) ||
				errors.Is(err, io.EOF)
		}},
		{FaultCloseAfterHeaders, func(status int, err error) bool {
			return status == 200 && errors.Is(err, io.ErrUnexpectedEOF)
		}},
		{FaultSlowBody, func(status int, err error) bool {
			return status == 200 && err == nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			p := unlimited(t)
			p.Faults = []Fault{{Kind: tt.kind, First: 1,
				Duration: 10 * time.Millisecond}}
			s := startMock(t, Config{Profile: p})
			status, body, err := get(t, s.URL, "/api/v1/health")
			if !tt.want(status, err) {
				t.Errorf("%s: status %d, body %q, error %v",
					tt.kind, status, body, err)
			}
			if status, _, err := get(t, s.URL, "/api/v1/health"); err != nil ||
				status != 200 {
				t.Errorf("the request after the fault: %d, %v", status, err)
			}
		})
	}
}

func mark(fired bool) byte {
	if fired {
		return 'F'
	}
	return '.'
}
