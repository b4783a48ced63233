// Package mockserver is an in-process mock of the Aira v1 API that
// behaves like the real one: actions and their state machine
// (authorized, pending_approval, approved, denied_by_human, notarized,
// failed, denied), Ed25519 receipts over canonical JSON, public
// verification that recomputes the hash and checks the signature,
// idempotency keys, per-key and per-IP rate limits with exact
// Retry-After, policy denials and holds, latency per endpoint, a capacity
// model, and injected faults. One seed drives every random choice, and
// each API key draws from its own stream.
//
// It is used the way net/http/httptest is:
//
//	p, _ := mockserver.Lookup("default")
//	s, err := mockserver.New(mockserver.Config{Profile: p, Seed: 1})
//	if err != nil {
//		return err
//	}
//	defer s.Close()
//	// Send requests to s.URL + "/api/v1/actions" with
//	// "Authorization: Bearer " + s.SampleKey().
//
// A Server listens on loopback unless Config.Addr says otherwise, bounds
// request bodies and sets server timeouts. Delays run on timers that end
// with the request's context, so they never hold a worker. The admin API
// under /__admin/ reads and replaces the profile, resets state and
// reports Stats; /metrics serves the server's own Prometheus registry.
//
// The mock keeps every action in memory for its lifetime (or until
// Reset), so memory grows with the number of actions created.
package mockserver
