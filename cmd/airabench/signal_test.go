package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/airabench/airabench/mockserver"
)

// buildBinary builds airabench into dir and returns its path.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH to build the binary")
	}
	bin := filepath.Join(dir, "airabench")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// stallingMock serves the unlimited mock on loopback; its first three
// authorize requests stall until the client goes away, so a run holds
// requests in flight that only its grace period can end. arrived is
// closed at the 30th request.
func stallingMock(t *testing.T) (url string, arrived <-chan struct{}) {
	t.Helper()
	p, _ := mockserver.Lookup("unlimited")
	p.Faults = []mockserver.Fault{{Kind: mockserver.FaultStall,
		Endpoints: []string{"authorize"}, First: 3}}
	srv, err := mockserver.NewUnstarted(mockserver.Config{Profile: p,
		Keys: []string{secretKey}})
	if err != nil {
		t.Fatal(err)
	}
	h := &counting{h: srv.Handler()}
	ch := make(chan struct{})
	var once sync.Once
	hs := httptest.NewServer(&hook{counting: h, at: 30, fn: func() {
		once.Do(func() { close(ch) })
	}})
	t.Cleanup(hs.Close)
	t.Cleanup(func() { srv.Close() }) // first: lets go of the stalls
	return hs.URL, ch
}

// hook calls fn once the counting handler has seen at requests.
type hook struct {
	*counting
	at int64
	fn func()
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.n.Load()+1 >= h.at {
		h.fn()
	}
	h.counting.ServeHTTP(w, r)
}

// process is a running airabench with its output read line by line.
type process struct {
	cmd    *exec.Cmd
	lines  chan string // stdout and stderr lines, as they come
	mu     sync.Mutex
	output bytes.Buffer
	read   sync.WaitGroup
	exited chan error
}

func start(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, args...),
		lines: make(chan string, 1024), exited: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), "AIRA_API_KEY="+secretKey)
	stdout, _ := p.cmd.StdoutPipe()
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for _, r := range []io.Reader{stdout, stderr} {
		p.read.Go(func() {
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				p.mu.Lock()
				p.output.WriteString(sc.Text() + "\n")
				p.mu.Unlock()
				select {
				case p.lines <- sc.Text():
				default: // nobody waits for lines this late
				}
			}
		})
	}
	go func() {
		p.read.Wait()
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	return p
}

// waitLine waits for a line holding s, or fails after a hang guard.
func (p *process) waitLine(t *testing.T, s string) {
	t.Helper()
	guard := time.NewTimer(30 * time.Second)
	defer guard.Stop()
	for {
		select {
		case l := <-p.lines:
			if strings.Contains(l, s) {
				return
			}
		case <-guard.C:
			t.Fatalf("no line with %q:\n%s", s, p.all())
		}
	}
}

// wait returns the exit code, failing if the process outlives the guard.
func (p *process) wait(t *testing.T, guard time.Duration) int {
	t.Helper()
	g := time.NewTimer(guard)
	defer g.Stop()
	select {
	case err := <-p.exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-g.C:
		t.Fatalf("still running %v later:\n%s", guard, p.all())
		return -1
	}
}

func (p *process) all() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.output.String()
}

const openScenario = `name: long-open
target:
  url: %s
client:
  timeout: 10m        # only the grace period ends a stalled request
stages:
  - name: steady
    flow: authorize
    executor: constant-arrival-rate
    rate: 200/s
    duration: 10m
`

const offlineScenario = `name: long-offline
target:
  url: %s
client:
  timeout: 10m
  offline:
    flush_interval: 50ms
    max_queue_size: 100000
    batch_size: 20
    flushers: 4
stages:
  - name: queued
    flow: authorize
    executor: constant-arrival-rate
    rate: 200/s
    duration: 10m
`

