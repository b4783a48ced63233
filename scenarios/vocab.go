package scenarios

import (
	"reflect"
	"slices"
	"strings"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
)

// This file holds the words of the format that are not field names: the
// executors and the values each enumerated field accepts. The checker
// and the JSON Schema both read them from here.

// executor describes one executor name: the load model it maps to and
// the load keys of a stage it requires and allows.
type executor struct {
	model    loadgen.Model
	required []string
	optional []string
}

// openKeys are the keys every arrival-rate executor may add.
var openKeys = []string{"max_in_flight", "overflow", "catch_up"}

// executors maps executor names to what they run. shared-iterations is
// k6's name for a batch shared by a fixed number of workers, which is
// what a semaphore around a gather is; per-vu-iterations becomes a batch
// of concurrency × iterations on the same closed model.
var executors = map[string]executor{
	"semaphore":         {loadgen.Closed, []string{"concurrency", "items"}, nil},
	"shared-iterations": {loadgen.Closed, []string{"concurrency", "items"}, nil},
	"per-vu-iterations": {loadgen.Closed,
		[]string{"concurrency", "iterations"}, nil},
	"constant-vus": {loadgen.Closed, []string{"concurrency", "duration"}, nil},
	"chunked":      {loadgen.Chunked, []string{"concurrency", "items"}, nil},
	"gather":       {loadgen.Unbounded, []string{"items"}, nil},
	"constant-arrival-rate": {loadgen.Open,
		[]string{"rate", "duration"}, openKeys},
	"ramping-arrival-rate": {loadgen.Open, []string{"stages"},
		append([]string{"start_rate"}, openKeys...)},
}

// loadKeys are the keys of a stage that only some executors take.
var loadKeys = []string{"concurrency", "items", "iterations", "duration",
	"rate", "start_rate", "stages", "max_in_flight", "overflow",
	"catch_up"}

// takes reports whether executor e accepts load key k.
func (e executor) takes(k string) bool {
	return slices.Contains(e.required, k) || slices.Contains(e.optional, k)
}

// executorsTaking lists the executors that accept load key k.
func executorsTaking(k string) []string {
	var out []string
	for _, name := range sortedKeys(executors) {
		if executors[name].takes(k) {
			out = append(out, name)
		}
	}
	return out
}

// references are the published figures a stage's plots can stand
// beside.
var references = []string{"authorize", "verify", "mint", "none"}

// fieldKey names one field of one struct type by its YAML key.
type fieldKey struct {
	owner reflect.Type
	key   string
}

func fieldOf[T any](key string) fieldKey {
	return fieldKey{reflect.TypeFor[T](), key}
}

// enums lists the values each enumerated text field accepts. The mock
// profile's own enumerations are checked by its Validate.
func enums() map[fieldKey][]string {
	return map[fieldKey][]string{
		fieldOf[File]("reference"):       references,
		fieldOf[StageSpec]("reference"):  references,
		fieldOf[StageSpec]("flow"):       flowNames(true),
		fieldOf[MixSpec]("flow"):         flowNames(false),
		fieldOf[StageSpec]("executor"):   sortedKeys(executors),
		fieldOf[StageSpec]("overflow"):   names(overflows),
		fieldOf[RetrySpec]("policy"):     {"none", "exponential", "retry-after"},
		fieldOf[RetrySpec]("jitter"):     names(jitters),
		fieldOf[RetrySpec]("over_cap"):   names(overCaps),
		fieldOf[OfflineSpec]("overflow"): names(offlinePolicies),
		fieldOf[MockSpec]("profile"):     mockserver.ProfileNames(),
	}
}

// requiredKeys are the keys that must be written wherever their
// mapping is; the checker says so in its own words, and the JSON Schema
// lists them. An executor's own required keys are in executors.
var requiredKeys = map[fieldKey]bool{
	fieldOf[File]("stages"):           true,
	fieldOf[StageSpec]("flow"):        true,
	fieldOf[StageSpec]("executor"):    true,
	fieldOf[RetrySpec]("policy"):      true,
	fieldOf[MixSpec]("flow"):          true,
	fieldOf[MixSpec]("weight"):        true,
	fieldOf[RampStepSpec]("target"):   true,
	fieldOf[RampStepSpec]("duration"): true,
}

var (
	overflows = []loadgen.Overflow{loadgen.OverflowWait,
		loadgen.OverflowDrop}
	jitters = []loadgen.Jitter{loadgen.NoJitter, loadgen.FullJitter,
		loadgen.EqualJitter}
	overCaps        = []loadgen.OverCap{loadgen.WaitCap, loadgen.GiveUp}
	offlinePolicies = []loadgen.OfflinePolicy{loadgen.DropNewest,
		loadgen.DropOldest, loadgen.Block}
)

func names[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// flowNames lists the flows; withMix includes mix itself.
func flowNames(withMix bool) []string {
	var out []string
	for _, f := range loadgen.Flows {
		if f != loadgen.FlowMix || withMix {
			out = append(out, string(f))
		}
	}
	return out
}

// alias is a key that k6 users or camelCase habits bring, the key
// airabench uses for it, and the hint an unknown-key error gives.
type alias struct {
	key, hint string
}

var aliases = map[string]alias{
	"vus":             {"concurrency", "airabench calls it concurrency"},
	"maxVUs":          {"max_in_flight", "airabench calls it max_in_flight"},
	"preAllocatedVUs": {"max_in_flight", "airabench calls it max_in_flight"},
	"startRate":       {"start_rate", "airabench calls it start_rate"},
	"timeUnit": {"rate", "write the period inside the rate, " +
		"such as 60/1m"},
	"time_unit": {"rate", "write the period inside the rate, " +
		"such as 60/1m"},
}

// secretFields are refused whatever their value, which no message may
// repeat.
var secretFields = map[fieldKey]bool{
	fieldOf[TargetSpec]("api_key"): true,
}

// hint returns a suggestion for the unknown key k among known, or "".
func hint(k string, known []string) string {
	if a, ok := aliases[k]; ok && slices.Contains(known, a.key) {
		return a.hint
	}
	if s := snake(k); s != k && slices.Contains(known, s) {
		return "did you mean " + quote(s) + "?"
	}
	if s := nearest(k, known); s != "" {
		return "did you mean " + quote(s) + "?"
	}
	return ""
}

// snake turns camelCase into snake_case.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func quote(s string) string { return `"` + s + `"` }
