package mockserver

import (
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// drive sends n requests from clients concurrent goroutines, each one
// after the other, and returns the requests per second of fake time.
func drive(t *testing.T, h http.Handler, clients, n int, method,
	path string, body any) float64 {
	t.Helper()
	var next atomic.Int64
	done := make(chan struct{})
	start := time.Now()
	for range clients {
		go func() {
			defer func() { done <- struct{}{} }()
			for next.Add(1) <= int64(n) {
				r := serve(t, h, method, path, "k", body)
				if r.status >= 500 || r.status == 429 {
					t.Errorf("%s %s: status %d", method, path, r.status)
				}
			}
		}()
	}
	for range clients {
		<-done
	}
	return float64(n) / time.Since(start).Seconds()
}

// TestReference4vCPU checks the shipped capacity profile against the
// published throughputs, within 5%, in fake time.
func TestReference4vCPU(t *testing.T) {
	tests := []struct {
		name, method, path string
		body               any
		n                  int
		want               float64
	}{
		{"authorize", "POST", "/api/v1/actions", authorizeBody, 2000, 200},
		{"verify", "GET", "/api/v1/verify/action/x", nil, 1000, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p, err := Lookup("reference-4vcpu")
				if err != nil {
					t.Fatal(err)
				}
				s, err := NewUnstarted(Config{Profile: p, Seed: 3})
				if err != nil {
					t.Fatal(err)
				}
				got := drive(t, s.Handler(), 32, tt.n, tt.method,
					tt.path, tt.body)
				t.Logf("%s: %.1f/s", tt.name, got)
				if got < 0.95*tt.want || got > 1.05*tt.want {
					t.Errorf("%s saturates at %.1f/s, want %.0f/s ±5%%",
						tt.name, got, tt.want)
				}
			})
		})
	}
}

// TestCapacityQueueLimit fills 1 worker and a queue of 1, so the third
// concurrent request gets 503 with Retry-After.
func TestCapacityQueueLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := unlimited(t)
		p.Capacity = Capacity{Workers: 1, MaxQueue: 1, ServiceTime: Latency{
			Health: Dist{Dist: "fixed", Value: time.Second},
		}}
		s, err := NewUnstarted(Config{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan reply, 2)
		for range 2 {
			go func() {
				got <- serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
			}()
		}
		synctest.Wait()
		r := serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
		wantError(t, r, 503, "SERVICE_UNAVAILABLE", "third request")
		if r.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q, want 1", r.header.Get("Retry-After"))
		}
		start := time.Now()
		for range 2 {
			if r := <-got; r.status != 200 {
				t.Errorf("queued request: %d", r.status)
			}
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("the two served took %v, want 2s", d)
		}
	})
}
