package reports

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested")
	r := sampleRun()
	r.Stages = append(r.Stages, NewStage("ramp", "verify"))
	paths, err := WriteDir(dir, r, DirOptions{
		Thresholds: sampleThresholds(t)})
	if err != nil {
		t.Fatalf("WriteDir: %v", err)
	}
	want := []string{"summary.json",
		"latency-batch-response.hlog", "latency-batch-service.hlog",
		"latency-ramp-response.hlog", "latency-ramp-service.hlog",
		"latency-ramp-2-response.hlog", "latency-ramp-2-service.hlog",
		"report.html", "junit.xml",
		"throughput-batch.png", "throughput-batch.svg",
		"latency-batch.png", "latency-batch.svg",
		"throughput-ramp.png", "throughput-ramp.svg",
		"latency-ramp.png", "latency-ramp.svg",
		"offline-ramp.png", "offline-ramp.svg",
		"throughput-ramp-2.png", "throughput-ramp-2.svg",
		"latency-ramp-2.png", "latency-ramp-2.svg",
		"against-published.png", "against-published.svg"}
	var got []string
	for _, p := range paths {
		got = append(got, filepath.Base(p))
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", p, err)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("WriteDir wrote %q, want %q", got, want)
	}
	f, err := os.Open(filepath.Join(dir, SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := ReadJSON(f); err != nil {
		t.Errorf("ReadJSON of the written summary: %v", err)
	}
}

func TestWriteDirNoPlots(t *testing.T) {
	paths, err := WriteDir(t.TempDir(), sampleRun(), DirOptions{NoPlots: true})
	for _, p := range paths {
		if strings.HasSuffix(p, ".png") || strings.HasSuffix(p, ".svg") {
			t.Errorf("WriteDir(NoPlots) wrote %s", p)
		}
	}
	if err != nil || len(paths) != 6 {
		t.Errorf("WriteDir(NoPlots) = %q, %v; want summary.json, "+
			"4 .hlog files and report.html", paths, err)
	}
}

func TestFileSafe(t *testing.T) {
	tests := map[string]string{
		"batch": "batch", "": "stage", "a b/c.d": "a_b_c_d",
		"ramp-2_x": "ramp-2_x", "é": "_",
	}
	for in, want := range tests {
		if got := FileSafe(in); got != want {
			t.Errorf("FileSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThroughputReference(t *testing.T) {
	tests := []struct {
		flow  string
		value float64
		label string
	}{
		{"authorize", 200,
			"Aira published ~200 authorize/s, one 4-vCPU instance"},
		{"authorize+notarize", 200, ""},
		{"verify", 100,
			"Aira published ~100 verifications/s, one 4-vCPU instance"},
		{"mint", 10500, ""},
		{"health", 0, ""},
	}
	for _, tt := range tests {
		ref := ThroughputReference(tt.flow)
		if tt.value == 0 {
			if ref != nil {
				t.Errorf("ThroughputReference(%q) = %+v, want nil",
					tt.flow, ref)
			}
			continue
		}
		if ref == nil || ref.Value != tt.value || ref.Source == "" {
			t.Errorf("ThroughputReference(%q) = %+v, want value %v "+
				"with a source", tt.flow, ref, tt.value)
			continue
		}
		if tt.label != "" && ref.Label() != tt.label {
			t.Errorf("Label() = %q, want %q", ref.Label(), tt.label)
		}
	}
}
