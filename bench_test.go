package airabench_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/receipt"
	"github.com/airabench/airabench/reports"
)

// Published figures the benchmarks stand beside (DESIGN.md).
const (
	publishedMintPerSec      = 10_500  // full receipt mint, one thread
	publishedVerifyPerSec    = 4_900   // Ed25519 verify, one core
	publishedCanonicalPerSec = 429_000 // canonical JSON, one core
	publishedAuthorizePerSec = 200     // one 4-vCPU instance
	// publishedVerifyPerSec4vCPU is receipt verifications per second of
	// one 4-vCPU instance.
	publishedVerifyPerSec4vCPU = 100
)

// samplePayload is the receipt payload the mint flow signs.
func samplePayload() map[string]any { return loadgen.MintPayload(1) }

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
	mint := perSec(b)
	b.ReportMetric(mint, "receipts/s")
	b.ReportMetric(mint/publishedMintPerSec, "x-published")
	b.ReportMetric(mint/signRate(k, p), "x-raw-sign")
}

// signRate measures raw ed25519.Sign of a receipt's canonical bytes per
// second, on this core, now: the ceiling a mint is held against.
func signRate(k ed25519.PrivateKey, p map[string]any) float64 {
	msg, _ := receipt.Canonical(p)
	const n = 3000
	start := time.Now()
	for range n {
		ed25519.Sign(k, msg)
	}
	return n / time.Since(start).Seconds()
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

// driveClosed runs a closed loop of 64 in flight of flow against url for
// ops operations and returns the finished operations per second.
func driveClosed(b *testing.B, url, key string, flow loadgen.Flow,
	ops int) float64 {
	b.Helper()
	plan := loadgen.Plan{Stages: []loadgen.Stage{{Name: "bench",
		Flow: flow, Body: loadgen.DefaultBody, Setup: 1000,
		Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 64,
			Items: ops}}}}
	run, err := loadgen.Run(context.Background(), plan,
		loadgen.Target{BaseURL: url, APIKey: key}, loadgen.Options{})
	if err != nil {
		b.Fatal(err)
	}
	st := run.Stages[0]
	if st.Outcomes.Total() != int64(ops) || st.Outcomes[reports.OK] == 0 {
		b.Fatalf("outcomes %v of %d", st.Outcomes, ops)
	}
	return st.Throughput()
}

// trivial serves a fixed 201 answer: the loopback ceiling of this
// machine, for the generator and as the mock's yardstick.
func trivial() *httptest.Server {
	body := []byte(`{"action_uuid":"a","action_id":"a",` +
		`"status":"authorized","valid":true}`)
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter,
		r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(body)
	}))
}

// trivialRate drives the trivial handler the same way, now.
func trivialRate(b *testing.B, flow loadgen.Flow) float64 {
	hs := trivial()
	defer hs.Close()
	return driveClosed(b, hs.URL, "k", flow, 10_000)
}

// benchMock drives one flow of the mock over loopback, with its limiter
// on (set far above the load) and no injected delay, and reports req/s
// beside the trivial handler measured in the same run.
func benchMock(b *testing.B, flow loadgen.Flow, per float64) {
	p, _ := mockserver.Lookup("unlimited")
	p.RateLimit = mockserver.RateLimit{Limit: 1 << 30, Window: time.Minute}
	srv, err := mockserver.New(mockserver.Config{Profile: p})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	var rps float64
	for b.Loop() {
		rps = driveClosed(b, srv.URL, srv.SampleKey(), flow, 10_000)
	}
	b.ReportMetric(rps*per, "req/s")
	b.ReportMetric(rps/trivialRate(b, loadgen.FlowAuthorize), "x-trivial")
}

// BenchmarkMockAuthorize: the mock's authorize over loopback.
func BenchmarkMockAuthorize(b *testing.B) {
	benchMock(b, loadgen.FlowAuthorize, 1)
}

