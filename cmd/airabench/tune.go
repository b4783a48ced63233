package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/reports"
	"github.com/airabench/airabench/scenarios"
)

const tuneUsage = `Usage: airabench tune [flags] SCENARIO

Finds the semaphore size for a rate limit. Runs one stage of the scenario
(the first, or --stage) at each concurrency level, for --duration or
--items per level, with the scenario's flow, body and retry policy, and
recommends the smallest concurrency whose goodput reaches --share of the
best seen, with throttled attempts and p99 operation latency within the
limits. Beside it, Little's law: allowed rate x unloaded latency. Levels
far past the knee are skipped once goodput has flattened; --refine then
tries the levels beside the prediction and halves the gap below the
recommendation.

Against the mock, the mock is reset before each level and --keys N makes
N keys, each with the profile's rate limit. Against a URL, the keys come
from AIRA_API_KEYS (comma-separated) or AIRA_API_KEY, and each level
waits --settle first so the last level's requests leave the window.

With --offline, tunes the SDKs' offline queue instead: at --rate, the
smallest max_queue_size that loses nothing for each --flush-intervals,
and the time to receipt it costs.

Writes tune.json and sweep.png/.svg to --out. Exit 0 when a level meets
the limits, 99 when none does, 1 on a runtime error, 2 on a usage error.

Examples:
  airabench tune semaphore-batch
  airabench tune --range 1..64 --duration 4s --keys 2 my-batch.yaml
  airabench tune --levels 4,5,6,8 --max-p99 500ms --max-throttled 0.05 b.yaml
  AIRA_API_KEYS=k1,k2 airabench tune --limit pro --duration 3m real.yaml
  airabench tune --offline --rate 50/s --duration 20s my-batch.yaml

Limit tiers (--limit), per key; from Aira's rate-limits page:
  public 30/1m (per IP), authenticated 60/1m, auth 10/1m, free 60/1m,
  pro 300/1m (a guess: the published table is cut off)

Flags:
`

// tuneFlags are the flags of airabench tune.
type tuneFlags struct {
	stage        string
	levels       string
	span         string
	items        int
	duration     time.Duration
	keys         int
	limit        string
	share        float64
	maxThrottled float64
	maxP99       time.Duration
	refine       bool
	noSkip       bool
	settle       time.Duration
	settleSet    bool // --settle was given
	out          string
	seed         int64
	quiet        bool

	offline    bool
	rate       string
	intervals  string
	queueSizes string
}

func tuneFlagSet(f *tuneFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.stage, "stage", "", "stage to sweep (default the first)")
	fs.StringVar(&f.levels, "levels", "",
		"concurrency levels, such as 1,2,4,8 (instead of --range)")
	fs.StringVar(&f.span, "range", "1..256",
		"concurrency range, doubling from the low end")
	fs.IntVar(&f.items, "items", 0, "operations per level (a batch)")
	fs.DurationVar(&f.duration, "duration", 0,
		"time per level or offline setting (default 5s)")
	fs.IntVar(&f.keys, "keys", 1,
		"API keys in the pool; requests take them in turn")
	fs.StringVar(&f.limit, "limit", "", "rate limit per key, as 100/s, "+
		"60/1m or a tier (default: the mock profile's)")
	fs.Float64Var(&f.share, "share", 0.95,
		"share of the best goodput a recommended level must reach")
	fs.Float64Var(&f.maxThrottled, "max-throttled", 1,
		"largest share of attempts throttled, 0 to 1; 1 is no bound")
	fs.DurationVar(&f.maxP99, "max-p99", 0,
		"largest p99 operation latency (0: no bound)")
	fs.BoolVar(&f.refine, "refine", true,
		"try levels beside the prediction and below the recommendation")
	fs.BoolVar(&f.noSkip, "no-skip", false,
		"run every level, even far past the knee")
	fs.DurationVar(&f.settle, "settle", 0, "pause before each level "+
		"against a URL; when unset, the --limit window")
	fs.StringVar(&f.out, "out", "",
		"output folder (default out/tune-SCENARIO)")
	fs.Int64Var(&f.seed, "seed", 0,
		"seed of the mock and the client (default: the scenario's)")
	fs.BoolVar(&f.quiet, "quiet", false, "no line per level while running")
	fs.BoolVar(&f.offline, "offline", false,
		"tune the offline queue's flush interval and size instead")
	fs.StringVar(&f.rate, "rate", "",
		"arrival rate of an offline sweep, such as 50/s")
	fs.StringVar(&f.intervals, "flush-intervals",
		"100ms,250ms,500ms,1s,2s,5s", "flush intervals of an offline sweep")
	fs.StringVar(&f.queueSizes, "queue-sizes",
		"10,20,50,100,200,500,1000,2000,5000",
		"queue sizes of an offline sweep")
	fs.Usage = func() {
		fmt.Fprint(stderr, tuneUsage)
		fs.PrintDefaults()
	}
	return fs
}

