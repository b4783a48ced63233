package loadgen

import (
	"runtime"
	"testing"
	"time"

	"github.com/airabench/airabench/reports"
)

// BenchmarkRecorder measures the cost of recording one attempt and its
// operation, the generator's per-request hot path after the response.
func BenchmarkRecorder(b *testing.B) {
	start := time.Now()
	rec := newRecorder(reports.NewStage("bench", "authorize"), start, nil)
	at := start.Add(5 * time.Millisecond)
	b.ReportAllocs()
	for b.Loop() {
		rec.record(event{kind: evAttempt, class: reports.OK, first: true,
			intended: start, sent: start, done: at})
	}
	rec.close()
}

// BenchmarkRecorderMemory records ten million results and reports the
// heap the recorder holds afterwards: histograms and per-second counts,
// not samples, so it stays flat however long a run is.
func BenchmarkRecorderMemory(b *testing.B) {
	const results = 10_000_000
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		st := reports.NewStage("bench", "authorize")
		rec := newRecorder(st, start, nil)
		for i := range results {
			at := start.Add(time.Duration(i) * 10 * time.Microsecond)
			rec.record(event{kind: evAttempt, class: reports.OK,
				first: true, intended: at, sent: at,
				done: at.Add(time.Duration(i%5000) * time.Microsecond)})
		}
		rec.close()
		runtime.GC()
		runtime.ReadMemStats(&after)
		held := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		b.ReportMetric(max(held, 0)/1e6, "MB-held/10M-results")
		runtime.KeepAlive(st)
	}
}
