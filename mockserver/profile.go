package mockserver

import (
	"fmt"
	"math"
	"time"
)

// Profile is the whole behaviour of the mock: limits, latency, policy
// outcomes and receipt settings. It is a plain struct tree with a
// snake_case yaml tag on every field, so a scenario file can decode a
// partial mapping on top of a profile from Lookup to override fields.
// The zero Profile is valid: no limits, no delay, every action authorized
// and no failed or denied receipts.
type Profile struct {
	// RateLimit limits requests per API key.
	RateLimit RateLimit `yaml:"rate_limit" json:"rate_limit"`
	// ExtraRateLimits are further rules per API key, stacked on
	// RateLimit: a request must pass them all, such as 10 per second and
	// 600 per minute, or a concurrency cap.
	ExtraRateLimits []RateLimit `yaml:"extra_rate_limits" json:"extra_rate_limits"`
	// PublicRateLimit limits requests that carry no valid key, per
	// client IP.
	PublicRateLimit RateLimit `yaml:"public_rate_limit" json:"public_rate_limit"`
	// Throttle shapes rate-limit answers, correctly by default or in
	// the ways real servers get them wrong.
	Throttle Throttle `yaml:"throttle" json:"throttle"`
	// Latency is the simulated service time of each endpoint.
	Latency Latency `yaml:"latency" json:"latency"`
	// Capacity bounds how many requests are served at once.
	Capacity Capacity `yaml:"capacity" json:"capacity"`
	// Policy sets how often authorize denies or holds an action.
	Policy Policy `yaml:"policy" json:"policy"`
	// Faults inject failures; the first that fires wins.
	Faults []Fault `yaml:"faults" json:"faults"`
	// Receipts sets which outcomes get a signed receipt.
	Receipts Receipts `yaml:"receipts" json:"receipts"`
	// Idempotency sets the scope and lifetime of idempotency keys.
	Idempotency Idempotency `yaml:"idempotency" json:"idempotency"`
	// MaxDetailsChars bounds the details field of authorize, counted
	// in code points; zero means no bound beyond MaxBodyBytes.
	MaxDetailsChars int `yaml:"max_details_chars" json:"max_details_chars"`
	// MaxBodyBytes bounds a request body; a larger one gets 413.
	// Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes"`
	// ErrorEnvelope shapes error bodies: "hybrid" (the default, "")
	// carries the flat code/message/details the SDKs read and the nested
	// "error" object the docs show; "flat" only the former, as the SDKs'
	// tests show; "nested" only the latter, as the docs show, which the
	// SDKs read as code UNKNOWN.
	ErrorEnvelope string `yaml:"error_envelope" json:"error_envelope"`
}

// DefaultMaxBodyBytes is the body limit when Profile.MaxBodyBytes is
// zero: room for a details string of 50,014 characters even when every
// character arrives as a 12-byte surrogate-pair escape.
const DefaultMaxBodyBytes = 1 << 20

// RateLimit is one rate-limit rule. A Limit of zero turns it off.
type RateLimit struct {
	// Algorithm names the limiter:
	//
	//   - "sliding-log" (also ""): exact; admits a request when fewer
	//     than Limit were admitted in the trailing Window.
	//   - "sliding-window": the sliding-window counter, which weights
	//     the previous aligned window's count by how much of it still
	//     overlaps the trailing window.
	//   - "fixed-window": Limit per aligned Window.
	//   - "token-bucket": golang.org/x/time/rate, refilling Limit tokens
	//     per Window into a bucket of Burst.
	//   - "gcra": the generic cell rate algorithm, one request per
	//     Window/Limit with Burst requests of tolerance.
	//   - "concurrency": at most Limit requests in flight; Window is
	//     not used and Retry-After is always 1.
	Algorithm string `yaml:"algorithm" json:"algorithm"`
	// Limit is how many requests Window admits.
	Limit int `yaml:"limit" json:"limit"`
	// Window is the length of the window, such as 1m.
	Window time.Duration `yaml:"window" json:"window"`
	// Burst is the bucket size of "token-bucket" and "gcra"; zero means
	// Limit.
	Burst int `yaml:"burst" json:"burst"`
}

// Latency holds one delay distribution per endpoint. A zero Dist adds
// no delay.
type Latency struct {
	Authorize   Dist `yaml:"authorize" json:"authorize"`
	Notarize    Dist `yaml:"notarize" json:"notarize"`
	Verify      Dist `yaml:"verify" json:"verify"`
	Health      Dist `yaml:"health" json:"health"`
	GetAction   Dist `yaml:"get_action" json:"get_action"`
	ListActions Dist `yaml:"list_actions" json:"list_actions"`
	GetReceipt  Dist `yaml:"get_receipt" json:"get_receipt"`
	Approve     Dist `yaml:"approve" json:"approve"`
	Deny        Dist `yaml:"deny" json:"deny"`
	Keys        Dist `yaml:"keys" json:"keys"`
}

// Policy sets the share of authorize requests that the simulated policy
// engine denies (403 POLICY_DENIED) or holds (pending_approval). The rest
// are authorized. Both are probabilities in [0, 1] whose sum is at most 1.
type Policy struct {
	Deny float64 `yaml:"deny" json:"deny"`
	Hold float64 `yaml:"hold" json:"hold"`
}

