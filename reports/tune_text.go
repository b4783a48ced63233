package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// TuneResult is the whole result of airabench tune: a concurrency sweep
// with its recommendation, or an offline-queue sweep.
type TuneResult struct {
	Scenario string `json:"scenario"`
	Stage    string `json:"stage"`
	Flow     string `json:"flow"`
	Target   string `json:"target"` // "mock (profile NAME)" or a URL
	Keys     int    `json:"keys"`
	// Levels are the concurrency levels run, in ascending concurrency;
	// empty for an offline sweep.
	Levels []TuneLevel `json:"levels,omitempty"`
	// Skipped lists levels not run because goodput had flattened.
	Skipped        []int           `json:"skipped,omitempty"`
	Criteria       Criteria        `json:"criteria"`
	Recommendation *Recommendation `json:"recommendation,omitempty"`
	Little         *LittlesLaw     `json:"littles_law,omitempty"`
	// Offline holds an offline-queue sweep; nil for a concurrency one.
	Offline     *OfflineTune `json:"offline,omitempty"`
	Interrupted bool         `json:"interrupted"`
}

// MarshalJSON writes the criteria with the p99 bound in milliseconds.
func (c Criteria) MarshalJSON() ([]byte, error) {
	type plain Criteria
	return json.Marshal(struct {
		plain
		MaxP99 float64 `json:"max_p99_ms"`
	}{plain(c), ms(c.MaxP99)})
}

// WriteTuneJSON writes r as indented JSON.
func WriteTuneJSON(w io.Writer, r *TuneResult) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	if err := e.Encode(r); err != nil {
		return fmt.Errorf("encode tune result: %w", err)
	}
	return nil
}

// WriteTuneText writes the sweep's table, its recommendation and what
// Little's law says beside it; for an offline sweep, its table and
// recommendation.
func WriteTuneText(w io.Writer, r *TuneResult) error {
	ew := &errWriter{w: w}
	if r.Offline != nil {
		writeOfflineTune(ew, r.Offline)
		return ew.err
	}
	writeTable(ew, levelsTable(r))
	if len(r.Skipped) > 0 {
		ew.printf("skipped %s: goodput had flattened well before them\n",
			intList(r.Skipped))
	}
	writeRecommendation(ew, r)
	return ew.err
}

func levelsTable(r *TuneResult) table {
	t := table{head: []string{"concurrency", "offered/s", "goodput/s",
		"throttled", "retries/op", "p50 ms", "p99 ms", ""},
		noted: true, numeric: true}
	var verdicts []Verdict
	if r.Recommendation != nil {
		verdicts = r.Recommendation.Verdicts
	}
	for i, l := range r.Levels {
		note := ""
		if i < len(verdicts) {
			note = verdicts[i].Why
		}
		if r.Recommendation != nil && r.Recommendation.Found &&
			i == r.Recommendation.Index {
			note = "<- recommended"
		}
		t.rows = append(t.rows, []string{strconv.Itoa(l.Concurrency),
			fmtFloat(l.Offered, 1), fmtFloat(l.Goodput, 1),
			fmtFloat(100*l.ThrottledShare, 1) + "%",
			fmtFloat(l.RetriesPerOp, 2), fmtFloat(l.P50, 1),
			fmtFloat(l.P99, 1), note})
	}
	return t
}

func writeRecommendation(w *errWriter, r *TuneResult) {
	rec := r.Recommendation
	if rec == nil {
		return
	}
	if !rec.Found {
		w.printf("no level meets the limits: %s\n", describeCriteria(
			r.Criteria))
	} else {
		l := r.Levels[rec.Index]
		w.printf("recommended concurrency: %d (goodput %.1f/s, %.0f%% "+
			"of the best %.1f/s at %d; throttled %.1f%%; p99 %s)\n",
			rec.Concurrency, l.Goodput, 100*l.Goodput/rec.Best, rec.Best,
			rec.BestConcurrency, 100*l.ThrottledShare, fmtMillis(l.P99))
	}
	if x := r.Little; x != nil {
		writeLittle(w, x)
	}
}