// tuneJob is a checked tune command, ready to run.
type tuneJob struct {
	f        tuneFlags
	sc       *scenarios.Scenario
	si       int // index of the stage swept
	levels   []int
	criteria reports.Criteria
	limit    *tierLimit // --limit, parsed; nil when not given
	rate     loadgen.Rate
	ivs      []time.Duration
	sizes    []int
}

func cmdTune(args []string, stdout, stderr io.Writer) int {
	var f tuneFlags
	fs := tuneFlagSet(&f, stderr)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return exitUsage
	}
	fs.Visit(func(fl *flag.Flag) {
		f.settleSet = f.settleSet ||
			fl.Name == "settle"
	})
	sc, err := scenarios.Load(fs.Arg(0), os.LookupEnv)
	if err != nil {
		printLoadError(stderr, err)
		return exitUsage
	}
	job, err := checkTune(f, sc)
	if err != nil {
		fmt.Fprintf(stderr, "airabench tune: %v\n", err)
		return exitUsage
	}
	if job.f.out == "" {
		job.f.out = filepath.Join("out", "tune-"+reports.FileSafe(sc.Name))
	}
	if job.f.offline {
		return runTuneOffline(job, stdout, stderr)
	}
	return runTune(job, stdout, stderr)
}

// checkTune checks the flags against the scenario.
func checkTune(f tuneFlags, sc *scenarios.Scenario) (*tuneJob, error) {
	j := &tuneJob{f: f, sc: sc, criteria: reports.Criteria{Share: f.share,
		MaxThrottled: f.maxThrottled, MaxP99: f.maxP99}}
	if f.duration == 0 && f.items == 0 {
		j.f.duration = 5 * time.Second
	}
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	j.si, err = stageIndex(sc, f.stage)
	add(err)
	add(checkCommon(f))
	if f.limit != "" {
		j.limit, err = parseLimit(f.limit)
		add(err)
	}
	if f.offline {
		add(j.checkOffline())
	} else {
		j.levels, err = parseLevels(f.levels, f.span)
		add(err)
	}
	return j, errors.Join(errs...)
}

// checkCommon checks the flags every mode reads.
func checkCommon(f tuneFlags) error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if f.items < 0 || f.duration < 0 {
		bad("--items and --duration must not be negative")
	}
	if f.items > 0 && f.duration > 0 {
		bad("set --items or --duration, not both")
	}
	if f.keys < 1 || f.keys > 1000 {
		bad("--keys %d: want 1 to 1000", f.keys)
	}
	if !(f.share > 0 && f.share <= 1) {
		bad("--share %v: want a share above 0, at most 1", f.share)
	}
	if !(f.maxThrottled >= 0 && f.maxThrottled <= 1) {
		bad("--max-throttled %v: want a share from 0 to 1", f.maxThrottled)
	}
	if f.maxP99 < 0 || f.settle < 0 {
		bad("--max-p99 and --settle must not be negative")
	}
	return errors.Join(errs...)
}

// checkOffline checks the flags of an offline sweep.
func (j *tuneJob) checkOffline() error {
	var errs []error
	var err error
	if j.f.rate == "" {
		errs = append(errs, errors.New("--offline needs --rate"))
	} else if j.rate, err = loadgen.ParseRate(j.f.rate); err != nil {
		errs = append(errs, fmt.Errorf("--rate: %w", err))
	}
	if j.f.items > 0 {
		errs = append(errs, errors.New("--offline runs for --duration, "+
			"not --items"))
	}
	if j.ivs, err = parseDurations(j.f.intervals); err != nil {
		errs = append(errs, fmt.Errorf("--flush-intervals: %w", err))
	}
	if j.sizes, err = parseInts(j.f.queueSizes); err != nil {
		errs = append(errs, fmt.Errorf("--queue-sizes: %w", err))
	}
	if f := j.sc.Plan.Stages[j.si].Flow; f != loadgen.FlowAuthorize {
		errs = append(errs, fmt.Errorf("--offline queues authorize "+
			"calls; stage %q runs %s", j.sc.Plan.Stages[j.si].Name, f))
	}
	return errors.Join(errs...)
}

// stageIndex finds the stage called name, or the first when name is
// empty.
func stageIndex(sc *scenarios.Scenario, name string) (int, error) {
	if name == "" {
		return 0, nil
	}
	var names []string
	for i, s := range sc.Plan.Stages {
		if s.Name == name {
			return i, nil
		}
		names = append(names, s.Name)
	}
	return 0, fmt.Errorf("--stage %q: no such stage (have %s)", name,
		strings.Join(names, ", "))
}

