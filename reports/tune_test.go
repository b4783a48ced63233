package reports

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// lvl is a hand-made level: concurrency, goodput, throttled share and
// p99 in ms. Throughput equals goodput, and the time in flight is 50 ms
// at the lowest levels.
func lvl(c int, good, throttled, p99 float64) TuneLevel {
	return TuneLevel{Concurrency: c, Goodput: good, Offered: good,
		Throughput: good, ThrottledShare: throttled, P99: p99,
		P50: min(p99, 50)}
}

// limited is a sweep against one key limited to 100/s with a 50 ms
// latency, doubling levels.
var limited = []TuneLevel{
	lvl(1, 20, 0, 50), lvl(2, 40, 0, 50), lvl(4, 80, 0, 50),
	lvl(8, 100, 0.19, 600), lvl(16, 100, 0.33, 2500),
}

var defaultCriteria = Criteria{Share: 0.95, MaxThrottled: 1}

func TestRecommend(t *testing.T) {
	tests := []struct {
		name     string
		levels   []TuneLevel
		criteria Criteria
		want     int // 0: none found
		best     float64
		why      []string // per level, "" for a level that meets
	}{
		{name: "knee at the first saturated level", levels: limited,
			criteria: defaultCriteria, want: 8, best: 100,
			why: []string{"goodput 20% of best", "goodput 40% of best",
				"goodput 80% of best", "", ""}},
		{name: "throttling bound rules out every saturated level",
			levels:   limited,
			criteria: Criteria{Share: 0.95, MaxThrottled: 0.1},
			want:     0, best: 100,
			why: []string{"goodput 20% of best", "goodput 40% of best",
				"goodput 80% of best", "throttled 19.0% > 10.0%",
				"throttled 33.0% > 10.0%"}},
		{name: "p99 bound moves nothing when the knee meets it",
			levels: limited, criteria: Criteria{Share: 0.95,
				MaxThrottled: 1, MaxP99: time.Second}, want: 8,
			best: 100},
		{name: "a lower share takes an earlier level", levels: limited,
			criteria: Criteria{Share: 0.8, MaxThrottled: 1}, want: 4,
			best: 100},
		{name: "unsorted levels", levels: []TuneLevel{lvl(8, 100, 0, 60),
			lvl(2, 40, 0, 50), lvl(6, 99, 0, 55)},
			criteria: defaultCriteria, want: 6, best: 100},
		{name: "peak then collapse", levels: []TuneLevel{lvl(4, 80, 0, 50),
			lvl(5, 97, 0, 52), lvl(6, 57, 0.05, 1050)},
			criteria: defaultCriteria, want: 5, best: 97},
		{name: "nothing succeeded", levels: []TuneLevel{lvl(1, 0, 1, 5),
			lvl(2, 0, 1, 5)}, criteria: defaultCriteria, want: 0},
		{name: "no levels", criteria: defaultCriteria, want: 0},
	}
	for _, tt := range tests {
		got := Recommend(tt.levels, tt.criteria)
		if got.Found != (tt.want != 0) || got.Concurrency != tt.want ||
			got.Best != tt.best {
			t.Errorf("%s: Recommend = found %v, %d, best %v; want %d, "+
				"best %v", tt.name, got.Found, got.Concurrency, got.Best,
				tt.want, tt.best)
		}
		if got.Found && tt.levels[got.Index].Concurrency != tt.want {
			t.Errorf("%s: Index %d names level %d", tt.name, got.Index,
				tt.levels[got.Index].Concurrency)
		}
		for i, why := range tt.why {
			if v := got.Verdicts[i]; v.Why != why || v.Meets != (why == "") {
				t.Errorf("%s: verdict %d = %+v, want why %q", tt.name, i,
					v, why)
			}
		}
	}
}

