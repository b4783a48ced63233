package mockserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// reply is a decoded response.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// str returns a string field of the body, following dotted paths.
func (r reply) str(path string) string {
	v, _ := r.get(path).(string)
	return v
}

func (r reply) get(path string) any {
	var v any = r.body
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

func decodeReply(t *testing.T, status int, h http.Header,
	body io.Reader) reply {
	t.Helper()
	raw, err := io.ReadAll(body)
	if err != nil {
		t.Fatal(err)
	}
	r := reply{status: status, header: h, raw: raw}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", raw, err)
	}
	return r
}

// serve sends one request straight to a handler.
func serve(t *testing.T, h http.Handler, method, path, key string,
	body any) reply {
	t.Helper()
	req := httptest.NewRequest(method, path, encode(t, body))
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return decodeReply(t, rec.Code, rec.Header(), rec.Body)
}

// send sends one request over the network to base.
func send(t *testing.T, base, method, path, key string, body any) reply {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method,
		base+path, encode(t, body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return decodeReply(t, resp.StatusCode, resp.Header, resp.Body)
}

func encode(t *testing.T, body any) io.Reader {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return strings.NewReader(b)
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(raw)
}

func wantStatus(t *testing.T, r reply, want int, what string) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d; body %s",
			what, r.status, want, r.raw)
	}
}

// wantError checks both envelopes of an error body.
func wantError(t *testing.T, r reply, status int, code, what string) {
	t.Helper()
	wantStatus(t, r, status, what)
	if r.str("code") != code || r.str("error.code") != code {
		t.Errorf("%s: code %q, error.code %q, want %q; body %s",
			what, r.str("code"), r.str("error.code"), code, r.raw)
	}
	if r.str("message") == "" || r.str("error.message") == "" {
		t.Errorf("%s: missing message; body %s", what, r.raw)
	}
	if !strings.HasPrefix(r.str("request_id"), "req_") {
		t.Errorf("%s: request_id %q, want req_...", what,
			r.str("request_id"))
	}
}

var authorizeBody = map[string]any{
	"action_type": "wire_transfer",
	"details":     "Send 100 EUR to <acct> & co, café",
	"agent_id":    "billing-agent",
}
