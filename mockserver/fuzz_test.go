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
		h := s.Handler()
		out := checkFuzzAnswer(t, h, fuzzRequest(m, path, key, body))
		var made struct {
			ActionUUID string `json:"action_uuid"`
		}
		if json.Unmarshal(out, &made) != nil || made.ActionUUID == "" {
			return
		}
		for _, next := range followUps(made.ActionUUID, key, body) {
			checkFuzzAnswer(t, h, next)
		}
	})
}

// followUps drive an action the fuzzed request created through the
// later endpoints, reusing the fuzzed body.
func followUps(id, key string, body []byte) []*http.Request {
	base := "/api/v1/actions/" + url.PathEscape(id)
	return []*http.Request{
		fuzzRequest(1, base+"/approve", key, body),
		fuzzRequest(1, base+"/notarize", key, body),
		fuzzRequest(0, base, key, nil),
		fuzzRequest(0, "/api/v1/verify/action/"+url.PathEscape(id), "", nil),
	}
}

// fuzzRequest builds a request without the checks of
// httptest.NewRequest, which panics on a bad target.
func fuzzRequest(m uint8, path, key string, body []byte) *http.Request {
	u, err := url.Parse(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	req := httptest.NewRequest(fuzzMethods[int(m)%len(fuzzMethods)], "/",
		bytes.NewReader(body))
	req.URL = u
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return req
}

// checkFuzzAnswer serves req and returns the body after checking it.
func checkFuzzAnswer(t *testing.T, h http.Handler, req *http.Request) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code >= 500 {
		t.Fatalf("%s %s: status %d, body %s", req.Method, req.URL,
			rec.Code, rec.Body)
	}
	if req.URL.Path == "/metrics" || req.URL.Path == "/__admin/profile" {
		return nil
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("%s %s: status %d, body not JSON: %q", req.Method,
			req.URL, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}
