package mockserver

import (
	"sync"
	"time"
)

// Idempotency sets how idempotency_key reuse is detected. A reused key
// gets 409 DUPLICATE_REQUEST; the first response is not replayed.
type Idempotency struct {
	// Scope is "key" (the default: keys are unique per API key, which
	// in the mock is per org) or "global" (unique across all keys).
	Scope string `yaml:"scope" json:"scope"`
	// TTL is how long a key is remembered; zero means forever.
	TTL time.Duration `yaml:"ttl" json:"ttl"`
}

// idemEntry is a remembered idempotency key.
type idemEntry struct {
	action string
	at     time.Duration
}

// idempotency remembers the idempotency keys seen, by scope.
type idempotency struct {
	mu    sync.Mutex
	seen  map[string]idemEntry
	swept int // size of seen after the last sweep
}

// claim records key at now for action and returns "", or returns the
// action that already holds key within ttl.
func (m *idempotency) claim(key, action string, now, ttl time.Duration) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen == nil {
		m.seen = make(map[string]idemEntry)
	}
	if e, ok := m.seen[key]; ok && (ttl == 0 || now-e.at < ttl) {
		return e.action
	}
	m.seen[key] = idemEntry{action: action, at: now}
	if ttl > 0 && len(m.seen) >= 2*max(m.swept, 1024) {
		m.sweep(now, ttl)
	}
	return ""
}

// sweep forgets expired keys; claim calls it when the map has doubled.
func (m *idempotency) sweep(now, ttl time.Duration) {
	for k, e := range m.seen {
		if now-e.at >= ttl {
			delete(m.seen, k)
		}
	}
	m.swept = len(m.seen)
}

func (m *idempotency) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen, m.swept = nil, 0
}
