package reports

import (
	"fmt"

	"gonum.org/v1/plot"
)

// PlotOfflineQueue draws the offline queue's depth per second (the
// deepest it was in each second, downsampled keeping each bucket's
// maximum) against seconds since the stage's start, with the p50 and p99
// of time to receipt in the title. It writes base.png and base.svg like
// PlotThroughput. A stage without an offline account is an error.
func PlotOfflineQueue(st *Stage, path string) error {
	p, err := offlinePlot(st)
	if err != nil {
		return err
	}
	return savePlot(p, path)
}

func offlinePlot(st *Stage) (*plot.Plot, error) {
	o := st.Offline
	if o == nil {
		return nil, fmt.Errorf("stage %q ran without an offline queue",
			st.Name)
	}
	ttr := orEmpty(o.TimeToReceipt).Summary()
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Offline queue: stage %s (time to receipt "+
		"p50 %s ms, p99 %s ms)", st.Name, fmtMs(ttr.P50), fmtMs(ttr.P99))
	p.X.Label.Text = "seconds since stage start"
	p.Y.Label.Text = "queued actions (deepest in the second)"
	p.Legend.Top, p.Legend.Left = true, true
	xmax, ymax := 1.0, 1.0
	if pts := downsample(o.Depth, MaxPlotPoints); len(pts) > 0 {
		if err := addLine(p, "queue depth", pts, colSent, false); err != nil {
			return nil, err
		}
		xmax, ymax = max(xmax, pts[len(pts)-1].X), max(ymax, maxY(pts))
	}
	p.X.Min, p.X.Max = 0, xmax
	p.Y.Min, p.Y.Max = 0, ymax*legendRoom
	return p, nil
}