// maxLevel bounds a concurrency level; each level holds a connection per
// operation in flight.
const maxLevel = 100_000

// parseLevels reads --levels, a list, or else --range, LOW..HIGH, as
// LOW, 2 LOW, 4 LOW, ... up to HIGH, which is always included.
func parseLevels(list, span string) ([]int, error) {
	if list != "" {
		v, err := parseInts(list)
		if err != nil {
			return nil, fmt.Errorf("--levels: %w", err)
		}
		return v, checkLevels(v)
	}
	lo, hi, ok := strings.Cut(span, "..")
	a, errA := strconv.Atoi(strings.TrimSpace(lo))
	b, errB := strconv.Atoi(strings.TrimSpace(hi))
	if !ok || errA != nil || errB != nil || a < 1 || b < a {
		return nil, fmt.Errorf("--range %q: want LOW..HIGH, such as "+
			"1..256, with 1 <= LOW <= HIGH", span)
	}
	var v []int
	for c := a; c < b; c *= 2 {
		v = append(v, c)
	}
	v = append(v, b)
	return v, checkLevels(v)
}

func checkLevels(v []int) error {
	for _, c := range v {
		if c < 1 || c > maxLevel {
			return fmt.Errorf("level %d: want 1 to %d", c, maxLevel)
		}
	}
	return nil
}

// parseInts reads a comma-separated list of positive whole numbers.
func parseInts(s string) ([]int, error) {
	var v []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a whole number above 0", part)
		}
		v = append(v, n)
	}
	return v, nil
}

// parseDurations reads a comma-separated list of positive durations.
func parseDurations(s string) ([]time.Duration, error) {
	var v []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q is not a duration above 0", part)
		}
		v = append(v, d)
	}
	return v, nil
}

// tierLimit is a rate limit per key (or per IP, for the public tier).
type tierLimit struct {
	rate   loadgen.Rate
	label  string
	perIP  bool
	unsure bool // the figure is a guess
}

// tiers are the limits of Aira's rate-limits page (../shared/aira-api.md
// §4). The Pro row of the plan table is cut off after "3"; 300/min is a
// guess and is said to be one.
var tiers = map[string]tierLimit{
	"public":        {rate: perMinute(30), perIP: true},
	"authenticated": {rate: perMinute(60)},
	"auth":          {rate: perMinute(10)},
	"free":          {rate: perMinute(60)},
	"pro":           {rate: perMinute(300), unsure: true},
}

func perMinute(n float64) loadgen.Rate {
	return loadgen.Rate{Freq: n, Per: time.Minute}
}

// parseLimit reads --limit: a tier name or a rate.
func parseLimit(s string) (*tierLimit, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if t, ok := tiers[name]; ok {
		t.label = name + " tier " + t.rate.String()
		if t.unsure {
			t.label += ", a guess"
		}
		return &t, nil
	}
	r, err := loadgen.ParseRate(s)
	if err != nil {
		return nil, fmt.Errorf("--limit: %w (or a tier: public, "+
			"authenticated, auth, free, pro)", err)
	}
	return &tierLimit{rate: r, label: "--limit " + r.String()}, nil
}

// requestsPerOp returns how many rate-limited requests one operation
// of the stage sends, and whether they are public (limited per IP, so
// a key pool does not multiply the limit).
func requestsPerOp(s loadgen.Stage) (float64, bool) {
	switch s.Flow {
	case loadgen.FlowAuthorizeNotarize:
		return 2, false
	case loadgen.FlowVerify, loadgen.FlowHealth:
		return 1, true
	case loadgen.FlowMix:
		var w, n float64
		for _, m := range s.Mix {
			k, _ := requestsPerOp(loadgen.Stage{Flow: m.Flow})
			w, n = w+m.Weight, n+m.Weight*k
		}
		if w > 0 {
			return n / w, false
		}
	}
	return 1, false
}

// allowedRate returns the operations per second the limit allows with
// keys keys, and says where the figure comes from; 0 when no limit is
// known.
func allowedRate(lim *tierLimit, s loadgen.Stage, keys int) (float64,
	string) {
	if lim == nil || lim.rate.PerSecond() <= 0 {
		return 0, ""
	}
	per, public := requestsPerOp(s)
	n := keys
	if public || lim.perIP {
		n = 1
	}
	src := fmt.Sprintf("%s x %d key(s)", lim.label, n)
	if public || lim.perIP {
		src = lim.label + " per client IP"
	}
	if per != 1 {
		src += fmt.Sprintf(" / %s requests per operation",
			strconv.FormatFloat(per, 'g', 3, 64))
	}
	return lim.rate.PerSecond() * float64(n) / per, src
}
