package airabench_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/receipt"
)

// Published figures the benchmarks stand beside (DESIGN.md).
const (
	publishedMintPerSec      = 10_500  // full receipt mint, one thread
	publishedVerifyPerSec    = 4_900   // Ed25519 verify, one core
	publishedCanonicalPerSec = 429_000 // canonical JSON, one core
	publishedAuthorizePerSec = 200     // one 4-vCPU instance
)

// samplePayload is a v1.2 action receipt payload of typical size.
func samplePayload() map[string]any {
	h := "sha256:" + string(bytes.Repeat([]byte("ab"), 32))
	return map[string]any{
		"receipt_version": "1.2", "alg": "Ed25519",
		"action_uuid": "0b6c1f0e-2d4e-4d7a-9a52-3c1f3f6b8e21",
		"org_uuid":    "5f0c8a9e-7b1d-4c3e-8f2a-1d9e6b4a7c30",
		"agent_id":    "invoice-agent", "action_type": "llm_call",
		"details_hash": h, "outcome_hash": h, "instruction_hash": h,
		"model_id": "claude-sonnet-4-6", "parent_payload_hash": nil,
		"authorization_ref": map[string]any{
			"policy_evaluation_uuid":      "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
			"approval_authorization_uuid": nil,
		},
		"created_at": "2026-12-03T18:00:00Z",
	}
}

func key() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
}

func perSec(b *testing.B) float64 {
	return float64(b.N) / b.Elapsed().Seconds()
}

// BenchmarkCanonicalJSON: canonical encodings per second on one core,
// beside the published 429K/s.
func BenchmarkCanonicalJSON(b *testing.B) {
	p := samplePayload()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := receipt.Canonical(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perSec(b), "encodings/s")
	b.ReportMetric(perSec(b)/publishedCanonicalPerSec, "x-published")
}

// BenchmarkEd25519Sign is the floor a receipt mint is held against.
func BenchmarkEd25519Sign(b *testing.B) {
	k := key()
	msg, _ := receipt.Canonical(samplePayload())
	b.ReportAllocs()
	for b.Loop() {
		ed25519.Sign(k, msg)
	}
	b.ReportMetric(perSec(b), "signs/s")
}

// BenchmarkReceiptMint: canonical JSON, SHA-256 and Ed25519 of one
// receipt, beside the published ~10,500/s of one thread. Compare its
// receipts/s with BenchmarkEd25519Sign's signs/s for the overhead.
func BenchmarkReceiptMint(b *testing.B) {
	k := key()
	p := samplePayload()
	b.ReportAllocs()
	for b.Loop() {
		c, err := receipt.Canonical(p)
		if err != nil {
			b.Fatal(err)
		}
		_ = receipt.PayloadHash(c)
		_ = receipt.Sign(k, c)
	}
	b.ReportMetric(perSec(b), "receipts/s")
	b.ReportMetric(perSec(b)/publishedMintPerSec, "x-published")
}

// BenchmarkReceiptVerify: a client's full check of one receipt, beside
// the published 4,900 Ed25519 verifies/s of one core.
func BenchmarkReceiptVerify(b *testing.B) {
	k := key()
	c, _ := receipt.Canonical(samplePayload())
	hash, sig := receipt.PayloadHash(c), receipt.Sign(k, c)
	pub := k.Public().(ed25519.PublicKey)
	raw := json.RawMessage(c)
	b.ReportAllocs()
	for b.Loop() {
		if err := receipt.Verify(pub, raw, hash, sig); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perSec(b), "verifications/s")
	b.ReportMetric(perSec(b)/publishedVerifyPerSec, "x-published")
}

// driveClosed runs a closed loop of 64 in flight against url for the
// benchmark's b.N authorize operations and reports req/s.
func driveClosed(b *testing.B, url, key string) float64 {
	b.Helper()
	plan := loadgen.Plan{Stages: []loadgen.Stage{{Name: "bench",
		Flow: loadgen.FlowAuthorize, Body: loadgen.DefaultBody,
		Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 64,
			Items: max(b.N, 1)}}}}
	b.ResetTimer()
	run, err := loadgen.Run(context.Background(), plan,
		loadgen.Target{BaseURL: url, APIKey: key}, loadgen.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st := run.Stages[0]
	if st.Outcomes.Total() != int64(max(b.N, 1)) {
		b.Fatalf("outcomes %v", st.Outcomes)
	}
	return st.Throughput()
}

// BenchmarkMockAuthorize drives the mock's authorize over loopback with
// its limiter on (set far above the load) and no injected delay, beside
// the documented ~200/s of one 4-vCPU instance.
func BenchmarkMockAuthorize(b *testing.B) {
	p, _ := mockserver.Lookup("unlimited")
	p.RateLimit = mockserver.RateLimit{Limit: 1 << 30, Window: time.Minute}
	srv, err := mockserver.New(mockserver.Config{Profile: p})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	rps := driveClosed(b, srv.URL, srv.SampleKey())
	b.ReportMetric(rps, "req/s")
	b.ReportMetric(rps/publishedAuthorizePerSec, "x-published")
}

// BenchmarkTrivialHandler is the loopback ceiling: the same generator
// against a handler that answers 201 with a fixed body.
func BenchmarkTrivialHandler(b *testing.B) {
	body := []byte(`{"action_uuid":"a","action_id":"a","status":"authorized"}`)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(body)
	}))
	defer hs.Close()
	b.ReportMetric(driveClosed(b, hs.URL, "k"), "req/s")
}
