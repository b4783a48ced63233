package loadgen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/receipt"
	"github.com/airabench/airabench/reports"
)

// witness sits between the generator and the mock and keeps its own
// account of what crossed the wire, so tests check the generator's
// numbers against an independent record.
type witness struct {
	next http.Handler

	mu        sync.Mutex
	notBefore map[string]time.Time // idempotency key → earliest retry
	early     []string             // retries that came too soon
	receipts  []json.RawMessage    // notarize answers
	requests  int
}

func newWitness(next http.Handler) *witness {
	return &witness{next: next, notBefore: map[string]time.Time{}}
}

func (w *witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var req struct {
		IdempotencyKey string `json:"idempotency_key"`
	}
	json.Unmarshal(body, &req)
	key := req.IdempotencyKey

	arrived := time.Now()
	w.mu.Lock()
	w.requests++
	if nb, ok := w.notBefore[key]; ok && key != "" && arrived.Before(nb) {
		w.early = append(w.early, key)
	}
	w.mu.Unlock()

	rec := httptest.NewRecorder()
	w.next.ServeHTTP(rec, r)
	sent := time.Now()

	w.mu.Lock()
	if ra := rec.Header().Get("Retry-After"); ra != "" && key != "" {
		secs, _ := strconv.Atoi(ra)
		w.notBefore[key] = sent.Add(time.Duration(secs) * time.Second)
	}
	if strings.HasSuffix(r.URL.Path, "/notarize") && rec.Code == 200 {
		w.receipts = append(w.receipts, rec.Body.Bytes())
	}
	w.mu.Unlock()

	for k, v := range rec.Header() {
		rw.Header()[k] = v
	}
	rw.WriteHeader(rec.Code)
	rw.Write(rec.Body.Bytes())
}

