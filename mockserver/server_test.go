package mockserver

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/airabench/airabench/receipt"
)

func startMock(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func unlimited(t *testing.T) Profile {
	t.Helper()
	p, err := Lookup("unlimited")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoopbackAuthorizeNotarizeVerify(t *testing.T) {
	s := startMock(t, Config{Profile: unlimited(t), Seed: 7})
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q, want loopback", s.URL)
	}
	key := s.SampleKey()
	auth := send(t, s.URL, "POST", "/api/v1/actions", key, authorizeBody)
	wantStatus(t, auth, http.StatusCreated, "authorize")
	id := auth.str("action_uuid")
	if id == "" || auth.str("action_id") != id ||
		auth.str("status") != "authorized" {
		t.Fatalf("authorize body %s", auth.raw)
	}
	path := "/api/v1/actions/" + id + "/notarize"
	note := send(t, s.URL, "POST", path, key,
		map[string]any{"outcome": "completed"})
	wantStatus(t, note, http.StatusOK, "notarize")
	if note.str("receipt_uuid") == "" ||
		note.str("receipt_id") != note.str("receipt_uuid") ||
		note.str("status") != "notarized" {
		t.Fatalf("notarize body %s", note.raw)
	}
	again := send(t, s.URL, "POST", path, key, nil)
	wantError(t, again, http.StatusConflict, "INVALID_STATE",
		"second notarize")
	checkVerify(t, s, id, note)
}

// checkVerify fetches the public verification of id and checks the
// receipt independently with the receipt package.
func checkVerify(t *testing.T, s *Server, id string, note reply) {
	t.Helper()
	v := send(t, s.URL, "GET", "/api/v1/verify/action/"+id, "", nil)
	wantStatus(t, v, http.StatusOK, "verify")
	if v.get("valid") != true || v.str("algorithm") != "Ed25519" {
		t.Fatalf("verify body %s", v.raw)
	}
	pub, err := base64.StdEncoding.DecodeString(v.str("public_key"))
	if err != nil || !ed25519.PublicKey(pub).Equal(s.PublicKey()) {
		t.Fatalf("public_key %q does not match PublicKey()",
			v.str("public_key"))
	}
	var raw struct {
		SignedPayload json.RawMessage `json:"signed_payload"`
	}
	if err := json.Unmarshal(v.raw, &raw); err != nil {
		t.Fatal(err)
	}
	err = receipt.Verify(pub, raw.SignedPayload, note.str("payload_hash"),
		note.str("signature"))
	if err != nil {
		t.Errorf("receipt.Verify of the notarized receipt: %v", err)
	}
	if got := v.str("signed_payload.receipt_version"); got != "1.2" {
		t.Errorf("receipt_version = %q, want 1.2", got)
	}
}

func TestLoopbackErrors(t *testing.T) {
	s := startMock(t, Config{Profile: unlimited(t), Keys: []string{"k1"}})
	tests := []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"no key", "POST", "/api/v1/actions", "", authorizeBody,
			401, "UNAUTHORIZED"},
		{"bad key", "POST", "/api/v1/actions", "nope", authorizeBody,
			401, "UNAUTHORIZED"},
		{"health bad key", "GET", "/api/v1/health", "nope", nil,
			401, "UNAUTHORIZED"},
		{"missing fields", "POST", "/api/v1/actions", "k1",
			map[string]any{"agent_id": "a"}, 422, "VALIDATION_ERROR"},
		{"wrong type", "POST", "/api/v1/actions", "k1",
			map[string]any{"action_type": 3, "details": "d"},
			422, "VALIDATION_ERROR"},
		{"malformed json", "POST", "/api/v1/actions", "k1", "{",
			400, "BAD_REQUEST"},
		{"unknown action", "POST", "/api/v1/actions/nope/notarize",
			"k1", nil, 404, "NOT_FOUND"},
		{"unknown route", "GET", "/api/v1/nothing", "", nil,
			404, "NOT_FOUND"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, s.URL, tt.method, tt.path, tt.key, tt.body)
			wantError(t, r, tt.status, tt.code, tt.name)
		})
	}
}

