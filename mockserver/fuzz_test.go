package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH"}

// FuzzHandlers sends arbitrary requests to the API and checks that the
// mock never panics, never answers 5xx, and always answers JSON.
func FuzzHandlers(f *testing.F) {
	f.Add(uint8(1), "/api/v1/actions", "k",
		[]byte(`{"action_type":"t","details":"d"}`))
	f.Add(uint8(1), "/api/v1/actions/x/notarize", "k",
		[]byte(`{"outcome":"failed"}`))
	f.Add(uint8(0), "/api/v1/actions", "k", []byte(nil))
	f.Add(uint8(0), "/api/v1/verify/action/x", "", []byte(nil))
	f.Fuzz(func(t *testing.T, m uint8, path, key string, body []byte) {
		p := unlimited(t)
		p.Policy = Policy{Deny: 0.3, Hold: 0.3}
		p.MaxBodyBytes = 4096
		s, err := NewUnstarted(Config{Profile: p})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range fuzzRequests(m, path, key, body) {
			checkFuzzAnswer(t, s.Handler(), r)
		}
	})
}

// fuzzRequests returns the fuzzed request, then a follow-up on the
// action it may have created, to reach deeper states.
func fuzzRequests(m uint8, path, key string, body []byte) []*http.Request {
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	req := httptest.NewRequest(fuzzMethods[int(m)%len(fuzzMethods)], "/",
		bytes.NewReader(body))
	req.URL = u
	req.RequestURI = ""
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return []*http.Request{req}
}

func checkFuzzAnswer(t *testing.T, h http.Handler, req *http.Request) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s: status %d, body %s", req.Method, req.URL,
			rec.Code, rec.Body)
	}
	if req.URL.Path == "/metrics" || req.URL.Path == "/__admin/profile" {
		return
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %s: status %d, body not JSON: %q", req.Method,
			req.URL, rec.Code, rec.Body)
	}
}
