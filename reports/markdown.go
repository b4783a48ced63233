package reports

import (
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes a GitHub-flavoured markdown summary of r for CI
// job summaries: per stage the counts, outcomes and latency tables, the
// warnings, then the threshold results when there are any.
func WriteMarkdown(w io.Writer, r *Run, results []ThresholdResult) error {
	ew := &errWriter{w: w}
	ew.printf("# airabench: %s\n\n", mdEscape(orDash(r.Scenario)))
	ew.printf("Target %s; airabench %s.\n\n", mdEscape(describeTarget(r)),
		mdEscape(orDash(r.Version)))
	for _, msg := range runWarnings(r) {
		ew.printf("> **Warning:** %s\n\n", mdEscape(msg))
	}
	for _, st := range r.Stages {
		writeMarkdownStage(ew, st)
	}
	if len(results) > 0 {
		writeMarkdownThresholds(ew, results)
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

func writeMarkdownStage(w *errWriter, s *Stage) {
	w.printf("## Stage %s\n\nFlow %s, %s, %s s.\n\n", mdEscape(s.Name),
		mdEscape(orDash(s.Flow)), describeModel(s),
		fmtFloat(s.Duration.Seconds(), 3))
	for _, t := range stageTables(s) {
		writeMarkdownTable(w, t)
	}
	for _, msg := range StageWarnings(s) {
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

// mdEscape escapes the characters that would break a table cell or start
// markup.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "*", `\*`, "_", `\_`,
		"<", "&lt;", ">", "&gt;", "`", "\\`").Replace(s)
}
