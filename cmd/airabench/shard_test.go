package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/airabench/airabench/reports"
)

// shardScenario is an open model on the mock with a fixed delay: 40
// operations a second for 3 s, 120 in all, none dropped, all ok.
const shardScenario = `name: shard-check
description: 40/s for 3 s against a mock with a fixed 200 ms delay
target:
  mock:
    profile: unlimited
    seed: 3
    latency:
      authorize: {dist: fixed, value: 200ms}
stages:
  - name: steady
    flow: authorize
    executor: constant-arrival-rate
    rate: 40/s
    duration: 3s
thresholds:
  dropped:
    - count==0
`

// Figures of shardScenario.
const (
	shardCount   = 4
	shardRate    = 40
	shardSeconds = 3
	shardDelay   = 200 * time.Millisecond
	shardOps     = shardRate * shardSeconds
)

// airabenchProc is a started airabench process and its output.
type airabenchProc struct {
	name        string
	cmd         *exec.Cmd
	out, errOut bytes.Buffer
}

// TestShardsMergeLikeOneRun is the test of done: the scenario
// runs as one process and as four shard processes, all five started
// together with --start-at, then report merges the shards.
//
// What must agree, and how exactly:
//   - counts (intended, sent, dropped, outcomes) are equal, exactly;
//   - the merged per-second offered series is the scenario's rate in
//     every second, exactly, and equals the single run's;
//   - the merged histograms are the union of the shards' histograms,
//     bucket for bucket, so the merged p50 and p99 are the percentiles of
//     all 120 samples to HdrHistogram's 3 significant digits (not an
//     average of shard percentiles);
//   - every latency of both runs sits at or above the mock's fixed delay,
//     to HdrHistogram's precision: the floor both configurations share.
//
// The single run's p50 and p99 are logged beside the merged ones but not
// asserted equal: two runs on a real clock never draw the same samples,
// and what lies above the floor is the machine's scheduling noise, which
// reached a second on a loaded two-core box while this test was written.
// Any tolerance on it would either flake or assert nothing.
func TestShardsMergeLikeOneRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for about 8 s")
	}
	bin := buildAirabench(t)
	dir := t.TempDir()
	scen := filepath.Join(dir, "shard-check.yaml")
	if err := os.WriteFile(scen, []byte(shardScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	shards := runTogether(t, ctx, bin, dir, scen)
	single := readResult(t, filepath.Join(dir, "single"))
	code, out, errOut := runAirabench(ctx, bin, append([]string{"report",
		"--no-plots", "--scenario", scen, "--out",
		filepath.Join(dir, "merged")}, shards...)...)
	if code != exitOK {
		t.Fatalf("report of 4 shards: exit %d\n%s\n%s", code, out, errOut)
	}
	merged := readResult(t, filepath.Join(dir, "merged"))
	var parts []*reports.Run
	for _, s := range shards {
		parts = append(parts, readResult(t, s))
	}

	checkShardCounts(t, single, merged, parts)
	checkShardOffered(t, single, merged)
	checkShardHistograms(t, single, merged, parts)
	checkMissingShard(t, ctx, bin, dir, scen, shards)
}

// buildAirabench builds airabench into a temporary folder.
func buildAirabench(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build airabench with")
	}
	bin := filepath.Join(t.TempDir(), "airabench")
	cmd := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runTogether starts the single run and the shards with one --start-at
// and waits for them all; it returns the shards' output folders.
func runTogether(t *testing.T, ctx context.Context, bin, dir,
	scen string) []string {
	t.Helper()
	at := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	common := []string{"run", "--quiet", "--no-plots", "--start-at", at}
	single := append(slices.Clone(common), "--out",
		filepath.Join(dir, "single"), scen)
	procs := []*airabenchProc{startAirabench(t, ctx, "single", bin,
		single...)}
	var shards []string
	for i := range shardCount {
		out := filepath.Join(dir, "shards", fmt.Sprintf("shard-%d", i))
		shards = append(shards, out)
		args := append(slices.Clone(common), "--shard",
			fmt.Sprintf("%d/%d", i, shardCount), "--out", out, scen)
		procs = append(procs, startAirabench(t, ctx,
			fmt.Sprintf("shard %d", i), bin, args...))
	}
	for _, p := range procs {
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s\n%s", p.name, err, &p.out, &p.errOut)
		}
	}
	for _, p := range procs {
		// A process that got to --start-at late starts alone, and the
		// shards' schedules would not interleave.
		if !strings.Contains(p.out.String(), "waiting") {
			t.Fatalf("%s was not ready by --start-at (the machine took "+
				"over 2 s to start 5 processes):\n%s", p.name, &p.out)
		}
	}
	return shards
}

