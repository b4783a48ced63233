// Package airabench is the root of the airabench module: a load-testing
// and benchmarking harness for the Aira API. The packages below it do
// the work (scenarios, loadgen, mockserver, receipt, reports) and
// cmd/airabench is the command line. This package holds only the
// benchmarks of the hot paths, each set beside the published figure it
// answers; run them with make bench.
package airabench
