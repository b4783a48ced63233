package reports

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"time"

	"gonum.org/v1/plot"
)

// HTMLOptions tunes WriteHTML. The zero value writes the summary tables
// and every plot.
type HTMLOptions struct {
	// Thresholds, when given, are shown in a table of their own.
	Thresholds []ThresholdResult
	// NoPlots leaves the plots out, for a small file.
	NoPlots bool
	// Comparison, when not nil, is shown in a table of its own: each
	// delta with its interval and verdict, then the overall verdict.
	Comparison *Comparison
}

// WriteHTML writes report.html: one self-contained page with the run's
// summary tables, warnings, threshold results and plots. Plots are
// inlined as base64 PNG, and the page loads nothing from anywhere, so it
// reads the same offline, in any browser, or as a CI artifact.
func WriteHTML(w io.Writer, r *Run, o HTMLOptions) error {
	page, err := htmlPage(r, o)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, page); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write html: %w", err)
	}
	return nil
}

type htmlData struct {
	Title      string
	Target     string
	Version    string
	Start      string
	Shard      string
	Warnings   []string
	Stages     []htmlStage
	Against    template.URL
	Thresholds []htmlThreshold
	Comparison *htmlComparison
}

// htmlComparison is a Comparison as report.html shows it.
type htmlComparison struct {
	Head    []string
	Rows    []htmlDelta
	Verdict string
	Class   string // "pass" or "fail"
}

type htmlDelta struct {
	Cells []string
	Class string // "fail" for a regression, else ""
}

func htmlComparisonOf(c *Comparison) *htmlComparison {
	hc := &htmlComparison{Head: []string{"stage", "metric", "base", "new",
		"change", "interval", "p", "verdict", "note"},
		Verdict: comparisonVerdict(c), Class: "pass"}
	if c.Regressed() {
		hc.Class = "fail"
	}
	for _, d := range c.Deltas {
		row := htmlDelta{Cells: deltaRow(d)}
		if d.Regression {
			row.Class = "fail"
		}
		hc.Rows = append(hc.Rows, row)
	}
	return hc
}

type htmlStage struct {
	Name, About string
	Tables      []htmlTable
	Warnings    []string
	Plots       []htmlPlot
}

type htmlTable struct {
	Head []string
	Rows [][]htmlCell
}

type htmlCell struct {
	Text string
	Note bool
}

func htmlTableOf(t table) htmlTable {
	ht := htmlTable{Head: t.head}
	for _, r := range t.rows {
		cells := make([]htmlCell, len(r))
		for i, c := range r {
			cells[i] = htmlCell{Text: c, Note: t.noted && i == len(r)-1}
		}
		ht.Rows = append(ht.Rows, cells)
	}
	return ht
}

type htmlPlot struct {
	Alt string
	Src template.URL
}

type htmlThreshold struct {
	Class, Verdict      string
	Key, Expr, Measured string
}

func htmlPage(r *Run, o HTMLOptions) (*htmlData, error) {
	d := &htmlData{Title: orDash(r.Scenario), Target: describeTarget(r),
		Version: orDash(r.Version), Warnings: runWarnings(r),
		Shard: describeShard(r)}
	if !r.Start.IsZero() {
		d.Start = r.Start.UTC().Format(time.RFC3339)
	}
	if o.Comparison != nil {
		d.Comparison = htmlComparisonOf(o.Comparison)
	}
	for _, st := range r.Stages {
		hs, err := htmlStageOf(st, shardShare(r), o)
		if err != nil {
			return nil, fmt.Errorf("stage %q: %w", st.Name, err)
		}
		d.Stages = append(d.Stages, hs)
	}
	if ms := MeasuredThroughput(r); len(ms) > 0 && !o.NoPlots {
		b, err := renderAgainst(ms, "png")
		if err != nil {
			return nil, err
		}
		d.Against = dataURL(b)
	}
	for _, t := range o.Thresholds {
		d.Thresholds = append(d.Thresholds, htmlThresholdOf(t))
	}
	return d, nil
}

