package reports

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
)

// checkPNG fails unless path is a PNG of a sensible size.
func checkPNG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	if cfg.Width < 100 || cfg.Height < 100 {
		t.Errorf("%s is %dx%d, want at least 100x100", path,
			cfg.Width, cfg.Height)
	}
}

// checkSVG fails unless path is an SVG without NaN coordinates.
func checkSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "<svg") {
		t.Errorf("%s holds no <svg> element", path)
	}
	if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
		t.Errorf("%s holds NaN or Inf", path)
	}
}

func TestPlotThroughput(t *testing.T) {
	long := NewStage("long", "verify")
	long.Series.Offered = make([]int64, 100_000)
	for i := range long.Series.Offered {
		long.Series.Offered[i] = int64(i % 97)
	}
	tests := []struct {
		name  string
		stage *Stage
		ref   *Reference
	}{
		{"sample", closedStage(), &RefAuthorize},
		{"no reference", openStage(), nil},
		{"empty", NewStage("empty", "authorize"), &RefAuthorize},
		{"one sample", edgeRuns()["one sample"].Stages[0], &RefAuthorize},
		{"all failed", edgeRuns()["all failed"].Stages[0], nil},
		{"long", long, &RefVerify},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, FileSafe(tt.name)+".png")
			if err := PlotThroughput(tt.stage, tt.ref, path); err != nil {
				t.Fatalf("PlotThroughput: %v", err)
			}
			paths := plotPaths(path)
			checkPNG(t, paths[0])
			checkSVG(t, paths[1])
		})
	}
}

func TestPlotLatencySpectrum(t *testing.T) {
	tests := map[string]*Stage{
		"sample":     closedStage(),
		"empty":      NewStage("empty", "authorize"),
		"one sample": edgeRuns()["one sample"].Stages[0],
		"all failed": edgeRuns()["all failed"].Stages[0],
	}
	dir := t.TempDir()
	for name, st := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, FileSafe(name))
			if err := PlotLatencySpectrum(st, path); err != nil {
				t.Fatalf("PlotLatencySpectrum: %v", err)
			}
			paths := plotPaths(path)
			checkPNG(t, paths[0])
			checkSVG(t, paths[1])
		})
	}
}

func TestPlotOfflineQueue(t *testing.T) {
	dir := t.TempDir()
	empty := NewStage("empty", "authorize")
	empty.Offline = NewOffline()
	for _, st := range []*Stage{openStage(), empty} {
		path := filepath.Join(dir, st.Name)
		if err := PlotOfflineQueue(st, path); err != nil {
			t.Fatalf("PlotOfflineQueue(%s): %v", st.Name, err)
		}
		paths := plotPaths(path)
		checkPNG(t, paths[0])
		checkSVG(t, paths[1])
	}
	if err := PlotOfflineQueue(closedStage(), filepath.Join(dir, "x")); err == nil {
		t.Error("PlotOfflineQueue of a stage without a queue: want an error")
	}
}

func TestSpectrumEndsAtMax(t *testing.T) {
	l := closedStage().Latency[Response]
	pts := spectrum(l)
	if len(pts) != spectrumPoints {
		t.Fatalf("spectrum gave %d points, want %d", len(pts), spectrumPoints)
	}
	if got, want := pts[0].Y, *l.Summary().P50; got != want {
		t.Errorf("first point = %v ms, want p50 %v", got, want)
	}
	if got, want := pts[len(pts)-1].Y, *l.Summary().Max; got != want {
		t.Errorf("last point = %v ms, want max %v", got, want)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].Y < pts[i-1].Y {
			t.Fatalf("spectrum falls at point %d: %v", i, pts[i-1:i+1])
		}
	}
}

func TestPlotAgainstReferences(t *testing.T) {
	ms := MeasuredThroughput(sampleRun())
	if len(ms) != 2 || ms[0].Ref != &RefAuthorize {
		t.Fatalf("MeasuredThroughput = %+v, want 2 against authorize", ms)
	}
	ms = append(ms, Measured{Ref: &RefMint, Value: 9800, What: "bench"},
		Measured{Ref: &RefVerify, Value: 0, What: "empty stage"})
	path := filepath.Join(t.TempDir(), "against.png")
	if err := PlotAgainstReferences(ms, path); err != nil {
		t.Fatalf("PlotAgainstReferences: %v", err)
	}
	paths := plotPaths(path)
	checkPNG(t, paths[0])
	checkSVG(t, paths[1])
	if err := PlotAgainstReferences(nil, path); err != ErrNothingToPlot {
		t.Errorf("PlotAgainstReferences(nil) = %v, want ErrNothingToPlot",
			err)
	}
}

func TestPlotThroughputLabelsReference(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.svg")
	if err := PlotThroughput(closedStage(), &RefAuthorize, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "4-vCPU") {
		t.Errorf("the SVG does not name the reference line %q",
			RefAuthorize.Label())
	}
}

func TestDownsample(t *testing.T) {
	tests := []struct {
		name  string
		data  []int64
		limit int
		want  plotter.XYs
	}{
		{"empty", nil, 10, nil},
		{"short kept", []int64{3, 1, 2}, 10,
			plotter.XYs{{X: 0, Y: 3}, {X: 1, Y: 1}, {X: 2, Y: 2}}},
		{"bucket max", []int64{1, 9, 2, 3, 8, 4, 5}, 3,
			plotter.XYs{{X: 0, Y: 9}, {X: 3, Y: 8}, {X: 6, Y: 5}}},
		{"exact fit", []int64{1, 2, 3, 4}, 2,
			plotter.XYs{{X: 0, Y: 2}, {X: 2, Y: 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := downsample(tt.data, tt.limit)
			if len(got) != len(tt.want) {
				t.Fatalf("downsample(%v, %d) = %v, want %v",
					tt.data, tt.limit, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("downsample(%v, %d) = %v, want %v",
						tt.data, tt.limit, got, tt.want)
					break
				}
			}
		})
	}
	if n := len(downsample(make([]int64, 1_000_001), MaxPlotPoints)); n > MaxPlotPoints {
		t.Errorf("a million seconds gave %d points, want at most %d",
			n, MaxPlotPoints)
	}
}
