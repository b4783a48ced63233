package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/airabench/airabench/reports"
)

// fakeAPI answers requests in-process, inside a synctest bubble, so
// schedules and waits run on the bubble's clock: exact, and instant.
type fakeAPI struct {
	latency time.Duration
	// answer returns the status, Retry-After and body of request n
	// (from 0, in arrival order).
	answer func(n int, r *http.Request) (int, string, string)

	mu       sync.Mutex
	n        int
	arrivals []time.Time
}

func (f *fakeAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	n := f.n
	f.n++
	f.arrivals = append(f.arrivals, time.Now())
	f.mu.Unlock()

	t := time.NewTimer(f.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	status, ra, body := 201, "", `{"action_uuid":"a-1","status":"authorized"}`
	if f.answer != nil {
		status, ra, body = f.answer(n, r)
	}
	h := http.Header{}
	if ra != "" {
		h.Set("Retry-After", ra)
	}
	return &http.Response{StatusCode: status, Header: h, Request: r,
		Body: io.NopCloser(strings.NewReader(body))}, nil
}

func (f *fakeAPI) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// runFake runs one stage against f and returns its result.
func runFake(t *testing.T, f *fakeAPI, s Stage) *reports.Stage {
	t.Helper()
	return runFakeCtx(t, context.Background(), f, s)
}

func runFakeCtx(t *testing.T, ctx context.Context, f *fakeAPI,
	s Stage) *reports.Stage {
	t.Helper()
	if s.Name == "" {
		s.Name = "stage"
	}
	if s.Flow == "" {
		s.Flow = FlowAuthorize
	}
	if s.Body == (Body{}) {
		s.Body = DefaultBody
	}
	run, err := Run(ctx, Plan{Stages: []Stage{s}},
		Target{BaseURL: "http://fake", Transport: f}, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	st := run.Stages[0]
	conserved(t, st)
	return st
}

// conserved asserts the counting invariants of a stage.
func conserved(t *testing.T, st *reports.Stage) {
	t.Helper()
	if st.Intended != st.Sent+st.Dropped {
		t.Errorf("intended %d != sent %d + dropped %d", st.Intended, st.Sent,
			st.Dropped)
	}
	if got := st.Outcomes.Total(); got != st.Sent {
		t.Errorf("outcomes sum to %d, want sent %d", got, st.Sent)
	}
	if o := st.Offline; o != nil {
		var by int64
		for _, n := range o.LostBy {
			by += n
		}
		if o.Accepted != o.Delivered+o.Lost || by != o.Lost {
			t.Errorf("offline: accepted %d != delivered %d + lost %d "+
				"(by cause %v)", o.Accepted, o.Delivered, o.Lost, o.LostBy)
		}
	}
}

func rateOf(n float64, per time.Duration) Rate { return Rate{n, per} }

func TestOpenConstantRateExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{latency: 30 * time.Millisecond}
		st := runFake(t, f, Stage{Load: Load{Model: Open,
			Rate: rateOf(10, time.Second), Duration: 10 * time.Second}})
		if st.Sent != 100 || f.requests() != 100 {
			t.Fatalf("sent %d, server saw %d; want 100", st.Sent,
				f.requests())
		}
		for i, n := range st.Series.Sent[:10] {
			if n != 10 {
				t.Errorf("second %d holds %d sends, want 10", i, n)
			}
		}
		for i, at := range f.arrivals {
			want := time.Duration(i) * 100 * time.Millisecond
			if got := at.Sub(f.arrivals[0]); got != want {
				t.Fatalf("request %d arrived at +%v, want +%v", i, got, want)
			}
		}
		if p := st.Latency[reports.Dispatch].Hist.Max(); p > 1 {
			t.Errorf("dispatch delay max %d µs, want 0", p)
		}
		if got := st.Latency[reports.Response].Hist.Max(); got < 29000 ||
			got > 31000 {
			t.Errorf("response max %d µs, want 30 ms", got)
		}
	})
}

func TestOpenRatesAndRamps(t *testing.T) {
	tests := []struct {
		name string
		load Load
		want int64
	}{
		{"below one per second", Load{Model: Open,
			Rate: rateOf(1, 10*time.Second), Duration: 30 * time.Second}, 3},
		{"60 per minute", Load{Model: Open, Rate: rateOf(60, time.Minute),
			Duration: 5 * time.Second}, 5},
		{"ramp area", Load{Model: Open, Rate: rateOf(0, time.Second),
			Ramp: []RampStep{{rateOf(20, time.Second), 4 * time.Second},
				{rateOf(20, time.Second), 2 * time.Second}}}, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeAPI{latency: 5 * time.Millisecond}
				st := runFake(t, f, Stage{Load: tt.load})
				if st.Sent != tt.want {
					t.Errorf("sent %d, want %d", st.Sent, tt.want)
				}
			})
		})
	}
}

