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
	// EarlyRetries counts requests that came before the Retry-After
	// last sent to this principal had passed.
	EarlyRetries int64 `json:"early_retries"`
	// LimitedAfterWait counts 429s to requests that came after the last
	// advertised Retry-After had passed: with one client per key it
	// stays zero.
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
	retryAt time.Duration // when the last advertised wait ends; 0: none
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
	prof := s.profile.Load()
	rule := prof.PublicRateLimit
	if keyed {
		rule = prof.RateLimit
	}
	p.limit = newLimitState(rule)
	return p
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// admit asks the principal's limiter about a request at now, counts the
// answer, and draws the request id and the delay.
func (p *principal) admit(now time.Duration, delay *Dist) (
	d decision, reqID string, wait time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	reqID = newRequestID(p.rng)
	if p.limit == nil {
		return decision{allowed: true}, reqID, delay.sample(p.rng)
	}
	waited := p.retryAt != 0 && now >= p.retryAt
	if p.retryAt != 0 && now < p.retryAt {
		p.stats.EarlyRetries++
	}
	d = p.limit.allow(now)
	if d.allowed {
		p.stats.Admitted++
		p.retryAt = 0
		return d, reqID, delay.sample(p.rng)
	}
	p.count429(now, d, waited)
	return d, reqID, 0
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
