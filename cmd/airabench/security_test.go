package main

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
)

// secretKey is the API key the security tests run with. Its random part
// is long enough that any 12 bytes of it found in an output are a leak.
const secretKey = "aira_live_Qx7Rv2Lm9Tz4Wc8Kp3Hn6Jd5Fs1Gb0Ya"

// counting serves the mock's routes behind a counter of requests.
type counting struct {
	h http.Handler
	n atomic.Int64

	mu       sync.Mutex
	arrivals []time.Time
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.n.Add(1)
	c.mu.Lock()
	c.arrivals = append(c.arrivals, time.Now())
	c.mu.Unlock()
	c.h.ServeHTTP(w, r)
}

// mockHandler returns the unlimited mock's routes, accepting only keys.
func mockHandler(t *testing.T, keys ...string) *counting {
	t.Helper()
	p, _ := mockserver.Lookup("unlimited")
	srv, err := mockserver.NewUnstarted(mockserver.Config{Profile: p,
		Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return &counting{h: srv.Handler()}
}

// writeScenario writes a scenario aimed at url, with thresholds so that
// junit.xml is written too, and returns its path.
func writeScenario(t *testing.T, url, extraTarget, stages string) string {
	t.Helper()
	if stages == "" {
		stages = `  - name: steady
    flow: authorize+notarize
    executor: semaphore
    concurrency: 4
    items: 12
`
	}
	path := filepath.Join(t.TempDir(), "target.yaml")
	src := fmt.Sprintf("name: target\ntarget:\n  url: %s\n%sstages:\n%s"+
		"thresholds:\n  outcomes.errors:\n    - rate<0.5\n", url,
		extraTarget, stages)
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// noKeyIn fails the test if any 12 bytes of the key's random part occur
// in b, which came from where.
func noKeyIn(t *testing.T, where string, b []byte) {
	t.Helper()
	secret := strings.TrimPrefix(secretKey, "aira_live_")
	for i := 0; i+12 <= len(secret); i++ {
		if bytes.Contains(b, []byte(secret[i:i+12])) {
			t.Errorf("%s holds the API key (or part of it)", where)
			return
		}
	}
}

// noKeyWritten searches stdout, stderr and every file under dirs.
func noKeyWritten(t *testing.T, stdout, stderr string, dirs ...string) {
	t.Helper()
	noKeyIn(t, "stdout", []byte(stdout))
	noKeyIn(t, "stderr", []byte(stderr))
	for _, dir := range dirs {
		filepath.WalkDir(dir, func(path string, d os.DirEntry,
			err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := os.ReadFile(path)
			noKeyIn(t, path, b)
			return nil
		})
	}
}

// quietTLSServer is httptest.NewTLSServer without the log lines of the
// handshakes that the tests make fail on purpose.
func quietTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

// freeAddr returns a loopback address that nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestAPIKeyNeverWrittenOnAnyPath runs with a known key on the paths
// where a key could slip into output: success with every output file
// (summary, .hlog, plots, HTML, JUnit, markdown), a wrong key (401s),
// a port nothing listens on, a certificate that does not verify, and
// a refused run. Every byte written is searched for the key.
func TestAPIKeyNeverWrittenOnAnyPath(t *testing.T) {
	t.Setenv("AIRA_API_KEY", secretKey)
	good := httptest.NewServer(mockHandler(t, secretKey))
	defer good.Close()
	wrong := httptest.NewServer(mockHandler(t, "aira_live_someoneelse"))
	defer wrong.Close()
	tlsSrv := quietTLSServer(mockHandler(t, secretKey))
	defer tlsSrv.Close()

	tests := []struct {
		name  string
		url   string
		flags []string
		code  int
	}{
		{name: "ok", url: good.URL, code: exitOK,
			flags: []string{"--percentiles"}},
		{name: "wrong-key", url: wrong.URL, code: exitRuntime},
		{name: "nothing-listens", url: "http://" + freeAddr(t),
			code: exitRuntime},
		{name: "bad-certificate", url: tlsSrv.URL, code: exitRuntime},
		{name: "insecure-on-http", url: good.URL, code: exitUsage,
			flags: []string{"--insecure"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out, md := filepath.Join(dir, "out"), filepath.Join(dir, "s.md")
			args := append([]string{"run", "--out", out, "--summary-md",
				md}, tt.flags...)
			sc := writeScenario(t, tt.url, "", "")
			code, stdout, stderr := cli(t, append(args, sc)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code,
					tt.code, stdout, stderr)
			}
			noKeyWritten(t, stdout, stderr, dir)
			if tt.code == exitUsage {
				return
			}
			for _, f := range []string{"summary.json", "report.html",
				"junit.xml"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("%s not written: %v", f, err)
				}
			}
			if hl, _ := filepath.Glob(filepath.Join(out, "*.hlog")); len(hl) == 0 {
				t.Error("no .hlog written")
			}
		})
	}
}

// summary is the part of summary.json these tests read.
type summary struct {
	Interrupted bool     `json:"interrupted"`
	Warnings    []string `json:"warnings"`
	Stages      []struct {
		Name     string           `json:"name"`
		Intended int64            `json:"intended"`
		Sent     int64            `json:"sent"`
		Dropped  int64            `json:"dropped"`
		Outcomes map[string]int64 `json:"outcomes"`
		Offline  *struct {
			Accepted  int64            `json:"accepted"`
			Delivered int64            `json:"delivered"`
			Lost      int64            `json:"lost"`
			LostBy    map[string]int64 `json:"lost_by"`
		} `json:"offline"`
	} `json:"stages"`
}

func readSummaryFile(t *testing.T, dir string) summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return s
}

