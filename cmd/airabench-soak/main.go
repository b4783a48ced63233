// Command airabench-soak runs the load generator at a steady rate
// against the mock for a long time and watches its own resident memory
// and goroutine count, which must stay flat once warmed up: the
// recorder keeps histograms and counters, never raw samples, and no
// goroutine may outlive its operation.
//
// The mock runs in a child process (this program, started again), so
// the figures are the generator's alone; the mock keeps every action it
// was sent and grows on purpose.
//
// Usage:
//
//	airabench-soak [-duration 10m] [-every 1m] [-rate 100/s]
//
// It prints one line per interval and exits 1 when, after the first
// interval, resident memory rose above the first interval's figure by
// more than -max-rss-growth (a fraction) plus -rss-slack, or the count
// of goroutines by more than -max-goroutine-growth, or the client held
// more than -max-conns connections. Goroutines are counted without the
// two that serve each pooled connection: the pool follows how many
// requests were in flight in the last 90 s, which a busy machine moves,
// so connections are bounded on their own. `make soak` runs it for ten
// minutes.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
)

// childEnv marks the child process that serves the mock.
const childEnv = "AIRABENCH_SOAK_MOCK"

func main() {
	if os.Getenv(childEnv) == "1" {
		os.Exit(serveMock(os.Stdout))
	}
	os.Exit(soak(os.Args[1:], os.Stdout, os.Stderr))
}

// settings are the soak's flags.
type settings struct {
	duration, every time.Duration
	rate            loadgen.Rate
	rssGrowth       float64
	rssSlack        int64
	goroutines      int
	conns           int
}

func parse(args []string, stderr io.Writer) (settings, error) {
	s := settings{rssSlack: 16 << 20}
	fs := flag.NewFlagSet("airabench-soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.DurationVar(&s.duration, "duration", 10*time.Minute,
		"how long to run")
	fs.DurationVar(&s.every, "every", time.Minute,
		"how often to sample memory and goroutines")
	rate := fs.String("rate", "100/s",
		"authorize+notarize operations per second (two requests each)")
	fs.Float64Var(&s.rssGrowth, "max-rss-growth", 0.2,
		"allowed rise of resident memory over the first sample, as a "+
			"fraction, on top of -rss-slack")
	slackMiB := fs.Int64("rss-slack", 16,
		"allowed rise of resident memory in MiB, besides the fraction")
	fs.IntVar(&s.goroutines, "max-goroutine-growth", 64,
		"allowed rise of the goroutine count over the first sample, "+
			"pooled connections aside")
	fs.IntVar(&s.conns, "max-conns", 256,
		"most connections the client may hold at a sample")
	if err := fs.Parse(args); err != nil {
		return s, err
	}
	r, err := loadgen.ParseRate(*rate)
	if err != nil {
		return s, err
	}
	s.rate, s.rssSlack = r, *slackMiB<<20
	if s.every <= 0 || s.duration < 2*s.every {
		return s, fmt.Errorf("-duration %v must hold at least two "+
			"samples of -every %v", s.duration, s.every)
	}
	return s, nil
}

// sample is one reading of the generator's own resources.
type sample struct {
	at         time.Duration
	rss        int64 // bytes; -1 when the platform does not say
	goroutines int   // besides those of pooled connections
	conns      int   // pooled connections
	heap       uint64
	mockRSS    int64
}

func soak(args []string, stdout, stderr io.Writer) int {
	s, err := parse(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "airabench-soak: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt,
		syscall.SIGTERM)
	defer stop()

	mock, err := startMock()
	if err != nil {
		fmt.Fprintf(stderr, "airabench-soak: mock: %v\n", err)
		return 1
	}
	defer mock.stop()
	fmt.Fprintf(stdout, "soak: %v of authorize+notarize at %v against "+
		"the mock (pid %d), a sample every %v\n", s.duration, s.rate,
		mock.cmd.Process.Pid, s.every)

	ended := make(chan struct{})
	done := make(chan []sample)
	go watch(s.every, mock.cmd.Process.Pid, stdout, ended, done)
	run, err := loadgen.Run(ctx, plan(s), loadgen.Target{
		BaseURL: mock.url, APIKey: mock.key}, loadgen.Options{Seed: 1})
	close(ended)
	got := <-done
	if err != nil {
		fmt.Fprintf(stderr, "airabench-soak: %v\n", err)
		return 1
	}
	return verdict(s, run, got, stdout)
}

func plan(s settings) loadgen.Plan {
	return loadgen.Plan{Name: "soak", Stages: []loadgen.Stage{{
		Name: "steady", Flow: loadgen.FlowAuthorizeNotarize,
		Body: loadgen.DefaultBody,
		Load: loadgen.Load{Model: loadgen.Open, Rate: s.rate,
			Duration: s.duration},
	}}}
}

