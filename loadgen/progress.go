package loadgen

import (
	"fmt"
	"io"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress draws one bar per stage. A nil *progress draws nothing, so
// callers need not check.
type progress struct {
	p *mpb.Progress
}

func newProgress(w io.Writer) *progress {
	if w == nil {
		return nil
	}
	return &progress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(72),
		mpb.WithRefreshRate(200*time.Millisecond))}
}

// stageBar follows one stage's recorder until finish.
type stageBar struct {
	bar  *mpb.Bar
	done chan struct{}
	quit chan struct{}
}

// add starts a bar for s. For a batch it counts operations out of the
// items; for a duration it counts elapsed milliseconds.
func (p *progress) add(s *Stage, rec *recorder) *stageBar {
	if p == nil {
		return nil
	}
	total := int64(s.Load.Items)
	if s.Load.Duration > 0 {
		total = s.Load.Duration.Milliseconds()
	}
	start := time.Now()
	status := func(decor.Statistics) string {
		n := rec.finished.Load()
		rate := float64(n) / max(time.Since(start).Seconds(), 1e-3)
		return fmt.Sprintf("%d ops  %.0f/s  throttled %d  failed %d",
			n, rate, rec.throttled.Load(), rec.failed.Load())
	}
	b := &stageBar{
		done: make(chan struct{}),
		quit: make(chan struct{}),
		bar: p.p.AddBar(total,
			mpb.PrependDecorators(decor.Name(s.Name, decor.WCSyncSpaceR),
				decor.Percentage(decor.WCSyncSpace)),
			mpb.AppendDecorators(decor.Any(status, decor.WCSyncSpace)),
		),
	}
	go b.follow(s, rec, start)
	return b
}

func (b *stageBar) follow(s *Stage, rec *recorder, start time.Time) {
	defer close(b.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if s.Load.Duration > 0 {
			b.bar.SetCurrent(time.Since(start).Milliseconds())
		} else {
			b.bar.SetCurrent(rec.finished.Load() + rec.dropped.Load())
		}
		select {
		case <-t.C:
		case <-b.quit:
			b.bar.SetTotal(-1, true)
			return
		}
	}
}

// finish completes the bar at its final count.
func (b *stageBar) finish() {
	if b == nil {
		return
	}
	close(b.quit)
	<-b.done
}

// wait waits until every bar is drawn for the last time.
func (p *progress) wait() {
	if p != nil {
		p.p.Wait()
	}
}
