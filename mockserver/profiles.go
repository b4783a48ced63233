package mockserver

import (
	"fmt"
	"slices"
	"time"
)

// profiles builds each shipped profile afresh, so callers may change
// what Lookup returns.
var profiles = map[string]func() Profile{
	"default":         defaultProfile,
	"unlimited":       unlimitedProfile,
	"reference-4vcpu": reference4vCPUProfile,
}

// Lookup returns the shipped profile called name:
//
//   - "default": Aira's documented limits (60 requests a minute per key
//     and 30 a minute per client IP, sliding window), same-datacenter
//     latency (authorize about 15 ms at the median), 10% of actions
//     denied and 5% held, universal receipts.
//   - "unlimited": no limits, no delay, every action authorized; for
//     measuring the harness itself.
//   - "reference-4vcpu": the capacity of the single 4-vCPU instance of
//     Aira's batch-processing guide: 4 workers whose service times
//     saturate authorize near 200 requests a second and verification
//     near 100; no rate limits, no added latency, the default policy.
//
// The returned Profile is the caller's own copy.
func Lookup(name string) (Profile, error) {
	build, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("mockserver: unknown profile %q, "+
			"want one of %v", name, ProfileNames())
	}
	return build(), nil
}

// ProfileNames returns the names Lookup accepts, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func lognormal(median time.Duration, sigma float64) Dist {
	return Dist{Dist: "lognormal", Median: median, Sigma: sigma}
}

func defaultProfile() Profile {
	ms := time.Millisecond
	return Profile{
		RateLimit: RateLimit{
			Algorithm: "sliding-log", Limit: 60, Window: time.Minute,
		},
		PublicRateLimit: RateLimit{
			Algorithm: "sliding-log", Limit: 30, Window: time.Minute,
		},
		Latency: Latency{
			Authorize:   lognormal(15*ms, 0.5),
			Notarize:    lognormal(20*ms, 0.5),
			Verify:      lognormal(10*ms, 0.4),
			Health:      lognormal(5*ms, 0.3),
			GetAction:   lognormal(8*ms, 0.4),
			ListActions: lognormal(12*ms, 0.4),
			GetReceipt:  lognormal(8*ms, 0.4),
			Approve:     lognormal(15*ms, 0.5),
			Deny:        lognormal(15*ms, 0.5),
			Keys:        lognormal(3*ms, 0.3),
		},
		Policy:      Policy{Deny: 0.10, Hold: 0.05},
		Receipts:    Receipts{Universal: true},
		Idempotency: Idempotency{Scope: "key", TTL: 24 * time.Hour},
	}
}

func unlimitedProfile() Profile {
	return Profile{Receipts: Receipts{Universal: true}}
}

func uniform(lo, hi time.Duration) Dist {
	return Dist{Dist: "uniform", Min: lo, Max: hi}
}

// reference4vCPUProfile sets service times whose means are 4 workers
// divided by the published throughputs: 20 ms for authorize (200/s) and
// 40 ms for verify (100/s).
func reference4vCPUProfile() Profile {
	ms := time.Millisecond
	p := defaultProfile()
	p.RateLimit, p.PublicRateLimit = RateLimit{}, RateLimit{}
	p.Latency = Latency{}
	p.Capacity = Capacity{Workers: 4, ServiceTime: Latency{
		Authorize:   uniform(15*ms, 25*ms),
		Notarize:    uniform(20*ms, 30*ms),
		Verify:      uniform(30*ms, 50*ms),
		Health:      uniform(500*time.Microsecond, 1500*time.Microsecond),
		GetAction:   uniform(3*ms, 7*ms),
		ListActions: uniform(8*ms, 12*ms),
		GetReceipt:  uniform(3*ms, 7*ms),
		Approve:     uniform(15*ms, 25*ms),
		Deny:        uniform(15*ms, 25*ms),
		Keys:        uniform(300*time.Microsecond, 700*time.Microsecond),
	}}
	return p
}
