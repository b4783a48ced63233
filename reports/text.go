package reports

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// TextOptions tunes WriteText. The zero value prints the default summary.
type TextOptions struct {
	// Percentiles adds the full HDR percentile spectrum of each latency
	// kind that holds values.
	Percentiles bool
}

// latencyMeaning says which latency each kind is, in the words of the
// measurement contract.
var latencyMeaning = map[string]string{
	Response:  "done - intended, per attempt (what a caller feels)",
	Service:   "done - sent, per attempt",
	Dispatch:  "sent - intended, per attempt (waiting to send)",
	Operation: "first intended to final outcome, across retries",
}

// WriteText writes a readable summary of r: per stage the counts, each
// outcome class, retries, rates and latency percentiles in milliseconds,
// per-step lines, and warnings in plain words. Columns are aligned with
// text/tabwriter. Undefined statistics print as "-".
func WriteText(w io.Writer, r *Run, o TextOptions) error {
	ew := &errWriter{w: w}
	writeRunHeader(ew, r)
	for _, st := range r.Stages {
		writeStage(ew, st, shardShare(r), o)
	}
	if len(r.Stages) == 0 {
		ew.printf("No stage ran.\n")
	}
	if ew.err != nil {
		return fmt.Errorf("write text summary: %w", ew.err)
	}
	return nil
}

// errWriter keeps the first write error so the writing code stays linear.
type errWriter struct {
	w   io.Writer
	err error
}

// Write writes p unless an earlier write failed.
func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

func (e *errWriter) printf(format string, a ...any) {
	fmt.Fprintf(e, format, a...)
}

func writeRunHeader(w *errWriter, r *Run) {
	name := r.Scenario
	if name == "" {
		name = "(unnamed)"
	}
	w.printf("airabench %s: scenario %s against %s\n",
		orDash(r.Version), name, describeTarget(r))
	if r.Description != "" {
		w.printf("%s\n", r.Description)
	}
	if !r.Start.IsZero() {
		w.printf("started %s\n", r.Start.UTC().Format(time.RFC3339))
	}
	if sh := describeShard(r); sh != "" {
		w.printf("%s\n", sh)
	}
	for _, msg := range runWarnings(r) {
		w.printf("warning: %s\n", msg)
	}
	w.printf("\n")
}

func describeTarget(r *Run) string {
	if r.Target == "mock" || r.Target == "" {
		return fmt.Sprintf("the mock (profile %s, seed %d)",
			orDash(r.MockProfile), r.MockSeed)
	}
	return r.Target
}

// describeShard says which shard r is, or "" for a whole run.
func describeShard(r *Run) string {
	if r.ShardCount < 2 {
		return ""
	}
	return fmt.Sprintf("shard %d/%d: this result is one share of a "+
		"sharded run; merge the whole set for the run's numbers",
		r.ShardIndex, r.ShardCount)
}

