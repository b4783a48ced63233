// Package reports holds the result model of an airabench run and turns it
// into what people read and what machines check.
//
// The load generator fills a Run; everything else here only reads it:
//
//   - WriteJSON and ReadJSON: summary.json, whose layout is pinned by
//     summary.schema.json and SchemaVersion. Each histogram is stored
//     losslessly, so a summary read back merges exactly.
//   - WriteText: the text summary, with plain-words warnings
//     (StageWarnings); WriteMarkdown and WriteMarkdown for CI job
//     summaries; WriteHTML for a self-contained report.html. The last
//     two can show a baseline Comparison.
//   - WriteHlog: HdrHistogram interval logs (.hlog) per stage and kind.
//   - PlotThroughput, PlotLatencySpectrum, PlotOfflineQueue and
//     PlotAgainstReferences: gonum/plot charts as PNG and SVG, beside
//     Aira's published numbers (References, ThroughputReference).
//   - ParseThreshold and EvaluateThresholds: k6-style thresholds;
//     WriteJUnit writes their results as junit.xml.
//   - Merge: exact merging of shards or repeated runs; an incomplete
//     shard set is a *ShardSetError, not a smaller run.
//   - Compare and WriteComparison: a baseline comparison with intervals
//     and a regression verdict under Tolerances.
//   - WriteDir: the whole output folder at once.
//
// Latency is kept as HdrHistograms in microseconds (made by NewHistogram,
// so any two merge exactly) and shown in milliseconds. A statistic of an
// empty histogram is undefined and appears as null in JSON and as "-" in
// text, never as NaN.
//
// The smallest use writes the output folder and prints the summary:
//
//	paths, err := reports.WriteDir("out", run, reports.DirOptions{})
//	if err != nil {
//		return err
//	}
//	err = reports.WriteText(os.Stdout, run, reports.TextOptions{})
//
// Nothing in this package logs, prints or exits; every function returns
// its error, and what a failed threshold or a regression means for the
// exit code is the caller's choice. No value here is safe for concurrent
// mutation; a finished Run may be read from many goroutines.
package reports
