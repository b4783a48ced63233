package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
	"github.com/airabench/airabench/scenarios"
)

const runUsage = `Usage: airabench run [flags] SCENARIO

Runs a scenario: a path to a YAML file, or the name of a shipped scenario
('airabench scenarios' lists them). The target is the bundled mock unless
the scenario names a URL; then the API key is read from AIRA_API_KEY.

Writes summary.json and plots to the output folder and prints a summary.
Ctrl-C or SIGTERM stops sending, lets in-flight requests and the offline
queue finish within --grace, and still writes the report, marked
interrupted; a second signal exits at once with code 130.

A target beyond this machine (not localhost or a loopback address):
  - the run first prints what it will send: each stage's model, rate,
    duration and number of operations;
  - the scenario must declare target.max_rate, such as 50/s. Every rate
    in the file must stay at or below it, and at run time every request,
    retries and closed-model stages included, is held to it; a request
    held back is counted in the report's warnings. Without max_rate the
    run is refused unless --no-max-rate says to send unguarded.
HTTPS certificates are verified against the system's roots. --ca-cert
adds a CA (for a private endpoint); --insecure skips verification, must
be given explicitly, and is recorded as a warning in the report.

Exit codes: 0 pass, 1 runtime error or interrupted, 2 invalid scenario or
usage, 99 a threshold failed or the run regressed against --baseline.

Examples:
  airabench run semaphore-batch
  airabench run --out out/ci --quiet --summary-md summary.md ci-gate
  airabench run --baseline out/main/summary.json ci-gate
  airabench run --scale 0.1 semaphore-batch
  airabench run --shard 2/4 --start-at 2026-12-03T18:00:00Z migration-capacity
  AIRA_API_KEY=... airabench run --ca-cert corp-ca.pem staging.yaml

Flags:
`

// runFlags are the flags of airabench run.
type runFlags struct {
	out         string
	quiet       bool
	percentiles bool
	noPlots     bool
	scale       float64
	seed        int64
	grace       time.Duration
	summaryMD   string
	baseline    string
	shard       string
	startAt     string
	caCert      string
	insecure    bool
	noMaxRate   bool
}

func cmdRun(args []string, stdout, stderr io.Writer) int {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.out, "out", "",
		"output folder (default out/SCENARIO)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress bars")
	fs.BoolVar(&f.percentiles, "percentiles", false,
		"print the full HDR percentile spectrum of each stage")
	fs.BoolVar(&f.noPlots, "no-plots", false, "skip the plots")
	fs.Float64Var(&f.scale, "scale", 1,
		"multiply every stage's items and duration by this factor")
	fs.Int64Var(&f.seed, "seed", 0,
		"seed of the mock and the client's jitter (default: the scenario's)")
	fs.DurationVar(&f.grace, "grace", loadgen.DefaultGrace,
		"how long in-flight requests may finish after Ctrl-C")
	fs.StringVar(&f.summaryMD, "summary-md", "",
		"also write a markdown summary to this file (for CI job summaries)")
	fs.StringVar(&f.baseline, "baseline", "",
		"compare with this earlier summary.json (or its folder); exit 99 "+
			"on a regression")
	fs.StringVar(&f.shard, "shard", "",
		"run shard i/N of the scenario (i from 0), for a sharded run")
	fs.StringVar(&f.startAt, "start-at", "",
		"wait until this RFC 3339 time before starting, so shards start "+
			"together")
	fs.StringVar(&f.caCert, "ca-cert", "",
		"PEM file of a CA to trust besides the system's, for an https "+
			"target")
	fs.BoolVar(&f.insecure, "insecure", false,
		"do not verify the https target's certificate (recorded as a "+
			"warning in the report)")
	fs.BoolVar(&f.noMaxRate, "no-max-rate", false,
		"run against a target beyond this machine although the scenario "+
			"declares no target.max_rate")
	fs.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	if f.grace < 0 {
		fmt.Fprintf(stderr, "airabench run: --grace %v is negative\n",
			f.grace)
		return exitUsage
	}

	sc, err := scenarios.Load(fs.Arg(0), os.LookupEnv)
	if err != nil {
		printLoadError(stderr, err)
		return exitUsage
	}
	if err := sc.Scale(f.scale); err != nil {
		fmt.Fprintf(stderr, "airabench run: --scale: %v\n", err)
		return exitUsage
	}
	sh, err := applyShard(sc, f.shard)
	if err != nil {
		fmt.Fprintf(stderr, "airabench run: --shard: %v\n", err)
		return exitUsage
	}
	if f.out == "" {
		f.out = filepath.Join("out", reports.FileSafe(sc.Name))
		if sh.Count > 1 {
			f.out = filepath.Join(f.out, fmt.Sprintf("shard-%d-of-%d",
				sh.Index, sh.Count))
		}
	}
	// A folder that cannot be written is found now, not after the run.
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "airabench run: --out: %v\n", err)
		return exitUsage
	}
	if d := filepath.Dir(f.summaryMD); f.summaryMD != "" {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "airabench run: --summary-md: no folder "+
				"%s to write into\n", d)
			return exitUsage
		}
	}
	return runScenario(sc, f, sh, stdout, stderr)
}