func htmlStageOf(st *Stage, share float64, o HTMLOptions) (htmlStage,
	error) {
	hs := htmlStage{Name: st.Name,
		About: fmt.Sprintf("flow %s, %s, %s s", orDash(st.Flow),
			describeModel(st), fmtFloat(st.Duration.Seconds(), 3)),
		Warnings: stageWarnings(st, share)}
	for _, t := range stageTables(st, share) {
		hs.Tables = append(hs.Tables, htmlTableOf(t))
	}
	if o.NoPlots {
		return hs, nil
	}
	tp, err := throughputPlot(st, ThroughputReference(st.Flow))
	if err != nil {
		return hs, err
	}
	sp, err := spectrumPlot(st)
	if err != nil {
		return hs, err
	}
	plots := []struct {
		alt string
		p   *plot.Plot
	}{{"throughput over time", tp}, {"latency by percentile", sp}}
	if st.Offline != nil {
		op, err := offlinePlot(st)
		if err != nil {
			return hs, err
		}
		plots = append(plots, struct {
			alt string
			p   *plot.Plot
		}{"offline queue depth", op})
	}
	for _, p := range plots {
		b, err := encodePlot(p.p, "png")
		if err != nil {
			return hs, err
		}
		hs.Plots = append(hs.Plots, htmlPlot{Alt: p.alt, Src: dataURL(b)})
	}
	return hs, nil
}

func htmlThresholdOf(r ThresholdResult) htmlThreshold {
	got := r.Reason
	if r.Value != nil {
		got = r.Threshold.format(*r.Value)
	}
	h := htmlThreshold{Class: "fail", Verdict: "FAIL",
		Key: r.Threshold.Key(), Expr: r.Threshold.Expr, Measured: got}
	if r.Pass {
		h.Class, h.Verdict = "pass", "pass"
	}
	return h
}

// dataURL inlines a PNG. The bytes are ours, so marking the URL safe for
// html/template is sound.
func dataURL(png []byte) template.URL {
	return template.URL("data:image/png;base64," +
		base64.StdEncoding.EncodeToString(png))
}

var htmlTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>airabench: {{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em;
  padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; }
th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; }
td { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child, th:first-child, td.note { text-align: left; }
td.note { color: #666; }
.warn { background: #fff4e0; border-left: 4px solid #d55e00;
  padding: 0.4em 0.8em; margin: 0.4em 0; }
.pass { color: #007a55; } .fail { color: #b00020; font-weight: bold; }
img { max-width: 100%; height: auto; display: block; margin: 0.8em 0; }
</style>
</head>
<body>
<h1>airabench: {{.Title}}</h1>
<p>Target {{.Target}}; airabench {{.Version}}{{with .Start}}; started {{.}}{{end}}.</p>
{{with .Shard}}<p>This is {{.}}.</p>
{{end}}
{{- range .Warnings}}<p class="warn">{{.}}</p>
{{end}}
{{- if .Thresholds}}
<h2>Thresholds</h2>
<table>
<tr><th>result</th><th>metric</th><th>threshold</th><th>measured</th></tr>
{{range .Thresholds}}<tr>
<td class="{{.Class}}">{{.Verdict}}</td>
<td class="note">{{.Key}}</td>
<td class="note"><code>{{.Expr}}</code></td>
<td>{{.Measured}}</td>
</tr>
{{end}}</table>
{{end}}
{{- with .Comparison}}
<h2>Baseline comparison</h2>
<p class="{{.Class}}">{{.Verdict}}</p>
<table>
<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr{{with .Class}} class="{{.}}"{{end}}>
{{- range .Cells}}<td>{{.}}</td>{{end -}}
</tr>
{{end}}</table>
{{end}}
{{- range .Stages}}
<h2>Stage {{.Name}}</h2>
<p>{{.About}}</p>
{{range .Warnings}}<p class="warn">{{.}}</p>
{{end}}
{{- range .Tables}}
<table>
{{with .Head}}<tr>{{range .}}<th>{{.}}</th>{{end}}</tr>
{{end}}
{{- range .Rows}}<tr>
{{- range .}}<td{{if .Note}} class="note"{{end}}>{{.Text}}</td>{{end -}}
</tr>
{{end}}</table>
{{- end}}
{{range .Plots}}<img alt="{{.Alt}}" src="{{.Src}}">
{{end}}
{{- end}}
{{with .Against}}<h2>Measured against published</h2>
<img alt="measured against Aira's published figures" src="{{.}}">
{{end}}
</body>
</html>
`))