// shardShare returns the part of the whole schedule each stage of r
// ran: 1/ShardCount for a shard, 1 for a whole run or a merge.
func shardShare(r *Run) float64 {
	if r.ShardCount < 2 {
		return 1
	}
	return 1 / float64(r.ShardCount)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeStage(w *errWriter, s *Stage, share float64, o TextOptions) {
	w.printf("Stage %s: flow %s, %s, %s s\n", s.Name, orDash(s.Flow),
		describeModel(s), fmtFloat(s.Duration.Seconds(), 3))
	for _, t := range stageTables(s, share) {
		writeTable(w, t)
	}
	if o.Percentiles {
		writeSpectra(w, s)
	}
	warnings := stageWarnings(s, share)
	for _, msg := range warnings {
		w.printf("  warning: %s\n", msg)
	}
	if len(warnings) > 0 {
		w.printf("\n")
	}
}

func describeModel(s *Stage) string {
	m := s.Model
	if m == "" {
		m = "unknown"
	}
	if s.Concurrency > 0 {
		return fmt.Sprintf("%s model, concurrency %d", m, s.Concurrency)
	}
	return m + " model"
}

// stageTables returns the tables of a stage's summary, shared by the
// text, markdown and HTML reports. Share is the part of the whole
// schedule the stage ran, as shardShare returns it.
func stageTables(s *Stage, share float64) []table {
	ts := []table{countsTable(s, share), outcomesTable(s), latencyTable(s)}
	if len(s.Steps) > 0 {
		ts = append(ts, stepsTable(s))
	}
	if s.Offline != nil {
		ts = append(ts, offlineTable(s.Offline))
	}
	return ts
}

// offlineTable accounts for the offline queue: what the caller handed
// over, what reached the server, what was lost, and the two latencies of
// offline mode.
func offlineTable(o *Offline) table {
	head := []string{"offline queue", "count", "p50", "p90", "p99",
		"p99.9", "max", "mean", ""}
	dash := []string{"", "", "", "", "", ""}
	row := func(name string, n int64, note string) []string {
		return append(append([]string{name, fmtInt(n)}, dash...), note)
	}
	rows := [][]string{
		row("accepted", o.Accepted, "handed to the queue"),
		row("delivered", o.Delivered, "answered by the server"),
		row("lost", o.Lost, lostNote(o)),
		row("denied late", o.DeniedLate, "denied after the caller moved on"),
		latencyRow("enqueue ms", orEmpty(o.Enqueue).Summary(),
			"the caller's critical path"),
		latencyRow("receipt ms", orEmpty(o.TimeToReceipt).Summary(),
			"enqueue to the server's answer"),
	}
	return table{head: head, rows: rows, noted: true}
}

func lostNote(o *Offline) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(o.LostBy)) {
		parts = append(parts, fmt.Sprintf("%s %s", k, fmtInt(o.LostBy[k])))
	}
	return strings.Join(parts, ", ")
}

func countsTable(s *Stage, share float64) table {
	rows := [][]string{
		{"intended", fmtInt(s.Intended), "operations the schedule wanted"},
		{"sent", fmtInt(s.Sent), ""},
		{"dropped", fmtInt(s.Dropped), "never sent"},
		{"retries", fmtInt(s.Retries), retryNote(s)},
	}
	if s.TargetRate > 0 {
		rows = append(rows, []string{"target rate", fmtRate(s.TargetRate),
			targetNote(s, share)})
	}
	rows = append(rows,
		[]string{"throughput", fmtRate(s.Throughput()), "finished operations"},
		[]string{"goodput", fmtRate(s.Goodput()), "ok operations"})
	for _, c := range []struct {
		name string
		n    int64
		note string
	}{
		{"transport errors", transportTotal(s), causesNote(s)},
		{"new connections", s.NewConnections, "opened by the client"},
		{"held", s.Held, "ok, answered pending_approval"},
		{"succeeded earlier", s.SucceededEarlier,
			"retries answered 409: an earlier attempt went through"},
		{"setup", s.Setup, "actions prepared before timing"},
	} {
		if c.n > 0 {
			rows = append(rows, []string{c.name, fmtInt(c.n), c.note})
		}
	}
	return table{rows: rows, noted: true}
}

// targetNote says what the target rate is and how fast the stage sent.
func targetNote(s *Stage, share float64) string {
	note := "planned mean"
	if share < 1 {
		note = fmt.Sprintf("planned mean of the whole schedule; this "+
			"shard's share %s", fmtRate(s.TargetRate*share))
	}
	if r, ok := sendRate(s, share); ok {
		note += "; sent at " + fmtRate(r)
	}
	return note
}

// transportTotal returns the transport errors counted by cause.
func transportTotal(s *Stage) int64 {
	var n int64
	for _, v := range s.TransportErrors {
		n += v
	}
	return n
}

