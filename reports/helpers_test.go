package reports

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, or rewrites the file under
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s\nwant:\n%s",
			name, got, want)
	}
}

var t0 = time.Date(2025, 3, 4, 10, 20, 30, 123456789, time.UTC)

// sampleRun returns a hand-built run of two stages: a closed-model
// authorize+notarize stage with throttling and retries, and an open-model
// authorize stage that dropped operations and clamped a value.
func sampleRun() *Run {
	return &Run{
		Scenario:    "semaphore-batch",
		Description: "2,000 authorize calls through a semaphore of 50",
		Target:      "mock",
		MockProfile: "default",
		MockSeed:    42,
		Version:     "0.1.0-test",
		Start:       t0,
		Stages:      []*Stage{closedStage(), openStage()},
	}
}

func closedStage() *Stage {
	s := NewStage("batch", "authorize+notarize")
	s.Model, s.Concurrency = "closed", 50
	s.Start, s.Duration = t0, 10*time.Second+250*time.Millisecond
	s.Intended, s.Sent = 2000, 2000
	s.Outcomes = Outcomes{OK: 1900, Throttled: 60, Denied: 30,
		ServerError: 6, TransportError: 4}
	s.Attempts = Outcomes{OK: 1900, Throttled: 240, Denied: 30,
		ServerError: 20, TransportError: 10}
	s.Retries = s.Attempts.Total() - s.Sent
	s.RetriesBy = Outcomes{Throttled: 180, ServerError: 14,
		TransportError: 6}
	s.RetryWait = 37*time.Second + 500*time.Millisecond
	s.Held, s.SucceededEarlier, s.Capped, s.BudgetExhausted = 12, 3, 4, 5
	s.TransportErrors = map[string]int64{"reset": 6, "timeout": 4}
	s.NewConnections = 50
	for i := range 2200 {
		svc := time.Duration(5000+(i*37)%20000) * time.Microsecond
		wait := time.Duration((i*13)%3000) * time.Microsecond
		s.Latency[Service].Record(svc)
		s.Latency[Dispatch].Record(wait)
		s.Latency[Response].Record(svc + wait)
		s.Latency[Operation].Record(2*(svc+wait) + time.Millisecond)
	}
	for _, name := range []string{"authorize", "notarize"} {
		st := s.Step(name)
		st.Attempts = Outcomes{OK: 1900, Throttled: 120, ServerError: 10}
		for i := range 1100 {
			d := time.Duration(4000+(i*53)%15000) * time.Microsecond
			st.Latency[Service].Record(d)
			st.Latency[Response].Record(d + time.Millisecond)
		}
	}
	s.Series = Series{
		Offered:   []int64{50, 200, 210, 205, 190, 200, 198, 202, 200, 195, 150},
		Sent:      []int64{50, 195, 205, 200, 190, 200, 198, 202, 200, 190, 170},
		Goodput:   []int64{40, 180, 190, 185, 180, 190, 190, 195, 190, 180, 180},
		Throttled: []int64{5, 10, 8, 7, 5, 5, 4, 4, 4, 4, 4},
		Errors:    []int64{0, 1, 0, 2, 0, 1, 0, 0, 3, 1, 2},
	}
	return s
}

func openStage() *Stage {
	s := NewStage("ramp", "authorize")
	s.Model = "open"
	s.Start, s.Duration = t0.Add(11*time.Second), 5*time.Second
	s.Intended, s.Sent, s.Dropped = 1000, 990, 10
	s.TargetRate = 200
	s.NewConnections = 12
	s.Outcomes = Outcomes{OK: 985, Throttled: 5}
	s.Attempts = s.Outcomes
	s.EarlyRetries = 2
	s.Setup, s.InvalidReceipts = 50, 1
	s.Offline = NewOffline()
	s.Offline.Accepted, s.Offline.Delivered, s.Offline.Lost = 1000, 990, 10
	s.Offline.LostBy["overflow"] = 10
	s.Offline.DeniedLate = 7
	s.Offline.Depth = []int64{3, 40, 120, 80, 0}
	for i := range 1000 {
		s.Offline.Enqueue.Record(time.Duration(2+i%5) * time.Microsecond)
		s.Offline.TimeToReceipt.Record(time.Duration(100+i%400) * time.Millisecond)
	}
	for i := range 990 {
		d := time.Duration(800+(i*7)%900) * time.Microsecond
		s.Latency[Service].Record(d)
		s.Latency[Response].Record(d + 100*time.Microsecond)
		s.Latency[Dispatch].Record(100 * time.Microsecond)
		s.Latency[Operation].Record(d + 100*time.Microsecond)
	}
	s.Latency[Response].Record(-time.Millisecond)
	s.Series = Series{
		Offered:   []int64{100, 150, 200, 250, 300},
		Sent:      []int64{100, 150, 200, 250, 290},
		Goodput:   []int64{100, 150, 199, 248, 288},
		Throttled: []int64{0, 0, 1, 2, 2},
		Errors:    []int64{0, 0, 0, 0, 0},
	}
	return s
}

// edgeRuns returns the runs that must still render: no stage, an empty
// stage, one sample, every request failed, and a run cut short.
func edgeRuns() map[string]*Run {
	empty := NewStage("empty", "authorize")

	one := NewStage("one", "authorize")
	one.Intended, one.Sent = 1, 1
	one.Outcomes[OK], one.Attempts[OK] = 1, 1
	one.Duration = 3 * time.Millisecond
	one.Latency[Response].Record(3 * time.Millisecond)
	one.Latency[Service].Record(2 * time.Millisecond)
	one.Series.Offered, one.Series.Sent = []int64{1}, []int64{1}
	one.Series.Goodput = []int64{1}

	failed := NewStage("failed", "authorize+notarize")
	failed.Intended, failed.Sent = 100, 100
	failed.Outcomes[TransportError], failed.Attempts[TransportError] = 100, 100
	failed.Duration = 2 * time.Second
	failed.Series.Offered, failed.Series.Sent = []int64{50, 50}, []int64{50, 50}
	failed.Series.Errors = []int64{50, 50}
	failed.Step("authorize").Attempts[TransportError] = 100

	cut := closedStage()
	cut.Outcomes[OK] -= 500

	return map[string]*Run{
		"no stage":   {Scenario: "nothing"},
		"empty":      {Scenario: "empty", Stages: []*Stage{empty}},
		"one sample": {Scenario: "one", Stages: []*Stage{one}},
		"all failed": {Scenario: "failed", Stages: []*Stage{failed}},
		"interrupted": {Scenario: "cut", Interrupted: true,
			Stages: []*Stage{cut}},
	}
}
