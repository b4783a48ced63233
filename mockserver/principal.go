package mockserver

import (
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// LimitStats counts the rate-limit decisions made for one API key or
// client IP.
type LimitStats struct {
	// Admitted and Limited count requests let through and answered 429.
	Admitted int64 `json:"admitted"`
	Limited  int64 `json:"limited"`
	// RetryAfter counts the Retry-After values sent, by seconds.
	RetryAfter map[int64]int64 `json:"retry_after"`
	// EarlyRetries counts requests that came before the instant named
	// by the last Retry-After sent to this key or IP.
	EarlyRetries int64 `json:"early_retries"`
	// LimitedAfterWait counts 429s to requests that came within one
	// second after that instant: clients that honoured a Retry-After
	// and were refused again, because another client of the same key
	// took the freed slot. With one client per key it stays zero.
	LimitedAfterWait int64 `json:"limited_after_wait"`
}

// Stats is a snapshot of a Server's counters.
type Stats struct {
	// Requests counts every request routed, including unknown paths.
	Requests int64 `json:"requests"`
	// Actions and Receipts count what the store holds.
	Actions  int `json:"actions"`
	Receipts int `json:"receipts"`
	// Keys holds the counts per API key, IPs per client IP for requests
	// without a valid key.
	Keys map[string]LimitStats `json:"keys"`
	IPs  map[string]LimitStats `json:"ips"`
}

// principal is one API key or one client IP: its random stream, its
// rate-limit state and its counters.
type principal struct {
	name  string
	keyed bool
	org   string

	mu      sync.Mutex
	rng     *rand.Rand
	limit   limitState
	stats   LimitStats
	gen     uint64        // the live generation limit was built for; 0: none
	retryAt time.Duration // when the last advertised wait ends; 0: none yet
	last    time.Duration // the latest instant seen, so time never goes back
}

// principalFor returns the principal of an API key or of the request's
// client IP, creating it on first use.
func (s *Server) principalFor(key string, keyed bool,
	r *http.Request) *principal {
	name := "ip:" + clientIP(r)
	if keyed {
		name = "key:" + key
	}
	if p, ok := s.principals.Load(name); ok {
		return p.(*principal)
	}
	p := s.newPrincipal(name, keyed)
	actual, _ := s.principals.LoadOrStore(name, p)
	return actual.(*principal)
}

func (s *Server) newPrincipal(name string, keyed bool) *principal {
	p := &principal{name: name, keyed: keyed}
	p.rng = newStream(s.cfg.Seed, name)
	p.org = newUUID(p.rng)
	return p
}

// limitsFor builds the limiter state of a key or of a client IP, or nil
// when no rule is on.
func limitsFor(prof *Profile, keyed bool) limitState {
	rules := []RateLimit{prof.PublicRateLimit}
	if keyed {
		rules = append([]RateLimit{prof.RateLimit}, prof.ExtraRateLimits...)
	}
	var st stack
	for _, r := range rules {
		if l := newLimitState(r); l != nil {
			st = append(st, l)
		}
	}
	switch len(st) {
	case 0:
		return nil
	case 1:
		return st[0]
	}
	return st
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ticket is what admit decided for one request.
type ticket struct {
	d       decision
	reqID   string
	delay   time.Duration // the endpoint's latency
	service time.Duration // the worker time under Capacity
	limit   limitState    // the state that counted the request, or nil
}

// admit asks the principal's limiter about a request at now, counts the
// answer, and draws the request id, the delay and the service time.
func (p *principal) admit(now time.Duration, l *live,
	lat func(*Latency) *Dist) ticket {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen != l.gen {
		p.limit, p.gen = limitsFor(&l.prof, p.keyed), l.gen
	}
	t := ticket{reqID: newRequestID(p.rng)}
	t.d = p.decide(now)
	if !t.d.allowed {
		return t
	}
	t.limit = p.limit
	t.delay = lat(&l.prof.Latency).sample(p.rng)
	t.service = lat(&l.prof.Capacity.ServiceTime).sample(p.rng)
	return t
}

// decide runs the limiter and keeps the counts; the caller holds p.mu.
func (p *principal) decide(now time.Duration) decision {
	if p.limit == nil {
		p.stats.Admitted++
		return decision{allowed: true}
	}
	now = max(now, p.last)
	p.last = now
	waited := p.retryAt != 0 && now >= p.retryAt &&
		now < p.retryAt+time.Second
	if p.retryAt != 0 && now < p.retryAt {
		p.stats.EarlyRetries++
	}
	d := allow(p.limit, now)
	if d.allowed {
		p.stats.Admitted++
		return d
	}
	p.count429(now, d, waited)
	return d
}

// release ends a request that admit let through, on the state that
// counted it.
func (p *principal) release(l limitState) {
	if l == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l.release()
}

func (p *principal) count429(now time.Duration, d decision, waited bool) {
	secs := retryAfterSeconds(d.retryAfter)
	p.stats.Limited++
	if waited {
		p.stats.LimitedAfterWait++
	}
	if p.stats.RetryAfter == nil {
		p.stats.RetryAfter = make(map[int64]int64)
	}
	p.stats.RetryAfter[secs]++
	p.retryAt = now + time.Duration(secs)*time.Second
}

// float draws a uniform number in [0, 1) from the principal's stream.
func (p *principal) float() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64()
}

// uuid draws a version 4 UUID from the principal's stream.
func (p *principal) uuid() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return newUUID(p.rng)
}

func (p *principal) snapshot() LimitStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.stats
	st.RetryAfter = maps.Clone(p.stats.RetryAfter)
	return st
}

// Stats returns a snapshot of the server's counters.
func (s *Server) Stats() Stats {
	st := Stats{
		Requests: s.requests.Load(),
		Keys:     make(map[string]LimitStats),
		IPs:      make(map[string]LimitStats),
	}
	st.Actions, st.Receipts = s.store.counts()
	s.principals.Range(func(_, v any) bool {
		p := v.(*principal)
		if key, ok := strings.CutPrefix(p.name, "key:"); ok {
			st.Keys[key] = p.snapshot()
		} else {
			st.IPs[strings.TrimPrefix(p.name, "ip:")] = p.snapshot()
		}
		return true
	})
	return st
}
