package mockserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gorilla/mux"
)

// actionDetail is the ActionDetail of aira-api.md §2.7.
type actionDetail struct {
	ActionUUID        string          `json:"action_uuid"`
	ActionID          string          `json:"action_id"`
	OrgUUID           string          `json:"org_uuid"`
	OrgID             string          `json:"org_id"`
	ActionType        string          `json:"action_type"`
	Status            string          `json:"status"`
	LegalHold         bool            `json:"legal_hold"`
	ActionDetailsHash string          `json:"action_details_hash"`
	CreatedAt         string          `json:"created_at"`
	RequestID         string          `json:"request_id"`
	AgentID           string          `json:"agent_id,omitempty"`
	AgentVersion      string          `json:"agent_version,omitempty"`
	InstructionHash   string          `json:"instruction_hash,omitempty"`
	ModelID           string          `json:"model_id,omitempty"`
	ModelVersion      string          `json:"model_version,omitempty"`
	ParentActionUUID  string          `json:"parent_action_uuid,omitempty"`
	SystemPromptHash  string          `json:"system_prompt_hash,omitempty"`
	ToolInputsHash    string          `json:"tool_inputs_hash,omitempty"`
	ModelParams       json.RawMessage `json:"model_params,omitempty"`
	ExecutionEnv      json.RawMessage `json:"execution_env,omitempty"`
	Receipt           *receiptInfo    `json:"receipt"`
	Authorizations    []authorization `json:"authorizations"`
}

// receiptInfo is the receipt summary inside an ActionDetail.
type receiptInfo struct {
	ReceiptUUID    string  `json:"receipt_uuid"`
	ReceiptID      string  `json:"receipt_id"`
	PayloadHash    string  `json:"payload_hash"`
	Signature      string  `json:"signature"`
	PublicKeyID    string  `json:"public_key_id"`
	TimestampToken *string `json:"timestamp_token"`
	ReceiptVersion string  `json:"receipt_version"`
	VerifyURL      string  `json:"verify_url"`
	CreatedAt      string  `json:"created_at"`
}

// authorization is one human approval of a held action.
type authorization struct {
	ID              string `json:"id"`
	AuthorizerEmail string `json:"authorizer_email"`
	AuthorizedAt    string `json:"authorized_at"`
}

// detail returns the ActionDetail of a; it locks a.mu.
func (s *Server) detail(c *call, a *action) *actionDetail {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := &actionDetail{
		ActionUUID: a.uuid, ActionID: a.uuid, OrgUUID: a.org,
		OrgID: a.org, ActionType: a.actionType, Status: a.status,
		ActionDetailsHash: a.detailsHash, CreatedAt: stamp(a.createdAt),
		RequestID: c.reqID, AgentID: a.req.AgentID,
		AgentVersion: a.req.AgentVersion, ModelID: a.req.ModelID,
		InstructionHash:  a.req.InstructionHash,
		ModelVersion:     a.req.ModelVersion,
		ParentActionUUID: a.req.parent(),
		SystemPromptHash: a.req.SystemPromptHash,
		ToolInputsHash:   a.req.ToolInputsHash,
		ModelParams:      a.req.ModelParams,
		ExecutionEnv:     a.req.ExecutionEnv,
		Authorizations:   []authorization{},
	}
	if a.receipt != nil {
		d.Receipt = s.receiptInfo(c, a)
	}
	if ap := a.approval; ap != nil && a.status != statusDeniedByHuman {
		d.Authorizations = append(d.Authorizations, authorization{
			ID: ap.uuid, AuthorizerEmail: ap.email,
			AuthorizedAt: stamp(ap.at),
		})
	}
	return d
}

func (s *Server) receiptInfo(c *call, a *action) *receiptInfo {
	r := a.receipt
	return &receiptInfo{
		ReceiptUUID: r.uuid, ReceiptID: r.uuid, PayloadHash: r.hash,
		Signature: r.signature, PublicKeyID: s.keyID(c.prof),
		ReceiptVersion: r.version, CreatedAt: stamp(r.createdAt),
		VerifyURL: "http://" + c.r.Host + verifyPath + a.uuid,
	}
}

func (s *Server) keyID(p *Profile) string {
	if p.Receipts.KeyID != "" {
		return p.Receipts.KeyID
	}
	return defaultKeyID
}

