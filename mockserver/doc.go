// Package mockserver is an in-process mock of the Aira v1 API that
// behaves like the real one: actions and their state machine, Ed25519
// receipts over canonical JSON, public verification, per-key and per-IP
// rate limits with exact Retry-After, policy denials and holds, and
// latency per endpoint. One seed drives every random choice.
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
// with the request's context, so they never hold a worker.
package mockserver
