package mockserver

import (
	"slices"
	"testing"
)

// TestErrorEnvelope checks each envelope's keys on a 401 and a 422, and
// that the request id is in every one.
func TestErrorEnvelope(t *testing.T) {
	tests := []struct {
		envelope string
		keys     []string
	}{
		{"", []string{"code", "details", "error", "message", "request_id"}},
		{EnvelopeHybrid, []string{"code", "details", "error", "message",
			"request_id"}},
		{EnvelopeFlat, []string{"code", "details", "message", "request_id"}},
		{EnvelopeNested, []string{"error", "request_id"}},
	}
	for _, tt := range tests {
		p := unlimited(t)
		p.ErrorEnvelope = tt.envelope
		s, err := NewUnstarted(Config{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []reply{
			serve(t, s.Handler(), "POST", "/api/v1/actions", "",
				map[string]any{"action_type": "t", "details": "d"}),
			serve(t, s.Handler(), "POST", "/api/v1/actions", s.SampleKey(),
				map[string]any{"details": "d"}),
		} {
			var keys []string
			for k := range r.body {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, tt.keys) {
				t.Errorf("envelope %q, status %d: keys %v, want %v",
					tt.envelope, r.status, keys, tt.keys)
			}
			code := r.str("code")
			if tt.envelope == EnvelopeNested {
				code = r.str("error.code")
			}
			if code == "" || r.str("request_id") == "" {
				t.Errorf("envelope %q: body %s lacks a code or request id",
					tt.envelope, r.raw)
			}
		}
	}
	p := unlimited(t)
	p.ErrorEnvelope = "xml"
	if errs := p.Validate(); len(errs) != 1 ||
		errs[0].Field != "error_envelope" {
		t.Errorf("Validate of envelope xml = %v, want one error_envelope "+
			"error", errs)
	}
}
