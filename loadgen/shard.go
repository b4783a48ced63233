package loadgen

import "fmt"

// Shard places one process's share of a plan within the whole: shard
// Index of Count. The zero value is the whole plan.
type Shard struct {
	Index int
	Count int
}

func (s Shard) whole() bool { return s.Count <= 1 }

// share returns this shard's part of n when n is dealt round-robin.
func (s Shard) share(n int) int {
	if s.whole() {
		return n
	}
	k := n / s.Count
	if s.Index < n%s.Count {
		k++
	}
	return k
}

// global maps the shard's k-th item to its index in the whole batch, so
// bodies and idempotency keys stay unique across shards.
func (s Shard) global(k int) int {
	if s.whole() {
		return k
	}
	return s.Index + k*s.Count
}

// owns reports whether operation n of an open schedule is this shard's.
// Dealing the schedule round-robin interleaves the shards' operations
// into exactly the whole schedule, with no shard bursting.
func (s Shard) owns(n uint64) bool {
	return s.whole() || n%uint64(s.Count) == uint64(s.Index)
}

// Shard returns shard i of n of the plan: batches, concurrency and setup
// are dealt round-robin, and open schedules keep their whole rate but
// each shard sends only every n-th operation, so the shards together
// send the whole schedule. A shard whose share of a stage is empty still
// runs it, with nothing to send.
func (p Plan) Shard(i, n int) (Plan, error) {
	if n < 1 || i < 0 || i >= n {
		return Plan{}, fmt.Errorf("shard %d/%d: want 0 <= i < n", i, n)
	}
	out := p
	out.Stages = make([]Stage, len(p.Stages))
	sh := Shard{Index: i, Count: n}
	for k, s := range p.Stages {
		s.Shard = sh
		s.Load.Items = sh.share(s.Load.Items)
		if s.Load.Model != Open && s.Load.Model != Unbounded {
			s.Load.Concurrency = max(sh.share(s.Load.Concurrency), 1)
		}
		if s.Setup > 0 {
			s.Setup = max(sh.share(s.Setup), 1)
		}
		out.Stages[k] = s
	}
	if p.RetryBudget > 0 {
		out.RetryBudget = max(int64(sh.share(int(p.RetryBudget))), 1)
	}
	return out, nil
}
