package reports

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"html"
	"image/png"
	"regexp"
	"strings"
	"testing"
)

func sampleThresholds(t *testing.T) []ThresholdResult {
	t.Helper()
	ts, err := ParseThresholds(map[string][]string{
		"latency.response{stage:batch}": {"p(99)<300ms", "p(99.9)<20ms"},
		"outcomes.errors":               {"rate<1%"},
		"goodput{stage:nope}":           {"rate>100"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return EvaluateThresholds(sampleRun(), ts)
}

func TestWriteJUnitGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, "semaphore-batch", sampleThresholds(t)); err != nil {
		t.Fatalf("WriteJUnit: %v", err)
	}
	golden(t, "junit.golden.xml", b.Bytes())
	var doc junitSuites
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if doc.Tests != 4 || doc.Failures != 2 || len(doc.Suites[0].Cases) != 4 {
		t.Errorf("junit.xml holds %d tests, %d failures; want 4, 2",
			doc.Tests, doc.Failures)
	}
}

func TestWriteMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, sampleRun(),
		MarkdownOptions{Thresholds: sampleThresholds(t)}); err != nil {
		t.Fatalf("WriteMarkdown: %v", err)
	}
	golden(t, "summary.golden.md", b.Bytes())
}

func TestWriteHTML(t *testing.T) {
	var b bytes.Buffer
	o := HTMLOptions{Thresholds: sampleThresholds(t)}
	if err := WriteHTML(&b, sampleRun(), o); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	page := b.String()
	for _, want := range []string{"<h2>Stage batch</h2>", "<h2>Stage ramp</h2>",
		"p(99)&lt;300ms", "no stage named", "26.863",
		"10 of 1,000 operations were dropped"} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(page) {
		t.Error("report.html fetches something from outside")
	}
	imgs := regexp.MustCompile(`src="data:image/png;base64,([^"]+)"`).
		FindAllStringSubmatch(page, -1)
	if len(imgs) != 6 {
		t.Fatalf("report.html inlines %d images, want 6", len(imgs))
	}
	for _, m := range imgs {
		raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatalf("bad base64: %v", err)
		}
		if _, err := png.DecodeConfig(bytes.NewReader(raw)); err != nil {
			t.Errorf("inlined image is no PNG: %v", err)
		}
	}
}

func TestWriteHTMLEdgeRuns(t *testing.T) {
	for name, r := range edgeRuns() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteHTML(&b, r, HTMLOptions{}); err != nil {
				t.Fatalf("WriteHTML: %v", err)
			}
			text := regexp.MustCompile(`base64,[^"]*`).
				ReplaceAllString(b.String(), "")
			if strings.Contains(text, "NaN") || strings.Contains(text, "Inf") {
				t.Errorf("report.html holds NaN or Inf")
			}
		})
	}
}

func sampleComparison(t *testing.T) *Comparison {
	t.Helper()
	next := sampleRun()
	next.Stages[1].Outcomes[TransportError] += 100
	c, err := Compare(sampleRun(), next, DefaultTolerances())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestReportsShowComparison(t *testing.T) {
	c := sampleComparison(t)
	var md, page bytes.Buffer
	err := WriteMarkdown(&md, sampleRun(), MarkdownOptions{Comparison: c})
	if err != nil {
		t.Fatalf("WriteMarkdown: %v", err)
	}
	err = WriteHTML(&page, sampleRun(), HTMLOptions{Comparison: c,
		NoPlots: true})
	if err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	for name, want := range map[string][]string{
		md.String(): {"## Baseline comparison", "| ramp | failure rate |",
			"❌ **REGRESSION**", "\nREGRESSION (tolerances: latency +10%"},
		page.String(): {"<h2>Baseline comparison</h2>",
			`<p class="fail">REGRESSION (tolerances`,
			`<tr class="fail"><td>ramp</td><td>failure rate</td>`},
	} {
		for _, w := range want {
			if !strings.Contains(name, w) {
				t.Errorf("report lacks %q:\n%s", w, name)
			}
		}
	}
}

func TestReportsNameTheShard(t *testing.T) {
	r := sampleRun()
	r.ShardIndex, r.ShardCount = 2, 4
	var md, page bytes.Buffer
	if err := WriteMarkdown(&md, r, MarkdownOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, r, HTMLOptions{NoPlots: true}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{md.String(), page.String()} {
		if !strings.Contains(s, "This is shard 2/4: this result is one "+
			"share of a sharded run") {
			t.Errorf("report does not name the shard:\n%s", s)
		}
	}
}
