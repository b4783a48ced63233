package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Colours of the sweep plot's markers, beside those of plot.go.
var (
	colLimit     = color.RGBA{R: 0xe6, G: 0x9f, B: 0x00, A: 0xff}
	colRecommend = color.RGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xff}
	colLittle    = color.RGBA{R: 0x56, G: 0xb4, B: 0xe9, A: 0xff}
)

// sweepPlotHeight is the height of the three stacked panels.
const sweepPlotHeight = 9 * vg.Inch

// PlotSweep draws a concurrency sweep in three panels over one
// concurrency axis: goodput and offered load, with the allowed rate
// (when it is a known limit) and ref (when not nil) as dashed lines;
// the share of attempts throttled, with the criteria's bound; and the
// p50 and p99 of operation latency, with the criteria's bound. Dotted
// vertical lines mark the recommendation and Little's law's prediction.
// The axis is logarithmic when the levels span a factor of 8 or more.
// It writes base.png and base.svg like PlotThroughput. A result with no
// levels is an error.
func PlotSweep(r *TuneResult, ref *Reference, path string) error {
	if len(r.Levels) == 0 {
		return fmt.Errorf("plot sweep: no levels")
	}
	panels, err := sweepPanels(r, ref)
	if err != nil {
		return err
	}
	for _, out := range plotPaths(path) {
		if err := saveStacked(panels, out); err != nil {
			return err
		}
	}
	return nil
}

// sweepPanels builds the three panels.
func sweepPanels(r *TuneResult, ref *Reference) ([]*plot.Plot, error) {
	builders := []func(*TuneResult, *Reference) (*plot.Plot, error){
		goodputPanel, throttledPanel, latencyPanel,
	}
	panels := make([]*plot.Plot, len(builders))
	for i, build := range builders {
		p, err := build(r, ref)
		if err != nil {
			return nil, err
		}
		sweepAxis(p, r)
		if err := markLevels(p, r, i == 0); err != nil {
			return nil, err
		}
		panels[i] = p
	}
	panels[0].Title.Text = fmt.Sprintf("Concurrency sweep: %s, stage %s, "+
		"flow %s, %d key(s)", r.Scenario, r.Stage, orDash(r.Flow),
		max(r.Keys, 1))
	return panels, nil
}

// series returns one point per level of f.
func series(r *TuneResult, f func(TuneLevel) float64) plotter.XYs {
	pts := make(plotter.XYs, len(r.Levels))
	for i, l := range r.Levels {
		pts[i] = plotter.XY{X: float64(l.Concurrency), Y: finite(f(l))}
	}
	return pts
}

func goodputPanel(r *TuneResult, ref *Reference) (*plot.Plot, error) {
	p := plot.New()
	p.Y.Label.Text = "operations per second"
	good := series(r, func(l TuneLevel) float64 { return l.Goodput })
	off := series(r, func(l TuneLevel) float64 { return l.Offered })
	if err := addLinePoints(p, "offered", off, colOffered); err != nil {
		return nil, err
	}
	if err := addLinePoints(p, "goodput", good, colGoodput); err != nil {
		return nil, err
	}
	top := max(maxY(good), maxY(off), 1)
	if x := r.Little; x != nil && x.FromLimit {
		label := fmt.Sprintf("allowed rate %s/s (%s)",
			formatNumber(x.Rate), x.RateSource)
		if err := hline(p, r, label, x.Rate, colLimit); err != nil {
			return nil, err
		}
		top = max(top, x.Rate)
	}
	if ref != nil {
		if err := hline(p, r, ref.Label(), ref.Value,
			colReference); err != nil {
			return nil, err
		}
		top = max(top, ref.Value)
	}
	p.Y.Min, p.Y.Max = 0, top*legendRoom
	return p, nil
}

func throttledPanel(r *TuneResult, _ *Reference) (*plot.Plot, error) {
	p := plot.New()
	p.Y.Label.Text = "throttled attempts (%)"
	pts := series(r, func(l TuneLevel) float64 {
		return 100 * l.ThrottledShare
	})
	if err := addLinePoints(p, "throttled", pts, colThrottled); err != nil {
		return nil, err
	}
	top := max(maxY(pts), 1)
	if c := r.Criteria.MaxThrottled; c > 0 && c < 1 {
		label := fmt.Sprintf("limit %s%%", formatNumber(100*c))
		if err := hline(p, r, label, 100*c, colLimit); err != nil {
			return nil, err
		}
		top = max(top, 100*c)
	}
	p.Y.Min, p.Y.Max = 0, min(top*legendRoom, 100)
	return p, nil
}

