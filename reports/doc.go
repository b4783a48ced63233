// Package reports holds the result model of an airabench run and turns it
// into what people read and what machines check: summary.json, a text
// summary, HdrHistogram interval logs, plots and the HTML report.
//
// The loader fills a Run; everything here only reads it. Latency is kept
// as HdrHistograms in microseconds (made by NewHistogram, so any two merge
// exactly) and shown in milliseconds. A statistic of an empty histogram is
// undefined and appears as null in JSON and as "-" in text, never as NaN.
//
// The smallest use writes the whole output folder and prints the summary:
//
//	paths, err := reports.WriteDir("out", run, reports.DirOptions{})
//	if err != nil {
//		return err
//	}
//	err = reports.WriteText(os.Stdout, run, reports.TextOptions{})
//
// Nothing in this package logs, prints or exits; every function returns
// its error.
package reports