// Receipts sets receipt minting.
type Receipts struct {
	// Universal mints receipts for failed outcomes, policy denials and
	// human denials too, as Aira's v3 "universal receipts" do. Without
	// it only notarized actions get one.
	Universal bool `yaml:"universal" json:"universal"`
	// KeyID is the public_key_id reported by verify and the JWKS "kid".
	// Empty means "aira-signing-key-v1".
	KeyID string `yaml:"key_id" json:"key_id"`
}

// FieldError is one problem found by Profile.Validate.
type FieldError struct {
	// Field is the YAML path of the field, such as "rate_limit.limit".
	Field string
	// Msg says what is wrong and what is allowed.
	Msg string
}

// Error returns "field: msg".
func (e FieldError) Error() string { return e.Field + ": " + e.Msg }

// Validate returns every problem of p at once, or nil when p is usable.
// Fields that the chosen algorithm or distribution does not read are not
// checked, so an override may switch kinds without clearing them.
func (p Profile) Validate() []FieldError {
	var v validator
	v.rateLimit("rate_limit", p.RateLimit)
	for i, r := range p.ExtraRateLimits {
		v.rateLimit(fmt.Sprintf("extra_rate_limits[%d]", i), r)
	}
	v.rateLimit("public_rate_limit", p.PublicRateLimit)
	for name, d := range p.Latency.all() {
		v.dist("latency."+name, d)
	}
	v.throttle(p.Throttle)
	v.capacity(p.Capacity)
	v.faults(p.Faults, p.Latency.all())
	v.policy(p.Policy)
	switch p.ErrorEnvelope {
	case "", EnvelopeHybrid, EnvelopeFlat, EnvelopeNested:
	default:
		v.add("error_envelope", "unknown envelope %q, want hybrid, flat "+
			"or nested", p.ErrorEnvelope)
	}
	v.idempotency(p.Idempotency)
	if p.MaxDetailsChars < 0 {
		v.add("max_details_chars", "must be >= 0, got %d",
			p.MaxDetailsChars)
	}
	if p.MaxBodyBytes < 0 {
		v.add("max_body_bytes", "must be >= 0, got %d", p.MaxBodyBytes)
	}
	return v.errs
}

type validator struct{ errs []FieldError }

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{field, fmt.Sprintf(format, args...)})
}

func (v *validator) rateLimit(path string, r RateLimit) {
	if !knownAlgorithm(r.Algorithm) {
		v.add(path+".algorithm", "unknown algorithm %q, want one of %v",
			r.Algorithm, algorithmNames())
	}
	if r.Limit < 0 {
		v.add(path+".limit", "must be >= 0, got %d", r.Limit)
	}
	if r.Burst < 0 {
		v.add(path+".burst", "must be >= 0, got %d", r.Burst)
	}
	if r.Algorithm == algSlidingWindow && r.Window > 0 &&
		int64(r.Limit) > math.MaxInt64/4/int64(r.Window) {
		v.add(path+".limit", "limit * window is too large for the "+
			"sliding-window counter")
	}
	if r.Limit > 0 && r.Window <= 0 && r.Algorithm != algConcurrency {
		v.add(path+".window", "must be > 0 when limit is set, got %v",
			r.Window)
	}
}

func (v *validator) policy(p Policy) {
	if p.Deny < 0 || p.Deny > 1 {
		v.add("policy.deny", "must be in [0, 1], got %g", p.Deny)
	}
	if p.Hold < 0 || p.Hold > 1 {
		v.add("policy.hold", "must be in [0, 1], got %g", p.Hold)
	}
	if p.Deny+p.Hold > 1 {
		v.add("policy", "deny + hold must be <= 1, got %g",
			p.Deny+p.Hold)
	}
}

// all returns the distributions by their YAML names.
func (l *Latency) all() map[string]Dist {
	return map[string]Dist{
		"authorize": l.Authorize, "notarize": l.Notarize,
		"verify": l.Verify, "health": l.Health,
		"get_action": l.GetAction, "list_actions": l.ListActions,
		"get_receipt": l.GetReceipt, "approve": l.Approve,
		"deny": l.Deny, "keys": l.Keys,
	}
}

func (v *validator) idempotency(i Idempotency) {
	if i.Scope != "" && i.Scope != "key" && i.Scope != "global" {
		v.add("idempotency.scope", `must be "key" or "global", got %q`,
			i.Scope)
	}
	if i.TTL < 0 {
		v.add("idempotency.ttl", "must be >= 0, got %v", i.TTL)
	}
}

func (v *validator) capacity(c Capacity) {
	if c.Workers < 0 {
		v.add("capacity.workers", "must be >= 0, got %d", c.Workers)
	}
	if c.MaxQueue < 0 {
		v.add("capacity.max_queue", "must be >= 0, got %d", c.MaxQueue)
	}
	for name, d := range c.ServiceTime.all() {
		v.dist("capacity.service_time."+name, d)
	}
}
