package mockserver

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

// call is one admitted request as a route handler sees it.
type call struct {
	r     *http.Request
	p     *principal // the key's principal, or the client IP's
	now   time.Time
	reqID string
	prof  *Profile
}

// route is the shape of every endpoint handler.
type route func(s *Server, c *call) result

// auth says whether an endpoint needs an API key.
type auth bool

const (
	keyed  auth = true
	public auth = false
)

func (s *Server) routes() http.Handler {
	m := mux.NewRouter()
	v1 := m.PathPrefix("/api/v1").Subrouter()
	s.handle(v1, "POST", "/actions", keyed, latAuthorize, authorize)
	s.handle(v1, "GET", "/actions", keyed, latListActions, listActions)
	s.handle(v1, "GET", "/actions/{id}", keyed, latGetAction, getAction)
	s.handle(v1, "POST", "/actions/{id}/notarize", keyed, latNotarize,
		notarize)
	s.handle(v1, "POST", "/actions/{id}/approve", keyed, latApprove,
		approve)
	s.handle(v1, "POST", "/actions/{id}/deny", keyed, latDeny, deny)
	s.handle(v1, "GET", "/receipts/{id}", keyed, latGetReceipt,
		getReceipt)
	s.handle(v1, "GET", "/verify/action/{id}", public, latVerify,
		verifyAction)
	s.handle(v1, "GET", "/health", public, latHealth, health)
	for _, r := range []*mux.Router{m, v1} {
		s.handle(r, "GET", "/.well-known/jwks.json", public, latKeys, jwks)
		s.handle(r, "GET", "/.well-known/keys", public, latKeys, jwks)
	}
	m.NotFoundHandler = s.wrap(public, latNone, routeNotFound)
	m.MethodNotAllowedHandler = s.wrap(public, latNone, notAllowed)
	return m
}

func (s *Server) handle(r *mux.Router, method, path string, a auth,
	lat latencyOf, h route) {
	r.Handle(path, s.wrap(a, lat, h)).Methods(method)
}

// latencyOf picks one endpoint's delay distribution from a profile.
type latencyOf func(*Latency) *Dist

func latAuthorize(l *Latency) *Dist   { return &l.Authorize }
func latNotarize(l *Latency) *Dist    { return &l.Notarize }
func latVerify(l *Latency) *Dist      { return &l.Verify }
func latHealth(l *Latency) *Dist      { return &l.Health }
func latGetAction(l *Latency) *Dist   { return &l.GetAction }
func latListActions(l *Latency) *Dist { return &l.ListActions }
func latGetReceipt(l *Latency) *Dist  { return &l.GetReceipt }
func latApprove(l *Latency) *Dist     { return &l.Approve }
func latDeny(l *Latency) *Dist        { return &l.Deny }
func latKeys(l *Latency) *Dist        { return &l.Keys }
func latNone(*Latency) *Dist          { return &Dist{} }

// wrap runs the steps every endpoint shares: find the principal, apply
// its rate limit, check the key, run h, hold the answer until the
// sampled delay has passed since arrival, and write it.
func (s *Server) wrap(a auth, lat latencyOf, h route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.requests.Add(1)
		now := s.now()
		prof := s.profile.Load()
		key, sent := bearer(r)
		valid := sent && s.validKey(key)
		p := s.principalFor(key, valid, r)
		d, reqID, delay := p.admit(s.offset(now), lat(&prof.Latency))
		setRateHeaders(w.Header(), d, now)
		res := s.answer(a, sent, valid, d, w.Header(),
			&call{r: r, p: p, now: now, reqID: reqID, prof: prof}, h)
		if e, ok := res.body.(*apiError); ok {
			e.RequestID = reqID
		}
		if !waitUntil(r.Context(), start.Add(delay)) {
			return
		}
		writeJSON(w, res.status, res.body)
	})
}

func (s *Server) answer(a auth, sent, valid bool, d decision,
	h http.Header, c *call, route route) result {
	switch {
	case !d.allowed:
		return limited(h, d)
	case sent && !valid:
		return fail(http.StatusUnauthorized, "UNAUTHORIZED",
			"Invalid API key", nil)
	case a == keyed && !sent:
		return fail(http.StatusUnauthorized, "UNAUTHORIZED",
			"Missing API key", nil)
	}
	return route(s, c)
}

// waitUntil blocks until t or until ctx is done, and reports whether t
// was reached.
func waitUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// bearer returns the token of an Authorization header and whether the
// header was sent at all.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", true
	}
	return strings.TrimSpace(token), true
}

func (s *Server) validKey(key string) bool {
	if key == "" {
		return false
	}
	return len(s.keys) == 0 || s.keys[key]
}

func routeNotFound(_ *Server, c *call) result {
	return fail(http.StatusNotFound, "NOT_FOUND",
		"No route for "+c.r.Method+" "+c.r.URL.Path, nil)
}

func notAllowed(_ *Server, c *call) result {
	return fail(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
		"Method "+c.r.Method+" not allowed on "+c.r.URL.Path, nil)
}
