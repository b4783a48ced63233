package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
	"github.com/airabench/airabench/scenarios"
)

// tuneTarget is where a sweep sends its requests, with its key pool.
type tuneTarget struct {
	target loadgen.Target
	keys   []string
	settle func(context.Context) error
	close  func()
	seed   int64
	// limit is the mock profile's per-key limit; nil for a URL or a
	// profile without a rate limit.
	limit *tierLimit
}

// openTuneTarget starts the mock with n keys, each limited on its own,
// and resets it before each level; or, for a URL, reads n keys from
// AIRA_API_KEYS or AIRA_API_KEY and waits settle before each level.
// Keys are never printed.
func openTuneTarget(sc *scenarios.Scenario, n int, seed int64,
	settle time.Duration) (*tuneTarget, error) {
	if sc.Mock == nil {
		return urlTarget(sc, n, settle)
	}
	if seed == 0 {
		seed = sc.Mock.Seed
	}
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("aira_test_tune_pool_key_%03d", i+1)
	}
	srv, err := mockserver.New(mockserver.Config{Profile: sc.Mock.Profile,
		Seed: seed, Keys: keys})
	if err != nil {
		return nil, fmt.Errorf("start mock: %w", err)
	}
	return &tuneTarget{
		target: loadgen.Target{BaseURL: srv.URL, APIKey: keys[0]},
		keys:   keys, seed: seed, limit: profileLimit(sc.Mock.Profile),
		settle: func(context.Context) error { srv.Reset(); return nil },
		close:  func() { srv.Close() },
	}, nil
}

func urlTarget(sc *scenarios.Scenario, n int,
	settle time.Duration) (*tuneTarget, error) {
	var keys []string
	for _, k := range strings.Split(os.Getenv("AIRA_API_KEYS"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 && os.Getenv("AIRA_API_KEY") != "" {
		keys = []string{os.Getenv("AIRA_API_KEY")}
	}
	if len(keys) < n {
		return nil, fmt.Errorf("the target is a URL and --keys is %d: "+
			"set AIRA_API_KEYS to that many keys, comma-separated "+
			"(found %d)", n, len(keys))
	}
	// Every level is held to max_rate, as run holds it; beyond this
	// machine a sweep without one is refused.
	if !isLoopbackURL(sc.URL) && sc.MaxRate.PerSecond() == 0 {
		return nil, fmt.Errorf("%s is not on this machine and the "+
			"scenario declares no target.max_rate: declare one (such as "+
			"max_rate: 50/s); every level is held to it", sc.URL)
	}
	t := &tuneTarget{target: loadgen.Target{BaseURL: sc.URL,
		APIKey: keys[0], MaxRate: sc.MaxRate}, keys: keys[:n],
		close: func() {}}
	if settle > 0 {
		t.settle = func(ctx context.Context) error {
			return waitCtx(ctx, settle)
		}
	}
	return t, nil
}

// waitCtx waits d, or until ctx is done.
func waitCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// profileLimit returns the strictest per-key rate rule of a mock
// profile, or nil when it has none. A concurrency cap is not a rate.
func profileLimit(p mockserver.Profile) *tierLimit {
	var best *tierLimit
	rules := append([]mockserver.RateLimit{p.RateLimit},
		p.ExtraRateLimits...)
	for _, r := range rules {
		if r.Limit <= 0 || r.Window <= 0 || r.Algorithm == "concurrency" {
			continue
		}
		rate := loadgen.Rate{Freq: float64(r.Limit), Per: r.Window}
		if best == nil || rate.PerSecond() < best.rate.PerSecond() {
			best = &tierLimit{rate: rate, label: "mock rate_limit " +
				rate.String()}
		}
	}
	return best
}

// settleFor returns the pause before each level against a URL: --settle
// when given, else the limit's window, so the last level's requests
// have left a sliding window.
func settleFor(f tuneFlags) time.Duration {
	if f.settleSet {
		return f.settle
	}
	if lim, err := parseLimit(f.limit); f.limit != "" && err == nil {
		return lim.rate.Per
	}
	return 0
}

// runTune sweeps the concurrency and reports.
func runTune(j *tuneJob, stdout, stderr io.Writer) int {
	ctx, stop := interruptible(stderr)
	defer stop()
	tt, err := openTuneTarget(j.sc, j.f.keys, j.f.seed, settleFor(j.f))
	if err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitUsage
	}
	defer tt.close()

	stage := j.sc.Plan.Stages[j.si]
	lim := j.limit
	if lim == nil {
		lim = tt.limit
	}
	rate, source := allowedRate(lim, stage, j.f.keys)
	warnOpenFiles(stderr, slices.Max(j.levels))
	if !j.f.quiet {
		fmt.Fprintf(stdout, "tuning %s, stage %s (%s), against %s with "+
			"%d key(s)\n", j.sc.Name, stage.Name, stage.Flow,
			describe(j.sc), j.f.keys)
	}
	res, err := loadgen.Sweep(ctx, j.sc.Plan, j.si, tt.target,
		j.sweepOptions(tt, rate, stdout))
	if err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitRuntime
	}
	return j.report(res, tt, rate, source, stdout, stderr)
}