func writeLittle(w *errWriter, x *LittlesLaw) {
	w.printf("Little's law: %.1f/s allowed (%s) x %s in flight per "+
		"operation unloaded = %.1f in flight\n", x.Rate, x.RateSource,
		fmtMillis(x.Unloaded), x.Predicted)
	if x.Measured > 0 {
		w.printf("measured:     %d in flight answer %.1f/s (%.1f/s ok) "+
			"at %s in flight per operation\n", x.Measured,
			x.MeasuredThroughput, x.MeasuredGoodput,
			fmtMillis(x.MeasuredTime))
	}
	w.printf("%s\n", x.Why)
}

func describeCriteria(c Criteria) string {
	s := fmt.Sprintf("goodput at least %.0f%% of the best", 100*c.Share)
	if c.MaxThrottled < 1 {
		s += fmt.Sprintf(", throttled at most %.1f%%", 100*c.MaxThrottled)
	}
	if c.MaxP99 > 0 {
		s += ", p99 at most " + fmtMillis(ms(c.MaxP99))
	}
	return s
}

func writeOfflineTune(w *errWriter, o *OfflineTune) {
	t := table{head: []string{"flush interval", "queue size", "accepted",
		"lost", "max depth", "receipt p50 ms", "receipt p99 ms", ""},
		noted: true}
	for i, p := range o.Points {
		note := lostNote(&Offline{LostBy: p.LostBy})
		if o.Found && i == o.Index {
			note = "<- recommended"
		}
		t.rows = append(t.rows, []string{p.FlushInterval.String(),
			strconv.Itoa(p.QueueSize), fmtInt(p.Accepted), fmtInt(p.Lost),
			fmtInt(p.MaxDepth), fmtFloat(p.TTRP50, 1),
			fmtFloat(p.TTRP99, 1), note})
	}
	writeTable(w, t)
	if len(o.Skipped) > 0 {
		w.printf("skipped flush intervals %s: a shorter one lost "+
			"actions at every queue size\n", durationList(o.Skipped))
	}
	if !o.Found {
		w.printf("no setting lost nothing at %.1f/s\n", o.Rate)
		return
	}
	p := o.Points[o.Index]
	w.printf("recommended: flush_interval %v, max_queue_size %d at "+
		"%.1f/s: nothing lost; time to receipt p50 %s, p99 %s\n",
		p.FlushInterval, p.QueueSize, o.Rate, fmtMillis(p.TTRP50),
		fmtMillis(p.TTRP99))
	writeOfflineLittle(w, o, p)
}

// writeOfflineLittle sets the queue Little's law predicts beside the
// one measured.
func writeOfflineLittle(w *errWriter, o *OfflineTune, p OfflinePoint) {
	w.printf("Little's law: when the flushers keep up, a queue holds what "+
		"arrives in one flush interval, %.1f/s x %v = about %d\n", o.Rate,
		p.FlushInterval, PredictQueue(o.Rate, p.FlushInterval))
	need := PredictQueue(o.Rate, p.FlushInterval)
	switch {
	case p.MaxDepth <= int64(need) && p.QueueSize < need:
		w.printf("measured: %d is enough, because a batch that fills goes "+
			"at once: a smaller queue flushes early, and loses nothing "+
			"while the flushers keep up\n", p.QueueSize)
		return
	case p.MaxDepth <= int64(need):
		w.printf("measured: %d; a longer interval needs a larger queue "+
			"and adds up to itself to time to receipt\n", p.QueueSize)
		return
	}
	w.printf("measured: %d, because the flushers answered only %.1f/s, "+
		"below the arrival rate, so the queue and its batches must hold "+
		"the backlog: (%.1f - %.1f)/s x %gs = about %d; time to receipt "+
		"grows with it\n", p.QueueSize, p.SendRate, o.Rate, p.SendRate,
		o.Seconds, PredictBacklog(o.Rate, p.SendRate, o.Seconds))
}

func intList(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func durationList(v []time.Duration) string {
	s := make([]string, len(v))
	for i, d := range v {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}