// watch samples every interval until ended is closed, printing each
// line, and then hands the samples over on done.
func watch(every time.Duration, mockPid int, w io.Writer,
	ended <-chan struct{}, done chan<- []sample) {
	start := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	var got []sample
	for {
		select {
		case <-tick.C:
			sm := take(time.Since(start), mockPid)
			got = append(got, sm)
			fmt.Fprintf(w, "%8v  rss %s  goroutines %4d  conns %4d  "+
				"heap %s  (mock rss %s)\n", sm.at.Round(time.Second),
				mib(sm.rss), sm.goroutines, sm.conns, mib(int64(sm.heap)),
				mib(sm.mockRSS))
		case <-ended:
			done <- got
			return
		}
	}
}

func take(at time.Duration, mockPid int) sample {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	other, conns := goroutines()
	return sample{at: at, rss: rssOf("self"), goroutines: other,
		conns: conns, heap: ms.HeapAlloc,
		mockRSS: rssOf(strconv.Itoa(mockPid))}
}

// goroutines counts the goroutines that do not serve a pooled HTTP
// connection, and the pooled connections (each has a read loop and a
// write loop).
func goroutines() (other, conns int) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		switch {
		case strings.Contains(g, "net/http.(*persistConn).readLoop"):
			conns++
		case strings.Contains(g, "net/http.(*persistConn).writeLoop"):
		default:
			other++
		}
	}
	return other, conns
}

// rssOf reads VmRSS of /proc/PID/status, or -1 off Linux.
func rssOf(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(
				strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return -1
}

func mib(b int64) string {
	if b < 0 {
		return "   n/a"
	}
	return fmt.Sprintf("%6.1f MiB", float64(b)/(1<<20))
}

// verdict checks the samples against the bounds and the run's counts.
func verdict(s settings, run *reports.Run, got []sample, w io.Writer) int {
	st := run.Stages[0]
	fmt.Fprintf(w, "sent %d of %d intended, dropped %d, outcomes ok %d, "+
		"failed %d, interrupted %v\n", st.Sent, st.Intended, st.Dropped,
		st.Outcomes[reports.OK], st.Sent-st.Outcomes[reports.OK]-
			st.Outcomes[reports.Denied], run.Interrupted)
	var bad []string
	if st.Intended != st.Sent+st.Dropped || st.Outcomes.Total() != st.Sent {
		bad = append(bad, "the counts do not add up")
	}
	if len(got) < 2 {
		bad = append(bad, fmt.Sprintf("only %d samples: too short to "+
			"judge", len(got)))
	} else {
		bad = append(bad, growth(s, got, w)...)
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, "FAIL: %s\n", strings.Join(bad, "; "))
		return 1
	}
	fmt.Fprintln(w, "PASS: memory and goroutines stayed flat after "+
		"warm-up")
	return 0
}

// growth compares every sample after the first with the first one.
func growth(s settings, got []sample, w io.Writer) []string {
	base := got[0]
	rssMax := base.rss + int64(float64(base.rss)*s.rssGrowth) + s.rssSlack
	fmt.Fprintf(w, "bounds after warm-up: rss <= %s (first "+
		"sample %s + %.0f%% + %s), goroutines <= %d (first %d + %d), "+
		"conns <= %d\n", mib(rssMax), mib(base.rss), 100*s.rssGrowth,
		mib(s.rssSlack), base.goroutines+s.goroutines, base.goroutines,
		s.goroutines, s.conns)
	var bad []string
	for _, sm := range got[1:] {
		if base.rss >= 0 && sm.rss > rssMax {
			bad = append(bad, fmt.Sprintf("rss %s at %v", mib(sm.rss),
				sm.at.Round(time.Second)))
		}
		if sm.goroutines > base.goroutines+s.goroutines {
			bad = append(bad, fmt.Sprintf("%d goroutines at %v",
				sm.goroutines, sm.at.Round(time.Second)))
		}
		if sm.conns > s.conns {
			bad = append(bad, fmt.Sprintf("%d connections at %v",
				sm.conns, sm.at.Round(time.Second)))
		}
	}
	return bad
}

// child is the mock's process.
type child struct {
	cmd      *exec.Cmd
	stdin    io.Closer
	url, key string
}

// startMock starts this program again as the mock and reads the URL
// and key it prints.
func startMock() (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: in}
	line, err := bufio.NewReader(out).ReadString('\n')
	if _, serr := fmt.Sscan(line, &c.url, &c.key); err != nil || serr != nil {
		c.stop()
		return nil, fmt.Errorf("no URL from the mock: %q", line)
	}
	return c, nil
}

// stop closes the child's stdin, which ends it, and waits.
func (c *child) stop() {
	c.stdin.Close()
	c.cmd.Wait()
}

// serveMock serves the mock on loopback, prints "URL KEY", and serves
// until its stdin closes.
func serveMock(w io.Writer) int {
	p, err := mockserver.Lookup("default")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	p.RateLimit, p.PublicRateLimit = mockserver.RateLimit{},
		mockserver.RateLimit{}
	srv, err := mockserver.New(mockserver.Config{Profile: p, Seed: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(w, "%s %s\n", srv.URL, srv.SampleKey())
	signal.Ignore(os.Interrupt, syscall.SIGTERM) // the parent ends it
	io.Copy(io.Discard, os.Stdin)
	srv.Close()
	return 0
}