func getAction(s *Server, c *call) result {
	a := s.ownAction(c)
	if a == nil {
		return notFound("Action")
	}
	return result{http.StatusOK, s.detail(c, a)}
}

// page is the body of a paginated list.
type page struct {
	Data       []*actionDetail `json:"data"`
	Pagination pagination      `json:"pagination"`
}

type pagination struct {
	Page    int  `json:"page"`
	PerPage int  `json:"per_page"`
	Total   int  `json:"total"`
	HasMore bool `json:"has_more"`
}

// maxPerPage caps per_page.
const maxPerPage = 100

func listActions(s *Server, c *call) result {
	q := c.r.URL.Query()
	fields := map[string]string{}
	pg := intParam(q, "page", 1, 1, 1<<30, fields)
	per := intParam(q, "per_page", 20, 1, maxPerPage, fields)
	if len(fields) > 0 {
		return validation(fields)
	}
	typ, agent, status := q.Get("action_type"), q.Get("agent_id"),
		q.Get("status")
	all := s.store.list(c.p.org, func(a *action) bool {
		return (typ == "" || a.actionType == typ) &&
			(agent == "" || a.req.AgentID == agent) &&
			(status == "" || a.currentStatus() == status)
	})
	out := page{Data: []*actionDetail{}, Pagination: pagination{
		Page: pg, PerPage: per, Total: len(all),
		HasMore: pg*per < len(all),
	}}
	for i := (pg - 1) * per; i < min(pg*per, len(all)); i++ {
		out.Data = append(out.Data, s.detail(c, all[i]))
	}
	return result{http.StatusOK, &out}
}

// intParam parses a query parameter in [lo, hi], noting a bad one in
// fields.
func intParam(q url.Values, name string, def, lo, hi int,
	fields map[string]string) int {
	v := q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		fields[name] = "must be an integer in [" + strconv.Itoa(lo) +
			", " + strconv.Itoa(hi) + "]"
		return def
	}
	return n
}

func (a *action) currentStatus() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status
}

// receiptBody is the raw receipt returned by GET /receipts/{id}.
type receiptBody struct {
	receiptInfo
	ActionUUID    string          `json:"action_uuid"`
	ActionID      string          `json:"action_id"`
	Status        string          `json:"status"`
	SignedPayload json.RawMessage `json:"signed_payload"`
	RequestID     string          `json:"request_id"`
}

func getReceipt(s *Server, c *call) result {
	a := s.store.byReceipt(mux.Vars(c.r)["id"])
	if a == nil || a.org != c.p.org {
		return notFound("Receipt")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return result{http.StatusOK, &receiptBody{
		receiptInfo: *s.receiptInfo(c, a), ActionUUID: a.uuid,
		ActionID: a.uuid, Status: a.status,
		SignedPayload: a.receipt.payload, RequestID: c.reqID,
	}}
}

type decisionRequest struct {
	ApproverEmail string `json:"approver_email"`
	Reason        string `json:"reason"`
}

func approve(s *Server, c *call) result {
	return s.decideHeld(c, statusApproved)
}

func deny(s *Server, c *call) result {
	return s.decideHeld(c, statusDeniedByHuman)
}

// decideHeld moves a pending_approval action to approved or
// denied_by_human, minting a denial receipt when receipts are universal.
func (s *Server) decideHeld(c *call, to string) result {
	var req decisionRequest
	if res, ok := readBody(c, &req, true); !ok {
		return res
	}
	a := s.ownAction(c)
	if a == nil {
		return notFound("Action")
	}
	if res, ok := s.moveHeld(c, a, to, req); !ok {
		return res
	}
	return result{http.StatusOK, s.detail(c, a)}
}

func (s *Server) moveHeld(c *call, a *action, to string,
	req decisionRequest) (result, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.status != statusPending {
		return invalidState("Action is " + a.status + "; only " +
			"pending_approval actions can be approved or denied"), false
	}
	if req.ApproverEmail == "" {
		req.ApproverEmail = "approver@example.com"
	}
	a.status = to
	a.approval = &approval{uuid: c.p.uuid(), email: req.ApproverEmail,
		at: c.now}
	if to == statusDeniedByHuman && c.prof.Receipts.Universal {
		if _, err := s.mint(a, to, req.Reason, c.now, c.p); err != nil {
			return internal(err), false
		}
	}
	return result{}, true
}
