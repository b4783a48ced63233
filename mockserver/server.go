package mockserver

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server. The zero Config serves the zero Profile on
// a free loopback port with seed 0.
type Config struct {
	// Addr is the listen address; "" means "127.0.0.1:0", a free
	// loopback port. Binding beyond loopback is the caller's choice.
	Addr string
	// Profile is the behaviour to simulate.
	Profile Profile
	// Seed drives every random choice: ids, policy outcomes, delays
	// and, when SigningKey is nil, the signing key.
	Seed int64
	// Keys lists the accepted API keys. When empty, any non-empty
	// Bearer token is accepted.
	Keys []string
	// SigningKey signs receipts. When nil a key is derived from Seed,
	// so receipts stay verifiable across runs with the same seed.
	SigningKey ed25519.PrivateKey
	// Now is the clock for rate limits and timestamps; nil means
	// time.Now. Delays always run on real timers.
	Now func() time.Time
	// Logger, when set, receives the HTTP server's own error messages.
	Logger *slog.Logger

	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's line and headers, so slow clients cannot hold
	// connections open; DefaultReadHeaderTimeout when zero.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds how long a client may take to send a whole
	// request, body included; DefaultReadTimeout when zero.
	ReadTimeout time.Duration
	// IdleTimeout bounds how long a kept-alive connection may wait for
	// its next request; DefaultIdleTimeout when zero.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the size of a request's line and headers;
	// a larger one is answered 431. DefaultMaxHeaderBytes when zero.
	MaxHeaderBytes int
}

// The server's limits on slow and large clients when Config leaves them
// zero. There is no write timeout: stall and slow-body faults hold
// answers on purpose, and each delay ends with the request's context.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 64 << 10
)

// orDefault returns v, or def when v is zero.
func orDefault[T time.Duration | int](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Server is an in-process Aira v1 mock. Create one with New and stop it
// with Close; its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:PORT", without the
	// /api/v1 prefix. It is empty until the server is started.
	URL string

	cfg        Config
	now        func() time.Time
	epoch      time.Time
	live       atomic.Pointer[live]
	key        ed25519.PrivateKey
	pub        ed25519.PublicKey
	keys       map[string]bool
	sampleKey  string
	policyUUID string

	principals sync.Map // principal name -> *principal
	store      store
	idem       idempotency
	requests   atomic.Int64
	handler    http.Handler
	metrics    *metrics

	srv     *http.Server
	served  chan error
	closing chan struct{} // closed when Shutdown begins
	once    sync.Once
}

// New starts a Server listening on cfg.Addr and serving at once. It
// fails when the profile is invalid or the address cannot be bound.
func New(cfg Config) (*Server, error) {
	s, err := NewUnstarted(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// NewUnstarted builds a Server without listening, like
// httptest.NewUnstartedServer: use Handler directly, or call Start.
func NewUnstarted(cfg Config) (*Server, error) {
	if errs := cfg.Profile.Validate(); len(errs) > 0 {
		return nil, profileError(errs)
	}
	s := &Server{cfg: cfg, now: cfg.Now, keys: make(map[string]bool),
		closing: make(chan struct{})}
	if s.now == nil {
		s.now = time.Now
	}
	s.epoch = s.now()
	s.live.Store(newLive(cfg.Profile, 1))
	s.metrics = newMetrics(s)
	for _, k := range cfg.Keys {
		s.keys[k] = true
	}
	s.initKeys()
	s.store.init()
	s.handler = s.routes()
	return s, nil
}

func profileError(errs []FieldError) error {
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return fmt.Errorf("mockserver: invalid profile: %w", errors.Join(all...))
}

func (s *Server) initKeys() {
	keyStream := newStream(s.cfg.Seed, "signing-key")
	if s.cfg.SigningKey != nil {
		s.key = s.cfg.SigningKey
	} else {
		seed := make([]byte, ed25519.SeedSize)
		for i := range seed {
			seed[i] = byte(keyStream.Uint32())
		}
		s.key = ed25519.NewKeyFromSeed(seed)
	}
	s.pub = s.key.Public().(ed25519.PublicKey)
	s.policyUUID = newUUID(newStream(s.cfg.Seed, "policy"))
	if len(s.cfg.Keys) > 0 {
		s.sampleKey = s.cfg.Keys[0]
	} else {
		s.sampleKey = newAPIKey(newStream(s.cfg.Seed, "sample-key"))
	}
}

// Start listens on Config.Addr and serves in the background.
func (s *Server) Start() error {
	if s.srv != nil {
		return errors.New("mockserver: already started")
	}
	addr := s.cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("mockserver: listen: %w", err)
	}
	c := s.cfg
	s.srv = &http.Server{
		Handler: s.handler,
		ReadHeaderTimeout: orDefault(c.ReadHeaderTimeout,
			DefaultReadHeaderTimeout),
		ReadTimeout:    orDefault(c.ReadTimeout, DefaultReadTimeout),
		IdleTimeout:    orDefault(c.IdleTimeout, DefaultIdleTimeout),
		MaxHeaderBytes: orDefault(c.MaxHeaderBytes, DefaultMaxHeaderBytes),
	}
	if s.cfg.Logger != nil {
		s.srv.ErrorLog = slog.NewLogLogger(s.cfg.Logger.Handler(),
			slog.LevelWarn)
	}
	s.URL = "http://" + ln.Addr().String()
	s.served = make(chan error, 1)
	go func() { s.served <- s.srv.Serve(ln) }()
	return nil
}

// Shutdown stops accepting connections and waits until every in-flight
// request has been answered or ctx is done. Requests held by a stall
// fault without end are let go at once; other delays run out.
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() { close(s.closing) })
	if s.srv == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	if serr := <-s.served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	s.served <- http.ErrServerClosed // a second Shutdown returns at once
	if err != nil {
		return fmt.Errorf("mockserver: shutdown: %w", err)
	}
	return nil
}

// Close is Shutdown without a deadline: it returns once every in-flight
// request has been answered. Simulated delays are bounded, so it returns.
func (s *Server) Close() error {
	// Close takes no context, as httptest.Server.Close does; the wait is
	// bounded by the longest simulated delay in flight.
	return s.Shutdown(context.Background())
}

// Handler returns the mock's routes as one http.Handler, for use with
// httptest.NewRecorder or inside another server.
func (s *Server) Handler() http.Handler { return s.handler }

// PublicKey returns the Ed25519 key that verifies the mock's receipts.
func (s *Server) PublicKey() ed25519.PublicKey { return s.pub }

// SampleKey returns an API key the server accepts: the first of
// Config.Keys, or else a key shaped like Aira's drawn from the seed.
func (s *Server) SampleKey() string { return s.sampleKey }

// offset returns t as monotonic time since the server was built.
func (s *Server) offset(t time.Time) time.Duration { return t.Sub(s.epoch) }
