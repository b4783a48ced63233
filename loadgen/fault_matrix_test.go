package loadgen_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
)

// wire is a witness that passes the real connection through to the
// mock, so faults that cut or slow the connection reach the client as
// they would from a real server, while the wire keeps its own account:
// requests that reached a handler, and the status codes written.
type wire struct {
	mock   atomic.Pointer[mockserver.Server]
	arrive func(n int64) // called with each arrival's number, from 1

	n        atomic.Int64
	mu       sync.Mutex
	statuses map[int]int64
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	n := w.n.Add(1)
	if w.arrive != nil {
		w.arrive(n)
	}
	w.mock.Load().Handler().ServeHTTP(&statusWriter{ResponseWriter: rw,
		w: w}, r)
}

// status returns how many answers of the given status were written.
func (w *wire) status(code int) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.statuses[code]
}

// statusWriter tallies the status a handler writes. Unwrap lets
// http.ResponseController reach the connection, so the mock can still
// flush, hijack and reset it.
type statusWriter struct {
	http.ResponseWriter
	w *wire
}

func (s *statusWriter) WriteHeader(code int) {
	s.w.mu.Lock()
	s.w.statuses[code]++
	s.w.mu.Unlock()
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// front serves a wire on a fixed loopback port and can be stopped and
// started again on that port, as a restarted mock process would be.
type front struct {
	t    *testing.T
	wire *wire
	addr string

	mu sync.Mutex
	hs *http.Server
}

func newFront(t *testing.T, w *wire) *front {
	f := &front{t: t, wire: w, addr: "127.0.0.1:0"}
	f.start()
	t.Cleanup(f.stop)
	return f
}

func (f *front) start() {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		f.t.Errorf("listen on %s: %v", f.addr, err)
		return
	}
	f.addr = ln.Addr().String()
	hs := &http.Server{Handler: f.wire, ReadHeaderTimeout: 5 * time.Second}
	f.mu.Lock()
	f.hs = hs
	f.mu.Unlock()
	go hs.Serve(ln)
}

// stop closes the listener and every connection at once, as a killed
// process would; what is in flight is cut.
func (f *front) stop() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.hs != nil {
		f.hs.Close()
		f.hs = nil
	}
}

func (f *front) url() string { return "http://" + f.addr }

// faultModels are the load models every fault is tried under: a closed
// batch, an open rate, and an open rate feeding the offline queue. Each
// intends 60 operations.
var faultModels = []struct {
	name    string
	load    loadgen.Load
	offline *loadgen.Offline
}{
	{name: "closed", load: loadgen.Load{Model: loadgen.Closed,
		Concurrency: 4, Items: 60}},
	{name: "open", load: loadgen.Load{Model: loadgen.Open,
		Rate:     loadgen.Rate{Freq: 200, Per: time.Second},
		Duration: 300 * time.Millisecond}},
	{name: "offline", load: loadgen.Load{Model: loadgen.Open,
		Rate:     loadgen.Rate{Freq: 200, Per: time.Second},
		Duration: 300 * time.Millisecond},
		offline: &loadgen.Offline{FlushInterval: 20 * time.Millisecond,
			MaxQueueSize: 1000, BatchSize: 10, Flushers: 4}},
}

// faultCase is one fault, the client settings it is met with, and what
// the stage result must then say.
type faultCase struct {
	name    string
	faults  []mockserver.Fault
	timeout time.Duration
	retry   loadgen.RetryPolicy
	// setup may arm event-driven behaviour on the wire and the front.
	setup func(t *testing.T, fx *faultFixture)
	// check asserts what the result says happened.
	check func(t *testing.T, fx *faultFixture, st *reports.Stage)
	// restarts marks the case where requests may be lost on the way:
	// the wire then sees between the answered attempts and all of them.
	restarts bool
}

// faultFixture is one run's mock, wire and front.
type faultFixture struct {
	wire  *wire
	front *front
	// clock is the mock's server time past its epoch, for faults that
	// are windows of server time.
	clock atomic.Int64
	// spare is the mock served after a restart, if any.
	spare *mockserver.Server
	// restarted is closed once the restarted mock is serving.
	restarted chan struct{}
}

