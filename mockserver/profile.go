package mockserver

import (
	"fmt"
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
	// PublicRateLimit limits requests that carry no valid key, per
	// client IP.
	PublicRateLimit RateLimit `yaml:"public_rate_limit" json:"public_rate_limit"`
	// Latency is the simulated service time of each endpoint.
	Latency Latency `yaml:"latency" json:"latency"`
	// Policy sets how often authorize denies or holds an action.
	Policy Policy `yaml:"policy" json:"policy"`
	// Receipts sets which outcomes get a signed receipt.
	Receipts Receipts `yaml:"receipts" json:"receipts"`
	// MaxBodyBytes bounds a request body; a larger one gets 413.
	// Zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64 `yaml:"max_body_bytes" json:"max_body_bytes"`
}

// DefaultMaxBodyBytes is the body limit when Profile.MaxBodyBytes is
// zero: room for a details string of 50,014 characters even when every
// character arrives as a 12-byte surrogate-pair escape.
const DefaultMaxBodyBytes = 1 << 20

// RateLimit is one rate-limit rule. A Limit of zero turns it off.
type RateLimit struct {
	// Algorithm names the limiter; "" means "sliding-log", an exact log
	// of the admitted requests of the last Window.
	Algorithm string `yaml:"algorithm" json:"algorithm"`
	// Limit is how many requests Window admits.
	Limit int `yaml:"limit" json:"limit"`
	// Window is the length of the trailing window, such as 1m.
	Window time.Duration `yaml:"window" json:"window"`
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
	v.rateLimit("public_rate_limit", p.PublicRateLimit)
	for name, d := range p.Latency.all() {
		v.dist("latency."+name, d)
	}
	v.policy(p.Policy)
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
	if r.Limit > 0 && r.Window <= 0 {
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
