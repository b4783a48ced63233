package loadgen

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/airabench/airabench/reports"
)

// The steps of the flows, as indexes into a stage's steps.
const (
	stepAuthorize uint8 = iota
	stepNotarize
)

// stepNames returns the names of the steps a flow runs.
func stepNames(f Flow) []string {
	if f == FlowAuthorizeNotarize {
		return []string{"authorize", "notarize"}
	}
	return []string{"authorize"}
}

// worker runs operations for one stage. Each goroutine has its own
// worker, so the random stream needs no lock.
type worker struct {
	c     *client
	rec   *recorder
	stage *Stage
	stop  <-chan struct{} // closed when no new attempt may start
	rng   *rand.Rand
	idem  string // prefix of idempotency keys
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
	r, id := w.authorize(ctx, i, intended)
	if id != "" && w.stage.Flow == FlowAuthorizeNotarize {
		r = w.notarize(ctx, id, r.done)
	}
	w.rec.record(event{kind: evOperation, class: r.class,
		intended: intended, done: r.done})
}

// authorize sends POST /actions with retries. It returns the final reply
// and, when the action was authorized, its id.
func (w *worker) authorize(ctx context.Context, i int,
	intended time.Time) (reply, string) {
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

	r := w.retrying(ctx, stepAuthorize, intended, func() reply {
		return w.c.do(ctx, http.MethodPost, "/actions", body, false)
	})
	if r.class != reports.OK {
		return r, ""
	}
	var a authorization
	if json.Unmarshal(r.body, &a) != nil || a.ActionUUID == "" {
		r.class = reports.ClientError // a 2xx the SDKs could not read
		return r, ""
	}
	if a.Status != "authorized" {
		return r, "" // held for approval: an answer, with nothing to notarize
	}
	return r, a.ActionUUID
}

// notarize sends POST /actions/{id}/notarize with retries, intended at the
// instant the authorization came back.
func (w *worker) notarize(ctx context.Context, id string,
	intended time.Time) reply {
	path := "/actions/" + id + "/notarize"
	return w.retrying(ctx, stepNotarize, intended, func() reply {
		return w.c.do(ctx, http.MethodPost, path, notarizeBody, false)
	})
}

// retryable reports whether an attempt of class c may be tried again.
func retryable(c reports.Class) bool {
	return c == reports.Throttled || c == reports.ServerError ||
		c == reports.TransportError
}

// retrying sends attempts until one is final, the policy gives up, or the
// run stops. Each attempt is recorded; a retry is intended at the instant
// its wait ends, so a late timer shows as dispatch delay.
func (w *worker) retrying(ctx context.Context, step uint8,
	intended time.Time, send func() reply) reply {
	var (
		prev    reply
		waited  time.Duration
		retried bool
	)
	for n := 1; ; n++ {
		r := send()
		w.rec.record(event{
			kind: evAttempt, step: step, class: r.class,
			retry: retried, wait: waited,
			early: retried && prev.hasRA &&
				r.sent.Before(prev.done.Add(prev.retryAfter)),
			intended: intended, sent: r.sent, done: r.done,
		})
		if !retryable(r.class) {
			return r
		}
		d := w.stage.Retry.Decide(n, r.retryAfter, r.hasRA,
			w.rng.Float64())
		if !d.Retry || !w.wait(ctx, d.Wait) {
			return r
		}
		prev, waited, retried = r, d.Wait, true
		intended = r.done.Add(d.Wait)
	}
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