// retryMany retries every 10 ms for a second or more: long enough to
// outlast a restart on a loaded machine.
var retryMany = loadgen.RetryPolicy{MaxRetries: 100,
	Base: 10 * time.Millisecond, Factor: 1, Jitter: loadgen.NoJitter}

var faultCases = []faultCase{
	{
		name: "reset",
		faults: []mockserver.Fault{{Kind: mockserver.FaultReset,
			Endpoints: []string{"authorize"}, Every: 3}},
		check: func(t *testing.T, fx *faultFixture, st *reports.Stage) {
			fired := fx.wire.n.Load() / 3
			wantCause(t, st, "reset", fired)
		},
	},
	{
		name: "stall-past-timeout",
		// The first three requests stall until the client gives up. The
		// timeout is long enough that no answered request runs past it
		// on a loaded machine, so the counts stay exact.
		faults: []mockserver.Fault{{Kind: mockserver.FaultStall,
			Endpoints: []string{"authorize"}, First: 3}},
		timeout: time.Second,
		check: func(t *testing.T, fx *faultFixture, st *reports.Stage) {
			wantCause(t, st, "timeout", 3)
		},
	},
	{
		name: "5xx-burst",
		faults: []mockserver.Fault{{Kind: mockserver.FaultHTTP500,
			Endpoints: []string{"authorize"}, First: 10}},
		retry: retryMany,
		check: func(t *testing.T, fx *faultFixture, st *reports.Stage) {
			if st.Attempts[reports.ServerError] != 10 ||
				fx.wire.status(500) != 10 {
				t.Errorf("server-error attempts %d, wire saw %d 500s; "+
					"want 10 and 10", st.Attempts[reports.ServerError],
					fx.wire.status(500))
			}
			if st.Retries != 10 || st.Outcomes[reports.OK] != st.Sent {
				t.Errorf("retries %d, ok %d of %d sent; want 10 retries "+
					"and every operation ok", st.Retries,
					st.Outcomes[reports.OK], st.Sent)
			}
		},
	},
	{
		name: "503-outage-window",
		// Server time runs on fx.clock: the wire moves it into the
		// window at the 10th arrival and out of it at the 30th.
		faults: []mockserver.Fault{{Kind: mockserver.FaultHTTP503,
			Endpoints: []string{"authorize"}, From: time.Hour,
			Until: 2 * time.Hour, RetryAfter: "1"}},
		setup: func(t *testing.T, fx *faultFixture) {
			fx.wire.arrive = func(n int64) {
				switch n {
				case 10:
					fx.clock.Store(int64(time.Hour))
				case 30:
					fx.clock.Store(int64(3 * time.Hour))
				}
			}
		},
		check: func(t *testing.T, fx *faultFixture, st *reports.Stage) {
			thr, ok := st.Outcomes[reports.Throttled], st.Outcomes[reports.OK]
			if thr == 0 || ok == 0 || thr+ok != st.Sent {
				t.Errorf("throttled %d + ok %d, sent %d: want both "+
					"before, in and after the window", thr, ok, st.Sent)
			}
			if got := fx.wire.status(503); got != st.Attempts[reports.Throttled] {
				t.Errorf("wire saw %d 503s, the stage counts %d throttled "+
					"attempts", got, st.Attempts[reports.Throttled])
			}
		},
	},
	{
		name: "close-after-headers",
		faults: []mockserver.Fault{{Kind: mockserver.FaultCloseAfterHeaders,
			Endpoints: []string{"authorize"}, Every: 3}},
		check: func(t *testing.T, fx *faultFixture, st *reports.Stage) {
			fired := fx.wire.n.Load() / 3
			wantCause(t, st, "eof", fired)
		},
	},
	{
		name: "slow-body",
		faults: []mockserver.Fault{{Kind: mockserver.FaultSlowBody,
			Endpoints: []string{"authorize"}, Every: 5,
			Duration: 60 * time.Millisecond}},
		check: func(t *testing.T, fx *faultFixture, st *reports.Stage) {
			if st.Outcomes[reports.OK] != st.Sent {
				t.Errorf("ok %d of %d sent: a slow body within the "+
					"timeout is still an answer", st.Outcomes[reports.OK],
					st.Sent)
			}
			// Nine pauses of a tenth of the duration each.
			longest := time.Duration(st.Latency[reports.Service].Hist.Max()) *
				time.Microsecond
			if longest < 54*time.Millisecond {
				t.Errorf("longest service time %v, want at least 54ms: "+
					"the slow bodies do not show", longest)
			}
		},
	},
	{
		name:     "restart-same-port",
		retry:    retryMany,
		restarts: true,
		setup: func(t *testing.T, fx *faultFixture) {
			fx.spare = newFaultMock(t, nil, &fx.clock)
			var once sync.Once
			fx.wire.arrive = func(n int64) {
				if n == 20 {
					// Stopped under this very request, so at least
					// one attempt is cut.
					once.Do(fx.restart)
				}
			}
		},
		check: func(t *testing.T, fx *faultFixture, st *reports.Stage) {
			var cut int64
			for _, c := range []string{"refused", "eof", "reset"} {
				cut += st.TransportErrors[c]
			}
			if cut == 0 {
				t.Errorf("transport errors %v: want refused, eof or "+
					"reset while the mock was down", st.TransportErrors)
			}
			if st.Outcomes[reports.OK] != st.Sent {
				t.Errorf("ok %d of %d sent: retries should carry every "+
					"operation past the restart", st.Outcomes[reports.OK],
					st.Sent)
			}
			if fx.spare.Stats().Requests == 0 {
				t.Error("the restarted mock served no request")
			}
		},
	},
}

