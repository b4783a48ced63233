package scenarios

import (
	"fmt"
	"math"
	"time"
)

// Scale multiplies every stage's item count and duration by f, keeping
// each at least 1 item or 1 ms, so a shipped scenario can run briefly in
// a test suite. Concurrency and rates are left alone.
func (s *Scenario) Scale(f float64) error {
	if f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > 1000 {
		return fmt.Errorf("scale %v is not in (0, 1000]", f)
	}
	for i := range s.Plan.Stages {
		l := &s.Plan.Stages[i].Load
		if l.Items > 0 {
			l.Items = max(1, int(math.Round(float64(l.Items)*f)))
		}
		if l.Duration > 0 {
			d := time.Duration(float64(l.Duration) * f)
			l.Duration = max(time.Millisecond, d)
		}
	}
	return nil
}
