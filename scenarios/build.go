package scenarios

import (
	"fmt"
	"net/url"
	"time"

	"github.com/airabench/airabench/loadgen"
)

// Bounds of values a scenario may set. They catch typos such as an
// extra zero of hours, not real plans.
const (
	maxConcurrency = 100_000
	maxItems       = 100_000_000
	maxDuration    = 72 * time.Hour
	maxRetries     = 100
)

// executors maps executor names to load models. shared-iterations is
// k6's name for a batch shared by a fixed number of workers, which is
// what a semaphore around a gather is.
var executors = map[string]loadgen.Model{
	"semaphore":         loadgen.Closed,
	"shared-iterations": loadgen.Closed,
	"gather":            loadgen.Unbounded,
	"chunked":           loadgen.Chunked,
	"constant-vus":      loadgen.Closed,
}

var references = []string{"authorize", "verify", "mint", "none"}

// build checks the decoded file's values and turns it into a Scenario,
// adding every problem to c.errs.
func (c *checker) build(f *File) *Scenario {
	s := &Scenario{Name: f.Name, Description: f.Description}
	c.target(f, s)
	s.Plan = loadgen.Plan{Name: s.Name, Timeout: f.Client.Timeout}
	if f.Client.Timeout > maxDuration {
		c.at("client.timeout", "%v is longer than %v", f.Client.Timeout,
			maxDuration)
	}
	retry := c.retry("client.retry", f.Client.Retry)
	if len(f.Stages) == 0 {
		c.at("stages", "a scenario needs at least one stage")
	}
	for i := range f.Stages {
		path := fmt.Sprintf("stages[%d]", i)
		s.Plan.Stages = append(s.Plan.Stages,
			c.stage(path, i, &f.Stages[i], retry))
	}
	s.Reference = c.reference(f)
	return s
}