// sweepOptions builds the sweep's options.
func (j *tuneJob) sweepOptions(tt *tuneTarget, rate float64,
	stdout io.Writer) loadgen.SweepOptions {
	o := loadgen.SweepOptions{Levels: j.levels, Items: j.f.items,
		Duration: j.f.duration, Keys: tt.keys, NoSkip: j.f.noSkip,
		Settle: tt.settle, Run: loadgen.Options{Seed: uint64(tt.seed)}}
	if j.f.refine {
		o.Refine = func(done []reports.TuneLevel) (int, bool) {
			return reports.Refinement(done, j.criteria, rate)
		}
	}
	if !j.f.quiet {
		o.OnLevel = func(l loadgen.SweepLevel) {
			s := l.Summary
			fmt.Fprintf(stdout, "  %4d in flight: goodput %.1f/s, "+
				"throttled %.1f%%, p99 %.1f ms\n", s.Concurrency,
				s.Goodput, 100*s.ThrottledShare, s.P99)
		}
	}
	return o
}

// report prints and writes a finished sweep and returns the exit code.
func (j *tuneJob) report(res *loadgen.SweepResult, tt *tuneTarget,
	rate float64, source string, stdout, stderr io.Writer) int {
	stage := j.sc.Plan.Stages[j.si]
	levels := res.Summaries()
	rec := reports.Recommend(levels, j.criteria)
	x := reports.Explain(levels, rec, rate, source)
	r := &reports.TuneResult{Scenario: j.sc.Name, Stage: stage.Name,
		Flow: string(stage.Flow), Target: describe(j.sc), Keys: j.f.keys,
		Levels: levels, Skipped: res.Skipped, Criteria: j.criteria,
		Recommendation: &rec, Little: &x, Interrupted: res.Interrupted}
	fmt.Fprintln(stdout)
	if err := reports.WriteTuneText(stdout, r); err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitRuntime
	}
	ref := reports.ThroughputReference(string(stage.Flow))
	if err := writeTuneDir(j.f.out, r, ref); err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "\nwrote tune.json and sweep.png, sweep.svg to "+
		"%s\n", j.f.out)
	return tuneExit(r, stderr)
}

// tuneExit returns the exit code of a reported tune.
func tuneExit(r *reports.TuneResult, stderr io.Writer) int {
	switch {
	case r.Interrupted:
		fmt.Fprintln(stderr, "airabench tune: interrupted; the report "+
			"covers what ran")
		return exitRuntime
	case r.Recommendation != nil && !r.Recommendation.Found,
		r.Offline != nil && !r.Offline.Found:
		return exitGate
	}
	return exitOK
}

// writeTuneDir writes tune.json and, for a concurrency sweep with
// levels, the sweep plot.
func writeTuneDir(dir string, r *reports.TuneResult,
	ref *reports.Reference) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "tune.json"))
	if err != nil {
		return err
	}
	err = reports.WriteTuneJSON(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil || len(r.Levels) == 0 {
		return err
	}
	return reports.PlotSweep(r, ref, filepath.Join(dir, "sweep.png"))
}

// runTuneOffline sweeps the offline queue's settings and reports.
func runTuneOffline(j *tuneJob, stdout, stderr io.Writer) int {
	ctx, stop := interruptible(stderr)
	defer stop()
	tt, err := openTuneTarget(j.sc, j.f.keys, j.f.seed, settleFor(j.f))
	if err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitUsage
	}
	defer tt.close()
	stage := j.sc.Plan.Stages[j.si]
	if !j.f.quiet {
		fmt.Fprintf(stdout, "tuning the offline queue of %s, stage %s, "+
			"at %s against %s\n", j.sc.Name, stage.Name, j.rate,
			describe(j.sc))
	}
	res, err := loadgen.SweepOffline(ctx, j.sc.Plan, j.si, tt.target,
		j.offlineOptions(tt, stdout))
	if err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitRuntime
	}
	return j.reportOffline(res, stdout, stderr)
}

func (j *tuneJob) offlineOptions(tt *tuneTarget,
	stdout io.Writer) loadgen.OfflineSweepOptions {
	o := loadgen.OfflineSweepOptions{Rate: j.rate, Duration: j.f.duration,
		Intervals: j.ivs, QueueSizes: j.sizes, Keys: tt.keys,
		Settle: tt.settle, Run: loadgen.Options{Seed: uint64(tt.seed)}}
	if !j.f.quiet {
		o.OnPoint = func(p loadgen.OfflineSweepPoint) {
			s := p.Summary
			fmt.Fprintf(stdout, "  flush %v, queue %d: lost %d of %d\n",
				s.FlushInterval, s.QueueSize, s.Lost, s.Accepted)
		}
	}
	return o
}

func (j *tuneJob) reportOffline(res *loadgen.OfflineSweepResult,
	stdout, stderr io.Writer) int {
	stage := j.sc.Plan.Stages[j.si]
	pts := res.Summaries()
	idx, found := reports.RecommendOffline(pts)
	r := &reports.TuneResult{Scenario: j.sc.Name, Stage: stage.Name,
		Flow: string(stage.Flow), Target: describe(j.sc), Keys: j.f.keys,
		Criteria: j.criteria, Interrupted: res.Interrupted,
		Offline: &reports.OfflineTune{Rate: j.rate.PerSecond(),
			Seconds: j.f.duration.Seconds(), Points: pts,
			Skipped: res.Skipped, Found: found, Index: idx}}
	fmt.Fprintln(stdout)
	err := reports.WriteTuneText(stdout, r)
	if err == nil {
		err = writeTuneDir(j.f.out, r, nil)
	}
	if err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitRuntime
	}
	fmt.Fprintf(stdout, "\nwrote tune.json to %s\n", j.f.out)
	return tuneExit(r, stderr)
}