func TestPastKnee(t *testing.T) {
	tests := []struct {
		name    string
		goodput []float64 // at 1, 2, 4, 8, ...
		plateau int       // index
		past    bool
	}{
		{name: "still growing", goodput: []float64{20, 40, 80},
			plateau: 2, past: false},
		{name: "first flat level", goodput: []float64{20, 40, 80, 100},
			plateau: 3, past: false},
		{name: "flat at twice the knee", goodput: []float64{20, 40, 80,
			100, 101}, plateau: 3, past: true},
		{name: "growth under 5% is flat", goodput: []float64{20, 40, 80,
			100, 104.9}, plateau: 3, past: true},
		{name: "growth of 5% is growth", goodput: []float64{20, 40, 80,
			100, 105}, plateau: 4, past: false},
		{name: "collapse past the peak", goodput: []float64{20, 40, 78,
			60, 76}, plateau: 2, past: true},
		{name: "nothing succeeds", goodput: []float64{0, 0}, plateau: 0,
			past: true},
		{name: "one level", goodput: []float64{5}, plateau: 0,
			past: false},
		{name: "none", plateau: -1, past: false},
	}
	for _, tt := range tests {
		var levels []TuneLevel
		for i, g := range tt.goodput {
			levels = append(levels, lvl(1<<i, g, 0, 50))
		}
		if got := PlateauStart(levels); got != tt.plateau {
			t.Errorf("%s: PlateauStart(%v) = %d, want %d", tt.name,
				tt.goodput, got, tt.plateau)
		}
		if got := PastKnee(levels); got != tt.past {
			t.Errorf("%s: PastKnee(%v) = %v, want %v", tt.name,
				tt.goodput, got, tt.past)
		}
	}
}

// TestRefinement follows refinement step by step: each step's answer is
// run and added, as Sweep does, with goodput from the model of one key
// limited to 100/s at 50 ms per operation (20/s per operation in
// flight, capped at 100), or one that collapses past 5 in flight, as a
// client that waits a whole-second Retry-After does.
func TestRefinement(t *testing.T) {
	flat := func(c int) float64 { return min(20*float64(c), 100) }
	collapse := func(c int) float64 {
		if c > 5 {
			return 57 + float64(c)
		}
		return flat(c)
	}
	tests := []struct {
		name     string
		model    func(int) float64
		levels   []int
		criteria Criteria
		rate     float64
		want     []int // concurrencies tried, in order
	}{
		{name: "the prediction is the knee", model: flat,
			levels: []int{1, 2, 4, 8, 16}, criteria: defaultCriteria,
			rate: 100, want: []int{5}},
		{name: "a wrong prediction costs a level, halving does the rest",
			model: flat, levels: []int{1, 2, 4, 8, 16},
			criteria: defaultCriteria, rate: 300, want: []int{15, 6, 5}},
		{name: "a peak between doublings", model: collapse,
			levels: []int{1, 2, 4, 8, 16}, criteria: defaultCriteria,
			rate: 100, want: []int{5}},
		{name: "a peak the prediction misses stays missed", model: collapse,
			levels: []int{1, 2, 4, 8, 16}, criteria: defaultCriteria,
			rate: 150, want: []int{7, 3}},
		{name: "no limit known: the best stands for it", model: flat,
			levels: []int{1, 2, 4, 8, 16}, criteria: defaultCriteria,
			want: []int{5}},
		{name: "nothing meets the bound: refine toward the knee",
			model: flat, levels: []int{2, 4, 8, 16},
			criteria: Criteria{Share: 0.95, MaxThrottled: 1,
				MaxP99: time.Millisecond}, rate: 300,
			want: []int{15, 6, 5}},
		{name: "adjacent levels need nothing", model: flat,
			levels: []int{3, 4, 5, 6, 7}, criteria: defaultCriteria,
			rate: 100, want: nil},
	}
	for _, tt := range tests {
		var levels []TuneLevel
		add := func(c int) {
			levels = append(levels, lvl(c, tt.model(c), 0, 50))
			slices.SortFunc(levels, func(a, b TuneLevel) int {
				return a.Concurrency - b.Concurrency
			})
		}
		for _, c := range tt.levels {
			add(c)
		}
		var got []int
		for c, ok := Refinement(levels, tt.criteria, tt.rate); ok; c,
			ok = Refinement(levels, tt.criteria, tt.rate) {
			if len(got) > 10 {
				t.Fatalf("%s: refinement does not end: %v", tt.name, got)
			}
			got = append(got, c)
			add(c)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: refinement tried %v, want %v", tt.name, got,
				tt.want)
		}
	}
}

