package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gorilla/mux"
)

// authorizeResponse is the Authorization of aira-api.md §2.3.
type authorizeResponse struct {
	ActionUUID string   `json:"action_uuid"`
	ActionID   string   `json:"action_id"`
	Status     string   `json:"status"`
	CreatedAt  string   `json:"created_at"`
	RequestID  string   `json:"request_id"`
	Warnings   []string `json:"warnings"`
}

func authorize(s *Server, c *call) result {
	var req authorizeRequest
	if res, ok := readBody(c, &req, false); !ok {
		return res
	}
	if fields := req.validate(c.prof.MaxDetailsChars); len(fields) > 0 {
		return validation(fields)
	}
	id := c.p.uuid()
	if res, dup := s.duplicate(c, &req, id); dup {
		return res
	}
	a := &action{
		uuid: id, org: c.p.org, actionType: *req.ActionType,
		detailsHash: sha256Hex(*req.Details), createdAt: c.now,
		policyEval: c.p.uuid(), req: req, requestID: c.reqID,
		status: s.decide(c, &req),
	}
	req.Details = nil // the store keeps only the hash
	s.store.add(a)
	if a.status == statusDenied {
		return s.denyByPolicy(c, a)
	}
	var warnings []string
	if req.InstructionHash == "" {
		warnings = []string{instructionHashWarned}
	}
	return result{http.StatusCreated, &authorizeResponse{
		ActionUUID: a.uuid, ActionID: a.uuid, Status: a.status,
		CreatedAt: stamp(a.createdAt), RequestID: c.reqID,
		Warnings: warnings,
	}}
}

// validate returns the problems of the request by field name.
func (r *authorizeRequest) validate(maxDetails int) map[string]string {
	fields := map[string]string{}
	switch {
	case r.ActionType == nil:
		fields["action_type"] = "field required"
	case *r.ActionType == "":
		fields["action_type"] = "must not be empty"
	}
	switch {
	case r.Details == nil:
		fields["details"] = "field required"
	case maxDetails > 0 && utf8.RuneCountInString(*r.Details) > maxDetails:
		fields["details"] = "must be at most " +
			strconv.Itoa(maxDetails) + " characters"
	}
	objectField(fields, "model_params", &r.ModelParams)
	objectField(fields, "execution_env", &r.ExecutionEnv)
	return fields
}

// duplicate claims the request's idempotency key for action id, and
// answers 409 DUPLICATE_REQUEST when it is already held.
func (s *Server) duplicate(c *call, req *authorizeRequest,
	id string) (result, bool) {
	if req.IdempotencyKey == "" {
		return result{}, false
	}
	cfg := c.prof.Idempotency
	key := req.IdempotencyKey
	if cfg.Scope != "global" {
		key = c.p.org + "\x00" + key
	}
	prev := s.idem.claim(key, id, s.offset(c.now), cfg.TTL)
	if prev == "" {
		return result{}, false
	}
	return fail(http.StatusConflict, "DUPLICATE_REQUEST",
		"A request with the same idempotency key has already been "+
			"processed", map[string]any{
			"idempotency_key": req.IdempotencyKey,
			"action_uuid":     prev, "action_id": prev,
		}), true
}

// objectField clears a null raw field and notes one that is not an
// object.
func objectField(fields map[string]string, name string,
	raw *json.RawMessage) {
	if isNull(*raw) {
		*raw = nil
	} else if !isObject(*raw) {
		fields[name] = "must be an object"
	}
}

// decide draws the policy outcome: a forced or drawn hold, a denial, or
// an authorization.
func (s *Server) decide(c *call, req *authorizeRequest) string {
	if req.RequireApproval {
		return statusPending
	}
	u := c.p.float()
	switch pol := c.prof.Policy; {
	case u < pol.Deny:
		return statusDenied
	case u < pol.Deny+pol.Hold:
		return statusPending
	}
	return statusAuthorized
}

// denyByPolicy answers 403 POLICY_DENIED with the v3 details, minting a
// denial receipt when receipts are universal.
func (s *Server) denyByPolicy(c *call, a *action) result {
	var receiptID any
	if c.prof.Receipts.Universal {
		a.mu.Lock()
		r, err := s.mint(a, statusDenied, "", c.now, c.p)
		a.mu.Unlock()
		if err != nil {
			return internal(err)
		}
		receiptID = r.uuid
	}
	return fail(http.StatusForbidden, "POLICY_DENIED",
		"Action denied by policy '"+mockPolicyName+"'", map[string]any{
			"action_uuid": a.uuid, "action_id": a.uuid,
			"policy_uuid": s.policyUUID, "policy_id": s.policyUUID,
			"receipt_uuid": receiptID,
		})
}

const mockPolicyName = "Mock policy"

func internal(err error) result {
	return fail(http.StatusInternalServerError, "INTERNAL_ERROR",
		err.Error(), nil)
}

// receiptResponse is the ActionReceipt of aira-api.md §2.4.
type receiptResponse struct {
	ActionUUID      string   `json:"action_uuid"`
	ActionID        string   `json:"action_id"`
	Status          string   `json:"status"`
	CreatedAt       string   `json:"created_at"`
	RequestID       string   `json:"request_id"`
	ReceiptUUID     *string  `json:"receipt_uuid"`
	ReceiptID       *string  `json:"receipt_id"`
	PayloadHash     *string  `json:"payload_hash"`
	Signature       *string  `json:"signature"`
	TimestampToken  *string  `json:"timestamp_token"`
	OutputScanFlags any      `json:"output_scan_flags"`
	Warnings        []string `json:"warnings"`
}

type notarizeRequest struct {
	Outcome        string `json:"outcome"`
	OutcomeDetails string `json:"outcome_details"`
}

func notarize(s *Server, c *call) result {
	var req notarizeRequest
	if res, ok := readBody(c, &req, true); !ok {
		return res
	}
	if req.Outcome == "" {
		req.Outcome = "completed"
	}
	if req.Outcome != "completed" && req.Outcome != "failed" {
		return validation(map[string]string{
			"outcome": `must be "completed" or "failed"`,
		})
	}
	a := s.ownAction(c)
	if a == nil {
		return notFound("Action")
	}
	return s.seal(c, a, req)
}

// ownAction returns the action named in the path if it belongs to the
// caller's org.
func (s *Server) ownAction(c *call) *action {
	a := s.store.get(mux.Vars(c.r)["id"])
	if a == nil || a.org != c.p.org {
		return nil
	}
	return a
}

// seal moves an authorized or approved action to its outcome and mints
// its receipt.
func (s *Server) seal(c *call, a *action, req notarizeRequest) result {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.status != statusAuthorized && a.status != statusApproved {
		return invalidState("Action is " + a.status + "; only " +
			"authorized or approved actions can be notarized")
	}
	a.status = statusNotarized
	if req.Outcome == "failed" {
		a.status = statusFailed
	}
	resp := &receiptResponse{
		ActionUUID: a.uuid, ActionID: a.uuid, Status: a.status,
		CreatedAt: stamp(c.now), RequestID: c.reqID,
	}
	if a.status == statusFailed && !c.prof.Receipts.Universal {
		return result{http.StatusOK, resp}
	}
	r, err := s.mint(a, req.Outcome, req.OutcomeDetails, c.now, c.p)
	if err != nil {
		return internal(err)
	}
	resp.ReceiptUUID, resp.ReceiptID = &r.uuid, &r.uuid
	resp.PayloadHash, resp.Signature = &r.hash, &r.signature
	return result{http.StatusOK, resp}
}
