package reports

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Measured is one measured figure beside the published Reference it
// answers. Value is in the reference's unit.
type Measured struct {
	Ref   *Reference
	Value float64
	What  string // where the figure comes from, e.g. "stage batch, ..."
}

// MeasuredThroughput returns, for each stage whose flow has a throughput
// reference, its answered operations per second (ok and denied) beside
// that reference, in stage order.
func MeasuredThroughput(r *Run) []Measured {
	var out []Measured
	for _, st := range r.Stages {
		ref := ThroughputReference(st.Flow)
		if ref == nil {
			continue
		}
		// A denial is the policy's answer, work the instance did as
		// much as an authorization: both count against its capacity.
		answered := st.Outcomes[OK] + st.Outcomes[Denied]
		out = append(out, Measured{Ref: ref,
			Value: finite(perSecond(answered, st.Duration)),
			What:  "stage " + st.Name + ", ok and denied per second"})
	}
	return out
}

// ErrNothingToPlot is returned by PlotAgainstReferences for an empty list.
var ErrNothingToPlot = errors.New("nothing to plot")

// PlotAgainstReferences draws one panel per measured figure, each with a
// bar for the measurement and one for Aira's published number, both
// labelled with their value; each panel has its own scale, since the
// figures span orders of magnitude. It writes base.png and base.svg like
// PlotThroughput.
func PlotAgainstReferences(ms []Measured, path string) error {
	for _, out := range plotPaths(path) {
		b, err := renderAgainst(ms, out[len(out)-3:])
		if err != nil {
			return err
		}
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return fmt.Errorf("save plot: %w", err)
		}
	}
	return nil
}

// renderAgainst renders the panels of ms side by side in format.
func renderAgainst(ms []Measured, format string) ([]byte, error) {
	if len(ms) == 0 {
		return nil, ErrNothingToPlot
	}
	row := make([]*plot.Plot, len(ms))
	for i, m := range ms {
		p, err := referencePanel(m)
		if err != nil {
			return nil, err
		}
		row[i] = p
	}
	width := max(vg.Length(len(ms))*3*vg.Inch, plotWidth/2)
	return renderRow(row, width, format)
}

func referencePanel(m Measured) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = m.Ref.Name
	p.X.Label.Text = m.What
	p.Y.Label.Text = m.Ref.Unit
	p.NominalX("measured", "Aira published")
	values := []float64{finite(m.Value), m.Ref.Value}
	cols := []color.Color{colSent, colReference}
	for i, v := range values {
		b, err := plotter.NewBarChart(plotter.Values{v}, vg.Points(40))
		if err != nil {
			return nil, fmt.Errorf("plot %s: %w", m.Ref.Name, err)
		}
		b.XMin, b.Color = float64(i), cols[i]
		p.Add(b)
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{
		XYs: plotter.XYs{{X: 0, Y: values[0]}, {X: 1, Y: values[1]}},
		Labels: []string{formatNumber(values[0]),
			formatNumber(values[1])},
	})
	if err != nil {
		return nil, fmt.Errorf("plot %s: %w", m.Ref.Name, err)
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign = draw.XCenter
		labels.TextStyle[i].YAlign = draw.YBottom
	}
	p.Add(labels)
	p.Y.Min, p.Y.Max = 0, max(values[0], values[1], 1)*1.2
	return p, nil
}

// renderRow draws plots side by side on one canvas in format.
func renderRow(row []*plot.Plot, width vg.Length, format string) ([]byte,
	error) {
	c, err := draw.NewFormattedCanvas(width, plotHeight, format)
	if err != nil {
		return nil, fmt.Errorf("render plot: %w", err)
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Inch / 4,
		PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8,
		PadLeft: vg.Inch / 8, PadRight: vg.Inch / 8}
	canvases := plot.Align([][]*plot.Plot{row}, tiles, draw.New(c))
	for i, p := range row {
		p.Draw(canvases[0][i])
	}
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("render plot: %w", err)
	}
	return b.Bytes(), nil
}
