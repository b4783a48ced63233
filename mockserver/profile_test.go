package mockserver

import (
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// TestProfileYAMLOverride decodes a scenario's mock: mapping on top of a
// shipped profile, strictly, as the scenario loader does.
func TestProfileYAMLOverride(t *testing.T) {
	p, err := Lookup("default")
	if err != nil {
		t.Fatal(err)
	}
	src := `
rate_limit: {limit: 600, window: 1s}
latency:
  authorize: {dist: fixed, value: 5ms}
  verify:
    dist: mixture
    parts:
      - {weight: 9, dist: fixed, value: 1ms}
      - {weight: 1, dist: pareto, scale: 10ms, alpha: 1.5, max: 2s}
policy: {deny: 0.2}
`
	err = yaml.UnmarshalWithOptions([]byte(src), &p,
		yaml.DisallowUnknownField())
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if p.RateLimit != (RateLimit{Algorithm: "sliding-log", Limit: 600,
		Window: time.Second}) {
		t.Errorf("rate_limit = %+v, want sliding-log 600/1s", p.RateLimit)
	}
	if p.Policy != (Policy{Deny: 0.2, Hold: 0.05}) {
		t.Errorf("policy = %+v, want deny 0.2 and the default hold", p.Policy)
	}
	if p.Latency.Notarize.Dist != "lognormal" {
		t.Errorf("notarize = %+v, want the default kept", p.Latency.Notarize)
	}
	if a := p.Latency.Authorize; a.Dist != "fixed" ||
		a.Value != 5*time.Millisecond {
		t.Errorf("authorize = %+v, want fixed 5ms", a)
	}
	parts := p.Latency.Verify.Parts
	if len(parts) != 2 || parts[1].Weight != 1 || parts[1].Alpha != 1.5 ||
		parts[1].Dist.Dist != "pareto" {
		t.Errorf("verify parts = %+v", parts)
	}
	if errs := p.Validate(); errs != nil {
		t.Errorf("Validate() = %v, want none", errs)
	}
}

func TestProfileYAMLUnknownField(t *testing.T) {
	var p Profile
	err := yaml.UnmarshalWithOptions([]byte("rate_limit: {limt: 5}"), &p,
		yaml.DisallowUnknownField())
	if err == nil || !strings.Contains(err.Error(), "limt") {
		t.Errorf("decode of a typo = %v, want an error naming limt", err)
	}
}

func TestValidateReportsAll(t *testing.T) {
	p := Profile{
		RateLimit: RateLimit{Algorithm: "leaky", Limit: 5},
		Latency: Latency{
			Authorize: Dist{Dist: "lognormal"},
			Verify:    Dist{Dist: "mixture"},
			Health:    Dist{Dist: "gamma"},
		},
		Policy:       Policy{Deny: 0.7, Hold: 0.6},
		MaxBodyBytes: -1,
	}
	want := []string{
		"rate_limit.algorithm", "rate_limit.window",
		"latency.authorize.median", "latency.verify.parts",
		"latency.health.dist", "policy", "max_body_bytes",
	}
	got := map[string]bool{}
	for _, e := range p.Validate() {
		got[e.Field] = true
	}
	for _, f := range want {
		if !got[f] {
			t.Errorf("Validate() lacks %s; got %v", f, p.Validate())
		}
	}
}

func TestShippedProfilesValid(t *testing.T) {
	for _, name := range ProfileNames() {
		p, err := Lookup(name)
		if err != nil {
			t.Fatalf("Lookup(%q): %v", name, err)
		}
		if errs := p.Validate(); errs != nil {
			t.Errorf("Lookup(%q).Validate() = %v", name, errs)
		}
	}
	if _, err := Lookup("nope"); err == nil {
		t.Error("Lookup(nope) succeeded")
	}
}
