package reports

import (
	"bytes"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// readHlog reads every interval of an interval log with hdrhistogram-go's
// own reader.
func readHlog(t *testing.T, b []byte) []*hdrhistogram.Histogram {
	t.Helper()
	rd := hdrhistogram.NewHistogramLogReader(bytes.NewReader(b))
	var out []*hdrhistogram.Histogram
	for {
		h, err := rd.NextIntervalHistogram()
		if err != nil {
			t.Fatalf("NextIntervalHistogram: %v", err)
		}
		if h == nil {
			return out
		}
		out = append(out, h)
	}
}

func TestWriteHlogWholeStage(t *testing.T) {
	for _, st := range []*Stage{closedStage(), NewStage("empty", "x")} {
		for _, kind := range HlogKinds {
			var b bytes.Buffer
			if err := WriteHlog(&b, st, kind); err != nil {
				t.Fatalf("WriteHlog(%s, %s): %v", st.Name, kind, err)
			}
			got := readHlog(t, b.Bytes())
			if len(got) != 1 || !got[0].Equals(st.Latency[kind].Hist) {
				t.Fatalf("WriteHlog(%s, %s) read back %d intervals, "+
					"want the stage histogram:\n%s", st.Name, kind,
					len(got), b.String())
			}
		}
	}
}

func TestWriteHlogIntervals(t *testing.T) {
	st := closedStage()
	for i := range 3 {
		l := NewLatency()
		for j := 0; j <= i; j++ {
			l.Record(time.Duration(i+1) * time.Millisecond)
		}
		st.Intervals = append(st.Intervals, &Interval{
			Start:   st.Start.Add(time.Duration(i) * time.Second),
			End:     st.Start.Add(time.Duration(i+1) * time.Second),
			Latency: map[string]*Latency{Response: l},
		})
	}
	var b bytes.Buffer
	if err := WriteHlog(&b, st, Response); err != nil {
		t.Fatal(err)
	}
	got := readHlog(t, b.Bytes())
	if len(got) != 3 {
		t.Fatalf("read %d intervals, want 3:\n%s", len(got), b.String())
	}
	for i, h := range got {
		if h.TotalCount() != int64(i+1) {
			t.Errorf("interval %d holds %d values, want %d",
				i, h.TotalCount(), i+1)
		}
		wantStart := st.Start.Add(time.Duration(i) * time.Second)
		if d := h.StartTimeMs() - wantStart.UnixMilli(); d < -1 || d > 1 {
			t.Errorf("interval %d starts at %d ms, want %d",
				i, h.StartTimeMs(), wantStart.UnixMilli())
		}
		if n := h.EndTimeMs() - h.StartTimeMs(); n < 999 || n > 1001 {
			t.Errorf("interval %d lasts %d ms, want 1000", i, n)
		}
	}
	if !strings.Contains(b.String(), "#[StartTime: 1741083630") {
		t.Errorf("no StartTime header:\n%s", b.String())
	}
}
