package loadgen_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
)

// TestKeyPoolSharesRequests checks that a pool of keys spreads
// operations evenly, and public requests carry no key.
func TestKeyPoolSharesRequests(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[r.Header.Get("Authorization")]++
			mu.Unlock()
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"action_uuid":"a","status":"authorized"}`))
		}))
	defer srv.Close()
	plan := loadgen.Plan{Stages: []loadgen.Stage{
		{Name: "keyed", Flow: loadgen.FlowAuthorize, Body: loadgen.DefaultBody,
			Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 2,
				Items: 6}},
		{Name: "public", Flow: loadgen.FlowHealth,
			Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 1,
				Items: 1}}}}
	_, err := loadgen.Run(t.Context(), plan, loadgen.Target{
		BaseURL: srv.URL, APIKey: "unused", Keys: []string{"a", "b", "c"}},
		loadgen.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"Bearer a": 2, "Bearer b": 2, "Bearer c": 2,
		"": 1}
	for k, n := range want {
		if seen[k] != n {
			t.Errorf("header %q seen %d times, want %d", k, seen[k], n)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("headers seen %v, want %v", seen, want)
	}
}

// TestKeyPoolKeepsActions runs authorize+notarize, and notarize of
// prepared actions, through a pool of three keys against a mock that
// knows them: each key is its own organisation, so a notarize sent with
// another key than the authorize would fail. Every operation succeeds,
// and the keys share the requests.
func TestKeyPoolKeepsActions(t *testing.T) {
	keys := testKeys(3)
	for _, flow := range []loadgen.Flow{loadgen.FlowAuthorizeNotarize,
		loadgen.FlowNotarize} {
		srv, err := mockserver.NewUnstarted(mockserver.Config{
			Profile: mockserver.Profile{Receipts: mockserver.Receipts{
				Universal: true}}, Keys: keys})
		if err != nil {
			t.Fatal(err)
		}
		plan := loadgen.Plan{Stages: []loadgen.Stage{{Name: "pool",
			Flow: flow, Body: loadgen.DefaultBody,
			Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 4,
				Items: 60}}}}
		run, err := loadgen.Run(t.Context(), plan, loadgen.Target{
			BaseURL: "http://mock", Keys: keys,
			Transport: inProcess{srv.Handler()},
		}, loadgen.Options{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		st := run.Stages[0]
		if ok := st.Outcomes[0]; ok != 60 {
			t.Errorf("%s: %d of 60 operations ok; outcomes %v", flow, ok,
				st.Outcomes)
		}
		for _, k := range keys {
			if n := srv.Stats().Keys[k].Admitted; n < 20 {
				t.Errorf("%s: key %s admitted %d requests, want its share",
					flow, k, n)
			}
		}
	}
}
