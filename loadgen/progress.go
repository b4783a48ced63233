package loadgen

import (
	"fmt"
	"io"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress draws one bar per stage, or plain lines. A nil *progress
// draws nothing, so callers need not check.
type progress struct {
	p     *mpb.Progress
	plain io.Writer
}

// plainEvery is how often plain progress prints a line.
const plainEvery = 5 * time.Second

func newProgress(w io.Writer, plain bool) *progress {
	switch {
	case w == nil:
		return nil
	case plain:
		return &progress{plain: w}
	}
	return &progress{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(72),
		mpb.WithRefreshRate(200*time.Millisecond))}
}

// stageBar follows one stage's recorder until finish.
type stageBar struct {
	bar   *mpb.Bar
	plain io.Writer
	name  string
	done  chan struct{}
	quit  chan struct{}
}

// add starts a bar for s. For a batch it counts operations out of the
// items; for a stage of a set length it counts elapsed milliseconds.
func (p *progress) add(s *Stage, rec *recorder) *stageBar {
	if p == nil {
		return nil
	}
	total := int64(s.Load.Items)
	if d := s.Load.span(); d > 0 {
		total = d.Milliseconds()
	}
	start := time.Now()
	status := func(decor.Statistics) string {
		n := rec.finished.Load()
		rate := float64(n) / max(time.Since(start).Seconds(), 1e-3)
		return fmt.Sprintf("%d ops  %.0f/s  throttled %d  failed %d",
			n, rate, rec.throttled.Load(), rec.failed.Load())
	}
	b := &stageBar{
		name: s.Name,
		done: make(chan struct{}),
		quit: make(chan struct{}),
	}
	if p.plain != nil {
		b.plain = p.plain
		go b.lines(status)
		return b
	}
	b.bar = p.p.AddBar(total,
		mpb.PrependDecorators(decor.Name(s.Name, decor.WCSyncSpaceR),
			decor.Percentage(decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.Any(status, decor.WCSyncSpace)),
	)
	go b.follow(s, rec, start)
	return b
}

// lines prints the stage's status every plainEvery and once at the end.
func (b *stageBar) lines(status func(decor.Statistics) string) {
	defer close(b.done)
	fmt.Fprintf(b.plain, "%s: started\n", b.name)
	t := time.NewTicker(plainEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			fmt.Fprintf(b.plain, "%s: %s\n", b.name,
				status(decor.Statistics{}))
		case <-b.quit:
			fmt.Fprintf(b.plain, "%s: done, %s\n", b.name,
				status(decor.Statistics{}))
			return
		}
	}
}

func (b *stageBar) follow(s *Stage, rec *recorder, start time.Time) {
	defer close(b.done)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if s.Load.span() > 0 {
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
	if p != nil && p.p != nil {
		p.p.Wait()
	}
}
