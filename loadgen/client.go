package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/airabench/airabench/reports"
)

// Target is where a run sends its requests.
type Target struct {
	// BaseURL is the API's origin, such as https://api.airaproof.com;
	// the /api/v1 prefix is added, as the SDKs do.
	BaseURL string
	// APIKey is sent as a Bearer token. It is never written to any
	// result, error or log.
	APIKey string
	// Keys, when set, is a pool of API keys used instead of APIKey: each
	// operation takes one, round-robin by item, for all its requests, so
	// an action is notarized with the key (the organisation) that
	// authorized it, and N keys get N times a per-key rate limit.
	Keys []string
	// Transport, if set, replaces the transport Run builds; TLS is then
	// not used.
	Transport http.RoundTripper
	// TLS configures the connections to an https BaseURL: extra root
	// CAs, or InsecureSkipVerify. When nil, certificates are verified
	// against the system's roots, as Go's default client does. Run
	// uses a clone and does not change it.
	TLS *tls.Config
	// MaxRate, when set, is a ceiling on requests per second to the
	// target, every attempt and retry included, whatever the load model:
	// the guard of a target beyond this machine. A request held back
	// waits before it is sent, so the wait is its dispatch delay, and
	// the run says how many were held.
	MaxRate Rate
}

// client sends API requests and classifies their answers. It is safe for
// concurrent use.
type client struct {
	api     string   // BaseURL + "/api/v1"
	auths   []string // "Bearer " + each key of the pool
	hc      *http.Client
	timeout time.Duration
	dials   atomic.Int64

	guard *rate.Limiter // nil without Target.MaxRate
	held  atomic.Int64  // requests the guard held back
	wait  atomic.Int64  // their total wait, in nanoseconds
}

func newClient(t Target, maxConns int, timeout time.Duration) *client {
	c := &client{
		api:     strings.TrimRight(t.BaseURL, "/") + "/api/v1",
		timeout: timeout,
	}
	keys := t.Keys
	if len(keys) == 0 {
		keys = []string{t.APIKey}
	}
	for _, k := range keys {
		c.auths = append(c.auths, "Bearer "+k)
	}
	if per := t.MaxRate.PerSecond(); per > 0 {
		c.guard = rate.NewLimiter(rate.Limit(per),
			max(1, int(math.Ceil(per))))
	}
	rt := t.Transport
	if rt == nil {
		tr := c.transport(maxConns)
		if t.TLS != nil {
			tr.TLSClientConfig = t.TLS.Clone()
		}
		rt = tr
	}
	c.hc = &http.Client{
		Transport: rt,
		// A redirect is an answer to measure, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

// transport is sized to the concurrency so that every in-flight request
// keeps its connection: no churn, no queueing in the pool. The bound on
// connections matters when the CPU is busy: without it, requests that
// find no idle connection each start a dial, and a burst can open
// thousands more connections than there are requests in flight.
func (c *client) transport(maxConns int) *http.Transport {
	d := &net.Dialer{Timeout: c.timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, nw, addr string) (net.Conn,
			error) {
			c.dials.Add(1)
			return d.DialContext(ctx, nw, addr)
		},
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: c.timeout,
	}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// reply is one attempt's answer.
type reply struct {
	sent, done time.Time
	status     int
	class      reports.Class
	retryAfter time.Duration
	hasRA      bool
	code       string // the error envelope's code, when there is one
	body       []byte
	held       bool   // an authorize answered pending_approval
	invalid    bool   // a verified receipt failed its check
	earlier    bool   // a retry found that an earlier attempt went through
	cause      string // why a transport error happened
}

// hold waits for the MaxRate guard's permission to send, if there is a
// guard, and counts the requests it held back.
func (c *client) hold(ctx context.Context) error {
	if c.guard == nil {
		return nil
	}
	res := c.guard.Reserve()
	d := res.Delay()
	if d == 0 {
		return nil
	}
	c.held.Add(1)
	c.wait.Add(int64(d))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		res.Cancel()
		return ctx.Err()
	}
}

// guardWarning says how much the MaxRate guard held the run back, or ""
// if it never did.
func (c *client) guardWarning(r Rate) string {
	n := c.held.Load()
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("the max_rate guard (%v) held back %d requests "+
		"for %v in all; that wait is in their dispatch delay", r, n,
		time.Duration(c.wait.Load()).Round(time.Millisecond))
}

// errorBody is an error answer: the flat code the SDKs read, or the
// nested one the docs show.
type errorBody struct {
	Code  string `json:"code"`
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// code returns whichever code the body carries.
func (b *errorBody) code() string {
	if b.Code != "" {
		return b.Code
	}
	return b.Error.Code
}

// public is the key index of a request that carries no key.
const public = -1

// do sends one request with key number key of the pool, or none for
// public, and reads its body to the end. A transport failure is a reply
// of class TransportError, not an error.
func (c *client) do(ctx context.Context, method, path string, body []byte,
	key int) reply {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, method, c.api+path,
		bytes.NewReader(body))
	if err != nil {
		now := time.Now()
		return reply{sent: now, done: now, class: reports.ClientError}
	}
	req.Header.Set("Content-Type", "application/json")
	if key != public {
		req.Header.Set("Authorization", c.auths[key%len(c.auths)])
	}
	if err := c.hold(ctx); err != nil {
		now := time.Now()
		return reply{sent: now, done: now, class: reports.TransportError,
			cause: cause(err)}
	}

	r := reply{sent: time.Now()}
	resp, err := c.hc.Do(req)
	if err != nil {
		r.done = time.Now()
		r.class, r.cause = reports.TransportError, cause(err)
		return r
	}
	r.body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	r.done = time.Now()
	if err != nil {
		r.class, r.cause = reports.TransportError, cause(err)
		return r
	}
	r.status = resp.StatusCode
	r.retryAfter, r.hasRA = ParseRetryAfter(resp.Header.Get("Retry-After"),
		r.done)
	if r.status >= 400 {
		var eb errorBody
		if json.Unmarshal(r.body, &eb) == nil {
			r.code = eb.code()
		}
	}
	r.class = classify(r.status, r.code, r.hasRA)
	return r
}

// cause names why a request got no answer.
func cause(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too-many-open-files"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case isTLSError(err):
		return "tls"
	default:
		return "other"
	}
}

// isTLSError reports whether err comes from a TLS handshake: a
// certificate that did not verify, or a peer that does not speak TLS.
func isTLSError(err error) bool {
	var (
		verify *tls.CertificateVerificationError
		record tls.RecordHeaderError
		alert  tls.AlertError
	)
	return errors.As(err, &verify) || errors.As(err, &record) ||
		errors.As(err, &alert)
}

// classify maps a status to its outcome class.
func classify(status int, code string, hasRetryAfter bool) reports.Class {
	switch {
	case status >= 200 && status < 300:
		return reports.OK
	case status == http.StatusTooManyRequests:
		return reports.Throttled
	case status == http.StatusServiceUnavailable && hasRetryAfter:
		return reports.Throttled
	case status == http.StatusForbidden && code == "POLICY_DENIED":
		return reports.Denied
	case status >= 500:
		return reports.ServerError
	default:
		return reports.ClientError
	}
}