// causesNote lists transport errors by cause, the most frequent first:
// "reset 6, timeout 4".
func causesNote(s *Stage) string {
	causes := slices.Collect(maps.Keys(s.TransportErrors))
	slices.SortFunc(causes, func(a, b string) int {
		if d := s.TransportErrors[b] - s.TransportErrors[a]; d != 0 {
			return int(max(min(d, 1), -1))
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(causes))
	for i, c := range causes {
		parts[i] = c + " " + fmtInt(s.TransportErrors[c])
	}
	return strings.Join(parts, ", ")
}

// sendRate returns the operations a stage sent per second of sending:
// Sent over the planned length of its schedule (Intended at the target
// rate, times share in a shard) or, when sending ran past that, over the
// time to the last send. The last send is known to the second from
// Series.Sent, and is no later than the stage's end less its shortest
// service time. It reports false for a stage with no target rate.
func sendRate(s *Stage, share float64) (float64, bool) {
	target := s.TargetRate * share
	if target <= 0 || s.Intended == 0 {
		return 0, false
	}
	planned := float64(s.Intended) / target
	last := s.Duration
	if l := s.Latency[Service]; l.Count() > 0 {
		last -= time.Duration(l.Hist.Min()) * time.Microsecond
	}
	if i := lastNonZero(s.Series.Sent); i >= 0 {
		last = min(last, time.Duration(i+1)*time.Second)
	}
	return float64(s.Sent) / max(planned, last.Seconds()), true
}

// lastNonZero returns the index of v's last non-zero value, or -1.
func lastNonZero(v []int64) int {
	for i := len(v) - 1; i >= 0; i-- {
		if v[i] != 0 {
			return i
		}
	}
	return -1
}

func retryNote(s *Stage) string {
	a, ok := s.AttemptsPerOp()
	if !ok {
		return ""
	}
	per := "attempts/op"
	if len(s.Steps) > 1 {
		per = fmt.Sprintf("requests/op over %d steps", len(s.Steps))
	}
	note := fmt.Sprintf("%s %s, %s s waiting", fmtFloat(a, 2), per,
		fmtFloat(s.RetryWait.Seconds(), 3))
	var by []string
	for c := Class(0); c < NumClasses; c++ {
		if n := s.RetriesBy[c]; n > 0 {
			by = append(by, fmt.Sprintf("%s %s", fmtInt(n), c))
		}
	}
	if len(by) > 0 {
		note += "; after " + strings.Join(by, ", ")
	}
	return note
}

func outcomesTable(s *Stage) table {
	head := []string{"outcome", "operations", "%", "attempts"}
	total := s.Outcomes.Total()
	var rows [][]string
	for c := Class(0); c < NumClasses; c++ {
		rows = append(rows, []string{c.String(), fmtInt(s.Outcomes[c]),
			fmtPercent(s.Outcomes[c], total), fmtInt(s.Attempts[c])})
	}
	rows = append(rows, []string{"total", fmtInt(total),
		fmtPercent(total, total), fmtInt(s.Attempts.Total())})
	return table{head: head, rows: rows}
}

func latencyTable(s *Stage) table {
	head := []string{"latency (ms)", "count", "p50", "p90", "p99", "p99.9",
		"max", "mean", ""}
	var rows [][]string
	for _, kind := range LatencyKinds {
		l := s.Latency[kind]
		if !showKind(s, kind, l) {
			continue
		}
		rows = append(rows, latencyRow(kind, l.Summary(),
			latencyMeaning[kind]))
	}
	return table{head: head, rows: rows, noted: true}
}

// showKind reports whether the text summary shows a latency kind:
// response and service always; dispatch when it holds values; operation
// when the flow has steps, since otherwise it repeats response time.
func showKind(s *Stage, kind string, l *Latency) bool {
	switch kind {
	case Response, Service:
		return true
	case Operation:
		return len(s.Steps) > 0 && l.Count() > 0
	}
	return l.Count() > 0
}

func latencyRow(name string, ls LatencySummary, note string) []string {
	return []string{name, fmtInt(ls.Count), fmtMs(ls.P50), fmtMs(ls.P90),
		fmtMs(ls.P99), fmtMs(ls.P999), fmtMs(ls.Max), fmtMs(ls.Mean), note}
}

func stepsTable(s *Stage) table {
	head := []string{"step", "attempts", "ok", "throttled", "denied",
		"errors", "resp p50", "resp p99", "svc p50", "svc p99"}
	var rows [][]string
	for _, st := range s.Steps {
		a := &st.Attempts
		errs := a[ClientError] + a[ServerError] + a[TransportError]
		resp := st.Latency[Response].Summary()
		svc := st.Latency[Service].Summary()
		rows = append(rows, []string{st.Name, fmtInt(a.Total()),
			fmtInt(a[OK]), fmtInt(a[Throttled]), fmtInt(a[Denied]),
			fmtInt(errs), fmtMs(resp.P50), fmtMs(resp.P99),
			fmtMs(svc.P50), fmtMs(svc.P99)})
	}
	return table{head: head, rows: rows}
}

// table is rows of cells under an optional header. The first column, or
// the first left columns when left > 1, are left-aligned unless numeric
// is set; the others are right-aligned. When noted is set, the last cell
// of each row is a free-text note, written unaligned after the columns.
type table struct {
	head    []string
	rows    [][]string
	noted   bool
	numeric bool
	left    int
}

// writeTable writes t, indented by two spaces (the column padding), then
// a blank line.
func writeTable(w *errWriter, t table) {
	all := t.rows
	if t.head != nil {
		all = append([][]string{t.head}, t.rows...)
	}
	widths := make([]int, max(t.left, 1))
	if t.numeric {
		widths = nil
	}
	for _, r := range all {
		for i := range widths {
			widths[i] = max(widths[i], len([]rune(r[i])))
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, r := range all {
		writeRow(tw, r, widths, t.noted)
	}
	_ = tw.Flush() // errors are kept by w
	w.printf("\n")
}

// writeRow writes one row; widths pad the leading cells so they read as
// left-aligned in a right-aligned table.
func writeRow(tw io.Writer, r []string, widths []int, noted bool) {
	cells, note := r, ""
	if noted {
		cells, note = r[:len(r)-1], r[len(r)-1]
	}
	var b strings.Builder
	for i, c := range cells {
		if i < len(widths) {
			c += strings.Repeat(" ", widths[i]-len([]rune(c)))
		}
		b.WriteString(c + "\t")
	}
	if note != "" {
		b.WriteString("  " + note)
	}
	b.WriteString("\n")
	_, _ = io.WriteString(tw, b.String())
}

func writeSpectra(w *errWriter, s *Stage) {
	for _, kind := range LatencyKinds {
		l := s.Latency[kind]
		if l.Count() == 0 {
			continue
		}
		w.printf("  %s time percentile spectrum (ms):\n", kind)
		head := []string{"percentile", "value ms", "count", "1/(1-p)"}
		var rows [][]string
		for _, b := range l.Hist.CumulativeDistributionWithTicks(5) {
			rows = append(rows, []string{fmtFloat(b.Quantile, 4),
				fmtFloat(float64(b.ValueAt)/1000, 3), fmtInt(b.Count),
				inverse(b.Quantile)})
		}
		writeTable(w, table{head: head, rows: rows, numeric: true})
	}
}

func inverse(percentile float64) string {
	if percentile >= 100 {
		return "inf"
	}
	return fmtFloat(100/(100-percentile), 2)
}

// StageWarnings returns plain-words warnings about a stage's numbers:
// drops, a p99 dispatch delay of 10 ms or more in the open model (the
// schedule was not kept), a target rate not met (operations sent more
// than 5% slower than the open model's TargetRate, as a whole run),
// operations with no outcome, retries sent before Retry-After, a stage
// where nothing succeeded, receipts that failed verification, retries
// refused or capped by the policy, actions lost from the offline queue,
// connection churn (more new connections than twice the concurrency),
// running out of file descriptors, and clamped latencies. The slice is
// empty when there is nothing to say. The reports of a shard's result
// hold its send rate against the shard's share of the target instead.
func StageWarnings(s *Stage) []string {
	return stageWarnings(s, 1)
}

// Limits of the warnings of stageWarnings.
const (
	// behindMs is the p99 dispatch delay, in ms, above which a stage is
	// said to have fallen behind its schedule.
	behindMs = 10
	// rateShortfall is how far below its target rate a stage may send
	// before it is said not to have met it.
	rateShortfall = 0.05
	// churnFactor is how many new connections per unit of concurrency
	// make connection churn.
	churnFactor = 2
)

func stageWarnings(s *Stage, share float64) []string {
	var out []string
	add := func(format string, a ...any) {
		out = append(out, fmt.Sprintf(format, a...))
	}
	if s.Intended == 0 {
		add("the stage offered no operation")
	}
	if s.Dropped > 0 {
		add("%s of %s operations were dropped (never sent): the run "+
			"was stopped, the schedule could not be met, or a queue "+
			"overflowed", fmtInt(s.Dropped), fmtInt(s.Intended))
	}
	if n := s.Sent - s.Outcomes.Total(); n > 0 {
		add("%s sent operations have no final outcome: the stage was "+
			"cut short", fmtInt(n))
	}
	if s.EarlyRetries > 0 {
		add("%s retries were sent before the server's Retry-After had "+
			"passed", fmtInt(s.EarlyRetries))
	}
	if t := s.Outcomes.Total(); t > 0 && s.Outcomes[OK]+s.Outcomes[Denied] == 0 {
		add("every operation failed: none of %s ended ok or denied",
			fmtInt(t))
	}
	if p99, ok := s.Latency[Dispatch].Percentile(99); ok &&
		s.Model == "open" && *p99 >= behindMs {
		add("1 request in 100 waited %s ms or more to be sent (p99 "+
			"dispatch delay): the generator, the in-flight cap or the "+
			"client's pool fell behind the schedule", fmtMs(p99))
	}
	if msg := targetWarning(s, share); msg != "" {
		out = append(out, msg)
	}
	if s.InvalidReceipts > 0 {
		add("%s receipts failed verification", fmtInt(s.InvalidReceipts))
	}
	if s.BudgetExhausted > 0 {
		add("%s retries were refused because the retry budget was spent",
			fmtInt(s.BudgetExhausted))
	}
	if s.Capped > 0 {
		add("%s Retry-After values exceeded the retry policy's cap",
			fmtInt(s.Capped))
	}
	out = append(out, connectionWarnings(s)...)
	if o := s.Offline; o != nil && o.Lost > 0 {
		add("%s of %s actions were lost from the offline queue (%s)",
			fmtInt(o.Lost), fmtInt(o.Accepted), lostNote(o))
	}
	for _, kind := range LatencyKinds {
		if l := s.Latency[kind]; l != nil && l.Clamped > 0 {
			add("%s %s-time values fell outside 1 µs to 1 h and were "+
				"clamped", fmtInt(l.Clamped), kind)
		}
	}
	return out
}

// targetWarning says that an open stage sent more than rateShortfall
// slower than its share of the target rate, or returns "".
func targetWarning(s *Stage, share float64) string {
	r, ok := sendRate(s, share)
	want := s.TargetRate * share
	if !ok || r >= (1-rateShortfall)*want {
		return ""
	}
	return fmt.Sprintf("target rate not met: operations went out at %s, "+
		"%s%% short of the planned %s", fmtRate(r),
		fmtFloat(100*(1-r/want), 1), fmtRate(want))
}

// connectionWarnings warns of connection churn and of running out of
// file descriptors.
func connectionWarnings(s *Stage) []string {
	var out []string
	if c := int64(s.Concurrency); c > 0 && s.NewConnections > churnFactor*c {
		out = append(out, fmt.Sprintf("connection churn: the client "+
			"opened %s connections for a concurrency of %d, so "+
			"connections were not reused (the server closed them, or the "+
			"pool is smaller than the concurrency)",
			fmtInt(s.NewConnections), c))
	}
	if n := s.TransportErrors["too-many-open-files"]; n > 0 {
		out = append(out, fmt.Sprintf("%s attempts failed for lack of file "+
			"descriptors: raise the open-file limit (ulimit -n) or lower "+
			"the concurrency", fmtInt(n)))
	}
	return out
}

func fmtInt(n int64) string { return groupThousands(n) }

func fmtFloat(v float64, prec int) string {
	return fmt.Sprintf("%.*f", prec, finite(v))
}

func fmtRate(v float64) string { return fmtFloat(v, 1) + "/s" }

func fmtMs(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmtFloat(*v, 3)
}

func fmtPercent(n, total int64) string {
	if total == 0 {
		return "-"
	}
	return fmtFloat(100*float64(n)/float64(total), 1)
}
