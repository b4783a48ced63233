// Command benchtable reads `go test -bench` output and prints, for each
// benchmark of airabench's bench_test.go, the median of its measured
// figure beside the published number it answers and their ratio. make
// bench runs it after the benchmarks.
//
// Usage:
//
//	go run ./internal/benchtable < out/bench.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// row says which figure of a benchmark to show and what it answers.
type row struct {
	bench     string  // benchmark name without the -N suffix
	unit      string  // the b.ReportMetric unit to show
	what      string  // what the figure is
	published string  // the number it answers, as published
	ref       float64 // that number, for the ratio; 0 for none
}

var rows = []row{
	{"BenchmarkReceiptMint", "receipts/s", "receipt mint, one thread",
		"~10,500/s in-process", 10_500},
	{"BenchmarkReceiptMint", "x-raw-sign", "mint / raw ed25519.Sign",
		"goal ≥ 0.95", 0},
	{"BenchmarkEd25519Sign", "signs/s", "Ed25519 sign, one core",
		"10.6K/s", 10_600},
	{"BenchmarkReceiptVerify", "verifications/s", "receipt check, one core",
		"4.9K/s (Ed25519 verify)", 4_900},
	{"BenchmarkCanonicalJSON", "encodings/s", "canonical JSON, one core",
		"429K/s", 429_000},
	{"BenchmarkMockAuthorize", "req/s", "mock authorize, loopback",
		"~200/s, one 4-vCPU", 200},
	{"BenchmarkMockAuthorize", "x-trivial", "mock authorize / trivial",
		"goal ≥ 0.6", 0},
	{"BenchmarkMockAuthorizeNotarize", "req/s",
		"mock authorize+notarize, loopback", "", 0},
	{"BenchmarkMockVerify", "req/s", "mock verify, loopback",
		"~100/s, one 4-vCPU", 100},
	{"BenchmarkMockVerify", "x-trivial", "mock verify / trivial", "", 0},
	{"BenchmarkReference4vCPUAuthorize", "ops/s",
		"reference-4vcpu authorize saturation", "~200/s (±5%)", 200},
	{"BenchmarkReference4vCPUVerify", "ops/s",
		"reference-4vcpu verify saturation", "~100/s (±5%)", 100},
	{"BenchmarkGeneratorClosedLoop", "req/s",
		"generator closed loop vs trivial handler", "", 0},
	{"BenchmarkPacing10k", "%-rate-error", "pacing at 10,000/s: rate error %",
		"goal ≤ 0.1%", 0},
	{"BenchmarkPacing10k", "ms-p99-send-lag", "pacing at 10,000/s: p99 lag ms",
		"goal ≤ 1 ms", 0},
}

func main() {
	figures, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tmeasured (median)\tpublished / goal\tratio")
	for _, r := range rows {
		vs := figures[r.bench][r.unit]
		if len(vs) == 0 {
			continue
		}
		m := median(vs)
		ratio := ""
		if r.ref > 0 {
			ratio = fmt.Sprintf("%.2fx", m/r.ref)
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\n", r.what, format(m), r.unit,
			r.published, ratio)
	}
	tw.Flush()
}

// parse collects every reported metric by benchmark and unit.
func parse(r io.Reader) (map[string]map[string][]float64, error) {
	out := map[string]map[string][]float64{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		if out[name] == nil {
			out[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			out[name][f[i+1]] = append(out[name][f[i+1]], v)
		}
	}
	return out, sc.Err()
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func format(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}
