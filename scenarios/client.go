package scenarios

import (
	"strings"
	"time"

	"github.com/airabench/airabench/loadgen"
)

// clientDefaults is what the client block gives every stage.
type clientDefaults struct {
	retry   loadgen.RetryPolicy
	offline *OfflineSpec
}

func (c *checker) client(f *File) clientDefaults {
	cl := f.Client
	c.positive("client.timeout", cl.Timeout, maxWait)
	if cl.RetryBudget < 0 || cl.RetryBudget > maxBudget {
		c.at("client.retry_budget", "%d is not between 0 and %d",
			cl.RetryBudget, maxBudget)
	}
	return clientDefaults{
		retry:   c.retry("client.retry", cl.Retry),
		offline: cl.Offline,
	}
}

// positive checks a duration that, when written, must be above zero and
// at most most.
func (c *checker) positive(path string, d, most time.Duration) {
	switch {
	case !c.has(path):
	case d == 0:
		c.at(path, "must be above zero")
	case d > most:
		c.at(path, "%v is longer than the most allowed, %v", d, most)
	}
}

// count checks a whole number that, when written, must be from least
// to most.
func (c *checker) count(path string, v, least, most int) {
	switch {
	case !c.has(path):
	case v < least && least == 1:
		c.at(path, "must be at least 1, got %d", v)
	case v < least:
		c.at(path, "%d is negative", v)
	case v > most:
		c.at(path, "%d is more than the most allowed, %d", v, most)
	}
}

// budget checks that a retry budget has retries to bound.
func (c *checker) budget(f *File, stages []loadgen.Stage) {
	if f.Client.RetryBudget == 0 {
		return
	}
	for _, st := range stages {
		if st.Retry.MaxRetries > 0 {
			return
		}
	}
	c.at("client.retry_budget", "no stage retries, so a retry budget "+
		"bounds nothing; set a retry policy or remove retry_budget")
}

// retryFields are the keys of a retry block besides policy.
var retryFields = []string{"max_retries", "base", "factor", "cap",
	"jitter", "respect_retry_after", "over_cap"}

func (c *checker) retry(path string, r *RetrySpec) loadgen.RetryPolicy {
	if r == nil {
		return loadgen.RetryPolicy{}
	}
	switch r.Policy {
	case "":
		c.at(path, "policy is required (none, exponential or "+
			"retry-after)")
		return loadgen.RetryPolicy{}
	case "none":
		for _, k := range retryFields {
			if c.has(path + "." + k) {
				c.atKey(path+"."+k, "policy none never retries; remove "+
					"%s or choose exponential or retry-after", k)
			}
		}
		return loadgen.RetryPolicy{}
	}
	c.retryValues(path, r)
	p := loadgen.RetryPolicy{
		MaxRetries: r.MaxRetries, Base: r.Base, Factor: r.Factor,
		Cap: r.Cap, Jitter: loadgen.Jitter(r.Jitter),
		OverCap: loadgen.OverCap(r.OverCap), RetryAfter: true,
	}
	if r.RespectRetryAfter != nil {
		p.RetryAfter = *r.RespectRetryAfter
	}
	if r.Policy == "retry-after" {
		c.retryAfter(path, r)
		p.RetryAfter, p.Jitter = true, loadgen.NoJitter
	}
	return p
}

// retryValues checks the values of a retrying policy.
func (c *checker) retryValues(path string, r *RetrySpec) {
	if r.MaxRetries == 0 {
		c.at(path+".max_retries", "%s needs max_retries of at least 1 "+
			"(the SDKs document 5); to never retry, write policy: none",
			r.Policy)
	} else {
		c.count(path+".max_retries", r.MaxRetries, 1, maxRetries)
	}
	if c.has(path+".factor") && (r.Factor < 1 || r.Factor > 100) {
		c.at(path+".factor", "%v is not between 1 and 100", r.Factor)
	}
	c.positive(path+".base", r.Base, maxWait)
	c.positive(path+".cap", r.Cap, maxWait)
	if r.Cap != 0 && r.Base > r.Cap {
		c.at(path+".base", "base %v is above cap %v", r.Base, r.Cap)
	}
	ignores := r.RespectRetryAfter != nil && !*r.RespectRetryAfter
	if ignores && r.OverCap != "" {
		c.atKey(path+".over_cap", "over_cap applies to Retry-After "+
			"waits, which respect_retry_after: false ignores")
	}
}

// retryAfter checks what the retry-after policy does not take.
func (c *checker) retryAfter(path string, r *RetrySpec) {
	if r.Jitter != "" && r.Jitter != string(loadgen.NoJitter) {
		c.at(path+".jitter", "retry-after waits what the server says, "+
			"else 2^attempt seconds, with no jitter")
	}
	if r.RespectRetryAfter != nil && !*r.RespectRetryAfter {
		c.at(path+".respect_retry_after", "policy retry-after always "+
			"honours Retry-After; use exponential to ignore it")
	}
}

// offline checks an offline block and fills its defaults: the guide's
// flush_interval of 5 s and max_queue_size of 1,000.
func (c *checker) offline(path string, o *OfflineSpec) *loadgen.Offline {
	c.positive(path+".flush_interval", o.FlushInterval, maxWait)
	c.count(path+".max_queue_size", o.MaxQueueSize, 1, maxItems)
	c.count(path+".batch_size", o.BatchSize, 1, maxItems)
	c.count(path+".flushers", o.Flushers, 1, maxConcurrency)
	out := &loadgen.Offline{
		FlushInterval: o.FlushInterval, MaxQueueSize: o.MaxQueueSize,
		BatchSize: o.BatchSize, Flushers: o.Flushers,
		Overflow: loadgen.OfflinePolicy(o.Overflow),
	}
	if out.FlushInterval == 0 {
		out.FlushInterval = 5 * time.Second
	}
	if out.MaxQueueSize == 0 {
		out.MaxQueueSize = 1000
	}
	if out.BatchSize > out.MaxQueueSize {
		c.at(path+".batch_size", "a batch of %d cannot fill from a "+
			"queue of %d (max_queue_size)", out.BatchSize,
			out.MaxQueueSize)
	}
	return out
}

// fieldList names choices for messages: "a, b or c".
func fieldList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " +
		names[len(names)-1]
}