func TestExplain(t *testing.T) {
	waited := slices.Clone(limited)
	waited[3].Throughput = 100
	waited[3].RetryWait = 30
	waited[3].RetriesPerOp = 0.24
	collapsed := []TuneLevel{lvl(1, 20, 0, 50), lvl(2, 40, 0, 50),
		lvl(4, 80, 0, 50), lvl(5, 97, 0, 52), lvl(6, 57, 0.05, 1050)}
	collapsed[4].RetryWait, collapsed[4].RetriesPerOp = 60, 0.06
	queued := []TuneLevel{lvl(1, 20, 0, 50), lvl(2, 40, 0, 50),
		lvl(4, 78, 0, 55), lvl(8, 80, 0, 100)}
	tests := []struct {
		name      string
		levels    []TuneLevel
		criteria  Criteria
		rate      float64
		predicted float64
		want      []string // phrases of Why
	}{
		{name: "doubling levels and retry waits", levels: waited,
			criteria: defaultCriteria, rate: 100, predicted: 5,
			want: []string{"They differ because",
				"jumped from 4 to 8", "waited 30 ms on average",
				"0.24 retries per operation"}},
		{name: "whole-second Retry-After past the knee", levels: collapsed,
			criteria: defaultCriteria, rate: 100, predicted: 5,
			want: []string{"They agree: 5 in flight",
				"Past the knee goodput falls, to 57.0/s at 6 in flight",
				"(1.00 s per retry)"}},
		{name: "server queueing, no limit known", levels: queued,
			criteria: defaultCriteria, predicted: 4,
			want: []string{"They agree"}},
		{name: "capacity below the limit", levels: queued,
			criteria: defaultCriteria, rate: 200, predicted: 10,
			want: []string{"stay below the allowed 200.0/s",
				"prediction is too high"}},
		{name: "a limit the target does not enforce",
			levels: limited[:3], criteria: defaultCriteria, rate: 10,
			predicted: 0.5, want: []string{"answered up to 80.0/s, " +
				"above the allowed 10.0/s", "Goodput still grew at the " +
				"highest level tried"}},
		{name: "nothing met", levels: limited, rate: 100, predicted: 5,
			criteria: Criteria{Share: 0.95, MaxThrottled: 0.01},
			want:     []string{"No level met the limits"}},
	}
	for _, tt := range tests {
		rec := Recommend(tt.levels, tt.criteria)
		x := Explain(tt.levels, rec, tt.rate, "limit")
		if x.Predicted < tt.predicted-0.01 || x.Predicted > tt.predicted+0.01 {
			t.Errorf("%s: predicted %.2f, want %.2f", tt.name,
				x.Predicted, tt.predicted)
		}
		for _, w := range tt.want {
			if !strings.Contains(x.Why, w) {
				t.Errorf("%s: Why = %q, want it to say %q", tt.name, x.Why,
					w)
			}
		}
	}
}

func TestSummarizeLevel(t *testing.T) {
	st := NewStage("auth-c8", "authorize")
	st.Concurrency = 8
	st.Duration = 3500 * time.Millisecond // a retry ran 1.5 s late
	st.Intended, st.Sent = 320, 320
	st.Outcomes[OK], st.Outcomes[Denied], st.Outcomes[ServerError] =
		300, 10, 10
	st.Attempts[OK], st.Attempts[Throttled] = 300, 80
	st.Attempts[Denied], st.Attempts[ServerError] = 10, 10
	st.Retries, st.RetryWait = 80, 32*time.Second
	st.Series.Offered = []int64{100, 100, 120}
	st.Series.Goodput = []int64{90, 100, 100, 10}
	for range 300 {
		st.Latency[Operation].Record(50 * time.Millisecond)
	}
	tests := []struct {
		name    string
		window  time.Duration
		seconds float64
		goodput float64
		offered float64
	}{
		{name: "whole seconds of the window", window: 2500 *
			time.Millisecond, seconds: 2, goodput: 95, offered: 100},
		{name: "a batch counts its whole duration", window: 0,
			seconds: 3.5, goodput: 300 / 3.5, offered: 320 / 3.5},
	}
	for _, tt := range tests {
		l := SummarizeLevel(st, tt.window)
		if l.Seconds != tt.seconds || !closeTo(l.Goodput, tt.goodput) ||
			!closeTo(l.Offered, tt.offered) {
			t.Errorf("%s: seconds %v goodput %v offered %v; want %v %v %v",
				tt.name, l.Seconds, l.Goodput, l.Offered, tt.seconds,
				tt.goodput, tt.offered)
		}
		if l.Concurrency != 8 || l.ThrottledShare != 0.2 ||
			l.RetriesPerOp != 0.25 || l.RetryWait != 100 ||
			l.FailedShare != 10.0/320 || l.P50 < 49.9 || l.P99 > 50.1 {
			t.Errorf("%s: %+v", tt.name, l)
		}
	}
}

