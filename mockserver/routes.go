package mockserver

import (
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

// endpoint is one API operation: its name in Latency and in metrics,
// whether it needs a key, which delay it takes, and its handler.
type endpoint struct {
	name  string
	keyed bool
	lat   func(*Latency) *Dist
	h     route
	obs   *routeMetrics
}

func (s *Server) routes() http.Handler {
	m := mux.NewRouter().SkipClean(true)
	v1 := m.PathPrefix("/api/v1").Subrouter()
	s.handle(v1, "POST", "/actions", s.ep("authorize", true, authorize))
	s.handle(v1, "GET", "/actions",
		s.ep("list_actions", true, listActions))
	s.handle(v1, "GET", "/actions/{id}",
		s.ep("get_action", true, getAction))
	s.handle(v1, "POST", "/actions/{id}/notarize",
		s.ep("notarize", true, notarize))
	s.handle(v1, "POST", "/actions/{id}/approve",
		s.ep("approve", true, approve))
	s.handle(v1, "POST", "/actions/{id}/deny", s.ep("deny", true, deny))
	s.handle(v1, "GET", "/receipts/{id}",
		s.ep("get_receipt", true, getReceipt))
	s.handle(v1, "GET", "/verify/action/{id}",
		s.ep("verify", false, verifyAction))
	s.handle(v1, "GET", "/health", s.ep("health", false, health))
	keys := s.ep("keys", false, jwks)
	for _, r := range []*mux.Router{m, v1} {
		s.handle(r, "GET", "/.well-known/jwks.json", keys)
		s.handle(r, "GET", "/.well-known/keys", keys)
	}
	s.adminRoutes(m)
	m.NotFoundHandler = s.wrap(s.ep("unknown", false, routeNotFound))
	m.MethodNotAllowedHandler = s.wrap(s.ep("unknown", false, notAllowed))
	return m
}

// ep builds the endpoint called name; name must be a Latency field's
// YAML name or "unknown".
func (s *Server) ep(name string, keyed bool, h route) *endpoint {
	return &endpoint{name: name, keyed: keyed, lat: latencyField(name),
		h: h, obs: s.metrics.route(name)}
}

func latencyField(name string) func(*Latency) *Dist {
	return func(l *Latency) *Dist {
		switch name {
		case "authorize":
			return &l.Authorize
		case "notarize":
			return &l.Notarize
		case "verify":
			return &l.Verify
		case "health":
			return &l.Health
		case "get_action":
			return &l.GetAction
		case "list_actions":
			return &l.ListActions
		case "get_receipt":
			return &l.GetReceipt
		case "approve":
			return &l.Approve
		case "deny":
			return &l.Deny
		case "keys":
			return &l.Keys
		}
		return &Dist{}
	}
}

func (s *Server) handle(r *mux.Router, method, path string, ep *endpoint) {
	r.Handle(path, s.wrap(ep)).Methods(method)
}

// wrap runs the steps every endpoint shares: find the principal, apply
// its rate limit, check the key, draw a fault, take a worker of the
// capacity model, run the handler, hold the answer until the sampled
// delay has passed since arrival, and write it.
func (s *Server) wrap(ep *endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.requests.Add(1)
		done := s.metrics.begin()
		status := 0
		defer func() { done(ep.obs, status, start) }()

		now, l := s.now(), s.live.Load()
		key, sent := bearer(r)
		valid := sent && s.validKey(key)
		p := s.principalFor(key, valid, r)
		t := p.admit(s.offset(now), l, ep.lat)
		defer p.release(t.limit)
		s.metrics.decision(p.keyed, t.d.allowed)
		setRateHeaders(w.Header(), t.d, now, l.prof.window(p.keyed),
			l.prof.Throttle)

		c := &call{r: r, p: p, now: now, reqID: t.reqID, prof: &l.prof}
		res, f, ok := s.answer(ep, sent, valid, t, w.Header(), c, l)
		if !ok || !sleepCtx(r.Context(), time.Until(start.Add(t.delay))) {
			return
		}
		if e, isErr := res.body.(*apiError); isErr {
			e.RequestID = t.reqID
			res.body = e.shaped(l.prof.ErrorEnvelope)
		}
		status = res.status
		if f != nil {
			s.metrics.fault(f.Kind)
			writeFaulty(r.Context(), w, f, res)
			return
		}
		writeJSON(w, res.status, res.body)
	})
}

// answer decides the response: a 429 or 401 at once, an injected
// failure, or the route's answer after a worker has served it. It
// returns a fault that shapes the writing, and false when the client
// went away first.
func (s *Server) answer(ep *endpoint, sent, valid bool, t ticket,
	h http.Header, c *call, l *live) (result, *Fault, bool) {
	switch {
	case !t.d.allowed:
		return throttled(h, t.d, c.now, l.prof.Throttle), nil, true
	case sent && !valid:
		return fail(http.StatusUnauthorized, "UNAUTHORIZED",
			"Invalid API key", nil), nil, true
	case ep.keyed && !sent:
		return fail(http.StatusUnauthorized, "UNAUTHORIZED",
			"Missing API key", nil), nil, true
	}
	f := pickFault(l.faults, ep.name, s.offset(c.now), c.p)
	if isHTTPFault(f) {
		return faultAnswer(f, h), nil, true
	}
	if f != nil && f.Kind == FaultStall && !s.stall(c, f) {
		return result{}, nil, false
	}
	if !l.pool.serve(c.r.Context(), t.service) {
		if c.r.Context().Err() != nil {
			return result{}, nil, false
		}
		h.Set("Retry-After", "1")
		return fail(http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE",
			"Server overloaded; try again shortly", nil), nil, true
	}
	return ep.h(s, c), f, true
}

// stall waits out a stall fault; zero Duration waits for the client to
// give up or the server to shut down. It reports whether the request
// should go on.
func (s *Server) stall(c *call, f *Fault) bool {
	if f.Duration == 0 {
		select {
		case <-c.r.Context().Done():
		case <-s.closing:
		}
		return false
	}
	return sleepCtx(c.r.Context(), f.Duration)
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
