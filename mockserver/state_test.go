package mockserver

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airabench/airabench/receipt"
)

// heldAction authorizes an action that policy holds and returns its id.
func heldAction(t *testing.T, h http.Handler) string {
	t.Helper()
	body := map[string]any{"action_type": "t", "details": "d",
		"require_approval": true}
	r := serve(t, h, "POST", "/api/v1/actions", "k", body)
	wantStatus(t, r, 201, "authorize held")
	return r.str("action_uuid")
}

func TestApprovalFlow(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	h := s.Handler()
	id := heldAction(t, h)
	base := "/api/v1/actions/" + id
	r := serve(t, h, "POST", base+"/approve", "k",
		map[string]any{"approver_email": "a@example.com"})
	wantStatus(t, r, 200, "approve")
	if r.str("status") != "approved" {
		t.Fatalf("approve status %q, want approved", r.str("status"))
	}
	r = serve(t, h, "POST", base+"/approve", "k", nil)
	wantError(t, r, 409, "INVALID_STATE", "approve twice")
	r = serve(t, h, "POST", base+"/notarize", "k",
		map[string]any{"outcome": "completed"})
	wantStatus(t, r, 200, "notarize approved")
	r = serve(t, h, "GET", base, "k", nil)
	auths, _ := r.get("authorizations").([]any)
	if r.str("status") != "notarized" || r.str("receipt.receipt_uuid") == "" ||
		len(auths) != 1 {
		t.Errorf("GET action after approval: %s", r.raw)
	}
	v := serve(t, h, "GET", "/api/v1/verify/action/"+id, "", nil)
	if v.str("signed_payload.authorization_ref."+
		"approval_authorization_uuid") == "" {
		t.Errorf("receipt lacks the approval reference: %s", v.raw)
	}
}

func TestHumanDenial(t *testing.T) {
	for _, universal := range []bool{true, false} {
		p := unlimited(t)
		p.Receipts.Universal = universal
		s, _ := NewUnstarted(Config{Profile: p})
		h := s.Handler()
		id := heldAction(t, h)
		r := serve(t, h, "POST", "/api/v1/actions/"+id+"/deny", "k", nil)
		wantStatus(t, r, 200, "deny")
		if r.str("status") != "denied_by_human" {
			t.Errorf("deny status %q", r.str("status"))
		}
		if hasReceipt := r.get("receipt") != nil; hasReceipt != universal {
			t.Errorf("universal %v: receipt present %v", universal,
				hasReceipt)
		}
		r = serve(t, h, "POST", "/api/v1/actions/"+id+"/notarize", "k",
			nil)
		wantError(t, r, 409, "INVALID_STATE", "notarize denied_by_human")
	}
}

func TestFailedOutcomeReceipt(t *testing.T) {
	for _, universal := range []bool{true, false} {
		p := unlimited(t)
		p.Receipts.Universal = universal
		s, _ := NewUnstarted(Config{Profile: p})
		h := s.Handler()
		a := serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
		r := serve(t, h, "POST", "/api/v1/actions/"+
			a.str("action_uuid")+"/notarize", "k",
			map[string]any{"outcome": "failed", "outcome_details": "x"})
		wantStatus(t, r, 200, "notarize failed")
		if r.str("status") != "failed" ||
			(r.get("receipt_uuid") != nil) != universal {
			t.Errorf("universal %v: %s", universal, r.raw)
		}
	}
}

func TestOtherKeysActionsAreHidden(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	h := s.Handler()
	a := serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
	path := "/api/v1/actions/" + a.str("action_uuid")
	wantError(t, serve(t, h, "GET", path, "other", nil), 404,
		"NOT_FOUND", "GET from another key")
	wantError(t, serve(t, h, "POST", path+"/notarize", "other", nil),
		404, "NOT_FOUND", "notarize from another key")
}

func TestListActions(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	h := s.Handler()
	for i := range 5 {
		body := map[string]any{"action_type": "a", "details": "d"}
		if i%2 == 1 {
			body["action_type"] = "b"
		}
		serve(t, h, "POST", "/api/v1/actions", "k", body)
	}
	tests := []struct {
		query        string
		total, count int
		more         bool
	}{
		{"", 5, 5, false},
		{"?per_page=2", 5, 2, true},
		{"?per_page=2&page=3", 5, 1, false},
		{"?action_type=b", 2, 2, false},
		{"?status=notarized", 0, 0, false},
	}
	for _, tt := range tests {
		r := serve(t, h, "GET", "/api/v1/actions"+tt.query, "k", nil)
		data, _ := r.get("data").([]any)
		if r.get("pagination.total") != float64(tt.total) ||
			len(data) != tt.count ||
			r.get("pagination.has_more") != tt.more {
			t.Errorf("list%s: total %v, %d items, has_more %v; want "+
				"%d, %d, %v", tt.query, r.get("pagination.total"),
				len(data), r.get("pagination.has_more"), tt.total,
				tt.count, tt.more)
		}
	}
	wantError(t, serve(t, h, "GET", "/api/v1/actions?page=0", "k", nil),
		422, "VALIDATION_ERROR", "page 0")
}