// TestOpenInFlightCap checks both overflow policies against a server
// that takes a second per request: drops are counted, waits are
// measured as dispatch delay, and nothing is lost.
func TestOpenInFlightCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		load := Load{Model: Open, Rate: rateOf(10, time.Second),
			Duration: 2 * time.Second, MaxInFlight: 2, Overflow: OverflowDrop}
		f := &fakeAPI{latency: time.Second}
		st := runFake(t, f, Stage{Load: load})
		// Two slots, each busy 1 s: sends at 0 s and 1 s, two each.
		if st.Sent != 4 || st.Dropped != 16 {
			t.Errorf("drop: sent %d dropped %d, want 4 and 16", st.Sent,
				st.Dropped)
		}

		// Waiting, operations queue for a slot until the stage ends at
		// 2 s; what is still waiting then was never sent.
		load.Overflow = OverflowWait
		f = &fakeAPI{latency: time.Second}
		st = runFake(t, f, Stage{Load: load})
		if st.Sent != 4 || st.Dropped != 16 {
			t.Errorf("wait: sent %d dropped %d, want 4 and 16", st.Sent,
				st.Dropped)
		}
		// The op intended at 0.2 s waited for the slot freed at 1 s.
		if got := st.Latency[reports.Dispatch].Hist.Max(); got < 800_000 {
			t.Errorf("wait: dispatch delay max %d µs, want ≥ 0.8 s", got)
		}
	})
}

// TestRetryAfterHonouredExactly: a server that throttles every first
// attempt with Retry-After: 2 sees each retry exactly 2 s after its 429.
func TestRetryAfterHonouredExactly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{latency: 10 * time.Millisecond}
		f.answer = func(n int, _ *http.Request) (int, string, string) {
			if n%2 == 0 {
				return 429, "2", `{"code":"RATE_LIMITED"}`
			}
			return 201, "", `{"action_uuid":"a","status":"authorized"}`
		}
		st := runFake(t, f, Stage{
			Load:  Load{Model: Closed, Concurrency: 1, Items: 5},
			Retry: RetryPolicy{MaxRetries: 3, RetryAfter: true}})
		if st.Outcomes[reports.OK] != 5 || st.Retries != 5 {
			t.Fatalf("ok %d retries %d, want 5 and 5", st.Outcomes[reports.OK],
				st.Retries)
		}
		for i := 1; i < len(f.arrivals); i += 2 {
			gap := f.arrivals[i].Sub(f.arrivals[i-1])
			if gap != 2*time.Second+10*time.Millisecond {
				t.Errorf("retry %d came %v after its attempt, want 2.01s",
					i/2, gap)
			}
		}
		if st.RetriesBy[reports.Throttled] != 5 {
			t.Errorf("retries by cause %v, want 5 after throttled",
				st.RetriesBy)
		}
		if st.RetryWait != 10*time.Second || st.EarlyRetries != 0 {
			t.Errorf("retry wait %v early %d, want 10s and 0", st.RetryWait,
				st.EarlyRetries)
		}
	})
}

// TestRetryJunkHeaderBacksOff: a Retry-After of 0 or junk falls back to
// the backoff, never a hot loop, and the budget bounds the run.
func TestRetryJunkHeaderBacksOff(t *testing.T) {
	for _, ra := range []string{"0", "soon", "-3", ""} {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeAPI{}
			f.answer = func(int, *http.Request) (int, string, string) {
				return 503, ra, `{}`
			}
			start := time.Now()
			st := runFake(t, f, Stage{
				Load: Load{Model: Closed, Concurrency: 1, Items: 1},
				Retry: RetryPolicy{MaxRetries: 4, Base: 100 * time.Millisecond,
					RetryAfter: true}})
			// 100 + 200 + 400 + 800 ms of backoff.
			if got := time.Since(start); got != 1500*time.Millisecond {
				t.Errorf("Retry-After %q: run took %v, want 1.5s", ra, got)
			}
			if st.Attempts.Total() != 5 {
				t.Errorf("Retry-After %q: %d attempts, want 5", ra,
					st.Attempts.Total())
			}
		})
	}
}

func TestRetryBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{}
		f.answer = func(int, *http.Request) (int, string, string) {
			return 500, "", `{}`
		}
		plan := Plan{RetryBudget: 3, Stages: []Stage{{Name: "s",
			Flow: FlowAuthorize, Body: DefaultBody,
			Load:  Load{Model: Closed, Concurrency: 1, Items: 4},
			Retry: RetryPolicy{MaxRetries: 5, Base: time.Millisecond}}}}
		run, err := Run(context.Background(), plan,
			Target{BaseURL: "http://fake", Transport: f}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		st := run.Stages[0]
		if st.Retries != 3 || st.BudgetExhausted != 4 {
			t.Errorf("retries %d exhausted %d, want 3 and 4", st.Retries,
				st.BudgetExhausted)
		}
	})
}

// TestDuplicateAfterRetryIsOK: a retry answered 409 DUPLICATE_REQUEST
// means the first attempt went through.
func TestDuplicateAfterRetryIsOK(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{}
		f.answer = func(n int, _ *http.Request) (int, string, string) {
			if n == 0 {
				return 502, "", `{}`
			}
			return 409, "", `{"code":"DUPLICATE_REQUEST"}`
		}
		st := runFake(t, f, Stage{
			Load:  Load{Model: Closed, Concurrency: 1, Items: 1},
			Retry: RetryPolicy{MaxRetries: 1, Base: time.Millisecond}})
		if st.Outcomes[reports.OK] != 1 || st.SucceededEarlier != 1 {
			t.Errorf("outcomes %v, succeeded earlier %d; want ok and 1",
				st.Outcomes, st.SucceededEarlier)
		}
	})
}

// TestClosedModels: a semaphore, gather and awaited chunks take the
// time their shapes predict, and dispatch delay is the permit wait.
func TestClosedModels(t *testing.T) {
	tests := []struct {
		load Load
		took time.Duration
	}{
		{Load{Model: Closed, Concurrency: 5, Items: 12}, 300 * time.Millisecond},
		{Load{Model: Unbounded, Items: 12}, 100 * time.Millisecond},
		{Load{Model: Chunked, Concurrency: 5, Items: 12}, 300 * time.Millisecond},
		{Load{Model: Closed, Concurrency: 3, Duration: time.Second},
			time.Second},
	}
	for _, tt := range tests {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeAPI{latency: 100 * time.Millisecond}
			st := runFake(t, f, Stage{Load: tt.load})
			if st.Duration != tt.took {
				t.Errorf("%+v: took %v, want %v", tt.load, st.Duration, tt.took)
			}
			if tt.load.Items > 0 && st.Sent != int64(tt.load.Items) {
				t.Errorf("%+v: sent %d", tt.load, st.Sent)
			}
		})
	}
}

// TestInterruptConserves stops runs of every model part way: what was
// not sent is dropped, and every count still adds up.
func TestInterruptConserves(t *testing.T) {
	loads := []Load{
		{Model: Closed, Concurrency: 2, Items: 50},
		{Model: Chunked, Concurrency: 4, Items: 50},
		{Model: Open, Rate: rateOf(20, time.Second), Duration: 5 * time.Second},
	}
	for _, l := range loads {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(time.Second, cancel)
			f := &fakeAPI{latency: 100 * time.Millisecond}
			st := runFakeCtx(t, ctx, f, Stage{Load: l})
			if l.Items > 0 && (st.Dropped == 0 || st.Sent == 0) {
				t.Errorf("%s: sent %d dropped %d, want both above zero",
					l.Model, st.Sent, st.Dropped)
			}
			// The open model intends only what fell due before the stop.
			if l.Model == Open && (st.Sent != 21 || st.Dropped != 0) {
				t.Errorf("open: sent %d dropped %d, want 21 and 0",
					st.Sent, st.Dropped)
			}
			if l.Items > 0 && st.Intended != int64(l.Items) {
				t.Errorf("%s: intended %d, want %d", l.Model, st.Intended,
					l.Items)
			}
		})
	}
}