// restart stops the front at once, then, in the background, keeps the
// port closed for a while and serves a fresh mock on the same port.
func (fx *faultFixture) restart() {
	fx.front.stop()
	go func() {
		fx.wire.mock.Load().Close() // lets go of what the old one holds
		down := time.NewTimer(40 * time.Millisecond)
		<-down.C
		fx.wire.mock.Store(fx.spare)
		fx.front.start()
		close(fx.restarted)
	}()
}

func newFaultMock(t *testing.T, faults []mockserver.Fault,
	clock *atomic.Int64) *mockserver.Server {
	p, err := mockserver.Lookup("unlimited")
	if err != nil {
		t.Fatal(err)
	}
	p.Faults = faults
	epoch := time.Now()
	m, err := mockserver.NewUnstarted(mockserver.Config{Profile: p, Seed: 9,
		Now: func() time.Time {
			return epoch.Add(time.Duration(clock.Load()))
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestFaultsByModel runs every mock fault under every load model. Each
// run must end, keep every count, agree with the wire's own count of
// requests (no attempt lost or counted twice), and say what happened.
func TestFaultsByModel(t *testing.T) {
	for _, fc := range faultCases {
		for _, m := range faultModels {
			t.Run(fc.name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				runFaultCase(t, fc, m.load, m.offline)
			})
		}
	}
}

func runFaultCase(t *testing.T, fc faultCase, load loadgen.Load,
	offline *loadgen.Offline) {
	fx := &faultFixture{restarted: make(chan struct{})}
	mock := newFaultMock(t, fc.faults, &fx.clock)
	fx.wire = &wire{statuses: map[int]int64{}}
	fx.wire.mock.Store(mock)
	if fc.setup != nil {
		fc.setup(t, fx)
	}
	fx.front = newFront(t, fx.wire)

	timeout := fc.timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	stage := loadgen.Stage{Name: fc.name, Flow: loadgen.FlowAuthorize,
		Load: load, Retry: fc.retry, Body: loadgen.DefaultBody,
		Offline: offline}
	if offline != nil {
		o := *offline
		stage.Offline = &o
	}
	plan := loadgen.Plan{Name: "faults", Timeout: timeout,
		Stages: []loadgen.Stage{stage}}
	target := loadgen.Target{BaseURL: fx.front.url(),
		APIKey: mock.SampleKey()}
	run, err := loadgen.Run(context.Background(), plan, target,
		loadgen.Options{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if fc.restarts {
		<-fx.restarted
	}
	st := run.Stages[0]
	checkConservation(t, st)
	checkOffline(t, st, false)
	if st.Intended != 60 {
		t.Errorf("intended %d, want 60", st.Intended)
	}
	checkWire(t, fx.wire.n.Load(), st, fc.restarts)
	fc.check(t, fx, st)
	if t.Failed() {
		t.Logf("stage: sent %d dropped %d outcomes %v attempts %v "+
			"retries %d transport %v offline %s; wire saw %d",
			st.Sent, st.Dropped, st.Outcomes, st.Attempts, st.Retries,
			st.TransportErrors, offlineString(st.Offline),
			fx.wire.n.Load())
	}
}

// checkWire holds the generator's attempts against the wire's count.
// Every attempt crosses the wire once: the counts are equal. When the
// server may vanish under a request, an attempt can die on the way, so
// the wire sees at least every answered attempt and at most all.
func checkWire(t *testing.T, seen int64, st *reports.Stage, lossy bool) {
	t.Helper()
	attempts := st.Attempts.Total()
	answered := attempts - st.Attempts[reports.TransportError]
	switch {
	case !lossy && seen != attempts:
		t.Errorf("the wire saw %d requests, the generator counted %d "+
			"attempts", seen, attempts)
	case lossy && (seen < answered || seen > attempts):
		t.Errorf("the wire saw %d requests; want from %d answered to %d "+
			"attempted", seen, answered, attempts)
	}
}

// checkOffline asserts the offline queue's account: every action handed
// over is delivered or lost with a cause, each intended operation was
// handed over, and every operation sent is a delivery or a failure.
// interrupted says the run was stopped, which allows a known gap.
func checkOffline(t *testing.T, st *reports.Stage, interrupted bool) {
	t.Helper()
	o := st.Offline
	if o == nil {
		return
	}
	var by int64
	for _, n := range o.LostBy {
		by += n
	}
	if o.Accepted != o.Delivered+o.Lost || by != o.Lost {
		t.Errorf("offline: accepted %d != delivered %d + lost %d (by "+
			"cause %v)", o.Accepted, o.Delivered, o.Lost, o.LostBy)
	}
	if o.Accepted != st.Intended {
		t.Errorf("offline: accepted %d, intended %d", o.Accepted,
			st.Intended)
	}
	if o.Delivered+o.LostBy["failed"] != st.Sent {
		t.Errorf("offline: delivered %d + failed %d != sent %d",
			o.Delivered, o.LostBy["failed"], st.Sent)
	}
	failed := st.Sent - st.Outcomes[reports.OK] - st.Outcomes[reports.Denied]
	if o.LostBy["failed"] != failed {
		t.Errorf("offline: %d lost as failed, but %d operations failed",
			o.LostBy["failed"], failed)
	}
}

// wantCause asserts that exactly the faults that fired show as transport
// errors of the given cause, and nothing else failed.
func wantCause(t *testing.T, st *reports.Stage, cause string, fired int64) {
	t.Helper()
	if fired == 0 {
		t.Fatal("no fault fired")
	}
	if got := st.TransportErrors[cause]; got != fired ||
		len(st.TransportErrors) != 1 {
		t.Errorf("transport errors %v, want %d of cause %s only",
			st.TransportErrors, fired, cause)
	}
	if st.Outcomes[reports.TransportError] != fired ||
		st.Outcomes[reports.OK] != st.Sent-fired {
		t.Errorf("outcomes %v of %d sent: want %d transport errors and "+
			"the rest ok", st.Outcomes, st.Sent, fired)
	}
}

func offlineString(o *reports.Offline) string {
	if o == nil {
		return "-"
	}
	return fmt.Sprintf("{accepted %d delivered %d lost %d %v}", o.Accepted,
		o.Delivered, o.Lost, o.LostBy)
}
