package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/airabench/airabench/reports"
	"github.com/airabench/airabench/scenarios"
)

// reportFlags are the output settings shared by run and report.
type reportFlags struct {
	out         string
	percentiles bool
	noPlots     bool
	summaryMD   string
}

// report prints the summary of res, writes its output folder, checks
// thresholds and the baseline, and returns the exit code they give.
func report(res *reports.Run, ts []reports.Threshold, base *reports.Run,
	f reportFlags, stdout, stderr io.Writer) int {
	results := reports.EvaluateThresholds(res, ts)
	if err := reports.WriteText(stdout, res, reports.TextOptions{
		Percentiles: f.percentiles}); err != nil {
		fmt.Fprintf(stderr, "airabench: %v\n", err)
		return exitRuntime
	}
	code := exitOK
	var cmp *reports.Comparison
	if len(results) > 0 {
		fmt.Fprintln(stdout, "\nthresholds")
		for _, r := range results {
			fmt.Fprintf(stdout, "  %s\n", r)
		}
		if !reports.AllPassed(results) {
			code = exitGate
		}
	}
	if base != nil {
		c, err := reports.Compare(base, res, reports.DefaultTolerances())
		if err != nil {
			fmt.Fprintf(stderr, "airabench: baseline: %v\n", err)
			return exitRuntime
		}
		fmt.Fprintln(stdout, "\nagainst the baseline")
		if err := reports.WriteComparison(stdout, c); err != nil {
			fmt.Fprintf(stderr, "airabench: %v\n", err)
			return exitRuntime
		}
		if c.Regressed() {
			code = exitGate
		}
		cmp = c
	}
	paths, err := reports.WriteDir(f.out, res, reports.DirOptions{
		NoPlots: f.noPlots, Thresholds: results, Comparison: cmp})
	if err != nil {
		fmt.Fprintf(stderr, "airabench: %v\n", err)
		return exitRuntime
	}
	if f.summaryMD != "" {
		err := writeMarkdown(f.summaryMD, res, reports.MarkdownOptions{
			Thresholds: results, Comparison: cmp})
		if err != nil {
			fmt.Fprintf(stderr, "airabench: --summary-md: %v\n", err)
			return exitRuntime
		}
	}
	fmt.Fprintf(stdout, "\nwrote %d files to %s\n", len(paths), f.out)
	if code == exitGate {
		fmt.Fprintln(stderr, "airabench: the gate failed (exit 99)")
	}
	return code
}

func writeMarkdown(path string, res *reports.Run,
	o reports.MarkdownOptions) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := reports.WriteMarkdown(f, res, o); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readSummary reads a summary.json, or the one in a folder.
func readSummary(path string) (*reports.Run, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, reports.SummaryFile)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := reports.ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// loadBaseline reads the baseline, if one is named.
func loadBaseline(path string) (*reports.Run, error) {
	if path == "" {
		return nil, nil
	}
	return readSummary(path)
}

const reportUsage = `Usage: airabench report [flags] RESULT...

Re-renders stored results (summary.json files or the folders holding
them) and merges several into one: histograms merged exactly, counts
added. A set of shards must be complete: a missing shard is an error, not
a smaller run. With --scenario, the scenario's thresholds are evaluated
on the merged whole.

Examples:
  airabench report out/ci
  airabench report --scenario migration-capacity --out out/merged \
      out/shards/shard-*-of-4

Flags:
`

func cmdReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f reportFlags
	fs.StringVar(&f.out, "out", "out/report", "output folder")
	fs.BoolVar(&f.percentiles, "percentiles", false,
		"print the full HDR percentile spectrum of each stage")
	fs.BoolVar(&f.noPlots, "no-plots", false, "skip the plots")
	fs.StringVar(&f.summaryMD, "summary-md", "",
		"also write a markdown summary to this file")
	scenario := fs.String("scenario", "",
		"evaluate this scenario's thresholds on the result")
	fs.Usage = func() {
		fmt.Fprint(stderr, reportUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	var runs []*reports.Run
	for _, p := range fs.Args() {
		r, err := readSummary(p)
		if err != nil {
			fmt.Fprintf(stderr, "airabench report: %v\n", err)
			return exitUsage
		}
		runs = append(runs, r)
	}
	merged, err := reports.Merge(runs...)
	if err != nil {
		fmt.Fprintf(stderr, "airabench report: %v\n", err)
		return exitRuntime
	}
	var ts []reports.Threshold
	if *scenario != "" {
		sc, err := scenarios.Load(*scenario, os.LookupEnv)
		if err != nil {
			printLoadError(stderr, err)
			return exitUsage
		}
		ts = sc.Thresholds
	}
	return report(merged, ts, nil, f, stdout, stderr)
}

const compareUsage = `Usage: airabench compare [flags] BASE NEW

Compares two results (summary.json files or their folders) stage by
stage: latency percentiles, goodput and the failure rate, each with its
uncertainty. Exit 99 when NEW regressed beyond the tolerances, 0 when not.

Example:
  airabench compare out/main out/pr-1234

Flags:
`

func cmdCompare(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tol := reports.DefaultTolerances()
	fs.Float64Var(&tol.Latency, "latency-tolerance", tol.Latency,
		"allowed relative rise of a latency percentile")
	fs.Float64Var(&tol.Throughput, "throughput-tolerance", tol.Throughput,
		"allowed relative fall of goodput")
	fs.Float64Var(&tol.FailureRate, "failure-tolerance", tol.FailureRate,
		"allowed absolute rise of the share of failed operations")
	fs.Float64Var(&tol.Confidence, "confidence", tol.Confidence,
		"confidence of each interval, in (0, 1)")
	fs.Usage = func() {
		fmt.Fprint(stderr, compareUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return exitUsage
	}
	base, err := readSummary(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "airabench compare: %v\n", err)
		return exitUsage
	}
	next, err := readSummary(fs.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "airabench compare: %v\n", err)
		return exitUsage
	}
	if !shareStage(base, next) {
		fmt.Fprintf(stderr, "airabench compare: %s and %s share no stage "+
			"name: compare two results of the same scenario\n", fs.Arg(0),
			fs.Arg(1))
		return exitUsage
	}
	c, err := reports.Compare(base, next, tol)
	if err != nil {
		fmt.Fprintf(stderr, "airabench compare: %v\n", err)
		return exitUsage
	}
	if err := reports.WriteComparison(stdout, c); err != nil {
		fmt.Fprintf(stderr, "airabench compare: %v\n", err)
		return exitRuntime
	}
	if c.Regressed() {
		fmt.Fprintln(stderr, "airabench compare: regression (exit 99)")
		return exitGate
	}
	return exitOK
}

// shareStage reports whether two results have a stage name in common.
func shareStage(a, b *reports.Run) bool {
	for _, x := range a.Stages {
		for _, y := range b.Stages {
			if x.Name == y.Name {
				return true
			}
		}
	}
	return false
}
