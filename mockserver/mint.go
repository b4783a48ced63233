package mockserver

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/airabench/airabench/receipt"
)

// timeLayout is ISO 8601 in UTC with microseconds, as Python writes it.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullable returns nil for "", so the payload carries JSON null.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// mint seals a receipt for a with the given outcome ("completed",
// "failed", "denied" or "denied_by_human"). The caller holds a.mu.
func (s *Server) mint(a *action, outcome, outcomeDetails string,
	now time.Time, p *principal) (*sealed, error) {
	payload := s.receiptPayload(a, outcome, outcomeDetails, now)
	c, err := receipt.Canonical(payload)
	if err != nil {
		return nil, fmt.Errorf("mockserver: receipt payload: %w", err)
	}
	r := &sealed{
		uuid:      p.uuid(),
		version:   payload["receipt_version"].(string),
		payload:   c,
		hash:      receipt.PayloadHash(c),
		signature: receipt.Sign(s.key, c),
		createdAt: now,
	}
	a.receipt = r
	s.store.addReceipt(r.uuid, a)
	return r, nil
}

func (s *Server) receiptPayload(a *action, outcome, outcomeDetails string,
	now time.Time) map[string]any {
	var approvalRef any
	if a.approval != nil {
		approvalRef = a.approval.uuid
	}
	m := map[string]any{
		"receipt_version":     receiptVersion,
		"alg":                 receiptAlgorithm,
		"action_uuid":         a.uuid,
		"org_uuid":            a.org,
		"agent_id":            nullable(a.req.AgentID),
		"action_type":         a.actionType,
		"details_hash":        a.detailsHash,
		"outcome_hash":        outcomeHash(outcome, outcomeDetails),
		"instruction_hash":    nullable(a.req.InstructionHash),
		"model_id":            nullable(a.req.ModelID),
		"parent_payload_hash": s.parentHash(a.req.parent()),
		"authorization_ref": map[string]any{
			"policy_evaluation_uuid":      a.policyEval,
			"approval_authorization_uuid": approvalRef,
		},
		"created_at": stamp(now),
	}
	if a.req.replay() {
		m["receipt_version"] = receiptVersionReplay
		m["system_prompt_hash"] = nullable(a.req.SystemPromptHash)
		m["tool_inputs_hash"] = nullable(a.req.ToolInputsHash)
		m["model_params"] = rawOrNil(a.req.ModelParams)
		m["execution_env"] = rawOrNil(a.req.ExecutionEnv)
	}
	return m
}

func rawOrNil(r json.RawMessage) any {
	if len(r) == 0 {
		return nil
	}
	return r
}

// outcomeHash hashes the canonical {"outcome", "outcome_details"} pair.
func outcomeHash(outcome, details string) string {
	c, _ := receipt.Canonical(map[string]string{
		"outcome": outcome, "outcome_details": details,
	})
	return receipt.PayloadHash(c)
}

// parentHash returns the payload hash of the parent's receipt, or nil.
func (s *Server) parentHash(id string) any {
	if id == "" {
		return nil
	}
	parent := s.store.get(id)
	if parent == nil {
		return nil
	}
	parent.mu.Lock()
	defer parent.mu.Unlock()
	if parent.receipt == nil {
		return nil
	}
	return parent.receipt.hash
}
