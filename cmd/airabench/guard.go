package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/scenarios"
)

// tlsSettings turns --ca-cert and --insecure into the client's TLS
// configuration for target, and the warning the report must carry. Both
// flags need an https target; with neither, the result is nil: Go's
// default verification against the system's roots.
func tlsSettings(target, caFile string, insecure bool) (*tls.Config,
	string, error) {
	if caFile == "" && !insecure {
		return nil, "", nil
	}
	if u, err := url.Parse(target); target == "" || err != nil ||
		u.Scheme != "https" {
		return nil, "", errors.New("--ca-cert and --insecure apply only " +
			"to an https target URL")
	}
	if caFile != "" && insecure {
		return nil, "", errors.New("--ca-cert and --insecure contradict " +
			"each other: pick one")
	}
	if insecure {
		return &tls.Config{InsecureSkipVerify: true},
			"TLS certificates of " + target + " were not verified " +
				"(--insecure): any server could have answered", nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, "", fmt.Errorf("--ca-cert: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, "", fmt.Errorf("--ca-cert: no PEM certificate in %s",
			caFile)
	}
	return &tls.Config{RootCAs: pool}, "", nil
}

// isLoopbackURL reports whether a target URL names this machine. Tests
// replace it to exercise the guard of remote targets on loopback.
var isLoopbackURL = func(target string) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// remotePlan prints what a run will send to a target beyond this
// machine: each stage's model, rate, duration and number of operations,
// and the max_rate guard.
func remotePlan(w io.Writer, sc *scenarios.Scenario) {
	fmt.Fprintf(w, "target %s is not on this machine; the run will "+
		"send:\n", sc.URL)
	for _, s := range sc.Plan.Stages {
		fmt.Fprintf(w, "  %s: %s\n", s.Name, stagePlan(s.Load))
	}
	if sc.MaxRate.PerSecond() > 0 {
		fmt.Fprintf(w, "  every request, retries included, is held to "+
			"max_rate %v\n", sc.MaxRate)
	}
}

// stagePlan describes one stage's load in a line.
func stagePlan(l loadgen.Load) string {
	switch {
	case l.Model == loadgen.Open:
		sch := loadgen.ConstantSchedule(l.Rate, l.Duration)
		how := fmt.Sprintf("%v", l.Rate)
		if len(l.Ramp) > 0 {
			sch = loadgen.RampSchedule(l.Rate, l.Ramp)
			how = fmt.Sprintf("%v ramping to %v", l.Rate,
				l.Ramp[len(l.Ramp)-1].Target)
		}
		return fmt.Sprintf("open model, %s for %v: %d operations", how,
			sch.Duration(), sch.Total())
	case l.Duration > 0:
		return fmt.Sprintf("%s model for %v, %d in flight; as many "+
			"operations as answers allow", l.Model, l.Duration,
			l.Concurrency)
	case l.Model == loadgen.Unbounded:
		return fmt.Sprintf("%s model: %d operations, all at once",
			l.Model, l.Items)
	}
	return fmt.Sprintf("%s model: %d operations, %d in flight", l.Model,
		l.Items, l.Concurrency)
}

// guardTarget applies the rules of a URL target beyond this machine:
// it prints what the run will send, and it refuses a scenario that
// declares no max_rate unless noMaxRate says so explicitly. It returns
// the run warning to keep, if any.
func guardTarget(w io.Writer, sc *scenarios.Scenario,
	noMaxRate bool) (string, error) {
	if sc.Mock != nil || isLoopbackURL(sc.URL) {
		return "", nil
	}
	remotePlan(w, sc)
	most := sc.MaxRate.PerSecond()
	if most == 0 && !noMaxRate {
		return "", fmt.Errorf("%s is not on this machine and the "+
			"scenario declares no target.max_rate: declare one (such as "+
			"max_rate: 50/s), or pass --no-max-rate to send unguarded",
			sc.URL)
	}
	for _, s := range sc.Plan.Stages {
		if r := peakRate(s.Load); most > 0 && r > most {
			return "", fmt.Errorf("stage %s: %.6g/s is above "+
				"target.max_rate, %v", s.Name, r, sc.MaxRate)
		}
	}
	if most == 0 {
		return "ran against " + sc.URL + " with no max_rate guard " +
			"(--no-max-rate)", nil
	}
	return "", nil
}

// peakRate is the highest rate per second an open stage's schedule asks
// for; 0 for the closed models, which the guard holds at run time.
func peakRate(l loadgen.Load) float64 {
	if l.Model != loadgen.Open {
		return 0
	}
	peak := l.Rate.PerSecond()
	for _, st := range l.Ramp {
		peak = max(peak, st.Target.PerSecond())
	}
	return peak
}

// guardedTarget holds a URL target to the scenario's max_rate, when it
// declares one, on this machine or beyond it.
func guardedTarget(t loadgen.Target, sc *scenarios.Scenario) loadgen.Target {
	if sc.Mock == nil {
		t.MaxRate = sc.MaxRate
	}
	return t
}
