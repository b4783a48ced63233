package reports

import (
	"encoding/xml"
	"fmt"
	"io"
)

type junitSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Suites   []junitSet `xml:"testsuite"`
}

type junitSet struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure"`
	Output    string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes results as JUnit XML for CI systems: one test suite
// named suite (the scenario, say) with one test case per threshold, named
// by the threshold as written; a failed threshold carries a failure
// element saying what was measured.
func WriteJUnit(w io.Writer, suite string, results []ThresholdResult) error {
	set := junitSet{Name: suite, Tests: len(results)}
	for _, r := range results {
		c := junitCase{Name: r.Threshold.String(),
			ClassName: "airabench.thresholds", Output: r.String()}
		if !r.Pass {
			set.Failures++
			c.Failure = &junitFailure{Message: r.String(),
				Type: "threshold", Text: r.String()}
		}
		set.Cases = append(set.Cases, c)
	}
	doc := junitSuites{Tests: set.Tests, Failures: set.Failures,
		Suites: []junitSet{set}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit: %w", err)
	}
	return nil
}
