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
	// NoPlots skips the plots, which are the slowest part to render.
	NoPlots bool
}

// WriteDir creates dir if needed and writes the output folder of r:
// summary.json; per stage latency-<stage>-<kind>.hlog for each of
// HlogKinds; and, unless o.NoPlots, throughput-<stage> and
// latency-<stage> plots, each as .png and .svg. Stage
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
	return paths, nil
}

// writeStagePlots writes throughput-<name> and latency-<name> plots.
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
	return append(paths, plotPaths(p)...), nil
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