// BenchmarkMockAuthorizeNotarize: authorize then notarize, which mints
// and signs a receipt; req/s counts both requests.
func BenchmarkMockAuthorizeNotarize(b *testing.B) {
	benchMock(b, loadgen.FlowAuthorizeNotarize, 2)
}

// BenchmarkMockVerify: public verification, which recomputes the hash
// and checks the signature of a receipt minted in setup.
func BenchmarkMockVerify(b *testing.B) {
	benchMock(b, loadgen.FlowVerify, 1)
}

// BenchmarkGeneratorClosedLoop: the generator's closed-loop ceiling
// against the trivial handler, 64 in flight.
func BenchmarkGeneratorClosedLoop(b *testing.B) {
	var rps float64
	for b.Loop() {
		rps = trivialRate(b, loadgen.FlowAuthorize)
	}
	b.ReportMetric(rps, "req/s")
}

// BenchmarkPacing10k: the open model at 10,000/s for 2 s against the
// trivial handler, at most 512 in flight: the achieved rate's error and
// the p99 lag of sends behind their schedule.
func BenchmarkPacing10k(b *testing.B) {
	hs := trivial()
	defer hs.Close()
	plan := loadgen.Plan{Stages: []loadgen.Stage{{Name: "pace",
		Flow: loadgen.FlowAuthorize, Body: loadgen.DefaultBody,
		Load: loadgen.Load{Model: loadgen.Open,
			Rate:     loadgen.Rate{Freq: 10_000, Per: time.Second},
			Duration: 2 * time.Second}}}}
	for b.Loop() {
		run, err := loadgen.Run(context.Background(), plan,
			loadgen.Target{BaseURL: hs.URL, APIKey: "k"}, loadgen.Options{})
		if err != nil {
			b.Fatal(err)
		}
		st := run.Stages[0]
		sent := float64(st.Sent) / 2 // per second of schedule
		b.ReportMetric(100*math.Abs(sent-10_000)/10_000, "%-rate-error")
		lag := st.Latency[reports.Dispatch].Hist.ValueAtQuantile(99)
		b.ReportMetric(float64(lag)/1000, "ms-p99-send-lag")
		b.ReportMetric(float64(st.Dropped), "dropped")
	}
}

// benchReference saturates one flow of the reference-4vcpu profile with
// 32 in flight for 2 s and reports the rate beside the published one.
func benchReference(b *testing.B, flow loadgen.Flow, published float64) {
	p, err := mockserver.Lookup("reference-4vcpu")
	if err != nil {
		b.Fatal(err)
	}
	p.Policy = mockserver.Policy{}
	srv, err := mockserver.New(mockserver.Config{Profile: p})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	plan := loadgen.Plan{Stages: []loadgen.Stage{{Name: "saturate",
		Flow: flow, Body: loadgen.DefaultBody, Setup: 500,
		Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 32,
			Duration: 2 * time.Second}}}}
	for b.Loop() {
		run, err := loadgen.Run(context.Background(), plan,
			loadgen.Target{BaseURL: srv.URL, APIKey: srv.SampleKey()},
			loadgen.Options{})
		if err != nil {
			b.Fatal(err)
		}
		rate := run.Stages[0].Goodput()
		b.ReportMetric(rate, "ops/s")
		b.ReportMetric(rate/published, "x-published")
	}
}

// BenchmarkReference4vCPUAuthorize: saturated authorize/s of the
// reference-4vcpu profile beside the published ~200/s.
func BenchmarkReference4vCPUAuthorize(b *testing.B) {
	benchReference(b, loadgen.FlowAuthorize, publishedAuthorizePerSec)
}

// BenchmarkReference4vCPUVerify: saturated verifications/s of the
// reference-4vcpu profile beside the published ~100/s.
func BenchmarkReference4vCPUVerify(b *testing.B) {
	benchReference(b, loadgen.FlowVerify, publishedVerifyPerSec4vCPU)
}
