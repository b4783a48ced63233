package reports

import (
	"fmt"
	"io"
	"strings"
)

// MarkdownOptions tunes WriteMarkdown. The zero value writes the run's
// summary alone.
type MarkdownOptions struct {
	// Thresholds, when given, are shown in a table after the stages.
	Thresholds []ThresholdResult
	// Comparison, when not nil, is shown last: a table of its deltas
	// and its verdict, as WriteComparison prints them.
	Comparison *Comparison
}

// WriteMarkdown writes a GitHub-flavoured markdown summary of r for CI
// job summaries: per stage the counts, outcomes and latency tables, the
// warnings, then the threshold results and the baseline comparison that
// o carries.
func WriteMarkdown(w io.Writer, r *Run, o MarkdownOptions) error {
	ew := &errWriter{w: w}
	ew.printf("# airabench: %s\n\n", mdEscape(orDash(r.Scenario)))
	ew.printf("Target %s; airabench %s.\n\n", mdEscape(describeTarget(r)),
		mdEscape(orDash(r.Version)))
	if sh := describeShard(r); sh != "" {
		ew.printf("This is %s.\n\n", mdEscape(sh))
	}
	for _, msg := range runWarnings(r) {
		ew.printf("> **Warning:** %s\n\n", mdEscape(msg))
	}
	for _, st := range r.Stages {
		writeMarkdownStage(ew, st, shardShare(r))
	}
	if len(o.Thresholds) > 0 {
		writeMarkdownThresholds(ew, o.Thresholds)
	}
	if o.Comparison != nil {
		writeMarkdownComparison(ew, o.Comparison)
	}
	if ew.err != nil {
		return fmt.Errorf("write markdown: %w", ew.err)
	}
	return nil
}

// runWarnings returns the run-level warnings reports show.
func runWarnings(r *Run) []string {
	var out []string
	if r.Interrupted {
		out = append(out, "the run was interrupted; the last stage "+
			"was cut short")
	}
	return append(out, r.Warnings...)
}

func writeMarkdownStage(w *errWriter, s *Stage, share float64) {
	w.printf("## Stage %s\n\nFlow %s, %s, %s s.\n\n", mdEscape(s.Name),
		mdEscape(orDash(s.Flow)), describeModel(s),
		fmtFloat(s.Duration.Seconds(), 3))
	for _, t := range stageTables(s, share) {
		writeMarkdownTable(w, t)
	}
	for _, msg := range stageWarnings(s, share) {
		w.printf("- **Warning:** %s\n", mdEscape(msg))
	}
	w.printf("\n")
}

func writeMarkdownTable(w *errWriter, t table) {
	head := t.head
	if head == nil {
		head = make([]string, len(t.rows[0]))
		head[0], head[1] = "measure", "value"
	}
	w.printf("|%s|\n", mdRow(head))
	align := make([]string, len(head))
	for i := range align {
		align[i] = "---:"
	}
	align[0] = ":---"
	if t.noted {
		align[len(align)-1] = ":---"
	}
	w.printf("|%s|\n", strings.Join(align, "|"))
	for _, r := range t.rows {
		w.printf("|%s|\n", mdRow(r))
	}
	w.printf("\n")
}

func mdRow(cells []string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = " " + mdEscape(c) + " "
	}
	return strings.Join(out, "|")
}

func writeMarkdownThresholds(w *errWriter, results []ThresholdResult) {
	w.printf("## Thresholds\n\n")
	w.printf("| result | metric | threshold | measured |\n")
	w.printf("|:---|:---|:---|---:|\n")
	for _, r := range results {
		verdict := "❌ fail"
		if r.Pass {
			verdict = "✅ pass"
		}
		got := r.Reason
		if r.Value != nil {
			got = r.Threshold.format(*r.Value)
		}
		w.printf("| %s | %s | `%s` | %s |\n", verdict,
			mdEscape(r.Threshold.Key()), r.Threshold.Expr, mdEscape(got))
	}
	w.printf("\n")
}

// writeMarkdownComparison writes c's deltas as a table, regressions in
// bold, then its verdict.
func writeMarkdownComparison(w *errWriter, c *Comparison) {
	w.printf("## Baseline comparison\n\n")
	w.printf("| stage | metric | base | new | change | interval | p " +
		"| verdict | note |\n")
	w.printf("|:---|:---|---:|---:|---:|---:|---:|:---|:---|\n")
	for _, d := range c.Deltas {
		cells := deltaRow(d)
		for i, cell := range cells {
			cells[i] = mdEscape(cell)
		}
		if d.Regression {
			cells[7] = "❌ **REGRESSION**"
		}
		w.printf("| %s |\n", strings.Join(cells, " | "))
	}
	w.printf("\n%s\n\n", mdEscape(comparisonVerdict(c)))
}

// mdEscape escapes the characters that would break a table cell or start
// markup.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`,
		"<", "&lt;", ">", "&gt;", "`", "\\`").Replace(s)
}
