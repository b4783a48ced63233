package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	_ "gonum.org/v1/plot/vg/vgimg" // registers the png format
	_ "gonum.org/v1/plot/vg/vgsvg" // registers the svg format
)

// MaxPlotPoints bounds the points of one plotted series. Longer series are
// cut into that many buckets of consecutive seconds, each drawn at its
// maximum, so a short spike stays visible in a run of hours.
const MaxPlotPoints = 600

// Plot size in inches-based vg units.
const (
	plotWidth  = 8 * vg.Inch
	plotHeight = 4.5 * vg.Inch
)

// Colours of the series, chosen to stay apart for colour-blind readers.
var (
	colOffered   = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
	colSent      = color.RGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff}
	colGoodput   = color.RGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff}
	colThrottled = color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff}
	colReference = color.RGBA{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff}
)

// PlotThroughput draws the stage's offered, sent, goodput and throttled
// operations per second against seconds since the stage's start, with a
// dashed horizontal line at ref when ref is not nil. It writes
// base.png and base.svg, where base is path less a .png or .svg
// extension. An empty stage gives an empty but valid chart.
func PlotThroughput(st *Stage, ref *Reference, path string) error {
	p, err := throughputPlot(st, ref)
	if err != nil {
		return err
	}
	return savePlot(p, path)
}

func throughputPlot(st *Stage, ref *Reference) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Throughput: stage %s, flow %s",
		st.Name, orDash(st.Flow))
	p.X.Label.Text = "seconds since stage start"
	p.Y.Label.Text = "operations per second"
	p.Legend.Top = true
	p.Legend.Left = true

	series := []struct {
		name string
		data []int64
		col  color.Color
	}{
		{"offered", st.Series.Offered, colOffered},
		{"sent", st.Series.Sent, colSent},
		{"goodput (ok)", st.Series.Goodput, colGoodput},
		{"throttled", st.Series.Throttled, colThrottled},
	}
	xmax, ymax := 1.0, 1.0
	for _, s := range series {
		pts := downsample(s.data, MaxPlotPoints)
		if len(pts) == 0 {
			continue
		}
		if err := addLine(p, s.name, pts, s.col, false); err != nil {
			return nil, err
		}
		xmax = max(xmax, pts[len(pts)-1].X)
		ymax = max(ymax, maxY(pts))
	}
	if ref != nil {
		line := plotter.XYs{{X: 0, Y: ref.Value}, {X: xmax, Y: ref.Value}}
		ymax = max(ymax, ref.Value)
		err := addLine(p, ref.Label(), line, colReference, true)
		if err != nil {
			return nil, err
		}
	}
	p.X.Min, p.X.Max = 0, xmax
	p.Y.Min, p.Y.Max = 0, ymax*legendRoom
	return p, nil
}

func addLine(p *plot.Plot, name string, pts plotter.XYs, c color.Color,
	dashed bool) error {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", name, err)
	}
	l.LineStyle.Color = c
	l.LineStyle.Width = vg.Points(1.5)
	if dashed {
		l.LineStyle.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
	}
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

// downsample turns a per-second series into plot points. A series of at
// most limit points is kept as is; a longer one is cut into limit buckets
// of equal length, each drawn at its first second with its maximum.
func downsample(data []int64, limit int) plotter.XYs {
	if len(data) == 0 || limit < 1 {
		return nil
	}
	size := (len(data) + limit - 1) / limit
	pts := make(plotter.XYs, 0, min(len(data), limit))
	for i := 0; i < len(data); i += size {
		m := data[i]
		for _, v := range data[i:min(i+size, len(data))] {
			m = max(m, v)
		}
		pts = append(pts, plotter.XY{X: float64(i), Y: float64(m)})
	}
	return pts
}

func maxY(pts plotter.XYs) float64 {
	m := 0.0
	for _, p := range pts {
		m = max(m, p.Y)
	}
	return m
}

// savePlot writes p as PNG and SVG beside path's base name.
func savePlot(p *plot.Plot, path string) error {
	for _, out := range plotPaths(path) {
		if err := p.Save(plotWidth, plotHeight, out); err != nil {
			return fmt.Errorf("save plot %s: %w", out, err)
		}
	}
	return nil
}

// encodePlot renders p in format ("png" or "svg") at the default size.
func encodePlot(p *plot.Plot, format string) ([]byte, error) {
	wt, err := p.WriterTo(plotWidth, plotHeight, format)
	if err != nil {
		return nil, fmt.Errorf("render plot: %w", err)
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("render plot: %w", err)
	}
	return b.Bytes(), nil
}

// plotPaths returns the PNG and SVG files written for path: path with a
// .png or .svg extension removed, then each of those added.
func plotPaths(path string) []string {
	base := path
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".svg":
		base = strings.TrimSuffix(path, filepath.Ext(path))
	}
	return []string{base + ".png", base + ".svg"}
}

// legendRoom scales the top of the y axis so the legend, drawn in the top
// left corner, sits above the data.
const legendRoom = 1.5
