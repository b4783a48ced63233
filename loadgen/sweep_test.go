package loadgen_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
)

// sweepMock builds a mock with the given profile and keys, unstarted:
// its handler serves requests in-process, so inside a synctest bubble
// its latencies, rate limits and the client's waits all run on the
// bubble's clock, exact and instant. The mock is reset before each
// level, so no level inherits the last one's rate-limit state.
func sweepMock(t *testing.T, p mockserver.Profile,
	keys []string) (http.RoundTripper, func(context.Context) error) {
	t.Helper()
	srv, err := mockserver.NewUnstarted(mockserver.Config{Profile: p,
		Seed: 7, Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	settle := func(context.Context) error { srv.Reset(); return nil }
	return inProcess{srv.Handler()}, settle
}

// inProcess is a transport that serves each request with a handler, in
// the caller's goroutine.
type inProcess struct{ h http.Handler }

func (p inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	p.h.ServeHTTP(w, r)
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	return w.Result(), nil
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
// fixed 100 ms each, long beside a loopback round trip, so the level at
// the worker count already keeps every worker busy.
func capacityProfile(workers int) mockserver.Profile {
	return mockserver.Profile{Capacity: mockserver.Capacity{
		Workers: workers, ServiceTime: mockserver.Latency{
			Authorize: mockserver.Dist{Dist: "fixed",
				Value: 100 * time.Millisecond}}}}
}

// backingOff retries with exponential backoff and full jitter from
// 100 ms and does not wait the whole second that the sliding log's
// Retry-After rounds up to, so goodput holds at the limit past the knee
// and the knee shows where the issue puts it.
var backingOff = loadgen.RetryPolicy{MaxRetries: 10,
	Base: 100 * time.Millisecond, Factor: 2, Jitter: loadgen.FullJitter}

func authorizePlan() loadgen.Plan {
	return loadgen.Plan{Name: "tune", Stages: []loadgen.Stage{{
		Name: "auth", Flow: loadgen.FlowAuthorize, Retry: backingOff,
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

// defaults are airabench tune's default criteria.
var defaults = reports.Criteria{Share: 0.95, MaxThrottled: 1}

// known is a sweep whose answer is known.
type known struct {
	profile  mockserver.Profile
	keys     int
	levels   []int
	duration time.Duration
	refine   bool
	rate     float64 // allowed rate for the refinement's prediction
}

// sweep runs k against the in-process mock and returns the levels, the
// skipped ones and the recommendation under the default criteria.
func (k known) sweep(t *testing.T) ([]reports.TuneLevel, []int,
	reports.Recommendation) {
	t.Helper()
	ks := testKeys(k.keys)
	tr, settle := sweepMock(t, k.profile, ks)
	o := loadgen.SweepOptions{Levels: k.levels, Duration: k.duration,
		Keys: ks, Settle: settle}
	if k.refine {
		o.Refine = func(done []reports.TuneLevel) (int, bool) {
			return reports.Refinement(done, defaults, k.rate)
		}
	}
	res, err := loadgen.Sweep(t.Context(), authorizePlan(), 0,
		loadgen.Target{BaseURL: "http://mock", APIKey: ks[0],
			Transport: tr}, o)
	if err != nil {
		t.Fatal(err)
	}
	sum := res.Summaries()
	rec := reports.Recommend(sum, defaults)
	for _, l := range sum {
		t.Logf("c=%-3d goodput %6.1f/s throttled %5.1f%% retries/op "+
			"%.2f p50 %5.1f p99 %7.1f ms", l.Concurrency, l.Goodput,
			100*l.ThrottledShare, l.RetriesPerOp, l.P50, l.P99)
	}
	t.Logf("skipped %v; recommended %d; best %.1f/s at %d", res.Skipped,
		rec.Concurrency, rec.Best, rec.BestConcurrency)
	return sum, res.Skipped, rec
}

// TestSweepRateLimitKnee is the known answer: one key limited
// to 100/s with a fixed 50 ms latency saturates near 100/s from about 5
// in flight, and the refined recommendation lands between 5 and 8. Two
// keys double the saturation rate and the recommendation. Levels last
// 8 s of the bubble's clock, so the steady state shows.
func TestSweepRateLimitKnee(t *testing.T) {
	t.Parallel()
	levels := []int{1, 2, 4, 8, 16, 32, 64}
	var one, two []reports.TuneLevel
	var rec1, rec2 reports.Recommendation
	synctest.Test(t, func(t *testing.T) {
		one, _, rec1 = known{profile: limitedProfile(), keys: 1,
			levels: levels, refine: true, duration: 8 * time.Second,
			rate: 100}.sweep(t)
		two, _, rec2 = known{profile: limitedProfile(), keys: 2,
			levels: levels, refine: true, duration: 8 * time.Second,
			rate: 200}.sweep(t)
	})
	// 5 in flight offer exactly the limit, so only the levels either
	// side of 5 are held to a side of it.
	checkSaturation(t, "one key", one, 6, 4, 90, 101)
	checkSaturation(t, "two keys", two, 12, 9, 180, 201)
	if c := rec1.Concurrency; c < 5 || c > 8 {
		t.Errorf("one key: recommended %d, want 5 to 8", c)
	}
	if rec2.Concurrency != 2*rec1.Concurrency {
		t.Errorf("recommended %d with two keys, %d with one; want twice",
			rec2.Concurrency, rec1.Concurrency)
	}
	if r := rec2.Best / rec1.Best; r < 1.9 || r > 2.1 {
		t.Errorf("best goodput %.1f/s with two keys, %.1f/s with one: "+
			"ratio %.2f, want about 2", rec2.Best, rec1.Best, r)
	}
}

// checkSaturation checks that every level from concurrency from on has
// goodput within [lo, hi], and every level up to below stays under lo.
func checkSaturation(t *testing.T, name string, levels []reports.TuneLevel,
	from, below int, lo, hi float64) {
	t.Helper()
	for _, l := range levels {
		switch {
		case l.Concurrency >= from && (l.Goodput < lo || l.Goodput > hi):
			t.Errorf("%s: goodput at %d is %.1f/s, want %.0f to %.0f",
				name, l.Concurrency, l.Goodput, lo, hi)
		case l.Concurrency <= below && l.Goodput >= lo:
			t.Errorf("%s: goodput at %d is already %.1f/s, want under "+
				"%.0f", name, l.Concurrency, l.Goodput, lo)
		}
	}
}

// TestSweepCapacityKnee: with no rate limit and a server of a few
// workers, each busy a fixed 100 ms, the knee follows the worker count,
// and the sweep skips what lies far past it.
func TestSweepCapacityKnee(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		workers int
		rate    float64 // workers / 100 ms
		skipped []int
	}{
		{name: "4 workers", workers: 4, rate: 40, skipped: []int{16, 32, 64}},
		{name: "8 workers", workers: 8, rate: 80, skipped: []int{32, 64}},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			levels, skipped, rec := known{profile: capacityProfile(
				tt.workers), keys: 1, levels: []int{1, 2, 4, 8, 16, 32, 64},
				duration: 4 * time.Second}.sweep(t)
			if rec.Concurrency != tt.workers {
				t.Errorf("%s: recommended %d, want the worker count %d",
					tt.name, rec.Concurrency, tt.workers)
			}
			checkSaturation(t, tt.name, levels, tt.workers,
				tt.workers/2, 0.95*tt.rate, tt.rate)
			if !slices.Equal(skipped, tt.skipped) {
				t.Errorf("%s: skipped %v, want %v", tt.name, skipped,
					tt.skipped)
			}
		})
	}
}

// TestSweepOffline: arrivals at 40/s for 2 s into an offline queue whose
// one flusher sends one action per 50 ms (20/s) build a backlog of
// about (40 - 20) x 2 = 40 actions, whatever the flush interval. The
// queue and the batches taken from it must hold that backlog: a queue
// of 16 drops the newest actions, one of 32 loses nothing, and the last
// actions wait about 2 s for their receipts.
func TestSweepOffline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sizes    []int
		wantSize int             // recommended queue size; 0 for none
		skipped  []time.Duration // intervals not run
	}{
		{name: "room enough", sizes: []int{8, 16, 32, 64, 128},
			wantSize: 32},
		{name: "too small", sizes: []int{4, 8}, wantSize: 0,
			skipped: []time.Duration{time.Second}},
	}
	for _, tt := range tests {
		res := offlineSweep(t, tt.sizes)
		pts := res.Summaries()
		for _, p := range pts {
			t.Logf("%s: interval %v queue %d: accepted %d lost %d %v "+
				"receipt p50 %.0f p99 %.0f ms", tt.name, p.FlushInterval,
				p.QueueSize, p.Accepted, p.Lost, p.LostBy, p.TTRP50,
				p.TTRP99)
		}
		i, found := reports.RecommendOffline(pts)
		switch {
		case !found && tt.wantSize != 0:
			t.Errorf("%s: no lossless setting, want queue %d", tt.name,
				tt.wantSize)
		case found && pts[i].QueueSize != tt.wantSize:
			t.Errorf("%s: recommended queue %d, want %d", tt.name,
				pts[i].QueueSize, tt.wantSize)
		case found && (pts[i].TTRP99 < 1500 || pts[i].TTRP99 > 2500):
			t.Errorf("%s: time to receipt p99 %.0f ms, want about 2 s",
				tt.name, pts[i].TTRP99)
		}
		if !slices.Equal(res.Skipped, tt.skipped) {
			t.Errorf("%s: skipped %v, want %v", tt.name, res.Skipped,
				tt.skipped)
		}
	}
}

// offlineSweep sweeps flush intervals of 100 ms and 1 s over sizes at
// 40/s for 2 s, against a 50 ms authorize, inside a synctest bubble.
func offlineSweep(t *testing.T, sizes []int) *loadgen.OfflineSweepResult {
	var res *loadgen.OfflineSweepResult
	synctest.Test(t, func(t *testing.T) {
		ks := testKeys(1)
		tr, settle := sweepMock(t, limitedProfile(), ks)
		o := loadgen.OfflineSweepOptions{
			Rate:     loadgen.Rate{Freq: 40, Per: time.Second},
			Duration: 2 * time.Second, QueueSizes: sizes, Settle: settle,
			Intervals: []time.Duration{time.Second,
				100 * time.Millisecond},
		}
		var err error
		res, err = loadgen.SweepOffline(t.Context(), authorizePlan(), 0,
			loadgen.Target{BaseURL: "http://mock", APIKey: ks[0],
				Transport: tr}, o)
		if err != nil {
			t.Fatal(err)
		}
	})
	return res
}
