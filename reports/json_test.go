package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// shardRun returns the sample run as shard index of count.
func shardRun(index, count int) *Run {
	r := sampleRun()
	r.ShardIndex, r.ShardCount = index, count
	return r
}

func TestJSONRoundTrip(t *testing.T) {
	for name, in := range map[string]*Run{
		"whole": sampleRun(), "shard": shardRun(2, 3),
	} {
		t.Run(name, func(t *testing.T) { checkRoundTrip(t, in) })
	}
}

func checkRoundTrip(t *testing.T, in *Run) {
	t.Helper()
	var first bytes.Buffer
	if err := WriteJSON(&first, in); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	out, err := ReadJSON(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	checkSameRun(t, in, out)

	var second bytes.Buffer
	if err := WriteJSON(&second, out); err != nil {
		t.Fatalf("WriteJSON of the read run: %v", err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Errorf("write, read, write is not stable:\n%s\nthen\n%s",
			first.String(), second.String())
	}
}

// checkSameRun compares what a round trip must keep exactly.
func checkSameRun(t *testing.T, a, b *Run) {
	t.Helper()
	if a.Scenario != b.Scenario || a.Target != b.Target ||
		a.MockSeed != b.MockSeed || a.MockProfile != b.MockProfile ||
		a.Version != b.Version || !a.Start.Equal(b.Start) ||
		a.Interrupted != b.Interrupted || a.Description != b.Description ||
		a.ShardIndex != b.ShardIndex || a.ShardCount != b.ShardCount {
		t.Errorf("run header: got %+v, want %+v", b, a)
	}
	if len(a.Stages) != len(b.Stages) {
		t.Fatalf("got %d stages, want %d", len(b.Stages), len(a.Stages))
	}
	for i, sa := range a.Stages {
		checkSameStage(t, sa, b.Stages[i])
	}
}

func checkSameStage(t *testing.T, a, b *Stage) {
	t.Helper()
	if a.Duration != b.Duration || a.RetryWait != b.RetryWait ||
		!a.Start.Equal(b.Start) || a.Outcomes != b.Outcomes ||
		a.Attempts != b.Attempts || a.Intended != b.Intended ||
		a.Sent != b.Sent || a.Dropped != b.Dropped ||
		a.EarlyRetries != b.EarlyRetries || a.Retries != b.Retries ||
		a.Model != b.Model || a.Concurrency != b.Concurrency ||
		a.Held != b.Held || a.SucceededEarlier != b.SucceededEarlier ||
		a.Capped != b.Capped || a.BudgetExhausted != b.BudgetExhausted ||
		a.Setup != b.Setup || a.InvalidReceipts != b.InvalidReceipts ||
		a.NewConnections != b.NewConnections ||
		a.TargetRate != b.TargetRate ||
		!maps.Equal(a.TransportErrors, b.TransportErrors) {
		t.Errorf("stage %s: got %+v, want %+v", a.Name, b, a)
	}
	checkSameLatency(t, a.Name, a.Latency, b.Latency)
	checkSameOffline(t, a.Name, a.Offline, b.Offline)
	if len(a.Steps) != len(b.Steps) {
		t.Fatalf("stage %s: got %d steps, want %d",
			a.Name, len(b.Steps), len(a.Steps))
	}
	for i, st := range a.Steps {
		if st.Name != b.Steps[i].Name || st.Attempts != b.Steps[i].Attempts {
			t.Errorf("step %d: got %+v, want %+v", i, b.Steps[i], st)
		}
		checkSameLatency(t, a.Name+"/"+st.Name, st.Latency, b.Steps[i].Latency)
	}
}

func checkSameOffline(t *testing.T, where string, a, b *Offline) {
	t.Helper()
	if (a == nil) != (b == nil) {
		t.Fatalf("%s offline: got %+v, want %+v", where, b, a)
	}
	if a == nil {
		return
	}
	if a.Accepted != b.Accepted || a.Delivered != b.Delivered ||
		a.Lost != b.Lost || a.DeniedLate != b.DeniedLate ||
		!maps.Equal(a.LostBy, b.LostBy) || !slices.Equal(a.Depth, b.Depth) {
		t.Errorf("%s offline: got %+v, want %+v", where, b, a)
	}
	checkSameLatency(t, where+" offline", map[string]*Latency{
		"enqueue": a.Enqueue, "receipt": a.TimeToReceipt,
	}, map[string]*Latency{
		"enqueue": b.Enqueue, "receipt": b.TimeToReceipt,
	})
}

func checkSameLatency(t *testing.T, where string, a, b map[string]*Latency) {
	t.Helper()
	for kind, la := range a {
		lb := b[kind]
		if lb == nil {
			t.Errorf("%s %s: latency lost", where, kind)
			continue
		}
		if !la.Hist.Equals(lb.Hist) || la.Clamped != lb.Clamped {
			t.Errorf("%s %s: histogram changed: %d values, clamped %d; "+
				"want %d, %d", where, kind, lb.Count(), lb.Clamped,
				la.Count(), la.Clamped)
		}
	}
}

// TestWriteJSONGolden pins the summary of the hand-built run. The hdr
// strings are blanked: zlib's output may change with the Go release,
// and the round-trip tests check them.
func TestWriteJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	blank := regexp.MustCompile(`"hdr": "[^"]*"`)
	golden(t, "summary.golden.json",
		blank.ReplaceAll(b.Bytes(), []byte(`"hdr": "…"`)))
}

func TestJSONShape(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "tool", "scenario",
		"description", "target", "mock", "start", "interrupted", "stages"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("summary has no top-level %q", k)
		}
	}
	st := doc["stages"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "flow", "model", "concurrency",
		"intended", "sent", "dropped", "outcomes", "attempts", "retries",
		"retry_wait_s", "early_retries", "duration_s", "throughput_per_s",
		"goodput_per_s", "latency_ms", "steps", "series"} {
		if _, ok := st[k]; !ok {
			t.Errorf("stage has no %q", k)
		}
	}
	lat := st["latency_ms"].(map[string]any)
	for _, kind := range LatencyKinds {
		l, ok := lat[kind].(map[string]any)
		if !ok {
			t.Errorf("latency_ms has no %q", kind)
			continue
		}
		for _, k := range []string{"count", "p50", "p90", "p99", "p999",
			"max", "mean", "clamped", "hdr"} {
			if _, ok := l[k]; !ok {
				t.Errorf("latency_ms.%s has no %q", kind, k)
			}
		}
	}
	if got := st["throughput_per_s"].(float64); got != 2000/10.25 {
		t.Errorf("throughput_per_s = %v, want %v", got, 2000/10.25)
	}
}

