package scenarios

import (
	"fmt"
	"math"
	"slices"

	"github.com/airabench/airabench/loadgen"
)

// stage checks stage i and maps it to a loadgen.Stage; it returns the
// reference the stage's plots stand beside too.
func (c *checker) stage(i int, st *StageSpec, f *File,
	cl clientDefaults) (loadgen.Stage, string) {
	path := fmt.Sprintf("stages[%d]", i)
	out := loadgen.Stage{
		Name:           stageNameOf(i, st),
		Flow:           loadgen.Flow(st.Flow),
		Retry:          cl.retry,
		Body:           c.body(path, st),
		Setup:          st.Setup,
		VerifyReceipts: st.VerifyReceipts,
	}
	if st.Retry != nil {
		out.Retry = c.retry(path+".retry", st.Retry)
	}
	flows := c.flow(path, st)
	out.Mix = c.mix(path, st)
	c.flowOptions(path, st, flows)
	out.Load = c.load(path, st)
	out.Offline = c.stageOffline(path, st, cl.offline)
	return out, referenceOf(st, f)
}

// flow checks a stage's flow and returns the flows its operations may
// run: the flow itself, or the flows of its mix.
func (c *checker) flow(path string, st *StageSpec) []loadgen.Flow {
	if st.Flow == "" {
		c.at(path, "flow is required (one of %s)",
			fieldList(flowNames(true)))
		return nil
	}
	if loadgen.Flow(st.Flow) != loadgen.FlowMix {
		return []loadgen.Flow{loadgen.Flow(st.Flow)}
	}
	var flows []loadgen.Flow
	for _, m := range st.Mix {
		flows = append(flows, loadgen.Flow(m.Flow))
	}
	return flows
}

// mix checks the entries of a weighted mix.
func (c *checker) mix(path string, st *StageSpec) []loadgen.MixEntry {
	isMix := loadgen.Flow(st.Flow) == loadgen.FlowMix
	switch {
	case !isMix && c.has(path+".mix"):
		c.atKey(path+".mix", "mix is read only with flow: mix")
		return nil
	case isMix && len(st.Mix) == 0 && c.has(path+".mix"):
		c.at(path+".mix", "a mix needs at least one entry")
	case isMix && len(st.Mix) == 0:
		c.at(path, "flow mix needs mix: a list of {flow, weight}")
	}
	var out []loadgen.MixEntry
	for j, m := range st.Mix {
		p := fmt.Sprintf("%s.mix[%d]", path, j)
		c.mixEntry(p, m, st.Mix[:j])
		out = append(out, loadgen.MixEntry{Flow: loadgen.Flow(m.Flow),
			Weight: m.Weight})
	}
	return out
}

func (c *checker) mixEntry(p string, m MixSpec, before []MixSpec) {
	switch {
	case m.Flow == "":
		c.at(p, "flow is required (one of %s)", fieldList(flowNames(false)))
	case slices.ContainsFunc(before, func(o MixSpec) bool {
		return o.Flow == m.Flow
	}):
		c.at(p+".flow", "%s is already in the mix; give it one entry "+
			"with the sum of the weights", m.Flow)
	}
	switch {
	case !c.has(p + ".weight"):
		c.at(p, "weight is required (a number above zero)")
	case m.Weight <= 0:
		c.at(p+".weight", "must be above zero, got %v", m.Weight)
	case m.Weight > 1e6:
		c.at(p+".weight", "%v is more than the most allowed, 1e6",
			m.Weight)
	}
}

// flowOptions checks the keys that only some flows read.
func (c *checker) flowOptions(path string, st *StageSpec,
	flows []loadgen.Flow) {
	runs := func(fs ...loadgen.Flow) bool {
		return slices.ContainsFunc(flows, func(f loadgen.Flow) bool {
			return slices.Contains(fs, f)
		})
	}
	if c.has(path+".setup") && !runs(loadgen.FlowNotarize,
		loadgen.FlowVerify) {
		c.atKey(path+".setup", "setup prepares actions for the notarize "+
			"and verify flows; %s runs neither", st.Flow)
	}
	c.count(path+".setup", st.Setup, 1, maxSetup)
	if st.VerifyReceipts && !runs(loadgen.FlowVerify) {
		c.atKey(path+".verify_receipts", "verify_receipts is read only "+
			"by the verify flow; %s does not run it", st.Flow)
	}
	if st.Body != nil && len(flows) > 0 && !runs(loadgen.FlowAuthorize,
		loadgen.FlowAuthorizeNotarize, loadgen.FlowNotarize,
		loadgen.FlowVerify) {
		c.atKey(path+".body", "flow %s sends no action body", st.Flow)
	}
}

// body maps a stage's body onto the guide's default body.
func (c *checker) body(path string, st *StageSpec) loadgen.Body {
	out := loadgen.DefaultBody
	b := st.Body
	if b == nil {
		return out
	}
	if b.ActionType != "" {
		out.ActionType = b.ActionType
	}
	if b.Details != "" {
		out.Details = b.Details
	}
	if b.ModelID != "" {
		out.ModelID = b.ModelID
	}
	out.AgentID = b.AgentID
	out.IdempotencyKeys = b.IdempotencyKeys
	if len(b.Details) > 50_000 {
		c.at(path+".body.details", "%d bytes is more than the most "+
			"allowed, 50000", len(b.Details))
	}
	return out
}

// stageOffline checks a stage's offline mode, its own or the client's.
func (c *checker) stageOffline(path string, st *StageSpec,
	client *OfflineSpec) *loadgen.Offline {
	spec, from := st.Offline, path+".offline"
	if spec == nil {
		if client == nil || st.Flow != string(loadgen.FlowAuthorize) {
			return nil
		}
		spec, from = client, "client.offline"
	}
	if st.Flow != string(loadgen.FlowAuthorize) && st.Flow != "" {
		c.atKey(from, "offline mode queues authorize calls; flow %s "+
			"cannot run offline", st.Flow)
	}
	if st.Executor == "gather" {
		at := from
		if st.Offline == nil {
			at = path + ".executor"
		}
		c.atKey(at, "gather cannot run offline (%s is set): an "+
			"offline authorize returns at once, so there is nothing "+
			"to gather, and the flushers set the concurrency; use "+
			"semaphore, chunked or an arrival-rate executor", from)
	}
	if st.Executor == "constant-vus" {
		c.atKey(from, "offline mode needs a batch of items or an "+
			"arrival rate; constant-vus workers would enqueue as fast "+
			"as the queue takes them")
	}
	return c.offline(from, spec)
}

// finite reports whether f is a usable number.
func finite(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0)
}