func TestGetReceiptVerifies(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	h := s.Handler()
	a := serve(t, h, "POST", "/api/v1/actions", "k", authorizeBody)
	n := serve(t, h, "POST", "/api/v1/actions/"+a.str("action_uuid")+
		"/notarize", "k", nil)
	r := serve(t, h, "GET", "/api/v1/receipts/"+n.str("receipt_uuid"),
		"k", nil)
	wantStatus(t, r, 200, "get receipt")
	var body struct {
		SignedPayload json.RawMessage `json:"signed_payload"`
	}
	if err := json.Unmarshal(r.raw, &body); err != nil {
		t.Fatal(err)
	}
	err := receipt.Verify(s.PublicKey(), body.SignedPayload,
		r.str("payload_hash"), r.str("signature"))
	if err != nil {
		t.Errorf("receipt.Verify: %v", err)
	}
	wantError(t, serve(t, h, "GET", "/api/v1/receipts/nope", "k", nil),
		404, "NOT_FOUND", "unknown receipt")
}

func TestKeyEndpoints(t *testing.T) {
	s, _ := NewUnstarted(Config{Profile: unlimited(t)})
	for _, path := range []string{"/.well-known/jwks.json",
		"/.well-known/keys", "/api/v1/.well-known/jwks.json",
		"/api/v1/.well-known/keys"} {
		r := serve(t, s.Handler(), "GET", path, "", nil)
		keys, _ := r.get("keys").([]any)
		if r.status != 200 || len(keys) != 1 {
			t.Errorf("GET %s = %d %s", path, r.status, r.raw)
		}
	}
}

func TestIdempotency(t *testing.T) {
	clk := newFakeClock()
	p := unlimited(t)
	p.Idempotency = Idempotency{TTL: time.Hour}
	s, _ := NewUnstarted(Config{Profile: p, Now: clk.Now})
	h := s.Handler()
	body := map[string]any{"action_type": "t", "details": "d",
		"idempotency_key": "idem-1"}
	first := serve(t, h, "POST", "/api/v1/actions", "k", body)
	wantStatus(t, first, 201, "first use")
	r := serve(t, h, "POST", "/api/v1/actions", "k", body)
	wantError(t, r, 409, "DUPLICATE_REQUEST", "reuse")
	if r.str("details.action_uuid") != first.str("action_uuid") {
		t.Errorf("details.action_uuid %q, want %q",
			r.str("details.action_uuid"), first.str("action_uuid"))
	}
	wantStatus(t, serve(t, h, "POST", "/api/v1/actions", "other", body),
		201, "same key, other API key, scope key")
	clk.Advance(time.Hour)
	wantStatus(t, serve(t, h, "POST", "/api/v1/actions", "k", body),
		201, "reuse after the TTL")
}

func TestIdempotencyGlobalScope(t *testing.T) {
	p := unlimited(t)
	p.Idempotency.Scope = "global"
	s, _ := NewUnstarted(Config{Profile: p})
	body := map[string]any{"action_type": "t", "details": "d",
		"idempotency_key": "idem-1"}
	serve(t, s.Handler(), "POST", "/api/v1/actions", "a", body)
	r := serve(t, s.Handler(), "POST", "/api/v1/actions", "b", body)
	wantError(t, r, 409, "DUPLICATE_REQUEST", "global reuse")
}

func TestBodyLimits(t *testing.T) {
	p := unlimited(t)
	s, _ := NewUnstarted(Config{Profile: p})
	long := strings.Repeat("é", 50000) + "...[truncated]"
	r := serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
		map[string]any{"action_type": "t", "details": long})
	wantStatus(t, r, 201, "details of 50,014 characters")

	p.MaxDetailsChars = 50014
	p.MaxBodyBytes = 200000
	s, _ = NewUnstarted(Config{Profile: p})
	r = serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
		map[string]any{"action_type": "t", "details": long + "x"})
	wantError(t, r, 422, "VALIDATION_ERROR", "details too long")
	r = serve(t, s.Handler(), "POST", "/api/v1/actions", "k",
		map[string]any{"action_type": "t",
			"details": strings.Repeat("x", 200001)})
	wantError(t, r, 413, "PAYLOAD_TOO_LARGE", "body too large")
}

func TestLoadOrCreateKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	k1, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if !k1.Equal(k2) {
		t.Fatal("the loaded key differs from the created one")
	}
	s, _ := NewUnstarted(Config{Profile: unlimited(t), SigningKey: k1})
	if !s.PublicKey().Equal(k1.Public()) {
		t.Error("the server does not sign with Config.SigningKey")
	}
}
