package loadgen

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/airabench/airabench/receipt"
	"github.com/airabench/airabench/reports"
)

// The steps a flow may take, as indexes into a recorder's steps.
const (
	stepAuthorize uint8 = iota
	stepNotarize
	stepVerify
	stepHealth
	stepMint
	numSteps
)

var stepName = [numSteps]string{"authorize", "notarize", "verify", "health",
	"mint"}

// worker runs operations for one stage. Each goroutine has its own
// worker, so the random stream needs no lock.
type worker struct {
	c      *client
	rec    *recorder
	stage  *Stage
	stop   <-chan struct{} // closed when no new attempt may start
	rng    *rand.Rand
	idem   string        // prefix of idempotency keys
	budget *atomic.Int64 // retries left in the run; nil means no bound
	prep   *prepared     // actions made in the setup phase
	first  bool          // the next attempt is its operation's first
	key    int           // the operation's key, in the client's pool
}

// prepared holds what a setup phase made for the notarize and verify
// flows, and the key receipts are checked against.
type prepared struct {
	actions []action
	key     ed25519.PublicKey
}

// action is a prepared action and the pool key that owns it.
type action struct {
	id  string
	key int
}

// get returns the prepared action for operation i, cycling.
func (p *prepared) get(i int) action {
	if p == nil || len(p.actions) == 0 {
		return action{id: "setup-made-no-actions"}
	}
	return p.actions[i%len(p.actions)]
}

