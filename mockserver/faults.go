package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"
)

// The fault kinds accepted in Fault.Kind.
const (
	FaultHTTP500           = "http-500"
	FaultHTTP502           = "http-502"
	FaultHTTP503           = "http-503"
	FaultReset             = "reset"
	FaultCloseAfterHeaders = "close-after-headers"
	FaultStall             = "stall"
	FaultSlowBody          = "slow-body"
)

// FaultKinds returns the accepted Fault.Kind values.
func FaultKinds() []string {
	return []string{FaultHTTP500, FaultHTTP502, FaultHTTP503, FaultReset,
		FaultCloseAfterHeaders, FaultStall, FaultSlowBody}
}

// Fault injects one kind of failure into admitted requests. A request
// meets the fault when its endpoint is listed (or Endpoints is empty) and
// it comes within [From, Until) of server time. Of those, counted from 1,
// the fault fires on the n-th when every trigger that is set agrees: n is
// at most First, n is a multiple of Every, and a draw from the caller's
// seeded stream falls below Probability. With no trigger set it fires on
// every request it meets. The first fault of the list that fires wins.
type Fault struct {
	// Kind is one of FaultKinds:
	//
	//   - "http-500", "http-502", "http-503": answer that status with
	//     the error envelope, Retry-After when RetryAfter is set, and
	//     without running the endpoint.
	//   - "reset": drop the connection with a TCP reset.
	//   - "close-after-headers": send the headers with the full
	//     Content-Length, then close the connection.
	//   - "stall": wait Duration (until the client gives up when zero),
	//     then answer normally.
	//   - "slow-body": send the body in pieces spread over Duration.
	Kind string `yaml:"kind" json:"kind"`
	// Endpoints lists the Latency names the fault applies to, such as
	// "authorize"; empty means every endpoint.
	Endpoints []string `yaml:"endpoints" json:"endpoints"`
	// Probability is the chance, in [0, 1], that the fault fires.
	Probability float64 `yaml:"probability" json:"probability"`
	// First, when positive, limits the fault to the first First requests
	// it meets.
	First int64 `yaml:"first" json:"first"`
	// Every, when positive, fires the fault on every Every-th request.
	Every int64 `yaml:"every" json:"every"`
	// From and Until bound the server time, since start, when the fault
	// is active; a zero Until means no end.
	From  time.Duration `yaml:"from" json:"from"`
	Until time.Duration `yaml:"until" json:"until"`
	// RetryAfter is the Retry-After header of an http-5xx fault, sent as
	// written: "2", an HTTP-date, or anything a client must survive.
	RetryAfter string `yaml:"retry_after" json:"retry_after"`
	// Duration is the length of a stall or of a slow body.
	Duration time.Duration `yaml:"duration" json:"duration"`
}

// faultState is a Fault with its request counter.
type faultState struct {
	Fault
	met atomic.Int64
}

func newFaults(fs []Fault) []*faultState {
	out := make([]*faultState, len(fs))
	for i, f := range fs {
		out[i] = &faultState{Fault: f}
	}
	return out
}

// pickFault returns the first fault that fires for a request to endpoint
// at now, or nil.
func pickFault(fs []*faultState, endpoint string, now time.Duration,
	p *principal) *Fault {
	for _, f := range fs {
		if f.fires(endpoint, now, p) {
			return &f.Fault
		}
	}
	return nil
}

func (f *faultState) fires(endpoint string, now time.Duration,
	p *principal) bool {
	if len(f.Endpoints) > 0 && !slices.Contains(f.Endpoints, endpoint) {
		return false
	}
	if now < f.From || (f.Until > 0 && now >= f.Until) {
		return false
	}
	n := f.met.Add(1)
	if f.First > 0 && n > f.First {
		return false
	}
	if f.Every > 0 && n%f.Every != 0 {
		return false
	}
	return f.Probability == 0 || p.float() < f.Probability
}

// faultAnswer returns the answer of an http-5xx fault.
func faultAnswer(f *Fault, h http.Header) result {
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}
	switch f.Kind {
	case FaultHTTP500:
		return fail(http.StatusInternalServerError, "INTERNAL_ERROR",
			"Injected fault: internal error", nil)
	case FaultHTTP502:
		return fail(http.StatusBadGateway, "BAD_GATEWAY",
			"Injected fault: bad gateway", nil)
	}
	return fail(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE",
		"Injected fault: service unavailable", nil)
}

func isHTTPFault(f *Fault) bool {
	return f != nil && (f.Kind == FaultHTTP500 || f.Kind == FaultHTTP502 ||
		f.Kind == FaultHTTP503)
}

// writeFaulty writes res as fault f says: cut, slow or whole.
func writeFaulty(ctx context.Context, w http.ResponseWriter, f *Fault,
	res result) {
	switch f.Kind {
	case FaultReset:
		abort(w, true)
	case FaultCloseAfterHeaders:
		body := encodeBody(res.body)
		setJSONHeaders(w.Header(), len(body))
		w.WriteHeader(res.status)
		http.NewResponseController(w).Flush()
		abort(w, false)
	case FaultSlowBody:
		writeSlow(ctx, w, res, f.Duration)
	default:
		writeJSON(w, res.status, res.body)
	}
}

// abort ends the connection under the handler: with a TCP reset when
// rst is set and the connection can be taken over, else by closing it.
func abort(w http.ResponseWriter, rst bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// net/http closes the connection when a handler panics with
		// ErrAbortHandler, and does not log it.
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && rst {
		tcp.SetLinger(0)
	}
	conn.Close()
}

// slowPieces is how many pieces a slow body is cut into.
const slowPieces = 10

func writeSlow(ctx context.Context, w http.ResponseWriter, res result,
	d time.Duration) {
	body := encodeBody(res.body)
	setJSONHeaders(w.Header(), len(body))
	w.WriteHeader(res.status)
	rc := http.NewResponseController(w)
	step := (len(body) + slowPieces - 1) / slowPieces
	for len(body) > 0 {
		n := min(step, len(body))
		w.Write(body[:n])
		rc.Flush()
		body = body[n:]
		if len(body) > 0 && !sleepCtx(ctx, d/slowPieces) {
			return
		}
	}
}

func encodeBody(body any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		return []byte(`{"code":"INTERNAL_ERROR","message":"encode"}` + "\n")
	}
	return buf.Bytes()
}

func setJSONHeaders(h http.Header, n int) {
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(n))
}

func (v *validator) faults(fs []Fault, endpoints map[string]Dist) {
	for i, f := range fs {
		path := "faults[" + strconv.Itoa(i) + "]"
		if !slices.Contains(FaultKinds(), f.Kind) {
			v.add(path+".kind", "unknown fault %q, want one of %v",
				f.Kind, FaultKinds())
		}
		for _, e := range f.Endpoints {
			if _, ok := endpoints[e]; !ok {
				v.add(path+".endpoints", "unknown endpoint %q", e)
			}
		}
		if f.Probability < 0 || f.Probability > 1 {
			v.add(path+".probability", "must be in [0, 1], got %g",
				f.Probability)
		}
		if f.First < 0 || f.Every < 0 {
			v.add(path, "first and every must be >= 0")
		}
		if f.Until != 0 && f.Until <= f.From {
			v.add(path+".until", "must be after from (%v), got %v",
				f.From, f.Until)
		}
		if f.Duration < 0 {
			v.add(path+".duration", "must be >= 0, got %v", f.Duration)
		}
	}
}