func (c *checker) target(f *File, s *Scenario) {
	t := f.Target
	if t.APIKey != "" {
		c.at("target.api_key", "an API key in a scenario file ends up in "+
			"version control; set AIRA_API_KEY in the environment instead")
	}
	if t.URL != "" {
		u, err := url.Parse(t.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") ||
			u.Host == "" {
			c.at("target.url", "%q is not an http or https URL", t.URL)
		}
		if u != nil && u.User != nil {
			c.at("target.url", "the URL holds credentials; set "+
				"AIRA_API_KEY in the environment instead")
		}
		s.URL = t.URL
		return
	}
	m := t.Mock
	for _, fe := range m.Settings.Validate() {
		c.at("target.mock."+fe.Field, "%s", fe.Msg)
	}
	s.Mock = &Mock{ProfileName: m.ProfileName, Profile: m.Settings,
		Seed: m.Seed}
}

func (c *checker) stage(path string, i int, st *StageSpec,
	retry loadgen.RetryPolicy) loadgen.Stage {
	out := loadgen.Stage{
		Name:  st.Name,
		Flow:  loadgen.Flow(st.Flow),
		Retry: retry,
		Body:  loadgen.DefaultBody,
	}
	if out.Name == "" {
		out.Name = fmt.Sprintf("stage-%d", i+1)
	}
	if st.Retry != nil {
		out.Retry = c.retry(path+".retry", st.Retry)
	}
	c.flow(path, st.Flow)
	out.Load = c.load(path, st)
	if b := st.Body; b != nil {
		if b.ActionType != "" {
			out.Body.ActionType = b.ActionType
		}
		if b.Details != "" {
			out.Body.Details = b.Details
		}
		out.Body.AgentID = b.AgentID
		if b.ModelID != "" {
			out.Body.ModelID = b.ModelID
		}
		out.Body.IdempotencyKeys = b.IdempotencyKeys
	}
	return out
}

func (c *checker) flow(path, flow string) {
	names := make([]string, len(loadgen.Flows))
	for i, f := range loadgen.Flows {
		names[i] = string(f)
		if string(f) == flow {
			return
		}
	}
	if flow == "" {
		c.at(path, "flow is required (one of %v)", names)
		return
	}
	msg := fmt.Sprintf("unknown flow %q (want one of %v)", flow, names)
	if n := nearest(flow, names); n != "" {
		msg += fmt.Sprintf("; did you mean %q?", n)
	}
	c.at(path+".flow", "%s", msg)
}

func (c *checker) load(path string, st *StageSpec) loadgen.Load {
	model, ok := executors[st.Executor]
	if !ok {
		names := sortedKeys(executors)
		msg := fmt.Sprintf("unknown executor %q (want one of %v)",
			st.Executor, names)
		if n := nearest(st.Executor, names); n != "" {
			msg += fmt.Sprintf("; did you mean %q?", n)
		}
		if st.Executor == "" {
			msg = fmt.Sprintf("executor is required (one of %v)", names)
			c.at(path, "%s", msg)
		} else {
			c.at(path+".executor", "%s", msg)
		}
		return loadgen.Load{}
	}
	l := loadgen.Load{Model: model, Concurrency: st.Concurrency,
		Items: st.Items, Duration: st.Duration}
	byDuration := st.Executor == "constant-vus"
	c.bound(path+".concurrency", st.Concurrency, maxConcurrency,
		model != loadgen.Unbounded)
	if model == loadgen.Unbounded && st.Concurrency != 0 {
		c.at(path+".concurrency", "gather starts every item at once; "+
			"use the semaphore executor to bound concurrency")
	}
	if byDuration {
		switch {
		case st.Items != 0:
			c.at(path+".items", "constant-vus runs for a duration; "+
				"use semaphore for a batch of items")
		case st.Duration == 0:
			c.at(path, "constant-vus needs a duration")
		case st.Duration > maxDuration:
			c.at(path+".duration", "%v is longer than %v", st.Duration,
				maxDuration)
		}
		return l
	}
	if st.Duration != 0 {
		c.at(path+".duration", "%s runs a batch of items; use "+
			"constant-vus to run for a duration", st.Executor)
	}
	c.bound(path+".items", st.Items, maxItems, true)
	return l
}

// bound checks that a count is set (when required) and in range.
func (c *checker) bound(field string, v, most int, required bool) {
	switch {
	case v < 0:
		c.at(field, "%d is negative", v)
	case v == 0 && required:
		c.at(field, "is required and must be at least 1")
	case v > most:
		c.at(field, "%d is more than the most allowed, %d", v, most)
	}
}

func (c *checker) retry(path string, r *RetrySpec) loadgen.RetryPolicy {
	if r == nil {
		return loadgen.RetryPolicy{}
	}
	p := loadgen.RetryPolicy{
		MaxRetries: r.MaxRetries, Base: r.Base, Factor: r.Factor,
		Cap: r.Cap, Jitter: loadgen.Jitter(r.Jitter),
		OverCap: loadgen.OverCap(r.OverCap), RetryAfter: true,
	}
	if r.RespectRetryAfter != nil {
		p.RetryAfter = *r.RespectRetryAfter
	}
	switch r.Policy {
	case "none":
		if r.MaxRetries != 0 {
			c.at(path+".max_retries", "policy none never retries; "+
				"remove max_retries or choose exponential")
		}
		return loadgen.RetryPolicy{}
	case "exponential":
	case "retry-after":
		if r.Jitter != "" && r.Jitter != "none" {
			c.at(path+".jitter", "retry-after waits what the server says, "+
				"else 2^attempt seconds, with no jitter")
		}
		p.RetryAfter, p.Jitter = true, loadgen.NoJitter
	case "":
		c.at(path, "policy is required (none, exponential or retry-after)")
	default:
		c.at(path+".policy", "unknown retry policy %q (want none, "+
			"exponential or retry-after)", r.Policy)
	}
	if r.MaxRetries < 0 || r.MaxRetries > maxRetries {
		c.at(path+".max_retries", "%d is not between 0 and %d",
			r.MaxRetries, maxRetries)
	}
	if r.Factor != 0 && (r.Factor < 1 || r.Factor > 100) {
		c.at(path+".factor", "%v is not between 1 and 100", r.Factor)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"base", r.Base}, {"cap", r.Cap}} {
		if d.v > maxDuration {
			c.at(path+"."+d.name, "%v is longer than %v", d.v, maxDuration)
		}
	}
	if r.Cap != 0 && r.Base > r.Cap {
		c.at(path+".base", "base %v is above cap %v", r.Base, r.Cap)
	}
	if err := p.Validate(); err != nil {
		c.at(path, "%v", err)
	}
	return p
}

func (c *checker) reference(f *File) string {
	if f.Reference != "" {
		for _, r := range references {
			if r == f.Reference {
				return r
			}
		}
		c.at("reference", "unknown reference %q (want one of %v)",
			f.Reference, references)
		return "none"
	}
	return "authorize"
}
