package mockserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"
)

// The action statuses of Aira's state machine.
const (
	statusAuthorized      = "authorized"
	statusPending         = "pending_approval"
	statusApproved        = "approved"
	statusDeniedByHuman   = "denied_by_human"
	statusNotarized       = "notarized"
	statusFailed          = "failed"
	statusDenied          = "denied"
	receiptVersion        = "1.2"
	receiptVersionReplay  = "1.3"
	defaultKeyID          = "aira-signing-key-v1"
	verifyPath            = "/api/v1/verify/action/"
	receiptAlgorithm      = "Ed25519"
	instructionHashWarned = "instruction_hash not provided; " +
		"the receipt will not bind the agent's instructions"
)

// action is one stored action. Fields set at creation never change; the
// fields under mu follow the state machine.
type action struct {
	uuid        string
	org         string
	actionType  string
	detailsHash string
	createdAt   time.Time
	policyEval  string
	req         authorizeRequest

	mu        sync.Mutex
	status    string
	approval  *approval
	receipt   *sealed
	requestID string
}

// approval records a human decision on a held action.
type approval struct {
	uuid  string
	email string
	at    time.Time
}

// sealed is a minted receipt: the canonical payload and its seal.
type sealed struct {
	uuid      string
	version   string
	payload   []byte
	hash      string
	signature string
	createdAt time.Time
}

// store holds every action, indexed by id, by receipt id and by org.
type store struct {
	mu       sync.RWMutex
	actions  map[string]*action
	receipts map[string]*action
	byOrg    map[string][]*action
}

func (st *store) init() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.actions = make(map[string]*action)
	st.receipts = make(map[string]*action)
	st.byOrg = make(map[string][]*action)
}

func (st *store) add(a *action) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.actions[a.uuid] = a
	st.byOrg[a.org] = append(st.byOrg[a.org], a)
}

func (st *store) addReceipt(uuid string, a *action) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.receipts[uuid] = a
}

func (st *store) get(id string) *action {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.actions[id]
}

func (st *store) byReceipt(id string) *action {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.receipts[id]
}

// list returns the org's actions, newest first, that keep returns true
// for.
func (st *store) list(org string, keep func(*action) bool) []*action {
	st.mu.RLock()
	all := st.byOrg[org]
	st.mu.RUnlock()
	var out []*action
	for i := len(all) - 1; i >= 0; i-- {
		if keep(all[i]) {
			out = append(out, all[i])
		}
	}
	return out
}

func (st *store) counts() (actions, receipts int) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	return len(st.actions), len(st.receipts)
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// authorizeRequest is the body of POST /actions (aira-api.md §2.2).
// Required fields are pointers so that a missing one can be told apart.
type authorizeRequest struct {
	ActionType       *string         `json:"action_type"`
	Details          *string         `json:"details"`
	AgentID          string          `json:"agent_id"`
	AgentVersion     string          `json:"agent_version"`
	ModelID          string          `json:"model_id"`
	ModelVersion     string          `json:"model_version"`
	InstructionHash  string          `json:"instruction_hash"`
	ParentActionUUID string          `json:"parent_action_uuid"`
	ParentActionID   string          `json:"parent_action_id"`
	EndpointURL      string          `json:"endpoint_url"`
	StoreDetails     bool            `json:"store_details"`
	IdempotencyKey   string          `json:"idempotency_key"`
	RequireApproval  bool            `json:"require_approval"`
	Approvers        []string        `json:"approvers"`
	SystemPromptHash string          `json:"system_prompt_hash"`
	ToolInputsHash   string          `json:"tool_inputs_hash"`
	ModelParams      json.RawMessage `json:"model_params"`
	ExecutionEnv     json.RawMessage `json:"execution_env"`
}

// parent returns the parent action id under either of its names.
func (r *authorizeRequest) parent() string {
	if r.ParentActionUUID != "" {
		return r.ParentActionUUID
	}
	return r.ParentActionID
}

// replay reports whether the request carries v1.3 replay context.
func (r *authorizeRequest) replay() bool {
	return r.SystemPromptHash != "" || r.ToolInputsHash != "" ||
		len(r.ModelParams) > 0 || len(r.ExecutionEnv) > 0
}