// TestJSONNewFields pins the shape of the shard, transport-error, new
// connection and target-rate fields, null and present.
func TestJSONNewFields(t *testing.T) {
	tests := []struct {
		name  string
		run   *Run
		shard string
		stage []string // transport_errors, new_connections, target_rate
	}{
		{"whole run", sampleRun(), "null",
			[]string{`{"reset":6,"timeout":4}`, "50", "null"}},
		{"shard", shardRun(1, 4), `{"count":4,"index":1}`,
			[]string{`{"reset":6,"timeout":4}`, "50", "null"}},
		{"empty stage", edgeRuns()["empty"], "null",
			[]string{"{}", "0", "null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJSON(&b, tt.run); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Shard  json.RawMessage
				Stages []map[string]json.RawMessage
			}
			if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if got := compact(t, doc.Shard); got != tt.shard {
				t.Errorf("shard = %s, want %s", got, tt.shard)
			}
			st := doc.Stages[0]
			for i, k := range []string{"transport_errors",
				"new_connections", "target_rate_per_s"} {
				if got := compact(t, st[k]); got != tt.stage[i] {
					t.Errorf("%s = %s, want %s", k, got, tt.stage[i])
				}
			}
		})
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleRun()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"target_rate_per_s": 200,`) {
		t.Errorf("the open stage's target_rate_per_s is not 200")
	}
}

func compact(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	b, err := json.Marshal(v) // sorts keys
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestReadJSONOlderSummary reads a summary written before the shard,
// transport-error, connection and target-rate fields existed: they read
// as zero.
func TestReadJSONOlderSummary(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, shardRun(1, 2)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "shard")
	for _, st := range doc["stages"].([]any) {
		for _, k := range []string{"transport_errors", "new_connections",
			"target_rate_per_s"} {
			delete(st.(map[string]any), k)
		}
	}
	old, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReadJSON(bytes.NewReader(old))
	if err != nil {
		t.Fatalf("ReadJSON of an older summary: %v", err)
	}
	st := r.Stages[1]
	if r.ShardCount != 0 || st.TargetRate != 0 || st.NewConnections != 0 ||
		st.TransportErrors != nil {
		t.Errorf("older summary read as shard %d/%d, stage %+v; want zeros",
			r.ShardIndex, r.ShardCount, st)
	}
}

func TestJSONEdgeRunsHaveNoNaN(t *testing.T) {
	for name, r := range edgeRuns() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteJSON(&b, r); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			s := b.String()
			if strings.Contains(s, "NaN") || strings.Contains(s, "Inf") {
				t.Errorf("summary holds NaN or Inf:\n%s", s)
			}
			back, err := ReadJSON(&b)
			if err != nil {
				t.Fatalf("ReadJSON: %v", err)
			}
			checkSameRun(t, r, back)
		})
	}
}

func TestJSONEmptyLatencyIsNull(t *testing.T) {
	r := edgeRuns()["empty"]
	var b bytes.Buffer
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Stages []struct {
			AttemptsPerOp *float64                  `json:"attempts_per_op"`
			Latency       map[string]map[string]any `json:"latency_ms"`
		} `json:"stages"`
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	st := doc.Stages[0]
	if st.AttemptsPerOp != nil {
		t.Errorf("attempts_per_op = %v, want null", *st.AttemptsPerOp)
	}
	for _, k := range []string{"p50", "p90", "p99", "p999", "max", "mean"} {
		v, ok := st.Latency[Response][k]
		if !ok || v != nil {
			t.Errorf("empty latency_ms.response.%s = %v (present %v), "+
				"want null", k, v, ok)
		}
	}
}

func TestReadJSONErrors(t *testing.T) {
	valid := func() map[string]any {
		var b bytes.Buffer
		if err := WriteJSON(&b, edgeRuns()["one sample"]); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		return doc
	}
	latency := func(doc map[string]any) map[string]any {
		st := doc["stages"].([]any)[0].(map[string]any)
		return st["latency_ms"].(map[string]any)[Response].(map[string]any)
	}
	tests := []struct {
		name   string
		edit   func(doc map[string]any)
		want   string
		target error
	}{
		{name: "newer schema", edit: func(d map[string]any) {
			d["schema_version"] = SchemaVersion + 1
		}, want: "schema version", target: ErrSchemaVersion},
		{name: "no schema", edit: func(d map[string]any) {
			delete(d, "schema_version")
		}, want: "schema version", target: ErrSchemaVersion},
		{name: "unknown class", edit: func(d map[string]any) {
			st := d["stages"].([]any)[0].(map[string]any)
			st["outcomes"].(map[string]any)["teapot"] = 1
		}, want: `unknown outcome class "teapot"`},
		{name: "count disagrees", edit: func(d map[string]any) {
			latency(d)["count"] = 7
		}, want: "histogram holds 1 values, count says 7"},
		{name: "histogram missing", edit: func(d map[string]any) {
			delete(latency(d), "hdr")
		}, want: "count 1 but no histogram"},
		{name: "histogram truncated", edit: func(d map[string]any) {
			latency(d)["hdr"] = "HIST"
		}, want: "histogram"},
		{name: "bad time", edit: func(d map[string]any) {
			d["start"] = "yesterday"
		}, want: `bad time "yesterday"`},
		{name: "shard index out of range", edit: func(d map[string]any) {
			d["shard"] = map[string]any{"index": 4, "count": 4}
		}, want: "bad shard 4/4"},
		{name: "shard of one", edit: func(d map[string]any) {
			d["shard"] = map[string]any{"index": 0, "count": 1}
		}, want: "bad shard 0/1"},
		{name: "negative count", edit: func(d map[string]any) {
			st := d["stages"].([]any)[0].(map[string]any)
			st["intended"], st["dropped"] = -5, -6
		}, want: "intended is -5; counts are never negative"},
		{name: "sent beyond intended", edit: func(d map[string]any) {
			st := d["stages"].([]any)[0].(map[string]any)
			st["sent"] = 1_000_000
		}, want: "is not sent 1000000 + dropped"},
		{name: "negative duration", edit: func(d map[string]any) {
			st := d["stages"].([]any)[0].(map[string]any)
			st["duration_s"] = -1
		}, want: "duration_s -1 is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := valid()
			tt.edit(doc)
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadJSON(bytes.NewReader(b))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadJSON = %v, want an error containing %q",
					err, tt.want)
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("ReadJSON = %v, want errors.Is %v", err, tt.target)
			}
		})
	}
}
