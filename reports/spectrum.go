package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Bounds of the spectrum's x axis, as 1/(1-quantile): p50 to p99.999.
const (
	spectrumFrom   = 2.0
	spectrumTo     = 100_000.0
	spectrumPoints = 200
)

// spectrumTicks label the x axis of the spectrum by percentile.
var spectrumTicks = plot.ConstantTicks{
	{Value: 2, Label: "p50"}, {Value: 10, Label: "p90"},
	{Value: 100, Label: "p99"}, {Value: 1000, Label: "p99.9"},
	{Value: 10_000, Label: "p99.99"}, {Value: 100_000, Label: "p99.999"},
}

// PlotLatencySpectrum draws the percentile spectrum of the stage's
// response and service time: latency in milliseconds against percentile
// on a logarithmic axis of 1/(1-q), from p50 to p99.999, so the tail gets
// as much room as the median. It writes base.png and base.svg like
// PlotThroughput. Beyond the last sample a percentile is the maximum, so
// a short run ends in a flat line; an empty stage gives empty axes.
func PlotLatencySpectrum(st *Stage, path string) error {
	p, err := spectrumPlot(st)
	if err != nil {
		return err
	}
	return savePlot(p, path)
}

func spectrumPlot(st *Stage) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Latency by percentile: stage %s, flow %s",
		st.Name, orDash(st.Flow))
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (ms)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = spectrumTicks
	p.Legend.Top, p.Legend.Left = true, true

	kinds := []struct {
		kind string
		name string
		col  color.Color
	}{
		{Response, "response time (done - intended)", colSent},
		{Service, "service time (done - sent)", colGoodput},
	}
	ymax := 1.0
	for _, k := range kinds {
		pts := spectrum(st.Latency[k.kind])
		if len(pts) == 0 {
			continue
		}
		if err := addLine(p, k.name, pts, k.col, false); err != nil {
			return nil, err
		}
		ymax = max(ymax, maxY(pts))
	}
	p.X.Min, p.X.Max = spectrumFrom, spectrumTo
	p.Y.Min, p.Y.Max = 0, ymax*legendRoom
	return p, nil
}

// spectrum samples l at spectrumPoints percentiles spaced evenly on the
// log axis, x being 1/(1-q) and y the latency in milliseconds. It returns
// nil for an empty l.
func spectrum(l *Latency) plotter.XYs {
	if l.Count() == 0 {
		return nil
	}
	pts := make(plotter.XYs, spectrumPoints)
	step := math.Log(spectrumTo/spectrumFrom) / (spectrumPoints - 1)
	for i := range pts {
		x := spectrumFrom * math.Exp(float64(i)*step)
		q := 100 * (1 - 1/x)
		v := l.Hist.ValueAtPercentile(q)
		pts[i] = plotter.XY{X: x, Y: float64(v) / 1000}
	}
	return pts
}