func latencyPanel(r *TuneResult, _ *Reference) (*plot.Plot, error) {
	p := plot.New()
	p.X.Label.Text = "concurrency (operations in flight)"
	p.Y.Label.Text = "operation latency (ms)"
	p50 := series(r, func(l TuneLevel) float64 { return l.P50 })
	p99 := series(r, func(l TuneLevel) float64 { return l.P99 })
	if err := addLinePoints(p, "p50", p50, colSent); err != nil {
		return nil, err
	}
	if err := addLinePoints(p, "p99", p99, colThrottled); err != nil {
		return nil, err
	}
	top := max(maxY(p99), 1)
	if c := r.Criteria.MaxP99; c > 0 {
		label := "limit p99 " + fmtMillis(ms(c))
		if err := hline(p, r, label, ms(c), colLimit); err != nil {
			return nil, err
		}
		top = max(top, ms(c))
	}
	p.Y.Min, p.Y.Max = 0, top*legendRoom
	return p, nil
}

// addLinePoints draws pts as a line with a dot at each level.
func addLinePoints(p *plot.Plot, name string, pts plotter.XYs,
	c color.Color) error {
	l, s, err := plotter.NewLinePoints(pts)
	if err != nil {
		return fmt.Errorf("plot %s: %w", name, err)
	}
	l.LineStyle.Color, l.LineStyle.Width = c, vg.Points(1.5)
	s.Color, s.Shape = c, draw.CircleGlyph{}
	p.Add(l, s)
	p.Legend.Add(name, l, s)
	return nil
}

// hline draws a dashed horizontal line at y across the levels.
func hline(p *plot.Plot, r *TuneResult, name string, y float64,
	c color.Color) error {
	lo, hi := levelSpan(r)
	return addLine(p, name, plotter.XYs{{X: lo, Y: y}, {X: hi, Y: y}}, c,
		true)
}

// mark is a vertical line at a concurrency.
type mark struct {
	name string
	x    float64
	col  color.Color
}

// markLevels draws dotted vertical lines at the recommendation and at
// Little's law's prediction, when they fall inside the levels' span;
// legend says whether to name them in the panel's legend.
func markLevels(p *plot.Plot, r *TuneResult, legend bool) error {
	lo, hi := levelSpan(r)
	var marks []mark
	if rec := r.Recommendation; rec != nil && rec.Found {
		marks = append(marks, mark{"recommended " +
			strconv.Itoa(rec.Concurrency), float64(rec.Concurrency),
			colRecommend})
	}
	if x := r.Little; x != nil && x.Predicted >= lo && x.Predicted <= hi {
		marks = append(marks, mark{fmt.Sprintf("Little's law %.1f",
			x.Predicted), x.Predicted, colLittle})
	}
	for _, m := range marks {
		if err := vline(p, m, legend); err != nil {
			return err
		}
	}
	return nil
}

// vline draws m as a dotted line over the panel's y range.
func vline(p *plot.Plot, m mark, legend bool) error {
	l, err := plotter.NewLine(plotter.XYs{{X: m.x, Y: p.Y.Min},
		{X: m.x, Y: p.Y.Max}})
	if err != nil {
		return fmt.Errorf("plot %s: %w", m.name, err)
	}
	l.LineStyle.Color, l.LineStyle.Width = m.col, vg.Points(1)
	l.LineStyle.Dashes = []vg.Length{vg.Points(2), vg.Points(3)}
	p.Add(l)
	if legend {
		p.Legend.Add(m.name, l)
	}
	return nil
}

// levelSpan returns the lowest and highest concurrency swept.
func levelSpan(r *TuneResult) (float64, float64) {
	lo, hi := r.Levels[0].Concurrency, r.Levels[0].Concurrency
	for _, l := range r.Levels {
		lo, hi = min(lo, l.Concurrency), max(hi, l.Concurrency)
	}
	return float64(lo), float64(hi)
}

// sweepAxis sets the shared concurrency axis: logarithmic with a tick
// at each level when they span a factor of 8 or more.
func sweepAxis(p *plot.Plot, r *TuneResult) {
	lo, hi := levelSpan(r)
	p.Legend.Top, p.Legend.Left = true, true
	p.X.Min, p.X.Max = lo, max(hi, lo+1)
	if hi < 8*lo {
		return
	}
	p.X.Scale = plot.LogScale{}
	var ticks plot.ConstantTicks
	step := max(1, len(r.Levels)/12)
	for i, l := range r.Levels {
		label := ""
		if i%step == 0 {
			label = strconv.Itoa(l.Concurrency)
		}
		ticks = append(ticks, plot.Tick{Value: float64(l.Concurrency),
			Label: label})
	}
	p.X.Tick.Marker = ticks
}

// saveStacked draws the panels one above another into out, a .png or
// .svg file.
func saveStacked(panels []*plot.Plot, out string) error {
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	if filepath.Ext(out) == ".svg" {
		c = vgsvg.New(plotWidth, sweepPlotHeight)
	} else {
		c = vgimg.PngCanvas{Canvas: vgimg.New(plotWidth, sweepPlotHeight)}
	}
	grid := make([][]*plot.Plot, len(panels))
	for i, p := range panels {
		grid[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: vg.Points(8),
		PadTop: vg.Points(4), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align(grid, tiles, draw.New(c))
	for i, p := range panels {
		p.Draw(canvases[i][0])
	}
	return writeFileWith(out, func(b *bytes.Buffer) error {
		_, err := c.WriteTo(b)
		return err
	})
}
