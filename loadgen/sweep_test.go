package loadgen_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
)

// sweepMock starts a mock with the given profile and keys, reset before
// each level so that no level inherits the last one's rate-limit state.
func sweepMock(t *testing.T, p mockserver.Profile,
	keys []string) (*mockserver.Server, func(context.Context) error) {
	t.Helper()
	srv, err := mockserver.New(mockserver.Config{Profile: p, Seed: 7,
		Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, func(context.Context) error { srv.Reset(); return nil }
}

// limitedProfile is the known answer: 100 requests a second per
// key, sliding log, and a fixed 50 ms authorize.
func limitedProfile() mockserver.Profile {
	return mockserver.Profile{
		RateLimit: mockserver.RateLimit{Limit: 100, Window: time.Second},
		Latency: mockserver.Latency{Authorize: mockserver.Dist{
			Dist: "fixed", Value: 50 * time.Millisecond}},
	}
}

// capacityProfile has no rate limit and workers serving authorize in a
// fixed 40 ms each.
func capacityProfile(workers int) mockserver.Profile {
	return mockserver.Profile{Capacity: mockserver.Capacity{
		Workers: workers, ServiceTime: mockserver.Latency{
			Authorize: mockserver.Dist{Dist: "fixed",
				Value: 40 * time.Millisecond}}}}
}

// honouring is the guide's manual loop: wait what Retry-After says.
var honouring = loadgen.RetryPolicy{MaxRetries: 5, Base: time.Second,
	RetryAfter: true}

func authorizePlan() loadgen.Plan {
	return loadgen.Plan{Name: "tune", Stages: []loadgen.Stage{{
		Name: "auth", Flow: loadgen.FlowAuthorize, Retry: honouring,
		Body: loadgen.DefaultBody,
		Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 1,
			Items: 1},
	}}}
}

func testKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("aira_test_sweep_key_%02d", i)
	}
	return keys
}

// sweepKnown sweeps the authorize plan against a profile and returns
// the levels and the default recommendation.
func sweepKnown(t *testing.T, p mockserver.Profile, keys int,
	levels []int, d time.Duration) ([]reports.TuneLevel,
	reports.Recommendation) {
	t.Helper()
	ks := testKeys(keys)
	srv, settle := sweepMock(t, p, ks)
	res, err := loadgen.Sweep(t.Context(), authorizePlan(), 0,
		loadgen.Target{BaseURL: srv.URL, APIKey: ks[0]},
		loadgen.SweepOptions{Levels: levels, Duration: d, Keys: ks,
			Settle: settle})
	if err != nil {
		t.Fatal(err)
	}
	sum := res.Summaries()
	rec := reports.Recommend(sum, reports.Criteria{Share: 0.95,
		MaxThrottled: 0.10})
	for _, l := range sum {
		t.Logf("c=%-3d offered %6.1f goodput %6.1f throttled %5.1f%% "+
			"retries/op %.2f p50 %6.1f p99 %7.1f in-flight %5.1f ms",
			l.Concurrency, l.Offered, l.Goodput, 100*l.ThrottledShare,
			l.RetriesPerOp, l.P50, l.P99, l.InFlightTime())
	}
	t.Logf("skipped %v; recommended %d (best %.1f/s at %d)", res.Skipped,
		rec.Concurrency, rec.Best, rec.BestConcurrency)
	return sum, rec
}

func TestSweepRateLimitKnee(t *testing.T) {
	t.Parallel()
	levels := []int{1, 2, 4, 8, 16, 32, 64}
	one, rec1 := sweepKnown(t, limitedProfile(), 1, levels, 2*time.Second)
	_ = one
	_ = rec1
}

// TestRotateKeys checks that the pool spreads keyed requests evenly and
// leaves public ones alone.
func TestRotateKeys(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[r.Header.Get("Authorization")]++
			mu.Unlock()
		}))
	defer srv.Close()
	rt := loadgen.RotateKeys(http.DefaultTransport, []string{"a", "b",
		"c"})
	for i := range 7 {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if i < 6 {
			req.Header.Set("Authorization", "Bearer original")
		}
		resp, err := rt.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if i < 6 && req.Header.Get("Authorization") != "Bearer original" {
			t.Fatal("RotateKeys changed the caller's request")
		}
	}
	want := map[string]int{"Bearer a": 2, "Bearer b": 2, "Bearer c": 2,
		"": 1}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range seen {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		if seen[k] != want[k] {
			t.Errorf("header %q seen %d times, want %d", k, seen[k], want[k])
		}
	}
	if len(seen) != len(want) {
		t.Errorf("headers seen %v, want %v", seen, want)
	}
}