// applyShard narrows the scenario's plan to shard "i/N" of it.
func applyShard(sc *scenarios.Scenario, spec string) (loadgen.Shard, error) {
	if spec == "" {
		return loadgen.Shard{}, nil
	}
	var sh loadgen.Shard
	if _, err := fmt.Sscanf(spec, "%d/%d", &sh.Index, &sh.Count); err != nil ||
		fmt.Sprintf("%d/%d", sh.Index, sh.Count) != spec {
		return sh, fmt.Errorf("%q is not i/N, such as 0/4", spec)
	}
	p, err := sc.Plan.Shard(sh.Index, sh.Count)
	if err != nil {
		return sh, err
	}
	sc.Plan = p
	return sh, nil
}

// waitUntil sleeps until the RFC 3339 time t, or until ctx is done.
func waitUntil(ctx context.Context, t string, stdout io.Writer) error {
	if t == "" {
		return nil
	}
	at, err := time.Parse(time.RFC3339, t)
	if err != nil {
		return fmt.Errorf("--start-at: %q is not an RFC 3339 time", t)
	}
	d := time.Until(at)
	if d < -time.Second {
		return fmt.Errorf("--start-at: %s passed %v ago; a late shard "+
			"would run out of step with the others", t,
			(-d).Round(time.Second))
	}
	if d <= 0 {
		return nil
	}
	fmt.Fprintf(stdout, "waiting %v until %s\n", d.Round(time.Second), t)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runScenario runs a checked scenario and writes its report.
func runScenario(sc *scenarios.Scenario, f runFlags, sh loadgen.Shard,
	stdout, stderr io.Writer) int {
	ctx, stop := interruptible(stderr)
	defer stop()

	base, err := loadBaseline(f.baseline)
	if err != nil {
		fmt.Fprintf(stderr, "airabench run: --baseline: %v\n", err)
		return exitUsage
	}
	tc, tlsWarning, err := tlsSettings(sc.URL, f.caCert, f.insecure)
	if err != nil {
		fmt.Fprintf(stderr, "airabench run: %v\n", err)
		return exitUsage
	}
	guardWarning, err := guardTarget(stdout, sc, f.noMaxRate)
	if err != nil {
		fmt.Fprintf(stderr, "airabench run: %v\n", err)
		return exitUsage
	}
	var warnings []string
	for _, w := range []string{tlsWarning, guardWarning} {
		if w != "" {
			fmt.Fprintf(stderr, "warning: %s\n", w)
			warnings = append(warnings, w)
		}
	}
	target, seed, closeTarget, err := openTarget(sc, f.seed, sh)
	if err != nil {
		fmt.Fprintf(stderr, "airabench run: %v\n", err)
		return exitUsage
	}
	defer closeTarget()
	target.TLS = tc
	target = guardedTarget(target, sc)
	if err := waitUntil(ctx, f.startAt, stdout); errors.Is(err,
		context.Canceled) {
		fmt.Fprintln(stderr, "airabench run: interrupted before the "+
			"start; nothing was sent, so there is no report")
		return exitRuntime
	} else if err != nil {
		fmt.Fprintf(stderr, "airabench run: %v\n", err)
		return exitUsage
	}

	opts := loadgen.Options{Seed: uint64(seed), Grace: f.grace}
	if !f.quiet {
		fmt.Fprintf(stdout, "running %s against %s\n", sc.Name,
			describe(sc))
		opts.Progress, opts.PlainProgress = stdout, !isTerminal(stdout)
	}
	if sc.AbortOnFail && sh.Count <= 1 {
		opts.Abort = abortOnBreach(sc.Thresholds)
	}
	warnOpenFiles(stderr, sc.Plan.MaxInFlight())
	res, err := loadgen.Run(ctx, sc.Plan, target, opts)
	if err != nil {
		fmt.Fprintf(stderr, "airabench run: %v\n", err)
		return exitRuntime
	}
	res.Warnings = append(res.Warnings, warnings...)
	res.Description = sc.Description
	res.Version = toolVersion()
	res.Target = describe(sc)
	res.ShardIndex, res.ShardCount = sh.Index, sh.Count
	if sc.Mock != nil {
		res.MockProfile, res.MockSeed = sc.Mock.ProfileName, seed
	}
	// A shard holds only its share of the load: thresholds, written for
	// the whole, are evaluated on the merge by airabench report.
	ts := sc.Thresholds
	if sh.Count > 1 && len(ts) > 0 {
		ts = nil
		fmt.Fprintln(stdout, "thresholds are evaluated on the merged "+
			"shards: airabench report --scenario SCENARIO SHARD-FOLDERS...")
	}
	code := report(res, ts, base, reportFlags{out: f.out,
		percentiles: f.percentiles, noPlots: f.noPlots,
		summaryMD: f.summaryMD}, stdout, stderr)
	if msg := misconfigured(res); msg != "" {
		fmt.Fprintln(stderr, "airabench run: "+msg)
		return exitRuntime
	}
	switch {
	case res.Interrupted && ctx.Err() == nil:
		fmt.Fprintln(stderr, "airabench run: aborted on a failed "+
			"threshold; the report covers what ran")
		return exitGate
	case res.Interrupted:
		fmt.Fprintln(stderr, "airabench run: interrupted; the report "+
			"covers what ran")
		return exitRuntime
	}
	return code
}

// misconfigured says why a run whose every operation ended in a client
// or transport error most likely measured nothing but its own set-up,
// or returns "" for a run that reached the API.
func misconfigured(res *reports.Run) string {
	var sent, broken int64
	for _, st := range res.Stages {
		sent += st.Sent
		broken += st.Outcomes[reports.ClientError] +
			st.Outcomes[reports.TransportError]
	}
	if sent == 0 || broken < sent {
		return ""
	}
	return fmt.Sprintf("all %d operations failed with client or "+
		"transport errors: check the target URL (its origin, without "+
		"/api/v1), that it is reachable, and the API key", sent)
}

// abortOnBreach stops a run at the first threshold that fails while it
// runs (abort_on_fail).
func abortOnBreach(ts []reports.Threshold) func(*reports.Run) string {
	return func(sofar *reports.Run) string {
		if res, ok := reports.Breached(sofar, ts); ok {
			return "threshold failed: " + res.String()
		}
		return ""
	}
}

// openTarget starts the mock for a mock scenario, or reads the API key
// for a URL. The key is never printed. Each shard's mock gets its own
// seed, so shards do not repeat each other's choices.
func openTarget(sc *scenarios.Scenario, seed int64,
	sh loadgen.Shard) (loadgen.Target, int64, func(), error) {
	if sc.Mock == nil {
		key := os.Getenv("AIRA_API_KEY")
		if key == "" {
			return loadgen.Target{}, 0, nil, errors.New(
				"the target is a URL: set AIRA_API_KEY to its API key")
		}
		return loadgen.Target{BaseURL: sc.URL, APIKey: key}, seed,
			func() {}, nil
	}
	if seed == 0 {
		seed = sc.Mock.Seed
	}
	seed += int64(sh.Index)
	srv, err := mockserver.New(mockserver.Config{
		Profile: sc.Mock.Profile, Seed: seed, Keys: []string{mockKey(seed)}})
	if err != nil {
		return loadgen.Target{}, 0, nil, fmt.Errorf("start mock: %w", err)
	}
	t := loadgen.Target{BaseURL: srv.URL, APIKey: srv.SampleKey()}
	return t, seed, func() { srv.Close() }, nil
}

func describe(sc *scenarios.Scenario) string {
	if sc.Mock == nil {
		return sc.URL
	}
	return "mock (profile " + sc.Mock.ProfileName + ")"
}

// interruptible returns a context that is cancelled on the first SIGINT
// or SIGTERM; a second one exits the process at once with code 130.
func interruptible(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		fmt.Fprintln(stderr, "\nstopping: finishing in-flight requests "+
			"(again to exit now)")
		cancel()
		select {
		case <-sigs:
			os.Exit(130)
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
}

// warnOpenFiles warns when the process may not open a connection per
// planned in-flight request.
func warnOpenFiles(w io.Writer, inFlight int) {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) != nil {
		return
	}
	if need := uint64(inFlight) + 64; need > lim.Cur {
		fmt.Fprintf(w, "warning: up to %d requests in flight, but the "+
			"open-file limit is %d; connections will fail with "+
			"too-many-open-files (raise it with ulimit -n)\n", inFlight,
			lim.Cur)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
