package reports

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SummaryFile is the name of the JSON summary in an output folder.
const SummaryFile = "summary.json"

// DirOptions tunes WriteDir. The zero value writes everything.
type DirOptions struct {
	// NoPlots skips the plot files and leaves the plots out of
	// report.html; they are the slowest part to render.
	NoPlots bool
	// Thresholds, when given, are shown in report.html and written to
	// junit.xml, one test case each.
	Thresholds []ThresholdResult
	// Comparison, when not nil, is a baseline comparison of the run,
	// shown in report.html.
	Comparison *Comparison
}

// File names of the output folder, besides SummaryFile.
const (
	HTMLFile  = "report.html"
	JUnitFile = "junit.xml"
)

// WriteDir creates dir if needed and writes the output folder of r:
// summary.json; per stage latency-<stage>-<kind>.hlog for each of
// HlogKinds; report.html; junit.xml when o has thresholds; and, unless
// o.NoPlots, the throughput-<stage>, latency-<stage> and (offline mode)
// offline-<stage> plots and the run's against-published plot, each as
// .png and .svg. Stage
// names are made safe for file names. It returns the paths written, in
// order, including those written before an error.
func WriteDir(dir string, r *Run, o DirOptions) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	var paths []string
	summary := filepath.Join(dir, SummaryFile)
	if err := writeFileWith(summary, func(b *bytes.Buffer) error {
		return WriteJSON(b, r)
	}); err != nil {
		return paths, err
	}
	paths = append(paths, summary)
	names := stageFileNames(r.Stages)
	hlogs, err := writeHlogs(dir, r, names)
	paths = append(paths, hlogs...)
	if err != nil {
		return paths, err
	}
	docs, err := writeDocs(dir, r, o)
	paths = append(paths, docs...)
	if err != nil || o.NoPlots {
		return paths, err
	}
	for i, st := range r.Stages {
		written, err := writeStagePlots(dir, names[i], st)
		paths = append(paths, written...)
		if err != nil {
			return paths, fmt.Errorf("stage %q: %w", st.Name, err)
		}
	}
	if ms := MeasuredThroughput(r); len(ms) > 0 {
		p := filepath.Join(dir, "against-published")
		if err := PlotAgainstReferences(ms, p); err != nil {
			return paths, err
		}
		paths = append(paths, plotPaths(p)...)
	}
	return paths, nil
}

// writeStagePlots writes throughput-<name> and latency-<name> plots, and
// offline-<name> for a stage that ran through an offline queue.
func writeStagePlots(dir, name string, st *Stage) ([]string, error) {
	var paths []string
	p := filepath.Join(dir, "throughput-"+name)
	if err := PlotThroughput(st, ThroughputReference(st.Flow), p); err != nil {
		return paths, err
	}
	paths = append(paths, plotPaths(p)...)
	p = filepath.Join(dir, "latency-"+name)
	if err := PlotLatencySpectrum(st, p); err != nil {
		return paths, err
	}
	paths = append(paths, plotPaths(p)...)
	if st.Offline == nil {
		return paths, nil
	}
	p = filepath.Join(dir, "offline-"+name)
	if err := PlotOfflineQueue(st, p); err != nil {
		return paths, err
	}
	return append(paths, plotPaths(p)...), nil
}

// writeDocs writes report.html and, with thresholds, junit.xml.
func writeDocs(dir string, r *Run, o DirOptions) ([]string, error) {
	var paths []string
	p := filepath.Join(dir, HTMLFile)
	err := writeFileWith(p, func(b *bytes.Buffer) error {
		return WriteHTML(b, r, HTMLOptions{Thresholds: o.Thresholds,
			NoPlots: o.NoPlots, Comparison: o.Comparison})
	})
	if err != nil {
		return paths, err
	}
	paths = append(paths, p)
	if len(o.Thresholds) == 0 {
		return paths, nil
	}
	p = filepath.Join(dir, JUnitFile)
	err = writeFileWith(p, func(b *bytes.Buffer) error {
		return WriteJUnit(b, orDash(r.Scenario), o.Thresholds)
	})
	if err != nil {
		return paths, err
	}
	return append(paths, p), nil
}

// writeHlogs writes latency-<stage>-<kind>.hlog for each stage and each
// of HlogKinds.
func writeHlogs(dir string, r *Run, names []string) ([]string, error) {
	var paths []string
	for i, st := range r.Stages {
		for _, kind := range HlogKinds {
			p := filepath.Join(dir, "latency-"+names[i]+"-"+kind+".hlog")
			err := writeFileWith(p, func(b *bytes.Buffer) error {
				return WriteHlog(b, st, kind)
			})
			if err != nil {
				return paths, fmt.Errorf("stage %q: %w", st.Name, err)
			}
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// stageFileNames returns a file-safe name per stage, unique within the
// run: a name already taken gets "-2", "-3", ... appended.
func stageFileNames(stages []*Stage) []string {
	seen := map[string]bool{}
	out := make([]string, len(stages))
	for i, st := range stages {
		base := FileSafe(st.Name)
		name := base
		for n := 2; seen[name]; n++ {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

// writeFileWith renders into memory first, so a failed render leaves no
// half-written file behind.
func writeFileWith(path string, render func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := render(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// FileSafe returns name with every byte other than ASCII letters, digits,
// '-' and '_' replaced by '_', or "stage" for an empty name, so it can
// be part of a file name on any system.
func FileSafe(name string) string {
	if name == "" {
		return "stage"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z',
			r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, name)
}
