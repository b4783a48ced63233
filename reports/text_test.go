package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestWriteTextGolden(t *testing.T) {
	tests := []struct {
		name string
		opts TextOptions
		file string
	}{
		{"default", TextOptions{}, "summary.golden.txt"},
		{"percentiles", TextOptions{Percentiles: true},
			"summary-percentiles.golden.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteText(&b, sampleRun(), tt.opts); err != nil {
				t.Fatalf("WriteText: %v", err)
			}
			golden(t, tt.file, b.Bytes())
		})
	}
}

func TestWriteTextEdgeRuns(t *testing.T) {
	want := map[string][]string{
		"no stage":    {"No stage ran."},
		"empty":       {"the stage offered no operation"},
		"one sample":  {"response", "3.001"},
		"all failed":  {"every operation failed: none of 100"},
		"interrupted": {"interrupted", "500 sent operations have no final"},
	}
	for name, r := range edgeRuns() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteText(&b, r, TextOptions{Percentiles: true}); err != nil {
				t.Fatalf("WriteText: %v", err)
			}
			s := b.String()
			if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("text holds NaN or Inf:\n%s", s)
			}
			for _, w := range want[name] {
				if !strings.Contains(s, w) {
					t.Errorf("text lacks %q:\n%s", w, s)
				}
			}
		})
	}
}

func behindStage() *Stage {
	s := edgeRuns()["one sample"].Stages[0]
	s.Model = "open"
	s.Latency[Dispatch].Record(25 * time.Millisecond)
	return s
}

// lateStage returns an open stage of 1,000 operations planned at
// 200/s (5 s) whose sending ran over by over, answered in about 1 ms.
func lateStage(over time.Duration) *Stage {
	s := NewStage("late", "authorize")
	s.Model, s.TargetRate = "open", 200
	s.Intended, s.Sent = 1000, 1000
	s.Outcomes[OK], s.Attempts[OK] = 1000, 1000
	s.Duration = 5*time.Second + over + time.Millisecond
	for range 1000 {
		s.Latency[Service].Record(time.Millisecond)
		s.Latency[Response].Record(time.Millisecond)
	}
	n := int((5*time.Second + over + time.Second - 1) / time.Second)
	s.Series.Sent = make([]int64, n)
	for i := range s.Series.Sent {
		s.Series.Sent[i] = 1000 / int64(n)
	}
	return s
}

func churnStage() *Stage {
	s := closedStage()
	s.NewConnections = 101
	s.TransportErrors = map[string]int64{"too-many-open-files": 10}
	return s
}

func TestStageWarnings(t *testing.T) {
	tests := []struct {
		name  string
		stage *Stage
		want  []string
	}{
		{"clean", edgeRuns()["one sample"].Stages[0], nil},
		{"behind", behindStage(), []string{
			"1 request in 100 waited 25.007 ms or more"}},
		{"on schedule", lateStage(0), nil},
		{"4% late", lateStage(200 * time.Millisecond), nil},
		{"a timeout after the last send", timeoutTail(), nil},
		{"7% late", lateStage(350 * time.Millisecond), []string{
			"target rate not met: operations went out at 186.9/s, 6.5% " +
				"short of the planned 200.0/s"}},
		{"churn", churnStage(), []string{
			"5 retries were refused",
			"4 Retry-After values exceeded",
			"connection churn: the client opened 101 connections for a " +
				"concurrency of 50",
			"10 attempts failed for lack of file descriptors",
		}},
		{"policy", closedStage(), []string{
			"5 retries were refused because the retry budget was spent",
			"4 Retry-After values exceeded the retry policy's cap",
		}},
		{"dropped and early", openStage(), []string{
			"10 of 1,000 operations were dropped",
			"2 retries were sent before the server's Retry-After",
			"1 receipts failed verification",
			"10 of 1,000 actions were lost from the offline queue",
			"1 response-time values fell outside",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := StageWarnings(tt.stage)
			if len(got) != len(tt.want) {
				t.Fatalf("StageWarnings = %q, want %d warnings like %q",
					got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("warning %d = %q, want it to start %q",
						i, got[i], w)
				}
			}
		})
	}
}

// timeoutTail returns a stage sent on schedule whose last answer came
// 30 s after the last send: the stage's duration does not make the send
// rate short.
func timeoutTail() *Stage {
	s := lateStage(0)
	s.Duration = 35 * time.Second
	s.Series.Sent = append(s.Series.Sent, make([]int64, 30)...)
	return s
}

// TestShardWarnings holds a shard's send rate against its share of the
// whole schedule's target.
func TestShardWarnings(t *testing.T) {
	st := lateStage(0)
	st.Intended, st.Sent = 250, 250
	st.Outcomes[OK], st.Attempts[OK] = 250, 250
	for _, r := range []struct {
		name  string
		count int
		want  string
	}{
		{"shard 1/4 at a quarter of the rate", 4, ""},
		{"the same numbers as a whole run", 0, "target rate not met"},
	} {
		run := &Run{Scenario: "s", ShardIndex: 1, ShardCount: r.count,
			Stages: []*Stage{st}}
		var b bytes.Buffer
		if err := WriteText(&b, run, TextOptions{}); err != nil {
			t.Fatal(err)
		}
		got := b.String()
		if r.want == "" && strings.Contains(got, "target rate not met") ||
			r.want != "" && !strings.Contains(got, r.want) {
			t.Errorf("%s: want %q in the warnings:\n%s", r.name, r.want, got)
		}
		if r.count == 4 && !strings.Contains(got, "shard 1/4: this result") {
			t.Errorf("%s: the header does not name the shard:\n%s",
				r.name, got)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) {
	return 0, errors.New("disk full")
}

func TestWriteTextReportsWriteError(t *testing.T) {
	err := WriteText(failWriter{}, sampleRun(), TextOptions{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteText to a failing writer = %v, want disk full", err)
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {200, "200"}, {10500, "10,500"}, {429000, "429,000"},
		{0.5, "0.5"}, {1234.97, "1,235"}, {-1234, "-1,234"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
