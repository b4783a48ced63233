package reports

import (
	"fmt"
	"io"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Interval is the latency recorded during one reporting interval of a
// stage, from Start to End, keyed by latency kind like Stage.Latency.
type Interval struct {
	Start   time.Time
	End     time.Time
	Latency map[string]*Latency
}

// HlogKinds are the latency kinds WriteDir writes interval logs for.
var HlogKinds = []string{Response, Service}

// WriteHlog writes the interval log of one latency kind of a stage in
// HdrHistogram's log format 1.3, values in microseconds, readable by
// HdrHistogram's HistogramLogProcessor and hdrhistogram-go's
// HistogramLogReader. Timestamps are seconds since the stage's start,
// given in the StartTime header; the Interval_Max column is in
// milliseconds. Lines carry no tag, which HdrHistogram's tools read by
// default.
//
// The version, comment and legend lines come from hdrhistogram-go's
// HistogramLogWriter. The StartTime header and the interval lines are
// formatted here in the same layout, because that writer truncates the
// start time to whole seconds, prints the histogram's whole-millisecond
// timestamps unscaled as seconds, and scales the maximum for nanoseconds.
func WriteHlog(w io.Writer, st *Stage, kind string) error {
	ew := &errWriter{w: w}
	lw := hdrhistogram.NewHistogramLogWriter(ew)
	_ = lw.OutputLogFormatVersion()
	_ = lw.OutputComment(fmt.Sprintf("[airabench stage %s, flow %s, "+
		"%s time, values in microseconds]", st.Name, orDash(st.Flow), kind))
	writeStartTime(ew, st.Start)
	_ = lw.OutputLegend()
	for _, iv := range stageIntervals(st) {
		if err := writeInterval(ew, st.Start, iv, kind); err != nil {
			return err
		}
	}
	if ew.err != nil {
		return fmt.Errorf("write hlog: %w", ew.err)
	}
	return nil
}

// stageIntervals returns the stage's intervals, or one spanning the
// whole stage when it has none.
func stageIntervals(st *Stage) []*Interval {
	if len(st.Intervals) > 0 {
		return st.Intervals
	}
	return []*Interval{{
		Start: st.Start, End: st.Start.Add(st.Duration),
		Latency: st.Latency,
	}}
}

func writeInterval(w io.Writer, base time.Time, iv *Interval,
	kind string) error {
	h := NewHistogram()
	if l := iv.Latency[kind]; l != nil && l.Hist != nil {
		h = l.Hist
	}
	payload, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return fmt.Errorf("encode %s interval: %w", kind, err)
	}
	start := iv.Start.Sub(base).Seconds()
	length := max(iv.End.Sub(iv.Start).Seconds(), 0)
	maxMs := float64(h.Max()) / 1000
	_, err = fmt.Fprintf(w, "%.3f,%.3f,%.3f,%s\n",
		max(finite(start), 0), finite(length), maxMs, payload)
	return err
}

// writeStartTime writes the StartTime header with millisecond precision;
// the zero time is written as the epoch, so the number stays valid.
func writeStartTime(w *errWriter, t time.Time) {
	if t.IsZero() {
		t = time.Unix(0, 0)
	}
	w.printf("#[StartTime: %.3f (seconds since epoch), %s]\n",
		float64(t.UnixMilli())/1000, t.UTC().Format(time.RFC3339Nano))
}
