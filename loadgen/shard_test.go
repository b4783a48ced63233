package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestShardsMakeTheWhole runs every shard of a plan in one bubble: the
// shards' sends interleave into exactly the whole open schedule, and
// their batches cover every item once.
func TestShardsMakeTheWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var details []string
		var openAt []time.Time
		f := &fakeAPI{}
		f.answer = func(_ int, r *http.Request) (int, string, string) {
			var b struct {
				Details string `json:"details"`
			}
			body, _ := io.ReadAll(r.Body)
			json.Unmarshal(body, &b)
			mu.Lock()
			if strings.HasPrefix(b.Details, "open") {
				openAt = append(openAt, time.Now())
			} else {
				details = append(details, b.Details)
			}
			mu.Unlock()
			return 201, "", `{"action_uuid":"a","status":"authorized"}`
		}
		whole := Plan{Stages: []Stage{
			{Name: "open", Flow: FlowAuthorize,
				Body: Body{ActionType: "t", Details: "open {{i}}"},
				Load: Load{Model: Open, Rate: Rate{10, time.Second},
					Duration: 3 * time.Second}},
			{Name: "batch", Flow: FlowAuthorize, Body: DefaultBody,
				Load: Load{Model: Closed, Concurrency: 5, Items: 23}},
		}}
		const shards = 4
		var wg sync.WaitGroup
		sent := make([][2]int64, shards)
		for i := range shards {
			p, err := whole.Shard(i, shards)
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				run, err := Run(context.Background(), p,
					Target{BaseURL: "http://fake", Transport: f}, Options{})
				if err != nil {
					t.Error(err)
					return
				}
				sent[i] = [2]int64{run.Stages[0].Sent, run.Stages[1].Sent}
			})
		}
		wg.Wait()

		var open, batch int64
		for _, s := range sent {
			open += s[0]
			batch += s[1]
		}
		if open != 30 || batch != 23 {
			t.Fatalf("shards sent %d open and %d batch, want 30 and 23",
				open, batch)
		}
		// The open stage's 30 arrivals are the whole schedule's, 100 ms
		// apart, whichever shard sent them.
		for i := 1; i < len(openAt); i++ {
			if gap := openAt[i].Sub(openAt[i-1]); gap !=
				100*time.Millisecond {
				t.Fatalf("arrival %d came %v after the one before", i, gap)
			}
		}
		batchDetails := slices.Clone(details)
		slices.Sort(batchDetails)
		if n := len(slices.Compact(batchDetails)); n != 23 {
			t.Errorf("batch bodies: %d distinct of %d, want 23 distinct",
				n, len(details))
		}
	})
}

func TestShardArgs(t *testing.T) {
	p := Plan{Stages: []Stage{{Name: "s", Flow: FlowAuthorize,
		Load: Load{Model: Closed, Concurrency: 3, Items: 10}}}}
	for _, c := range [][2]int{{-1, 2}, {2, 2}, {0, 0}} {
		if _, err := p.Shard(c[0], c[1]); err == nil {
			t.Errorf("Shard(%d, %d) accepted", c[0], c[1])
		}
	}
	var items, conc int
	for i := range 4 {
		s, _ := p.Shard(i, 4)
		items += s.Stages[0].Load.Items
		conc += s.Stages[0].Load.Concurrency
	}
	if items != 10 || conc != 4 {
		t.Errorf("shares: %d items and %d concurrency, want 10 and 4 "+
			"(every shard keeps one worker)", items, conc)
	}
}
