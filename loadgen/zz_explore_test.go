package loadgen_test

import (
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
)

func TestExplorePolicies(t *testing.T) {
	pols := map[string]loadgen.RetryPolicy{
		"ra":      honouring,
		"exp100":  {MaxRetries: 10, Base: 100 * time.Millisecond, Factor: 2, Jitter: loadgen.FullJitter},
		"exp50ra": {MaxRetries: 10, Base: 50 * time.Millisecond, Factor: 2, Jitter: loadgen.FullJitter, RetryAfter: true},
	}
	for name, pol := range pols {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			old := honouring
			_ = old
			ks := testKeys(1)
			srv, settle := sweepMock(t, limitedProfile(), ks)
			p := authorizePlan()
			p.Stages[0].Retry = pol
			res, err := loadgen.Sweep(t.Context(), p, 0,
				loadgen.Target{BaseURL: srv.URL, APIKey: ks[0]},
				loadgen.SweepOptions{Levels: []int{4, 5, 6, 8, 16}, Duration: 4 * time.Second, NoSkip: true, Settle: settle})
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range res.Summaries() {
				t.Logf("%s c=%-3d goodput %6.1f throttled %5.1f%% retries/op %.2f p50 %6.1f p99 %7.1f in-flight %5.1f ms wait %.1f",
					name, l.Concurrency, l.Goodput, 100*l.ThrottledShare, l.RetriesPerOp, l.P50, l.P99, l.InFlightTime(), l.RetryWait)
			}
		})
	}
}