func closeTo(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestRecommendOffline(t *testing.T) {
	pt := func(iv time.Duration, q int, lost int64, p99 float64) OfflinePoint {
		return OfflinePoint{FlushInterval: iv, QueueSize: q, Accepted: 100,
			Lost: lost, Delivered: 100 - lost, TTRP99: p99}
	}
	ms100, s1 := 100*time.Millisecond, time.Second
	tests := []struct {
		name   string
		points []OfflinePoint
		want   int
	}{
		{name: "smallest lossless queue", points: []OfflinePoint{
			pt(ms100, 8, 20, 900), pt(ms100, 32, 0, 2100),
			pt(s1, 16, 0, 2800)}, want: 2},
		{name: "tie goes to the shorter interval", points: []OfflinePoint{
			pt(s1, 32, 0, 2000), pt(ms100, 32, 0, 2100)}, want: 1},
		{name: "all lossy", points: []OfflinePoint{pt(ms100, 8, 1, 900)},
			want: -1},
		{name: "nothing accepted is not lossless", points: []OfflinePoint{
			{QueueSize: 4}}, want: -1},
	}
	for _, tt := range tests {
		got, ok := RecommendOffline(tt.points)
		if got != tt.want || ok != (tt.want >= 0) {
			t.Errorf("%s: RecommendOffline = %d, %v; want %d", tt.name, got,
				ok, tt.want)
		}
	}
	if got := PredictQueue(40, 500*time.Millisecond); got != 21 {
		t.Errorf("PredictQueue(40/s, 500ms) = %d, want 21", got)
	}
}

// sampleTune is a finished sweep of the limited model.
func sampleTune() *TuneResult {
	rec := Recommend(limited, defaultCriteria)
	x := Explain(limited, rec, 100, "rate_limit 100/1s x 1 key")
	return &TuneResult{Scenario: "tune-sample", Stage: "auth",
		Flow: "authorize", Target: "mock (profile custom)", Keys: 1,
		Levels: limited, Skipped: []int{32, 64}, Criteria: defaultCriteria,
		Recommendation: &rec, Little: &x}
}

func TestWriteTune(t *testing.T) {
	var text, js bytes.Buffer
	r := sampleTune()
	if err := WriteTuneText(&text, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"concurrency", "goodput/s", "p99 ms",
		"<- recommended", "skipped 32, 64", "recommended concurrency: 8",
		"Little's law: 100.0/s allowed", "= 5.0 in flight"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if err := WriteTuneJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Levels         []map[string]any `json:"levels"`
		Recommendation struct {
			Concurrency int `json:"concurrency"`
		} `json:"recommendation"`
		Criteria map[string]float64 `json:"criteria"`
	}
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("tune.json: %v\n%s", err, js.String())
	}
	if len(back.Levels) != 5 || back.Recommendation.Concurrency != 8 ||
		back.Criteria["share"] != 0.95 {
		t.Errorf("tune.json read back: %+v", back)
	}
}

func TestPlotSweep(t *testing.T) {
	bounded := sampleTune()
	bounded.Criteria = Criteria{Share: 0.95, MaxThrottled: 0.25,
		MaxP99: time.Second}
	linear := sampleTune()
	linear.Levels = limited[1:4]
	none := sampleTune()
	none.Recommendation = &Recommendation{}
	tests := []struct {
		name string
		r    *TuneResult
		ref  *Reference
	}{
		{name: "log axis", r: sampleTune(), ref: &RefAuthorize},
		{name: "bounds drawn", r: bounded, ref: nil},
		{name: "linear axis", r: linear, ref: &RefAuthorize},
		{name: "no recommendation", r: none, ref: nil},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		path := filepath.Join(dir, FileSafe(tt.name)+".png")
		if err := PlotSweep(tt.r, tt.ref, path); err != nil {
			t.Fatalf("%s: PlotSweep: %v", tt.name, err)
		}
		paths := plotPaths(path)
		checkPNG(t, paths[0])
		checkSVG(t, paths[1])
	}
	if err := PlotSweep(&TuneResult{}, nil, filepath.Join(dir,
		"empty")); err == nil {
		t.Error("PlotSweep of no levels: no error")
	}
}

// TestExplainSpentLimit: a level throttled nearly always is not
// explained away as agreeing with Little's law.
func TestExplainSpentLimit(t *testing.T) {
	lv := TuneLevel{Concurrency: 1, Offered: 20, Throughput: 20,
		Goodput: 0.2, ThrottledShare: 0.989}
	x := Explain([]TuneLevel{lv}, Recommendation{Found: true, Index: 0},
		0, "")
	if strings.Contains(x.Why, "They agree") ||
		!strings.Contains(x.Why, "99% of attempts were throttled") {
		t.Errorf("Why = %q", x.Why)
	}
}
