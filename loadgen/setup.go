package loadgen

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airabench/airabench/reports"
)

// maxSetup bounds a setup phase, which runs before the stage's clock.
const maxSetup = 100_000

// setupWorkers is how many actions a setup phase prepares at once.
const setupWorkers = 32

// needsSetup reports whether the stage's flows use prepared actions.
func needsSetup(s *Stage) bool {
	uses := func(f Flow) bool { return f == FlowNotarize || f == FlowVerify }
	if uses(s.Flow) {
		return true
	}
	for _, m := range s.Mix {
		if uses(m.Flow) {
			return true
		}
	}
	return false
}

// setupCount is how many actions a stage prepares: Stage.Setup, or one
// per planned operation, up to maxSetup.
func setupCount(s *Stage) int {
	switch l := s.Load; {
	case s.Setup > 0:
		return s.Setup
	case l.Items > 0:
		return min(l.Items, maxSetup)
	case l.Model == Open:
		return s.Shard.share(int(min(l.schedule().Total(), maxSetup)))
	default:
		return 1000
	}
}

// setup prepares actions before the stage's clock starts: authorized
// ones for the notarize flow, notarized ones (with receipts) for the
// verify flow. Its requests are not part of the stage's result; it is
// retried patiently, honouring Retry-After, so a rate-limited target
// still gets ready. It also fetches the target's public key when the
// stage verifies receipts itself.
func (r *stageRun) setup(ctx context.Context) *prepared {
	want := setupCount(r.stage)
	flow := FlowAuthorize
	if r.stage.Flow == FlowVerify || hasFlow(r.stage.Mix, FlowVerify) {
		flow = FlowAuthorizeNotarize
	}
	scratch := *r.stage
	scratch.Flow = flow
	scratch.Retry = RetryPolicy{MaxRetries: 20, Base: 100 * time.Millisecond,
		Cap: 10 * time.Second, RetryAfter: true, Jitter: FullJitter}
	sink := newRecorder(reports.NewStage("setup", string(flow)), time.Now(),
		nil)
	defer sink.close()

	p := &prepared{}
	var mu sync.Mutex
	var tries atomic.Int64
	var wg sync.WaitGroup
	for id := range min(want, setupWorkers) {
		w := r.worker(1<<32 | uint64(id))
		w.stage, w.rec, w.budget = &scratch, sink, nil
		wg.Go(func() {
			for !r.stopped() {
				n := tries.Add(1)
				if n > int64(2*want+10) {
					return
				}
				if a, ok := w.prepare(ctx, int(n), flow); ok {
					mu.Lock()
					if len(p.actions) >= want {
						mu.Unlock()
						return
					}
					p.actions = append(p.actions, a)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if r.stage.VerifyReceipts {
		p.key = r.client.publicKey(ctx)
	}
	return p
}

func hasFlow(mix []MixEntry, f Flow) bool {
	for _, m := range mix {
		if m.Flow == f {
			return true
		}
	}
	return false
}

// prepare makes one action for a setup phase with the i-th key of the
// pool, returning it.
func (w *worker) prepare(ctx context.Context, i int, flow Flow) (action,
	bool) {
	w.first, w.key = true, i
	r, id := w.authorize(ctx, i, time.Now())
	if id == "" {
		return action{}, false
	}
	if flow == FlowAuthorizeNotarize {
		if r = w.notarize(ctx, id, r.done); r.class != reports.OK {
			return action{}, false
		}
	}
	return action{id: id, key: i}, true
}

// jwks is the part of a JSON Web Key Set the client reads.
type jwks struct {
	Keys []struct {
		Crv string `json:"crv"`
		X   string `json:"x"`
	} `json:"keys"`
}

// publicKey fetches the target's Ed25519 receipt key from its JWKS, or
// returns nil, which makes every client-side check fail and be counted.
func (c *client) publicKey(ctx context.Context) ed25519.PublicKey {
	r := c.do(ctx, http.MethodGet, "/.well-known/jwks.json", nil, public)
	var set jwks
	if r.class != reports.OK || json.Unmarshal(r.body, &set) != nil {
		return nil
	}
	for _, k := range set.Keys {
		b, err := base64.RawURLEncoding.DecodeString(k.X)
		if k.Crv == "Ed25519" && err == nil && len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b)
		}
	}
	return nil
}