// TestTLSVerification runs against an https mock on loopback whose
// certificate no system root signed: refused by default, trusted with
// --ca-cert, and accepted with --insecure only with a warning in every
// report.
func TestTLSVerification(t *testing.T) {
	t.Setenv("AIRA_API_KEY", secretKey)
	h := mockHandler(t, secretKey)
	srv := quietTLSServer(h)
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE",
		Bytes: srv.Certificate().Raw}), 0o644)
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o644)

	tests := []struct {
		name     string
		flags    []string
		code     int
		reached  bool // requests got past the handshake
		warnings int
		stderr   string
	}{
		{name: "verified-by-default", code: exitRuntime},
		{name: "ca-cert", flags: []string{"--ca-cert", ca}, code: exitOK,
			reached: true},
		{name: "insecure", flags: []string{"--insecure"}, code: exitOK,
			reached: true, warnings: 1, stderr: "were not verified"},
		{name: "ca-cert-not-pem", flags: []string{"--ca-cert", notPEM},
			code: exitUsage, stderr: "no PEM certificate"},
		{name: "ca-cert-and-insecure", flags: []string{"--ca-cert", ca,
			"--insecure"}, code: exitUsage, stderr: "contradict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.n.Load()
			dir := t.TempDir()
			md := filepath.Join(dir, "summary.md")
			args := append([]string{"run", "--out", dir, "--no-plots",
				"--summary-md", md}, tt.flags...)
			code, stdout, stderr := cli(t, append(args,
				writeScenario(t, srv.URL, "", ""))...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, want %d and %q in stderr\nstdout:\n%s\n"+
					"stderr:\n%s", code, tt.code, tt.stderr, stdout, stderr)
			}
			if tt.code == exitUsage {
				return
			}
			if reached := h.n.Load() > before; reached != tt.reached {
				t.Errorf("requests reached the server: %v, want %v",
					reached, tt.reached)
			}
			s := readSummaryFile(t, dir)
			st := s.Stages[0]
			if !tt.reached && st.Outcomes["transport_error"] != st.Sent {
				t.Errorf("outcomes %v of %d sent: every one should fail "+
					"the certificate check", st.Outcomes, st.Sent)
			}
			if tt.reached && st.Outcomes["ok"] != st.Sent {
				t.Errorf("outcomes %v of %d sent, want all ok",
					st.Outcomes, st.Sent)
			}
			if len(s.Warnings) != tt.warnings {
				t.Errorf("summary warnings %q, want %d", s.Warnings,
					tt.warnings)
			}
			if tt.warnings == 0 {
				return
			}
			for _, f := range []string{"report.html", "summary.md"} {
				path := filepath.Join(dir, f)
				if b, _ := os.ReadFile(path); !bytes.Contains(b,
					[]byte("were not verified")) {
					t.Errorf("%s does not carry the --insecure warning", f)
				}
			}
			if !strings.Contains(stdout, "were not verified") {
				t.Errorf("the printed summary lacks the --insecure "+
					"warning:\n%s", stdout)
			}
		})
	}
}