// startAirabench starts the binary with args, keeping its output.
func startAirabench(t *testing.T, ctx context.Context, name, bin string,
	args ...string) *airabenchProc {
	t.Helper()
	p := &airabenchProc{name: name,
		cmd: exec.CommandContext(ctx, bin, args...)}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errOut
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	return p
}

// runAirabench runs the binary to its end and returns its exit code and
// output.
func runAirabench(ctx context.Context, bin string, args ...string) (int, string,
	string) {
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		code = -1
	}
	return code, out.String(), errOut.String()
}

func readResult(t *testing.T, dir string) *reports.Run {
	t.Helper()
	r, err := readSummary(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Stages) != 1 {
		t.Fatalf("%s: %d stages, want 1", dir, len(r.Stages))
	}
	return r
}

// checkShardCounts checks that the shards split the operations without loss
// or overlap and that the merge adds them back up to the single run's.
func checkShardCounts(t *testing.T, single, merged *reports.Run,
	parts []*reports.Run) {
	t.Helper()
	s, m := single.Stages[0], merged.Stages[0]
	want := reports.Outcomes{}
	want[reports.OK] = shardOps
	if s.Intended != shardOps || s.Sent != shardOps || s.Dropped != 0 ||
		s.Outcomes != want {
		t.Errorf("single run: intended %d sent %d dropped %d outcomes %v; "+
			"want %d, %d, 0, all ok", s.Intended, s.Sent, s.Dropped,
			s.Outcomes, shardOps, shardOps)
	}
	if m.Intended != s.Intended || m.Sent != s.Sent ||
		m.Dropped != s.Dropped || m.Outcomes != s.Outcomes {
		t.Errorf("merged: intended %d sent %d dropped %d outcomes %v; the "+
			"single run: %d %d %d %v", m.Intended, m.Sent, m.Dropped,
			m.Outcomes, s.Intended, s.Sent, s.Dropped, s.Outcomes)
	}
	for i, p := range parts {
		if got := p.Stages[0].Intended; got != shardOps/shardCount {
			t.Errorf("shard %d intended %d operations, want %d", i, got,
				shardOps/shardCount)
		}
	}
}

// checkShardOffered checks the merged per-second offered load against the
// scenario's rate and the single run's series.
func checkShardOffered(t *testing.T, single, merged *reports.Run) {
	t.Helper()
	want := slices.Repeat([]int64{shardRate}, shardSeconds)
	got := trimTrailingZeros(merged.Stages[0].Series.Offered)
	if !slices.Equal(got, want) {
		t.Errorf("merged offered per second = %v, want %v", got, want)
	}
	if s := trimTrailingZeros(single.Stages[0].Series.Offered); !slices.Equal(s,
		got) {
		t.Errorf("offered per second: single %v, merged %v", s, got)
	}
}

func trimTrailingZeros(s []int64) []int64 {
	for len(s) > 0 && s[len(s)-1] == 0 {
		s = s[:len(s)-1]
	}
	return s
}

