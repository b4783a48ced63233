package scenarios

import (
	"fmt"
	"math"
	"time"
)

// Scale multiplies every stage's item count and duration, and each step
// of a ramp, by f, keeping each at least 1 item or 1 ms, so that a
// shipped scenario can run briefly in a test suite. Concurrency, rates
// and the offline queue's settings are left alone, so a scaled run
// keeps its shape. f must be in (0, 1000].
func (s *Scenario) Scale(f float64) error {
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1000 {
		return fmt.Errorf("scale %v is not in (0, 1000]", f)
	}
	for i := range s.Plan.Stages {
		l := &s.Plan.Stages[i].Load
		if l.Items > 0 {
			l.Items = max(1, int(math.Round(float64(l.Items)*f)))
		}
		l.Duration = scaleDuration(l.Duration, f)
		for j := range l.Ramp {
			l.Ramp[j].Duration = scaleDuration(l.Ramp[j].Duration, f)
		}
	}
	return nil
}

func scaleDuration(d time.Duration, f float64) time.Duration {
	if d <= 0 {
		return d
	}
	return max(time.Millisecond, time.Duration(float64(d)*f))
}