// TestOfflineMaxAge: every action leaves the queue within the flush
// interval of its enqueue, even when no batch fills; sync at the end
// drains the rest; nothing is lost.
func TestOfflineMaxAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{latency: 10 * time.Millisecond}
		st := runFake(t, f, Stage{
			Load: Load{Model: Open, Rate: rateOf(10, time.Second),
				Duration: 3 * time.Second},
			Offline: &Offline{FlushInterval: time.Second, MaxQueueSize: 100,
				BatchSize: 50, Flushers: 2}})
		o := st.Offline
		if o.Accepted != 30 || o.Delivered != 30 || o.Lost != 0 {
			t.Fatalf("accepted %d delivered %d lost %d, want 30/30/0",
				o.Accepted, o.Delivered, o.Lost)
		}
		// Queued for at most 1 s, then up to ten sends of 10 ms ahead.
		if got := o.TimeToReceipt.Hist.Max(); got > 1_110_000 {
			t.Errorf("time to receipt max %d µs, want ≤ 1.11 s", got)
		}
		if got := o.Enqueue.Hist.Max(); got > 1 {
			t.Errorf("enqueue took %d µs, want 0", got)
		}
	})
}

// TestOfflineOverflow: a queue fed faster than it drains loses what the
// policy says, counts it, and keeps every account balanced.
func TestOfflineOverflow(t *testing.T) {
	for _, pol := range []OfflinePolicy{DropNewest, DropOldest, Block} {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeAPI{latency: 100 * time.Millisecond}
			st := runFake(t, f, Stage{
				Load: Load{Model: Closed, Concurrency: 1, Items: 100},
				Offline: &Offline{FlushInterval: time.Second,
					MaxQueueSize: 10, BatchSize: 5, Overflow: pol}})
			o := st.Offline
			lost := o.LostBy["overflow"]
			switch {
			case pol == Block && (lost != 0 || o.Delivered != 100):
				t.Errorf("%s: lost %d delivered %d, want 0 and 100", pol,
					lost, o.Delivered)
			case pol != Block && lost == 0:
				t.Errorf("%s: nothing lost to overflow", pol)
			}
			if pol == Block && o.Enqueue.Hist.Max() == 0 {
				t.Errorf("%s: a blocked caller's wait was not measured", pol)
			}
			if st.Dropped != lost {
				t.Errorf("%s: dropped %d, overflow %d", pol, st.Dropped, lost)
			}
		})
	}
}

// TestOfflineDeniedLate: denials come back after the caller moved on.
func TestOfflineDeniedLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{}
		f.answer = func(n int, _ *http.Request) (int, string, string) {
			if n%4 == 0 {
				return 403, "", `{"code":"POLICY_DENIED"}`
			}
			return 201, "", `{"action_uuid":"a","status":"authorized"}`
		}
		st := runFake(t, f, Stage{
			Load: Load{Model: Closed, Concurrency: 1, Items: 20},
			Offline: &Offline{FlushInterval: time.Second,
				MaxQueueSize: 100}})
		if st.Offline.DeniedLate != 5 || st.Outcomes[reports.Denied] != 5 {
			t.Errorf("denied late %d, denied %d; want 5 and 5",
				st.Offline.DeniedLate, st.Outcomes[reports.Denied])
		}
	})
}

func TestMixPicksByWeight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		paths := map[string]int{}
		f := &fakeAPI{}
		f.answer = func(_ int, r *http.Request) (int, string, string) {
			mu.Lock()
			paths[r.URL.Path]++
			mu.Unlock()
			return 200, "", `{"action_uuid":"a","status":"authorized"}`
		}
		runFake(t, f, Stage{Flow: FlowMix,
			Mix:  []MixEntry{{FlowAuthorize, 3}, {FlowHealth, 1}},
			Load: Load{Model: Closed, Concurrency: 4, Items: 4000}})
		a, h := paths["/api/v1/actions"], paths["/api/v1/health"]
		if a+h != 4000 || a < 2850 || a > 3150 {
			t.Errorf("authorize %d, health %d; want about 3000 and 1000",
				a, h)
		}
	})
}

func ExampleParseRate() {
	r, _ := ParseRate("60/1m")
	fmt.Println(r.PerSecond(), r)
	// Output: 1 60/m
}

// TestMaxRateGuard holds every request to the target's MaxRate, closed
// model included: a burst of one second's worth, then one request per
// interval, each wait counted as dispatch delay and in a run warning.
func TestMaxRateGuard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{}
		plan := Plan{Stages: []Stage{{Name: "s", Flow: FlowAuthorize,
			Body: DefaultBody,
			Load: Load{Model: Closed, Concurrency: 4, Items: 12}}}}
		run, err := Run(context.Background(), plan, Target{
			BaseURL: "http://fake", Transport: f,
			MaxRate: Rate{5, time.Second}}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		start := f.arrivals[0]
		for i, at := range f.arrivals {
			want := time.Duration(max(0, i-4)) * 200 * time.Millisecond
			if got := at.Sub(start); got != want {
				t.Errorf("request %d sent at +%v, want +%v", i+1, got, want)
			}
		}
		st := run.Stages[0]
		if got := st.Latency[reports.Dispatch].Hist.Max(); got < 1_390_000 {
			t.Errorf("dispatch delay max %d µs, want the 1.4 s wait", got)
		}
		if len(run.Warnings) != 1 ||
			!strings.Contains(run.Warnings[0], "held back 7 requests") {
			t.Errorf("warnings %q, want one saying 7 were held",
				run.Warnings)
		}
	})
}