// asRemote makes the run treat loopback targets as remote ones, so the
// guard of remote targets is tested without leaving this machine.
func asRemote(t *testing.T) {
	old := isLoopbackURL
	isLoopbackURL = func(string) bool { return false }
	t.Cleanup(func() { isLoopbackURL = old })
}

// TestRemoteTargetGuard checks the rules of a target beyond this
// machine: the plan is printed first, a scenario without max_rate is
// refused unless --no-max-rate, and a closed stage with max_rate is held
// to it at run time.
func TestRemoteTargetGuard(t *testing.T) {
	t.Setenv("AIRA_API_KEY", secretKey)
	asRemote(t)
	h := mockHandler(t, secretKey)
	srv := httptest.NewServer(h)
	defer srv.Close()
	open := `  - name: steady
    flow: authorize
    executor: constant-arrival-rate
    rate: 20/s
    duration: 200ms
`
	closed := `  - name: batch
    flow: authorize
    executor: semaphore
    concurrency: 8
    items: 20
`
	tests := []struct {
		name     string
		target   string // extra keys under target
		stages   string
		flags    []string
		code     int
		stdout   []string
		stderr   string
		warnings []string
	}{
		{name: "no-max-rate", stages: open, code: exitUsage,
			stdout: []string{"open model, 20/s for 200ms: 4 operations"},
			stderr: "declares no target.max_rate"},
		{name: "unguarded", stages: open, flags: []string{"--no-max-rate"},
			code: exitOK, stderr: "no max_rate guard",
			warnings: []string{"no max_rate guard"}},
		{name: "above-max-rate", target: "  max_rate: 10/s\n",
			stages: open, code: exitUsage,
			stderr: "20/s is above target.max_rate, 10/s"},
		{name: "closed-held", target: "  max_rate: 10/s\n", stages: closed,
			code: exitOK,
			stdout: []string{"closed model: 20 operations, 8 in flight",
				"held to max_rate 10/s"},
			warnings: []string{"the max_rate guard (10/s) held back"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := h.n.Load()
			dir := t.TempDir()
			start := time.Now()
			args := append([]string{"run", "--out", dir, "--no-plots",
				"--quiet"}, tt.flags...)
			code, stdout, stderr := cli(t, append(args,
				writeScenario(t, srv.URL, tt.target, tt.stages))...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, want %d and %q in stderr\nstdout:\n%s\n"+
					"stderr:\n%s", code, tt.code, tt.stderr, stdout, stderr)
			}
			for _, want := range tt.stdout {
				if !strings.Contains(stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout)
				}
			}
			noKeyWritten(t, stdout, stderr, dir)
			if tt.code == exitUsage {
				if n := h.n.Load() - before; n != 0 {
					t.Errorf("a refused run sent %d requests", n)
				}
				return
			}
			s := readSummaryFile(t, dir)
			for _, want := range tt.warnings {
				if !strings.Contains(strings.Join(s.Warnings, "\n"), want) {
					t.Errorf("summary warnings %q lack %q", s.Warnings, want)
				}
			}
			if tt.name != "closed-held" {
				return
			}
			// Ten tokens at once, then ten per second: the last of 20
			// requests cannot arrive before a second has passed.
			h.mu.Lock()
			last := h.arrivals[len(h.arrivals)-1]
			h.mu.Unlock()
			if took := last.Sub(start); took < time.Second {
				t.Errorf("20 requests at max_rate 10/s arrived within %v",
					took)
			}
		})
	}
}

