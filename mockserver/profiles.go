package mockserver

import (
	"fmt"
	"slices"
	"time"
)

// profiles builds each shipped profile afresh, so callers may change
// what Lookup returns.
var profiles = map[string]func() Profile{
	"default":   defaultProfile,
	"unlimited": unlimitedProfile,
}

// Lookup returns the shipped profile called name:
//
//   - "default": Aira's documented limits (60 requests a minute per key
//     and 30 a minute per client IP, sliding window), same-datacenter
//     latency (authorize about 15 ms at the median), 10% of actions
//     denied and 5% held, universal receipts.
//   - "unlimited": no limits, no delay, every action authorized; for
//     measuring the harness itself.
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
		Policy:   Policy{Deny: 0.10, Hold: 0.05},
		Receipts: Receipts{Universal: true},
	}
}

func unlimitedProfile() Profile {
	return Profile{Receipts: Receipts{Universal: true}}
}
