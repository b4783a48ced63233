package scenarios

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"time"

	"github.com/airabench/airabench/loadgen"
)

// Bounds of values a scenario may set. They catch typos such as an
// extra zero of hours, not real plans.
const (
	maxConcurrency = 100_000
	maxItems       = 100_000_000
	maxDuration    = 72 * time.Hour
	maxWait        = time.Hour // a request timeout or a retry wait
	maxRetries     = 100
	maxBudget      = 1_000_000_000
	maxCatchUp     = 1000
	maxSetup       = 1_000_000
)

// build checks the decoded file's values and turns it into a Scenario,
// adding every problem to c.errs.
func (c *checker) build(f *File) *Scenario {
	s := &Scenario{Name: f.Name, Description: f.Description}
	c.target(f, s)
	cl := c.client(f)
	s.Plan = loadgen.Plan{Name: s.Name, Timeout: f.Client.Timeout,
		RetryBudget: f.Client.RetryBudget}
	if len(f.Stages) == 0 {
		c.at("stages", "a scenario needs at least one stage")
	}
	for i := range f.Stages {
		st, ref := c.stage(i, &f.Stages[i], f, cl)
		s.Plan.Stages = append(s.Plan.Stages, st)
		s.References = append(s.References, ref)
	}
	c.stageNames(f.Stages)
	c.budget(f, s.Plan.Stages)
	c.maxRate(f)
	s.Reference = f.Reference
	if s.Reference == "" && len(s.References) > 0 {
		s.Reference = s.References[0]
	}
	s.MaxRate = f.Target.MaxRate
	s.Thresholds = c.thresholds(f)
	s.AbortOnFail = f.AbortOnFail
	if f.AbortOnFail && len(f.Thresholds) == 0 {
		c.at("abort_on_fail", "abort_on_fail needs thresholds to watch")
	}
	if len(c.errs) == 0 {
		c.runnable(&s.Plan)
	}
	return s
}

// runnable asks the load generator whether it can run what the checks
// of the file let through, so that a file that validates never fails at
// the start of a run; a refusal here is a gap in the checks above.
func (c *checker) runnable(p *loadgen.Plan) {
	for i := range p.Stages {
		if err := p.Stages[i].Validate(); err != nil {
			c.at(fmt.Sprintf("stages[%d]", i), "the load generator "+
				"refuses this stage: %v", err)
		}
	}
	if err := p.Validate(); err != nil && len(c.errs) == 0 {
		c.at("stages", "the load generator refuses this plan: %v", err)
	}
}

func (c *checker) target(f *File, s *Scenario) {
	t := f.Target
	if c.has("target.api_key") {
		c.atKey("target.api_key", "an API key in a scenario file ends "+
			"up in version control; set AIRA_API_KEY in the environment "+
			"instead")
	}
	if t.URL == "" {
		c.mock(t.Mock, s)
		return
	}
	if c.has("target.mock") {
		c.atKey("target.mock", "set url or mock, not both: with a url "+
			"the mock does not run")
	}
	// The URL is not echoed: it may hold credentials.
	u, err := url.Parse(t.URL)
	switch {
	case err != nil || u.Host == "":
		c.at("target.url", "not a URL with a host, such as "+
			"https://aira.example.com")
	case u.User != nil:
		c.at("target.url", "the URL holds credentials; set "+
			"AIRA_API_KEY in the environment instead")
	case u.Scheme != "http" && u.Scheme != "https":
		c.at("target.url", "the scheme is %q; want http or https",
			u.Scheme)
	}
	s.URL = t.URL
}

func (c *checker) mock(m *MockSpec, s *Scenario) {
	if m == nil {
		return
	}
	for _, fe := range m.Settings.Validate() {
		c.at("target.mock."+fe.Field, "%s", fe.Msg)
	}
	s.Mock = &Mock{ProfileName: m.ProfileName, Profile: m.Settings,
		Seed: m.Seed}
}

// stageName is what a stage's name may hold, so that a threshold's
// {stage:NAME} scope and a report's file names can carry it.
var stageName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$`)

// stageNames checks that stage names are well formed and that the
// names stages run under, given or "stage-N", are unique.
func (c *checker) stageNames(stages []StageSpec) {
	first := map[string]int{}
	for i := range stages {
		st := &stages[i]
		path := fmt.Sprintf("stages[%d].name", i)
		if st.Name != "" && !stageName.MatchString(st.Name) {
			c.at(path, "%q: a stage name holds 1 to 64 letters, digits, "+
				"and - _ . + (not first)", st.Name)
		}
		name := stageNameOf(i, st)
		if j, ok := first[name]; ok {
			c.at(path, "stage name %q is also stages[%d]'s; names "+
				"must be unique", name, j)
			continue
		}
		first[name] = i
	}
}

// stageNameOf returns the name a stage runs under.
func stageNameOf(i int, st *StageSpec) string {
	if st.Name != "" {
		return st.Name
	}
	return fmt.Sprintf("stage-%d", i+1)
}

// maxRate checks every rate of every stage against target.max_rate.
func (c *checker) maxRate(f *File) {
	most := f.Target.MaxRate
	if most.Per == 0 {
		return
	}
	check := func(path string, r loadgen.Rate) {
		if r.PerSecond() > most.PerSecond() {
			c.at(path, "%v is above target.max_rate, %v", r, most)
		}
	}
	for i, st := range f.Stages {
		path := fmt.Sprintf("stages[%d]", i)
		check(path+".rate", st.Rate)
		check(path+".start_rate", st.StartRate.Rate)
		for j, step := range st.Stages {
			check(fmt.Sprintf("%s.stages[%d].target", path, j),
				step.Target.Rate)
		}
	}
}

// referenceOf returns the reference a stage's plots stand beside.
func referenceOf(st *StageSpec, f *File) string {
	switch {
	case st.Reference != "":
		return st.Reference
	case f.Reference != "":
		return f.Reference
	}
	switch loadgen.Flow(st.Flow) {
	case loadgen.FlowAuthorize, loadgen.FlowAuthorizeNotarize:
		return "authorize"
	case loadgen.FlowVerify:
		return "verify"
	}
	return "none"
}

// sortByPlace orders errors by place, then field and message, so that
// the order never depends on a map's, and drops repeats.
func sortByPlace(es Errors) Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		switch {
		case a.Line != b.Line:
			return a.Line < b.Line
		case a.Col != b.Col:
			return a.Col < b.Col
		case a.Field != b.Field:
			return a.Field < b.Field
		}
		return a.Msg < b.Msg
	})
	return slices.CompactFunc(es, func(a, b *Error) bool {
		return *a == *b
	})
}