// TestMockRefusesWideAddresses checks that airabench mock binds only
// loopback unless --listen-any says otherwise.
func TestMockRefusesWideAddresses(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0",
		"example.com:8080", "10.0.0.1:8080"} {
		code, _, stderr := cli(t, "mock", "--addr", addr)
		if code != exitUsage || !strings.Contains(stderr, "--listen-any") {
			t.Errorf("mock --addr %s: exit %d, stderr %q; want %d and a "+
				"hint to --listen-any", addr, code, stderr, exitUsage)
		}
	}
}

// TestStagePlanAndLoopback checks the plan lines printed before a run
// against a remote target, and which hosts count as this machine.
func TestStagePlanAndLoopback(t *testing.T) {
	perS := func(n float64) loadgen.Rate {
		return loadgen.Rate{Freq: n, Per: time.Second}
	}
	plans := []struct {
		load loadgen.Load
		want string
	}{
		{loadgen.Load{Model: loadgen.Open, Rate: perS(50),
			Duration: time.Minute},
			"open model, 50/s for 1m0s: 3000 operations"},
		{loadgen.Load{Model: loadgen.Open, Rate: perS(0),
			Ramp: []loadgen.RampStep{{Target: perS(100),
				Duration: 10 * time.Second}}},
			"open model, 0/s ramping to 100/s for 10s: 500 operations"},
		{loadgen.Load{Model: loadgen.Closed, Concurrency: 50, Items: 2000},
			"closed model: 2000 operations, 50 in flight"},
		{loadgen.Load{Model: loadgen.Closed, Concurrency: 8,
			Duration: 30 * time.Second}, "closed model for 30s, 8 in " +
			"flight; as many operations as answers allow"},
		{loadgen.Load{Model: loadgen.Unbounded, Items: 100},
			"unbounded model: 100 operations, all at once"},
	}
	for _, p := range plans {
		if got := stagePlan(p.load); got != p.want {
			t.Errorf("stagePlan(%+v) = %q, want %q", p.load, got, p.want)
		}
	}
	hosts := map[string]bool{
		"http://127.0.0.1:8080": true, "http://localhost": true,
		"https://[::1]:443": true, "http://127.8.9.10": true,
		"https://api.airaproof.com": false, "http://10.0.0.1": false,
		"http://[::]:80": false, "http://0.0.0.0": false,
	}
	for u, want := range hosts {
		if got := isLoopbackURL(u); got != want {
			t.Errorf("isLoopbackURL(%q) = %v, want %v", u, got, want)
		}
	}
}

// TestTuneHeldToMaxRate: tune refuses a target beyond this machine that
// declares no max_rate, and holds every level to one it declares.
func TestTuneHeldToMaxRate(t *testing.T) {
	t.Setenv("AIRA_API_KEY", secretKey)
	asRemote(t)
	h := mockHandler(t, secretKey)
	srv := httptest.NewServer(h)
	defer srv.Close()

	code, _, stderr := cli(t, "tune", "--levels", "1", "--duration", "1s",
		"--out", t.TempDir(), writeScenario(t, srv.URL, "", ""))
	if code != exitUsage || !strings.Contains(stderr, "max_rate") {
		t.Fatalf("without max_rate: exit %d, stderr %q; want 2", code, stderr)
	}
	if n := h.n.Load(); n != 0 {
		t.Errorf("a refused sweep sent %d requests", n)
	}

	start := time.Now()
	code, stdout, stderr := cli(t, "tune", "--levels", "4", "--items",
		"30", "--out", t.TempDir(),
		writeScenario(t, srv.URL, "  max_rate: 20/s\n", ""))
	if code == exitUsage || code == exitRuntime {
		t.Fatalf("with max_rate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// A burst of 20, then 20 a second: 30 operations of two requests
	// each cannot finish within two seconds.
	if took := time.Since(start); took < 2*time.Second {
		t.Errorf("30 authorize+notarize pairs at max_rate 20/s took %v", took)
	}
}
