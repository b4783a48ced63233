package loadgen_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
)

// serverSide matches the goroutines of a running http.Server: they
// belong to the mock until it is closed.
var serverSide = []goleak.Option{
	goleak.IgnoreAnyFunction("net/http.(*Server).Serve"),
	goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
}

// TestNoGoroutineOutlivesRun runs each load model, whole and
// interrupted, against a mock that stalls some requests until the
// client gives up. Once Run returns, no goroutine of the client may be
// left; once the mock is closed, none of the mock's.
func TestNoGoroutineOutlivesRun(t *testing.T) {
	rate := loadgen.Rate{Freq: 200, Per: time.Second}
	offline := &loadgen.Offline{FlushInterval: 20 * time.Millisecond,
		MaxQueueSize: 1000, BatchSize: 10, Flushers: 3}
	tests := []struct {
		name      string
		load      loadgen.Load
		offline   *loadgen.Offline
		interrupt bool
	}{
		{name: "closed", load: loadgen.Load{Model: loadgen.Closed,
			Concurrency: 4, Items: 40}},
		{name: "open", load: loadgen.Load{Model: loadgen.Open, Rate: rate,
			Duration: 200 * time.Millisecond}},
		{name: "offline", load: loadgen.Load{Model: loadgen.Open, Rate: rate,
			Duration: 200 * time.Millisecond}, offline: offline},
		{name: "closed-interrupted", load: loadgen.Load{
			Model: loadgen.Closed, Concurrency: 4, Duration: time.Hour},
			interrupt: true},
		{name: "open-interrupted", load: loadgen.Load{Model: loadgen.Open,
			Rate: rate, Duration: time.Hour}, interrupt: true},
		{name: "offline-interrupted", load: loadgen.Load{
			Model: loadgen.Open, Rate: rate, Duration: time.Hour},
			offline: offline, interrupt: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			p, _ := mockserver.Lookup("unlimited")
			// Every seventh request stalls until the client's timeout,
			// or the grace period, ends it.
			p.Faults = []mockserver.Fault{{Kind: mockserver.FaultStall,
				Every: 7}}
			mock, err := mockserver.New(mockserver.Config{Profile: p})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.interrupt {
				// Any moment will do; what is in flight then must
				// end within the grace period.
				stop := time.AfterFunc(150*time.Millisecond, cancel)
				defer stop.Stop()
			}
			plan := loadgen.Plan{Timeout: 100 * time.Millisecond,
				Stages: []loadgen.Stage{{Name: tt.name,
					Flow: loadgen.FlowAuthorize, Load: tt.load,
					Body: loadgen.DefaultBody, Offline: tt.offline}}}
			if tt.interrupt {
				plan.Timeout = time.Hour // only the grace ends a stall
			}
			run, err := loadgen.Run(ctx, plan, loadgen.Target{
				BaseURL: mock.URL, APIKey: mock.SampleKey()},
				loadgen.Options{Grace: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			checkConservation(t, run.Stages[0])
			checkOffline(t, run.Stages[0], tt.interrupt)
			if run.Interrupted != tt.interrupt {
				t.Errorf("interrupted = %v, want %v", run.Interrupted,
					tt.interrupt)
			}
			goleak.VerifyNone(t, append(serverSide, before)...)

			if err := mock.Close(); err != nil {
				t.Errorf("mock.Close: %v", err)
			}
			goleak.VerifyNone(t, before)
		})
	}
}
