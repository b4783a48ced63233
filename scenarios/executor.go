package scenarios

import (
	"fmt"
	"time"

	"github.com/airabench/airabench/loadgen"
)

// load checks a stage's executor and the load keys it takes, and maps
// them to a loadgen.Load.
func (c *checker) load(path string, st *StageSpec) loadgen.Load {
	ex, ok := executors[st.Executor]
	if !ok {
		if st.Executor == "" {
			c.at(path, "executor is required (one of %s)",
				fieldList(sortedKeys(executors)))
		}
		return loadgen.Load{} // an unknown name was reported where it is
	}
	c.loadKeys(path, st.Executor, ex)
	c.closedValues(path, st)
	c.openValues(path, st, ex)
	l := loadgen.Load{
		Model:       ex.model,
		Concurrency: st.Concurrency,
		Items:       st.Items,
		Duration:    st.Duration,
		Rate:        st.Rate,
		MaxInFlight: st.MaxInFlight,
		Overflow:    loadgen.Overflow(st.Overflow),
		CatchUp:     st.CatchUp,
	}
	if st.Executor == "per-vu-iterations" {
		l.Items = st.Concurrency * st.Iterations
	}
	if st.Executor == "ramping-arrival-rate" {
		// The ramp's length is the sum of its steps; Duration stays 0.
		l.Rate, l.Ramp, l.Duration = st.StartRate.Rate, c.ramp(path, st), 0
	}
	return l
}

// loadKeys reports load keys the executor does not take and required
// ones that are missing.
func (c *checker) loadKeys(path, name string, ex executor) {
	for _, k := range loadKeys {
		if c.has(path+"."+k) && !ex.takes(k) {
			c.atKey(path+"."+k, "executor %s does not take %s (%s "+
				"takes it)", name, k, fieldList(executorsTaking(k)))
			c.flagged[path+"."+k] = true
		}
	}
	for _, k := range ex.required {
		if !c.has(path + "." + k) {
			c.at(path, "executor %s needs %s", name, k)
		}
	}
}

// closedValues checks the values of the closed model's keys.
func (c *checker) closedValues(path string, st *StageSpec) {
	c.count(path+".concurrency", st.Concurrency, 1, maxConcurrency)
	c.count(path+".items", st.Items, 1, maxItems)
	c.count(path+".iterations", st.Iterations, 1, maxItems)
	if st.Concurrency > 0 && st.Iterations > maxItems/st.Concurrency {
		c.at(path+".iterations", "%d workers × %d iterations is more "+
			"than the most items allowed, %d", st.Concurrency,
			st.Iterations, maxItems)
	}
	c.positive(path+".duration", st.Duration, maxDuration)
}

// openValues checks the values of the open model's keys.
func (c *checker) openValues(path string, st *StageSpec, ex executor) {
	if c.has(path+".rate") && st.Rate.Per == 0 {
		c.at(path+".rate", "must be above zero")
	}
	if st.Rate.Per > 0 && st.Duration > 0 && ex.model == loadgen.Open &&
		st.Rate.PerSecond()*st.Duration.Seconds() < 1 {
		c.at(path+".duration", "at %v, %v sends less than one "+
			"operation; lengthen the duration or raise the rate",
			st.Rate, st.Duration)
	}
	c.count(path+".max_in_flight", st.MaxInFlight, 0, maxConcurrency)
	if c.has(path+".overflow") && st.MaxInFlight == 0 {
		c.atKey(path+".overflow", "overflow says what happens at the "+
			"max_in_flight bound; set max_in_flight too")
	}
	cu := st.CatchUp
	if c.has(path+".catch_up") && cu != 0 && (cu < 1 || cu > maxCatchUp) {
		c.at(path+".catch_up", "%v is not 0 (no bound) or between 1 "+
			"and %d", cu, maxCatchUp)
	}
}

// ramp checks ramping-arrival-rate's steps and maps them.
func (c *checker) ramp(path string, st *StageSpec) []loadgen.RampStep {
	if c.has(path+".stages") && len(st.Stages) == 0 {
		c.at(path+".stages", "a ramp needs at least one step "+
			"{target, duration}")
	}
	var out []loadgen.RampStep
	var total time.Duration
	rises := st.StartRate.Per > 0
	for j, s := range st.Stages {
		p := fmt.Sprintf("%s.stages[%d]", path, j)
		if !c.has(p + ".target") {
			c.at(p, "target is required (a rate such as 100/s, or 0)")
			rises = true // said already
		}
		if !c.has(p + ".duration") {
			c.at(p, "duration is required (such as 30s)")
		}
		c.positive(p+".duration", s.Duration, maxDuration)
		total += s.Duration
		rises = rises || s.Target.Per > 0 || c.flagged[p+".target"]
		out = append(out, loadgen.RampStep{Target: s.Target.Rate,
			Duration: s.Duration})
	}
	if total > maxDuration {
		c.at(path+".stages", "the steps add up to %v, longer than the "+
			"most allowed, %v", total, maxDuration)
	}
	if len(st.Stages) > 0 && !rises {
		c.at(path+".stages", "every rate of the ramp is zero, so it "+
			"sends nothing")
	}
	return out
}