func TestValidationNamesFields(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	r := serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
		map[string]any{"agent_id": "a"})
	wantError(t, r, 422, "VALIDATION_ERROR", "missing fields")
	for _, f := range []string{"action_type", "details"} {
		if r.str("details.fields."+f) == "" {
			t.Errorf("details.fields lacks %s: %s", f, r.raw)
		}
	}
}

func TestHealthAndUnknownVerify(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	h := serve(t, s.Handler(), "GET", "/api/v1/health", "", nil)
	if h.status != 200 || h.str("status") != "ok" {
		t.Errorf("health = %d %s, want 200 status ok", h.status, h.raw)
	}
	v := serve(t, s.Handler(), "GET", "/api/v1/verify/action/nope", "",
		nil)
	if v.status != 200 || v.get("valid") != false ||
		v.str("public_key_id") != "unknown" ||
		v.str("message") != "Action receipt not found" ||
		v.get("receipt_uuid") != nil {
		t.Errorf("verify unknown = %d %s", v.status, v.raw)
	}
}

func TestPolicyOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		extra  map[string]any
		status int
		want   string
	}{
		{"deny all", Policy{Deny: 1}, nil, 403, "POLICY_DENIED"},
		{"hold all", Policy{Hold: 1}, nil, 201, "pending_approval"},
		{"forced hold", Policy{},
			map[string]any{"require_approval": true},
			201, "pending_approval"},
		{"authorize all", Policy{}, nil, 201, "authorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := unlimited(t)
			p.Policy = tt.policy
			s, _ := NewUnstarted(Config{Profile: p})
			body := map[string]any{"action_type": "t", "details": "d"}
			for k, v := range tt.extra {
				body[k] = v
			}
			r := serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
				body)
			wantStatus(t, r, tt.status, tt.name)
			got := r.str("status")
			if tt.status == 403 {
				got = r.str("code")
			}
			if got != tt.want {
				t.Errorf("got %q, want %q; body %s", got, tt.want, r.raw)
			}
		})
	}
}

func TestPolicyDeniedCarriesReceipt(t *testing.T) {
	p := unlimited(t)
	p.Policy.Deny = 1
	s, _ := NewUnstarted(Config{Profile: p})
	r := serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
		authorizeBody)
	wantError(t, r, 403, "POLICY_DENIED", "deny")
	for _, f := range []string{"action_uuid", "policy_uuid",
		"receipt_uuid"} {
		if r.str("details."+f) == "" {
			t.Errorf("details.%s missing: %s", f, r.raw)
		}
	}
	id := r.str("details.action_uuid")
	v := serve(t, s.Handler(), "GET", "/api/v1/verify/action/"+id, "",
		nil)
	if v.get("valid") != true {
		t.Errorf("denial receipt does not verify: %s", v.raw)
	}
	n := serve(t, s.Handler(), "POST", "/api/v1/actions/"+id+"/notarize",
		"k", nil)
	wantError(t, n, 409, "INVALID_STATE", "notarize denied")
}

func TestPendingCannotBeNotarized(t *testing.T) {
	p := unlimited(t)
	p.Policy.Hold = 1
	s, _ := NewUnstarted(Config{Profile: p})
	r := serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
		authorizeBody)
	id := r.str("action_uuid")
	n := serve(t, s.Handler(), "POST", "/api/v1/actions/"+id+"/notarize",
		"k", nil)
	wantError(t, n, 409, "INVALID_STATE", "notarize pending")
}

func TestSeedDecidesIDs(t *testing.T) {
	ids := func(seed int64) string {
		s, _ := NewUnstarted(Config{Profile: unlimited(t), Seed: seed})
		r := serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
			authorizeBody)
		return r.str("action_uuid") + r.str("request_id")
	}
	if a, b := ids(1), ids(1); a != b {
		t.Errorf("same seed gave %q and %q", a, b)
	}
	if a, b := ids(1), ids(2); a == b {
		t.Errorf("seeds 1 and 2 both gave %q", a)
	}
}

func TestInvalidProfileRejected(t *testing.T) {
	p := Profile{RateLimit: RateLimit{Limit: -1}}
	if _, err := New(Config{Profile: p}); err == nil ||
		!strings.Contains(err.Error(), "rate_limit.limit") {
		t.Errorf("New with limit -1: %v, want rate_limit.limit error", err)
	}
}
