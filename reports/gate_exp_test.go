package reports_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
)

func expRun(t *testing.T, p mockserver.Profile, load loadgen.Load) *reports.Run {
	srv, err := mockserver.New(mockserver.Config{Profile: p, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	plan := loadgen.Plan{Name: "gate", Stages: []loadgen.Stage{{
		Name: "s", Flow: loadgen.FlowAuthorize, Load: load,
		Body: loadgen.DefaultBody}}}
	r, err := loadgen.Run(context.Background(), plan, loadgen.Target{
		BaseURL: srv.URL, APIKey: srv.SampleKey()}, loadgen.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func latProfile(scale float64) mockserver.Profile {
	return mockserver.Profile{Latency: mockserver.Latency{Authorize: mockserver.Dist{
		Dist: "lognormal", Median: time.Duration(scale * float64(50*time.Millisecond)), Sigma: 0.3}}}
}

func capProfile(workers int) mockserver.Profile {
	return mockserver.Profile{Capacity: mockserver.Capacity{Workers: workers,
		ServiceTime: mockserver.Latency{Authorize: mockserver.Dist{Dist: "uniform", Min: 30 * time.Millisecond, Max: 50 * time.Millisecond}}}}
}

func line(t *testing.T, name string, a, b *reports.Run) (string, bool) {
	c, err := reports.Compare(a, b, reports.DefaultTolerances())
	if err != nil {
		t.Fatal(err)
	}
	line := fmt.Sprintf("%-10s %4.0f %4.0f", name, a.Stages[0].Duration.Seconds()*1000, b.Stages[0].Duration.Seconds()*1000)
	for _, d := range c.Deltas {
		if d.Metric == "failure rate" { continue }
		flag := " "
		if d.Regression { flag = "!" }
		if strings.HasPrefix(d.Note, "not gated") { flag = "-" }
		m := strings.TrimPrefix(strings.TrimPrefix(d.Metric, "latency.response "), "latency.")
		m = strings.Replace(m, "service ", "s", 1)
		line += fmt.Sprintf("|%s %+5.1f lo%+5.1f%s", m, 100*d.Rel, 100*d.Low/d.Base, flag)
	}
	return line, c.Regressed()
}

func family(t *testing.T, name string, n int, base, worse mockserver.Profile, load loadgen.Load) {
	var runs []*reports.Run
	expRun(t, base, load)
	for range n {
		runs = append(runs, expRun(t, base, load))
	}
	bad := expRun(t, worse, load)
	falseAlarms := 0
	for i := range runs {
		for j := range runs {
			if i == j { continue }
			l, reg := line(t, fmt.Sprintf("%s %d-%d", name, i, j), runs[i], runs[j])
			if reg || os.Getenv("ALL") != "" { fmt.Println(l) }
			if reg { falseAlarms++ }
		}
	}
	missed := 0
	for i := range runs {
		l, reg := line(t, name+" bad", runs[i], bad)
		if i == 0 || !reg { fmt.Println(l) }
		if !reg { missed++ }
	}
	fmt.Printf("%s: %d false alarms of %d, %d missed of %d\n", name, falseAlarms, n*(n-1), missed, n)
}

func TestGateExp(t *testing.T) {
	if os.Getenv("GATEEXP") == "" {
		t.Skip()
	}
	start := time.Now()
	closed := loadgen.Load{Model: loadgen.Closed, Concurrency: 10, Items: 500}
	open := loadgen.Load{Model: loadgen.Open, Rate: loadgen.Rate{Freq: 1000, Per: time.Second}, Duration: 500 * time.Millisecond}
	_, _ = open, closed
	if os.Getenv("OPEN") != "" {
		family(t, "lat-open", 6, latProfile(1), latProfile(1.2), open)
		family(t, "cap-open", 6, capProfile(5), capProfile(4), open)
	} else {
		family(t, "lat", 6, latProfile(1), latProfile(1.2), loadgen.Load{Model: loadgen.Open, Rate: loadgen.Rate{Freq: 500, Per: time.Second}, Duration: 600 * time.Millisecond})
		family(t, "cap", 6, capProfile(25), capProfile(20), loadgen.Load{Model: loadgen.Closed, Concurrency: 50, Items: 300})
	}
	fmt.Println("elapsed", time.Since(start))
}