// checkShardHistograms checks that each merged histogram is the union of the
// shards', and that every run's latencies sit on the mock's delay.
func checkShardHistograms(t *testing.T, single, merged *reports.Run,
	parts []*reports.Run) {
	t.Helper()
	floor := shardDelay.Microseconds()
	for _, kind := range []string{reports.Response, reports.Service} {
		union := reports.NewHistogram()
		for i, p := range parts {
			if d := union.Merge(p.Stages[0].Latency[kind].Hist); d > 0 {
				t.Fatalf("shard %d %s: merge dropped %d", i, kind, d)
			}
		}
		m := merged.Stages[0].Latency[kind].Hist
		s := single.Stages[0].Latency[kind].Hist
		if !m.Equals(union) {
			t.Errorf("%s: the merged histogram is not the union of the "+
				"shards' (count %d, want %d)", kind, m.TotalCount(),
				union.TotalCount())
		}
		for _, q := range []float64{50, 99} {
			if got, want := m.ValueAtQuantile(q),
				union.ValueAtQuantile(q); got != want {
				t.Errorf("%s p%v: merged %d µs, union of shards %d µs",
					kind, q, got, want)
			}
		}
		for name, h := range map[string]*hdrhistogram.Histogram{
			"single": s, "merged": m} {
			checkLatencyFloor(t, name+" "+kind, h, floor)
		}
		t.Logf("%s p50/p99 (µs): single %d/%d, merged %d/%d", kind,
			s.ValueAtQuantile(50), s.ValueAtQuantile(99),
			m.ValueAtQuantile(50), m.ValueAtQuantile(99))
	}
}

// checkLatencyFloor checks that h holds every operation and that its least
// value is at or above floor µs, to the histogram's precision.
func checkLatencyFloor(t *testing.T, name string, h *hdrhistogram.Histogram,
	floor int64) {
	t.Helper()
	if h.TotalCount() != shardOps {
		t.Errorf("%s: %d values, want %d", name, h.TotalCount(), shardOps)
	}
	if lo := h.Min(); lo < floor && !h.ValuesAreEquivalent(lo, floor) {
		t.Errorf("%s: least value %d µs, below the mock's fixed delay "+
			"of %d µs", name, lo, floor)
	}
}

// namesShard2 matches "missing shard 2" and ".../shard-2/summary.json".
var namesShard2 = regexp.MustCompile(`shard[- ]2\b`)

// checkMissingShard reports the shard set without shard 2 and expects
// report to refuse it, naming the missing shard: once as a glob over the
// folders would give it (shard 2 not among the arguments), once as the
// Kubernetes report Job gives it (shard 2's folder named but absent).
func checkMissingShard(t *testing.T, ctx context.Context, bin, dir,
	scen string, shards []string) {
	t.Helper()
	tests := []struct {
		name string
		args []string
	}{
		{"left out", slices.Delete(slices.Clone(shards), 2, 3)},
		{"folder absent", slices.Clone(shards)},
	}
	for i, tt := range tests {
		if tt.name == "folder absent" {
			if err := os.Rename(shards[2], shards[2]+".gone"); err != nil {
				t.Fatal(err)
			}
		}
		out := filepath.Join(dir, fmt.Sprintf("partial-%d", i))
		code, stdout, stderr := runAirabench(ctx, bin, append([]string{"report",
			"--no-plots", "--scenario", scen, "--out", out},
			tt.args...)...)
		if code == exitOK || code == exitGate {
			t.Errorf("report, shard 2 %s: exit %d, want a failure\n%s",
				tt.name, code, stdout)
		}
		if !namesShard2.MatchString(stderr) {
			t.Errorf("report, shard 2 %s: the error does not name it:\n%s",
				tt.name, stderr)
		}
		if _, err := os.Stat(filepath.Join(out,
			reports.SummaryFile)); err == nil {
			t.Errorf("report, shard 2 %s: wrote a summary of a smaller run",
				tt.name)
		}
	}
}
