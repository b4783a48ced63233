package mockserver

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the Prometheus collectors of one Server, registered in
// its own registry so that several servers can run in one process.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	faults    *prometheus.CounterVec
	inflight  prometheus.Gauge
}

// routeMetrics caches one route's collectors, so the hot path does no
// label lookups for the common status codes.
type routeMetrics struct {
	name     string
	duration prometheus.Observer
	byStatus [600]atomic.Pointer[prometheus.Counter]
	requests *prometheus.CounterVec
}

func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "airabench_mock_requests_total",
		Help: "Requests answered, by route and status code.",
	}, []string{"route", "code"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "airabench_mock_request_duration_seconds",
		Help:    "Time from arrival to the answer, by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"route"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "airabench_mock_limiter_decisions_total",
		Help: "Rate-limit decisions, by tier (key or ip) and decision.",
	}, []string{"tier", "decision"})
	m.faults = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "airabench_mock_faults_total",
		Help: "Injected faults, by kind.",
	}, []string{"kind"})
	m.inflight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "airabench_mock_in_flight_requests",
		Help: "Requests being handled now.",
	})
	m.reg.MustRegister(m.requests, m.duration, m.decisions, m.faults,
		m.inflight, poolGauge(s, "queue_depth",
			"Requests waiting for a simulated worker.",
			(*pool).depth),
		poolGauge(s, "busy_workers", "Simulated workers busy now.",
			(*pool).busyNow))
	return m
}

func poolGauge(s *Server, name, help string,
	read func(*pool) int64) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "airabench_mock_" + name, Help: help,
	}, func() float64 { return float64(read(s.live.Load().pool)) })
}

func (m *metrics) route(name string) *routeMetrics {
	return &routeMetrics{name: name,
		duration: m.duration.WithLabelValues(name), requests: m.requests}
}

// begin counts a request in flight and returns the function that ends
// it: it records the status (0 when no answer was written) and the time
// since start.
func (m *metrics) begin() func(r *routeMetrics, status int,
	start time.Time) {
	m.inflight.Inc()
	return m.end
}

func (m *metrics) end(r *routeMetrics, status int, start time.Time) {
	m.inflight.Dec()
	r.duration.Observe(time.Since(start).Seconds())
	r.counter(status).Inc()
}

func (r *routeMetrics) counter(status int) prometheus.Counter {
	if status < 0 || status >= len(r.byStatus) {
		status = 0
	}
	if c := r.byStatus[status].Load(); c != nil {
		return *c
	}
	code := strconv.Itoa(status)
	if status == 0 {
		code = "aborted"
	}
	c := r.requests.WithLabelValues(r.name, code)
	r.byStatus[status].Store(&c)
	return c
}

func (m *metrics) decision(keyed, allowed bool) {
	tier, d := "ip", "limited"
	if keyed {
		tier = "key"
	}
	if allowed {
		d = "admitted"
	}
	m.decisions.WithLabelValues(tier, d).Inc()
}

func (m *metrics) fault(kind string) {
	m.faults.WithLabelValues(kind).Inc()
}

// Metrics returns the server's own Prometheus registry, which also
// serves GET /metrics.
func (s *Server) Metrics() *prometheus.Registry { return s.metrics.reg }

func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}