// startMock serves the mock with profile p behind a witness on loopback.
func startMock(t *testing.T, p mockserver.Profile) (*mockserver.Server,
	*witness, loadgen.Target) {
	t.Helper()
	srv, err := mockserver.NewUnstarted(mockserver.Config{Profile: p,
		Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	w := newWitness(srv.Handler())
	hs := httptest.NewServer(w)
	t.Cleanup(hs.Close)
	return srv, w, loadgen.Target{BaseURL: hs.URL, APIKey: srv.SampleKey()}
}

// checkConservation asserts that every count of a stage adds up.
func checkConservation(t *testing.T, st *reports.Stage) {
	t.Helper()
	if st.Intended != st.Sent+st.Dropped {
		t.Errorf("%s: intended %d != sent %d + dropped %d", st.Name,
			st.Intended, st.Sent, st.Dropped)
	}
	if got := st.Outcomes.Total(); got != st.Sent {
		t.Errorf("%s: outcomes sum to %d, want sent = %d", st.Name, got,
			st.Sent)
	}
	if got := st.Attempts.Total(); len(st.Steps) == 1 &&
		got != st.Sent+st.Retries {
		t.Errorf("%s: attempts sum to %d, want sent %d + retries %d",
			st.Name, got, st.Sent, st.Retries)
	}
	var steps int64
	for _, s := range st.Steps {
		steps += s.Attempts.Total()
	}
	if steps != st.Attempts.Total() {
		t.Errorf("%s: step attempts sum to %d, want %d", st.Name, steps,
			st.Attempts.Total())
	}
}

// TestSemaphoreBatchAgainstMock runs the guide's semaphore pattern,
// scaled down, against a rate-limited mock: every count adds up, the
// witness saw exactly the attempts the generator counted, throttled
// attempts were retried no earlier than their Retry-After, and every
// notarized receipt verifies.
func TestSemaphoreBatchAgainstMock(t *testing.T) {
	p, err := mockserver.Lookup("default")
	if err != nil {
		t.Fatal(err)
	}
	p.RateLimit = mockserver.RateLimit{Limit: 150, Window: time.Second}
	p.Latency = mockserver.Latency{}
	p.PublicRateLimit = mockserver.RateLimit{}
	srv, w, target := startMock(t, p)

	plan := loadgen.Plan{Name: "semaphore-batch", Stages: []loadgen.Stage{{
		Name: "semaphore", Flow: loadgen.FlowAuthorizeNotarize,
		Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 50,
			Items: 200},
		Retry: loadgen.RetryPolicy{MaxRetries: 5, Base: 100 * time.Millisecond,
			Jitter: loadgen.FullJitter, RetryAfter: true},
		Body: withIdempotency(loadgen.DefaultBody),
	}}}
	run, err := loadgen.Run(context.Background(), plan, target,
		loadgen.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	st := run.Stages[0]
	checkConservation(t, st)
	if st.Intended != 200 {
		t.Errorf("intended = %d, want 200", st.Intended)
	}
	if st.Attempts[reports.Throttled] == 0 || st.Retries == 0 {
		t.Errorf("throttled attempts %d, retries %d: the limit of 150/s "+
			"should have throttled a batch of 200 pairs",
			st.Attempts[reports.Throttled], st.Retries)
	}
	if w.requests != int(st.Attempts.Total()) {
		t.Errorf("the mock saw %d requests, the generator counted %d "+
			"attempts", w.requests, st.Attempts.Total())
	}
	if len(w.early) > 0 || st.EarlyRetries > 0 {
		t.Errorf("retries before Retry-After: witness %v, generator %d",
			w.early, st.EarlyRetries)
	}
	if st.Outcomes[reports.OK] == 0 || len(w.receipts) == 0 {
		t.Fatalf("no operation succeeded: %v", st.Outcomes)
	}
	for _, body := range w.receipts {
		verifyReceipt(t, srv, body)
	}
}

func withIdempotency(b loadgen.Body) loadgen.Body {
	b.IdempotencyKeys = true
	return b
}

// verifyReceipt checks a notarize answer against the public verify
// endpoint's signed payload and the mock's key.
func verifyReceipt(t *testing.T, srv *mockserver.Server, body []byte) {
	t.Helper()
	var rc struct {
		ActionUUID  string `json:"action_uuid"`
		PayloadHash string `json:"payload_hash"`
		Signature   string `json:"signature"`
	}
	if err := json.Unmarshal(body, &rc); err != nil {
		t.Fatalf("notarize answer %s: %v", body, err)
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET",
		"/api/v1/verify/action/"+rc.ActionUUID, nil))
	var v struct {
		Valid         bool            `json:"valid"`
		SignedPayload json.RawMessage `json:"signed_payload"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || !v.Valid {
		t.Fatalf("verify %s: valid=%v err=%v body=%s", rc.ActionUUID,
			v.Valid, err, rec.Body)
	}
	err := receipt.Verify(srv.PublicKey(), v.SignedPayload, rc.PayloadHash,
		rc.Signature)
	if err != nil {
		t.Errorf("receipt of %s does not verify: %v", rc.ActionUUID, err)
	}
}

// TestFlowsAgainstMock runs every flow once against the mock and checks
// the counts, the setup phase, and the client-side receipt check.
func TestFlowsAgainstMock(t *testing.T) {
	p, err := mockserver.Lookup("default")
	if err != nil {
		t.Fatal(err)
	}
	p.RateLimit, p.PublicRateLimit = mockserver.RateLimit{},
		mockserver.RateLimit{}
	p.Latency = mockserver.Latency{}
	_, w, target := startMock(t, p)

	batch := loadgen.Load{Model: loadgen.Closed, Concurrency: 8, Items: 60}
	stages := []loadgen.Stage{
		{Name: "notarize", Flow: loadgen.FlowNotarize, Load: batch},
		{Name: "verify", Flow: loadgen.FlowVerify, Load: batch,
			VerifyReceipts: true},
		{Name: "health", Flow: loadgen.FlowHealth, Load: batch},
		{Name: "mix", Flow: loadgen.FlowMix, Load: batch,
			Mix: []loadgen.MixEntry{{Flow: loadgen.FlowAuthorize, Weight: 1},
				{Flow: loadgen.FlowVerify, Weight: 1}}, VerifyReceipts: true},
		{Name: "offline", Flow: loadgen.FlowAuthorize, Load: batch,
			Offline: &loadgen.Offline{FlushInterval: 50 * time.Millisecond,
				MaxQueueSize: 100, BatchSize: 10, Flushers: 2}},
	}
	for i := range stages {
		stages[i].Body = loadgen.DefaultBody
	}
	run, err := loadgen.Run(context.Background(),
		loadgen.Plan{Stages: stages}, target, loadgen.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range run.Stages {
		checkConservation(t, st)
		if st.Sent != 60 {
			t.Errorf("%s: sent %d, want 60", st.Name, st.Sent)
		}
		if st.InvalidReceipts != 0 {
			t.Errorf("%s: %d receipts failed the client's check", st.Name,
				st.InvalidReceipts)
		}
	}
	by := map[string]*reports.Stage{}
	for _, st := range run.Stages {
		by[st.Name] = st
	}
	if st := by["notarize"]; st.Setup != 60 || st.Outcomes[reports.OK] != 60 {
		t.Errorf("notarize: setup %d, ok %d; want 60 and 60", st.Setup,
			st.Outcomes[reports.OK])
	}
	if st := by["verify"]; st.Outcomes[reports.OK] != 60 {
		t.Errorf("verify: ok %d, want 60", st.Outcomes[reports.OK])
	}
	if o := by["offline"].Offline; o == nil || o.Delivered != 60 ||
		o.Lost != 0 {
		t.Errorf("offline: %+v, want 60 delivered and none lost", o)
	}
	if w.requests == 0 {
		t.Error("the witness saw no request")
	}
}

// TestVerifyCatchesBadReceipts puts a tampering proxy between the
// client and the mock: every receipt the client checks must fail.
func TestVerifyCatchesBadReceipts(t *testing.T) {
	p, _ := mockserver.Lookup("unlimited")
	srv, err := mockserver.NewUnstarted(mockserver.Config{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter,
		r *http.Request) {
		if !strings.Contains(r.URL.Path, "/verify/") {
			h.ServeHTTP(rw, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := bytes.Replace(rec.Body.Bytes(), []byte(`"action_type":"`),
			[]byte(`"action_type":"x`), 1)
		rw.WriteHeader(rec.Code)
		rw.Write(body)
	}))
	defer hs.Close()
	target := loadgen.Target{BaseURL: hs.URL, APIKey: srv.SampleKey()}
	run, err := loadgen.Run(context.Background(), loadgen.Plan{
		Stages: []loadgen.Stage{{Name: "verify", Flow: loadgen.FlowVerify,
			Body: loadgen.DefaultBody, VerifyReceipts: true,
			Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 4,
				Items: 20}}}}, target, loadgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st := run.Stages[0]; st.InvalidReceipts != 20 {
		t.Errorf("invalid receipts %d, want all 20 caught", st.InvalidReceipts)
	}
}
