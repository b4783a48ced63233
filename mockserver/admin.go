package mockserver

import (
	"bytes"
	"io"
	"net/http"

	"github.com/goccy/go-yaml"
	"github.com/gorilla/mux"
)

// adminRoutes mounts the admin API and /metrics. They bypass keys, rate
// limits, faults and delays; the server binds loopback by default.
//
//	GET   /__admin/profile  the profile in force, as YAML
//	PUT   /__admin/profile  replace it (YAML or JSON, strict)
//	PATCH /__admin/profile  decode a partial profile on top of it
//	POST  /__admin/reset    forget actions, keys' state and counters
//	GET   /__admin/stats    Stats as JSON
//	GET   /metrics          Prometheus metrics
func (s *Server) adminRoutes(m *mux.Router) {
	a := m.PathPrefix("/__admin").Subrouter()
	a.HandleFunc("/profile", s.getProfile).Methods("GET")
	a.HandleFunc("/profile", s.putProfile(false)).Methods("PUT")
	a.HandleFunc("/profile", s.putProfile(true)).Methods("PATCH")
	a.HandleFunc("/reset", s.postReset).Methods("POST")
	a.HandleFunc("/stats", s.getStats).Methods("GET")
	m.Handle("/metrics", s.metricsHandler()).Methods("GET")
}

func (s *Server) getProfile(w http.ResponseWriter, _ *http.Request) {
	out, err := yaml.Marshal(s.Profile())
	if err != nil {
		writeJSON(w, 500, fail(500, "INTERNAL_ERROR", err.Error(), nil).body)
		return
	}
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(out)
}

func (s *Server) putProfile(patch bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, DefaultMaxBodyBytes))
		if err != nil {
			writeJSON(w, 400, fail(400, "BAD_REQUEST", err.Error(), nil).body)
			return
		}
		var p Profile
		if patch {
			p = s.Profile()
		}
		dec := yaml.NewDecoder(bytes.NewReader(body),
			yaml.DisallowUnknownField())
		if err := dec.Decode(&p); err != nil && err != io.EOF {
			writeJSON(w, 400, fail(400, "BAD_REQUEST", err.Error(), nil).body)
			return
		}
		if err := s.SetProfile(p); err != nil {
			res := profileInvalid(p.Validate())
			writeJSON(w, res.status, res.body)
			return
		}
		s.getProfile(w, r)
	}
}

func profileInvalid(errs []FieldError) result {
	fields := make(map[string]string, len(errs))
	for _, e := range errs {
		fields[e.Field] = e.Msg
	}
	return validation(fields)
}

func (s *Server) postReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
}

func (s *Server) getStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.Stats())
}

// Profile returns a copy of the profile in force.
func (s *Server) Profile() Profile { return s.live.Load().prof }

// SetProfile validates p and puts it in force for the requests that
// arrive from now on. Every key and IP starts its rate limits afresh;
// actions, receipts and counters are kept.
func (s *Server) SetProfile(p Profile) error {
	if errs := p.Validate(); len(errs) > 0 {
		return profileError(errs)
	}
	for {
		old := s.live.Load()
		if s.live.CompareAndSwap(old, newLive(p, old.gen+1)) {
			return nil
		}
	}
}

// Reset forgets every action, receipt, idempotency key, rate-limit state
// and counter, as if the server had just started with its current
// profile, seed and signing key.
func (s *Server) Reset() {
	s.store.init()
	s.idem.reset()
	s.principals.Clear()
	s.requests.Store(0)
	s.SetProfile(s.Profile())
}