// authorizeRequest is the body of POST /actions.
type authorizeRequest struct {
	ActionType     string `json:"action_type"`
	Details        string `json:"details"`
	AgentID        string `json:"agent_id,omitempty"`
	ModelID        string `json:"model_id,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// authorization is the part of an authorize answer the flows use.
type authorization struct {
	ActionUUID string `json:"action_uuid"`
	Status     string `json:"status"`
}

var notarizeBody = []byte(`{"outcome":"completed"}`)

// operation runs item i, intended at the given instant, to its final
// outcome and records it.
func (w *worker) operation(ctx context.Context, i int, intended time.Time) {
	w.first, w.key = true, i
	flow := w.stage.Flow
	if flow == FlowMix {
		flow = w.pick()
	}
	var r reply
	switch flow {
	case FlowAuthorize, FlowAuthorizeNotarize:
		var id string
		r, id = w.authorize(ctx, i, intended)
		if id != "" && flow == FlowAuthorizeNotarize {
			r = w.notarize(ctx, id, r.done)
		}
	case FlowNotarize:
		a := w.prep.get(i)
		w.key = a.key
		r = w.notarize(ctx, a.id, intended)
	case FlowVerify:
		r = w.verify(ctx, w.prep.get(i).id, intended)
	case FlowHealth:
		r = w.retrying(ctx, stepHealth, intended, func() reply {
			return w.c.do(ctx, http.MethodGet, "/health", nil, public)
		})
	case FlowMint:
		r = w.mint(i, intended)
	}
	w.rec.record(event{kind: evOperation, class: r.class,
		intended: intended, done: r.done, held: r.held,
		invalid: r.invalid})
}

// pick draws one flow of the stage's mix by weight.
func (w *worker) pick() Flow {
	var total float64
	for _, m := range w.stage.Mix {
		total += m.Weight
	}
	x := w.rng.Float64() * total
	for _, m := range w.stage.Mix {
		if x < m.Weight {
			return m.Flow
		}
		x -= m.Weight
	}
	return w.stage.Mix[len(w.stage.Mix)-1].Flow
}

// authorize sends POST /actions with retries. It returns the final reply
// and, when the action was authorized, its id.
func (w *worker) authorize(ctx context.Context, i int,
	intended time.Time) (reply, string) {
	body := w.authorizeBody(i)
	r := w.retrying(ctx, stepAuthorize, intended, func() reply {
		return w.c.do(ctx, http.MethodPost, "/actions", body, w.key)
	})
	if r.class != reports.OK || r.earlier {
		return r, "" // an earlier attempt's answer, and its id, are lost
	}
	var a authorization
	if json.Unmarshal(r.body, &a) != nil || a.ActionUUID == "" {
		r.class = reports.ClientError // a 2xx the SDKs could not read
		return r, ""
	}
	if a.Status == "pending_approval" {
		r.held = true // an answer, with nothing to notarize yet
		return r, ""
	}
	return r, a.ActionUUID
}

// authorizeBody is the JSON body of item i's authorize request.
func (w *worker) authorizeBody(i int) []byte {
	b := w.stage.Body
	req := authorizeRequest{
		ActionType: b.ActionType,
		Details:    strings.ReplaceAll(b.Details, "{{i}}", strconv.Itoa(i)),
		AgentID:    b.AgentID,
		ModelID:    b.ModelID,
	}
	if b.IdempotencyKeys {
		req.IdempotencyKey = w.idem + strconv.Itoa(i)
	}
	body, _ := json.Marshal(req) // strings only: cannot fail
	return body
}

// notarize sends POST /actions/{id}/notarize with retries, intended at
// the given instant.
func (w *worker) notarize(ctx context.Context, id string,
	intended time.Time) reply {
	path := "/actions/" + id + "/notarize"
	return w.retrying(ctx, stepNotarize, intended, func() reply {
		return w.c.do(ctx, http.MethodPost, path, notarizeBody, w.key)
	})
}

// verification is the part of a verify answer the client checks.
type verification struct {
	Valid         bool            `json:"valid"`
	PayloadHash   string          `json:"payload_hash"`
	Signature     string          `json:"signature"`
	SignedPayload json.RawMessage `json:"signed_payload"`
}

// verify sends the public GET /verify/action/{id} with retries. With
// VerifyReceipts the client also checks the receipt itself; a receipt
// that the server calls invalid, or that fails the client's check, is
// counted as invalid.
func (w *worker) verify(ctx context.Context, id string,
	intended time.Time) reply {
	path := "/verify/action/" + id
	r := w.retrying(ctx, stepVerify, intended, func() reply {
		return w.c.do(ctx, http.MethodGet, path, nil, public)
	})
	if r.class != reports.OK || !w.stage.VerifyReceipts {
		return r
	}
	var v verification
	if json.Unmarshal(r.body, &v) != nil || !v.Valid || w.prep == nil ||
		receipt.Verify(w.prep.key, v.SignedPayload, v.PayloadHash,
			v.Signature) != nil {
		r.invalid = true
	}
	return r
}

// retryable reports whether an attempt of class c may be tried again.
func retryable(c reports.Class) bool {
	return c == reports.Throttled || c == reports.ServerError ||
		c == reports.TransportError
}

// retrying sends attempts until one is final, the policy gives up, the
// run's retry budget is spent, or the run stops. Each attempt is
// recorded; a retry is intended at the instant its wait ends, so a late
// timer shows as dispatch delay. A 409 DUPLICATE_REQUEST that answers a
// retry means an earlier attempt went through: it counts as ok.
func (w *worker) retrying(ctx context.Context, step uint8,
	intended time.Time, send func() reply) reply {
	var (
		prev    reply
		waited  time.Duration
		retried bool
	)
	for n := 1; ; n++ {
		r := send()
		if retried && r.status == http.StatusConflict &&
			r.code == "DUPLICATE_REQUEST" {
			r.class, r.earlier = reports.OK, true
		}
		w.rec.record(event{
			kind: evAttempt, step: step, class: r.class,
			retry: retried, wait: waited, first: w.first, after: prev.class,
			early: retried && prev.hasRA &&
				r.sent.Before(prev.done.Add(prev.retryAfter)),
			earlier: r.earlier, cause: r.cause,
			intended: intended, sent: r.sent, done: r.done,
		})
		w.first = false
		if !retryable(r.class) {
			return r
		}
		d := w.stage.Retry.Decide(n, r.retryAfter, r.hasRA,
			w.rng.Float64())
		if d.Capped {
			w.rec.record(event{kind: evCapped})
		}
		if !d.Retry || !w.spend() || !w.wait(ctx, d.Wait) {
			return r
		}
		prev, waited, retried = r, d.Wait, true
		intended = r.done.Add(d.Wait)
	}
}

// spend takes one retry from the run's budget, reporting whether there
// was one.
func (w *worker) spend() bool {
	if w.budget == nil {
		return true
	}
	if w.budget.Add(-1) >= 0 {
		return true
	}
	w.rec.record(event{kind: evBudget})
	return false
}

// wait blocks for d, or until the run stops. It reports whether the wait
// ran its full length.
func (w *worker) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.stop:
		return false
	case <-ctx.Done():
		return false
	}
}

// mintKey signs the in-process mint flow's receipts. A fixed key is
// enough: the flow measures the work, not the key.
var mintKey = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))

// mint makes and signs one receipt in-process, as Aira's in-process
// figure measures, and records it as an attempt of the mint step.
func (w *worker) mint(i int, intended time.Time) reply {
	r := reply{sent: time.Now(), class: reports.OK}
	c, err := receipt.Canonical(MintPayload(i))
	if err == nil {
		_ = receipt.PayloadHash(c)
		_ = receipt.Sign(mintKey, c)
	} else {
		r.class = reports.ClientError
	}
	r.done = time.Now()
	w.rec.record(event{kind: evAttempt, step: stepMint, class: r.class,
		first: true, intended: intended, sent: r.sent, done: r.done})
	return r
}

// MintPayload returns the v1.2 action receipt payload the mint flow
// signs for item i: the fields of Aira's signed payload, of typical
// size. The benchmarks sign the same payload.
func MintPayload(i int) map[string]any {
	const h = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	return map[string]any{
		"receipt_version": "1.2", "alg": "Ed25519",
		"action_uuid": "00000000-0000-4000-8000-" + fmt.Sprintf("%012d", i),
		"org_uuid":    "5f0c8a9e-7b1d-4c3e-8f2a-1d9e6b4a7c30",
		"agent_id":    "batch-agent", "action_type": "llm_call",
		"details_hash": h, "outcome_hash": h, "instruction_hash": h,
		"model_id": "claude-sonnet-4-6", "parent_payload_hash": nil,
		"authorization_ref": map[string]any{
			"policy_evaluation_uuid":      "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f",
			"approval_authorization_uuid": nil,
		},
		"created_at": "2026-12-03T18:00:00Z",
	}
}
