package mockserver

import (
	"bytes"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkAuthorizeHandler measures the in-process cost of one
// authorize request with the limiter on and no delay.
func BenchmarkAuthorizeHandler(b *testing.B) {
	p, _ := Lookup("unlimited")
	p.RateLimit = RateLimit{Limit: 1 << 30, Window: time.Second}
	s, err := NewUnstarted(Config{Profile: p})
	if err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"action_type":"tool_call","details":"d",` +
		`"agent_id":"a","instruction_hash":"sha256:00"}`)
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/actions",
			bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 201 {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkNotarizeHandler measures authorize plus notarize, which
// mints and signs a receipt.
func BenchmarkNotarizeHandler(b *testing.B) {
	p, _ := Lookup("unlimited")
	s, err := NewUnstarted(Config{Profile: p})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	body := []byte(`{"action_type":"tool_call","details":"d"}`)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/actions",
			bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer k")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		id := rec.Body.Bytes()[16:52]
		req = httptest.NewRequest("POST",
			"/api/v1/actions/"+string(id)+"/notarize", nil)
		req.Header.Set("Authorization", "Bearer k")
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d %s", rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
}