// TestSignalsWriteAPartialReport builds the binary once and interrupts
// long runs with SIGINT and SIGTERM once they are sending. Three
// requests are stalled by the mock, so only the grace period can end
// the run: each must exit 1 no sooner than the grace after the signal,
// with a summary.json marked interrupted whose counts add up, and the
// offline queue's account closed (delivered or lost, by cause). A
// second SIGINT during the grace exits at once with code 130.
func TestSignalsWriteAPartialReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t, t.TempDir())
	const grace = time.Second
	tests := []struct {
		name     string
		scenario string
		sig      syscall.Signal
	}{
		{"open/SIGINT", openScenario, syscall.SIGINT},
		{"open/SIGTERM", openScenario, syscall.SIGTERM},
		{"offline/SIGINT", offlineScenario, syscall.SIGINT},
		{"offline/SIGTERM", offlineScenario, syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url, sending := stallingMock(t)
			dir := t.TempDir()
			sc := filepath.Join(dir, "long.yaml")
			os.WriteFile(sc, []byte(fmt.Sprintf(tt.scenario, url)), 0o644)
			out := filepath.Join(dir, "out")
			p := start(t, bin, "run", "--out", out, "--no-plots",
				"--grace", grace.String(), sc)
			p.waitLine(t, "running long-")
			<-sending

			signalled := time.Now()
			p.cmd.Process.Signal(tt.sig)
			code := p.wait(t, grace+30*time.Second)
			took := time.Since(signalled)
			if code != exitRuntime {
				t.Errorf("exit %d, want %d:\n%s", code, exitRuntime, p.all())
			}
			if took < grace {
				t.Errorf("exited %v after the signal, before the grace of "+
					"%v had cut the stalled requests", took, grace)
			}
			checkPartial(t, readSummaryFile(t, out), p.all())
			noKeyWritten(t, p.all(), "", out)
		})
	}
	t.Run("second-SIGINT", func(t *testing.T) {
		t.Parallel()
		url, sending := stallingMock(t)
		dir := t.TempDir()
		sc := filepath.Join(dir, "long.yaml")
		os.WriteFile(sc, []byte(fmt.Sprintf(openScenario, url)), 0o644)
		out := filepath.Join(dir, "out")
		p := start(t, bin, "run", "--out", out, "--grace", "10m", sc)
		<-sending
		p.cmd.Process.Signal(syscall.SIGINT)
		p.waitLine(t, "stopping:")
		p.cmd.Process.Signal(syscall.SIGINT)
		// The stalled requests would hold the run for the whole grace
		// of ten minutes; only the second signal ends it sooner.
		if code := p.wait(t, time.Minute); code != 130 {
			t.Errorf("exit %d after a second SIGINT, want 130:\n%s", code,
				p.all())
		}
	})
}

// checkPartial asserts that an interrupted run's summary is whole.
func checkPartial(t *testing.T, s summary, output string) {
	t.Helper()
	if !s.Interrupted {
		t.Error("summary.json: interrupted = false")
	}
	if len(s.Stages) != 1 {
		t.Fatalf("summary.json has %d stages, want 1", len(s.Stages))
	}
	st := s.Stages[0]
	t.Logf("intended %d sent %d dropped %d outcomes %v offline %+v",
		st.Intended, st.Sent, st.Dropped, st.Outcomes, st.Offline)
	var outcomes int64
	for _, n := range st.Outcomes {
		outcomes += n
	}
	if st.Intended == 0 || st.Intended != st.Sent+st.Dropped ||
		outcomes != st.Sent {
		t.Errorf("counts do not add up: intended %d, sent %d, dropped %d,"+
			" outcomes %v", st.Intended, st.Sent, st.Dropped, st.Outcomes)
	}
	if st.Outcomes["transport_error"] < 3 {
		t.Errorf("outcomes %v: the three stalled requests should end as "+
			"transport errors when the grace runs out", st.Outcomes)
	}
	o := st.Offline
	if o == nil {
		return
	}
	var by int64
	for _, n := range o.LostBy {
		by += n
	}
	if o.Accepted == 0 || o.Accepted != o.Delivered+o.Lost || by != o.Lost {
		t.Errorf("offline: accepted %d, delivered %d, lost %d by %v: the "+
			"queue's account does not close", o.Accepted, o.Delivered,
			o.Lost, o.LostBy)
	}
	if o.Lost > 0 && !strings.Contains(output, "lost from the offline queue") {
		t.Errorf("%d actions lost, but the printed summary does not say "+
			"so:\n%s", o.Lost, output)
	}
}