// TestMintFlowInProcess: the mint flow signs receipts in-process and
// sends nothing.
func TestMintFlowInProcess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{}
		st := runFake(t, f, Stage{Flow: FlowMint,
			Load: Load{Model: Closed, Concurrency: 2, Items: 50}})
		if f.requests() != 0 {
			t.Errorf("the mint flow sent %d requests", f.requests())
		}
		if st.Outcomes[reports.OK] != 50 || len(st.Steps) != 1 ||
			st.Steps[0].Name != "mint" {
			t.Errorf("outcomes %v, steps %d; want 50 ok mints",
				st.Outcomes, len(st.Steps))
		}
	})
}

// TestDeniedInEitherEnvelope: a POLICY_DENIED is a denial whether the
// code comes flat, as the SDKs read it, or nested, as the docs show it.
func TestDeniedInEitherEnvelope(t *testing.T) {
	for _, body := range []string{`{"code":"POLICY_DENIED"}`,
		`{"error":{"code":"POLICY_DENIED"},"request_id":"r"}`} {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeAPI{}
			f.answer = func(int, *http.Request) (int, string, string) {
				return 403, "", body
			}
			st := runFake(t, f, Stage{
				Load: Load{Model: Closed, Concurrency: 1, Items: 3}})
			if st.Outcomes[reports.Denied] != 3 {
				t.Errorf("%s: outcomes %v, want 3 denied", body, st.Outcomes)
			}
		})
	}
}

// TestAbortStopsTheRun: once Abort answers, sending stops, in-flight
// requests finish, the rest is dropped, and the reason is a warning.
func TestAbortStopsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeAPI{latency: 10 * time.Millisecond}
		f.answer = func(n int, _ *http.Request) (int, string, string) {
			if n >= 30 {
				return 500, "", `{}`
			}
			return 201, "", `{"action_uuid":"a","status":"authorized"}`
		}
		plan := Plan{Stages: []Stage{{Name: "steady", Flow: FlowAuthorize,
			Body: DefaultBody, Load: Load{Model: Open,
				Rate:     Rate{20, 1010 * time.Millisecond},
				Duration: 10 * time.Second}}}}
		var asked int
		abort := func(r *reports.Run) string {
			asked++
			st := r.Stages[len(r.Stages)-1]
			if st.Outcomes[reports.ServerError] > 0 {
				return "server errors"
			}
			return ""
		}
		run, err := Run(context.Background(), plan, Target{
			BaseURL: "http://fake", Transport: f}, Options{Abort: abort})
		if err != nil {
			t.Fatal(err)
		}
		st := run.Stages[0]
		conserved(t, st)
		// Sends are 50.5 ms apart, so none falls on a check. Errors
		// start with the 31st send, at 1.515 s; the check at 2 s stops
		// the run, so 40 were sent.
		if !run.Interrupted || st.Sent != 40 || asked != 2 {
			t.Errorf("interrupted %v, sent %d, asked %d; want true, 40, 2",
				run.Interrupted, st.Sent, asked)
		}
		if len(run.Warnings) != 1 ||
			!strings.Contains(run.Warnings[0], "at 2.0 s of stage steady: "+
				"server errors") {
			t.Errorf("warnings %q", run.Warnings)
		}
	})
}

// TestStopWhileBehind: a schedule far beyond what the target answers
// still stops when told, with everything due and unsent dropped, and
// never holds more than DefaultMaxInFlight operations.
func TestStopWhileBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		f := &fakeAPI{latency: 400 * time.Millisecond}
		st := runFakeCtx(t, ctx, f, Stage{Load: Load{Model: Open,
			Rate: rateOf(100_000, time.Second), Duration: time.Hour}})
		// Slots free at 0.4 s and 0.8 s: three rounds of sends. Due
		// by the stop at 1 s: operations 0 to 100,000.
		if st.Sent != 3*DefaultMaxInFlight || st.Intended != 100_001 {
			t.Errorf("sent %d of %d intended; want %d of 100001", st.Sent,
				st.Intended, 3*DefaultMaxInFlight)
		}
	})
}
