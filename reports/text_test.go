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

func TestStageWarnings(t *testing.T) {
	tests := []struct {
		name  string
		stage *Stage
		want  []string
	}{
		{"clean", edgeRuns()["one sample"].Stages[0], nil},
		{"behind", behindStage(), []string{
			"1 request in 100 waited 25.007 ms or more"}},
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
