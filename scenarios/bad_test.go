package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// lines joins its arguments as the lines of a file, so that a case's
// line numbers can be read off the argument positions.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// stage returns a file holding one stage whose keys are ls: ls[0] is at
// line 2, ls[i] at line i+2.
func stage(ls ...string) string {
	out := []string{"stages:"}
	for i, l := range ls {
		indent := "    "
		if i == 0 {
			indent = "  - "
		}
		out = append(out, indent+l)
	}
	return lines(out...)
}

// sem is a valid semaphore stage (lines 1-5) with extra keys from line 6.
func sem(extra ...string) string {
	return stage(append([]string{"flow: authorize", "executor: semaphore",
		"concurrency: 10", "items: 100"}, extra...)...)
}

// car is a valid constant-arrival-rate stage (lines 1-5) with extra keys
// from line 6.
func car(extra ...string) string {
	return stage(append([]string{"flow: authorize",
		"executor: constant-arrival-rate", "rate: 10/s", "duration: 10s"},
		extra...)...)
}

// ramp is a ramping-arrival-rate stage (lines 1-3) with keys from line 4.
func ramp(extra ...string) string {
	return stage(append([]string{"flow: authorize",
		"executor: ramping-arrival-rate"}, extra...)...)
}

// badCase is a scenario file with a problem, and where the problem must
// be reported: the line, the field's path (empty for the whole file),
// and words of the message.
type badCase struct {
	name  string
	src   string
	line  int
	field string
	msg   string
}

var syntaxCases = []badCase{
	{name: "tab indentation", src: "stages:\n\t- flow: authorize\n",
		line: 2, msg: "not tabs"},
	{name: "unclosed flow list", src: "stages: [\n", line: 1,
		msg: "']' not found"},
	{name: "unclosed quote", src: "name: \"abc\nstages: []\n", line: 1,
		msg: "quote"},
	{name: "two documents", src: sem() + "---\n" + sem(), line: 6,
		msg: "want one YAML document"},
	{name: "empty file", src: "", line: 1, msg: "the file is empty"},
	{name: "only comments", src: "# nothing here\n", line: 1,
		msg: "the file is empty"},
	{name: "top level is a list", src: "- flow: authorize\n", line: 1,
		msg: "want a mapping of keys, got a list"},
	{name: "top level is text", src: "hello\n", line: 1,
		msg: "want a mapping of keys"},
	{name: "duplicate key", src: sem("items: 5"), line: 6,
		msg: `"items" already defined`},
	{name: "alias without anchor", src: lines("client:",
		"  retry: *nope", "stages: []"), line: 2, field: "client.retry",
		msg: "alias *nope names no anchor"},
	{name: "merge key after keys", src: lines("x-w: &w {items: 5}",
		"stages:", "  - flow: authorize", "    <<: *w"), line: 4,
		field: "stages[0]", msg: "write <<: before"},
	{name: "merge of text", src: lines("x-w: &w hello", "stages:",
		"  - <<: *w", "    flow: authorize"), line: 1,
		field: "stages[0]", msg: "<< merges a mapping"},
	{name: "nest of aliases", src: laughs(), line: 0,
		msg: "more than 1000 aliases"},
	{name: "colon in plain text", src: "name: a: b\nstages: []\n",
		line: 1, msg: "mapping value is not allowed"},
}

// laughs is a file whose aliases, through the mock's nested mixture
// distributions, would expand nine to the eighth times.
func laughs() string {
	ls := []string{"x-a: &a {dist: fixed, value: 1ms}"}
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		parts := strings.TrimSuffix(strings.Repeat("*"+prev+", ", 9), ", ")
		ls = append(ls, fmt.Sprintf("x-%s: &%s {dist: mixture, "+
			"parts: [%s]}", n, n, parts))
		prev = n
	}
	ls = append(ls, "target:", "  mock:", "    latency:",
		"      authorize: *i", "stages: []")
	return lines(ls...)
}

var typeCases = []badCase{
	{name: "stages is a mapping", src: "stages: {flow: authorize}\n",
		line: 1, field: "stages", msg: "want a list, got a mapping"},
	{name: "stage is text", src: "stages:\n  - authorize\n", line: 2,
		field: "stages[0]", msg: "want a mapping of keys"},
	{name: "concurrency is text", src: stage("flow: authorize",
		"executor: semaphore", "concurrency: ten", "items: 5"), line: 4,
		field: "stages[0].concurrency", msg: `want a whole number, got text "ten"`},
	{name: "concurrency is fractional", src: stage("flow: authorize",
		"executor: semaphore", "concurrency: 10.5", "items: 5"), line: 4,
		field: "stages[0].concurrency", msg: "want a whole number"},
	{name: "items is a bool", src: stage("flow: authorize",
		"executor: gather", "items: true"), line: 4,
		field: "stages[0].items", msg: "want a whole number"},
	{name: "name is a number", src: "name: 42\n" + sem(), line: 1,
		field: "name", msg: "want text"},
	{name: "verify_receipts is text", src: stage("flow: verify",
		"executor: gather", "items: 5", `verify_receipts: "yes"`),
		line: 5, field: "stages[0].verify_receipts",
		msg: "want true or false"},
	{name: "details is a bool", src: sem("body:", "  details: true"),
		line: 7, field: "stages[0].body.details", msg: "want text, got true"},
	{name: "target is a list", src: "target: [mock]\n" + sem(), line: 1,
		field: "target", msg: "want a mapping of keys, got a list"},
	{name: "thresholds is a list", src: sem("", "") +
		"thresholds: [p(99)<3]\n", line: 8, field: "thresholds",
		msg: "want a mapping"},
	{name: "threshold expressions are text", src: sem() +
		"thresholds:\n  goodput: rate>1\n", line: 7,
		field: `thresholds["goodput"]`, msg: "want a list"},
	{name: "threshold expression is a number", src: sem() +
		"thresholds:\n  goodput: [5]\n", line: 7,
		field: `thresholds["goodput"][0]`, msg: "want text"},
	{name: "mix is a mapping", src: stage("flow: mix",
		"executor: gather", "items: 5", "mix: {flow: health}"), line: 5,
		field: "stages[0].mix", msg: "want a list"},
	{name: "weight is text", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix:", "  - {flow: health, weight: lots}"), line: 6,
		field: "stages[0].mix[0].weight", msg: "want a number"},
	{name: "retry is text", src: sem() + "client:\n  retry: exponential\n",
		line: 7, field: "client.retry", msg: "want a mapping"},
	{name: "respect_retry_after is text", src: sem() + lines("client:",
		"  retry:", "    policy: exponential", "    max_retries: 3",
		`    respect_retry_after: "true"`), line: 10,
		field: "client.retry.respect_retry_after", msg: "want true or false"},
	{name: "factor is text", src: sem() + lines("client:", "  retry:",
		"    policy: exponential", "    max_retries: 3", "    factor: two"),
		line: 10, field: "client.retry.factor", msg: "want a number"},
	{name: "seed is text", src: "target:\n  mock:\n    seed: abc\n" + sem(),
		line: 3, field: "target.mock.seed", msg: "want a whole number"},
	{name: "mock limit is text", src: lines("target:", "  mock:",
		"    rate_limit: {limit: many}") + sem(), line: 3,
		field: "target.mock.rate_limit.limit", msg: "want a whole number"},
	{name: "rate is a list", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: [10]", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "want text, got a list"},
	{name: "quoted count", src: stage("flow: authorize",
		"executor: gather", `items: "5"`), line: 4,
		field: "stages[0].items", msg: `want a whole number, got text "5"`},
	{name: "rate is a mapping", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: {per: s}",
		"duration: 5s"), line: 4, field: "stages[0].rate",
		msg: "want text, got a mapping"},
	{name: "tagged list for a count", src: stage("flow: authorize",
		"executor: gather", "items: !!seq [5]"), line: 4,
		field: "stages[0].items", msg: "want a whole number"},
}

var unitCases = []badCase{
	{name: "duration without unit", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5", "duration: 30"),
		line: 5, field: "stages[0].duration",
		msg: "want a duration with a unit"},
	{name: "duration in words", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5", "duration: 30 seconds"),
		line: 5, field: "stages[0].duration", msg: "is not a duration"},
	{name: "timeout in sec", src: sem() + "client:\n  timeout: 5sec\n",
		line: 7, field: "client.timeout", msg: `"5sec" is not a duration`},
	{name: "rate per sec", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 100/sec", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: `period "1sec"`},
	{name: "rate in words", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: fast", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "want a count and a period"},
	{name: "rate per zero", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 10/0s", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "period must be above zero"},
	{name: "negative duration", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5", "duration: -5s"),
		line: 5, field: "stages[0].duration", msg: "is negative"},
	{name: "start rate in words", src: ramp("start_rate: ten/s",
		"stages: [{target: 5/s, duration: 5s}]"), line: 4,
		field: "stages[0].start_rate", msg: "want a count and a period"},
	{name: "ramp target bad period", src: ramp(
		"stages: [{target: 100/x, duration: 5s}]"), line: 4,
		field: "stages[0].stages[0].target", msg: `period "1x"`},
	{name: "zero ramp target bad period", src: ramp(
		"stages: [{target: 0/x, duration: 5s}]"), line: 4,
		field: "stages[0].stages[0].target", msg: `period "x"`},
	{name: "flush interval without unit", src: sem("offline:",
		"  flush_interval: 5"), line: 7,
		field: "stages[0].offline.flush_interval", msg: "want a duration"},
	{name: "retry base without unit", src: sem() + lines("client:",
		"  retry:", "    policy: exponential", "    max_retries: 3",
		"    base: 500"), line: 10, field: "client.retry.base",
		msg: "want a duration with a unit"},
	{name: "mock window without unit", src: lines("target:", "  mock:",
		"    rate_limit: {limit: 5, window: 1}") + sem(), line: 3,
		field: "target.mock.rate_limit.window", msg: "want a duration"},
	{name: "threshold value unit", src: sem() +
		"thresholds:\n  latency.response: [p(99)<300xs]\n", line: 7,
		field: `thresholds["latency.response"][0]`, msg: `bad value "300xs"`},
	{name: "duration with two dots", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5", "duration: 1.5.0s"),
		line: 5, field: "stages[0].duration", msg: "is not a duration"},
}

var rangeCases = []badCase{
	{name: "concurrency -1", src: stage("flow: authorize",
		"executor: semaphore", "concurrency: -1", "items: 5"), line: 4,
		field: "stages[0].concurrency", msg: "must be at least 1, got -1"},
	{name: "concurrency 0", src: stage("flow: authorize",
		"executor: semaphore", "concurrency: 0", "items: 5"), line: 4,
		field: "stages[0].concurrency", msg: "must be at least 1"},
	{name: "items 0", src: stage("flow: authorize", "executor: gather",
		"items: 0"), line: 4, field: "stages[0].items",
		msg: "must be at least 1"},
	{name: "items negative", src: stage("flow: authorize",
		"executor: gather", "items: -5"), line: 4,
		field: "stages[0].items", msg: "must be at least 1, got -5"},
	{name: "concurrency too large", src: stage("flow: authorize",
		"executor: semaphore", "concurrency: 100001", "items: 5"), line: 4,
		field: "stages[0].concurrency", msg: "most allowed, 100000"},
	{name: "items too many", src: stage("flow: authorize",
		"executor: gather", "items: 200000000"), line: 4,
		field: "stages[0].items", msg: "most allowed, 100000000"},
	{name: "duration 0s", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 5/s", "duration: 0s"),
		line: 5, field: "stages[0].duration", msg: "must be above zero"},
	{name: "rate 0", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 0", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "must be above zero"},
	{name: "rate 0/s", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 0/s", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "must be above zero"},
	{name: "rate negative", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: -5/s", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "must be above zero"},
	{name: "rate null", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: ~", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "must be above zero"},
	{name: "duration 100000h", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5", "duration: 100000h"),
		line: 5, field: "stages[0].duration", msg: "longer than the most allowed"},
	{name: "timeout 2h", src: sem() + "client:\n  timeout: 2h\n", line: 7,
		field: "client.timeout", msg: "longer than the most allowed, 1h0m0s"},
	{name: "timeout 0s", src: sem() + "client:\n  timeout: 0s\n", line: 7,
		field: "client.timeout", msg: "must be above zero"},
	{name: "max_retries 101", src: sem() + retry("max_retries: 101"),
		line: 9, field: "client.retry.max_retries", msg: "most allowed, 100"},
	{name: "max_retries -1", src: sem() + retry("max_retries: -1"),
		line: 9, field: "client.retry.max_retries",
		msg: "must be at least 1, got -1"},
	{name: "factor 0.5", src: sem() + retry("max_retries: 3", "factor: 0.5"),
		line: 10, field: "client.retry.factor", msg: "not between 1 and 100"},
	{name: "factor 1000", src: sem() + retry("max_retries: 3",
		"factor: 1000"), line: 10, field: "client.retry.factor",
		msg: "not between 1 and 100"},
	{name: "base 0s", src: sem() + retry("max_retries: 3", "base: 0s"),
		line: 10, field: "client.retry.base", msg: "must be above zero"},
	{name: "cap 0s", src: sem() + retry("max_retries: 3", "cap: 0s"),
		line: 10, field: "client.retry.cap", msg: "must be above zero"},
	{name: "base above cap", src: sem() + retry("max_retries: 3",
		"base: 10s", "cap: 5s"), line: 10, field: "client.retry.base",
		msg: "base 10s is above cap 5s"},
	{name: "cap 2h", src: sem() + retry("max_retries: 3", "cap: 2h"),
		line: 10, field: "client.retry.cap", msg: "longer than the most"},
	{name: "catch_up 0.5", src: car("catch_up: 0.5"), line: 6,
		field: "stages[0].catch_up", msg: "not 0 (no bound) or between 1"},
	{name: "catch_up 5000", src: car("catch_up: 5000"), line: 6,
		field: "stages[0].catch_up", msg: "between 1 and 1000"},
	{name: "max_in_flight -1", src: car("max_in_flight: -1"), line: 6,
		field: "stages[0].max_in_flight", msg: "-1 is negative"},
	{name: "weight 0", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix: [{flow: health, weight: 0}]"), line: 5,
		field: "stages[0].mix[0].weight", msg: "must be above zero, got 0"},
	{name: "weight -1", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix: [{flow: health, weight: -1}]"), line: 5,
		field: "stages[0].mix[0].weight", msg: "must be above zero, got -1"},
	{name: "weight too large", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix: [{flow: health, weight: 1e7}]"), line: 5,
		field: "stages[0].mix[0].weight", msg: "most allowed"},
	{name: "setup negative", src: stage("flow: verify",
		"executor: gather", "items: 5", "setup: -1"), line: 5,
		field: "stages[0].setup", msg: "must be at least 1, got -1"},
	{name: "setup too large", src: stage("flow: verify",
		"executor: gather", "items: 5", "setup: 2000000"), line: 5,
		field: "stages[0].setup", msg: "most allowed, 1000000"},
	{name: "retry_budget negative", src: sem() + retry("max_retries: 3") +
		"  retry_budget: -1\n", line: 10, field: "client.retry_budget",
		msg: "not between 0 and"},
	{name: "max_queue_size 0", src: sem("offline:",
		"  max_queue_size: 0"), line: 7,
		field: "stages[0].offline.max_queue_size", msg: "must be at least 1"},
	{name: "batch larger than queue", src: sem("offline:",
		"  max_queue_size: 10", "  batch_size: 20"), line: 8,
		field: "stages[0].offline.batch_size",
		msg:   "a batch of 20 cannot fill from a queue of 10"},
	{name: "flushers 0", src: sem("offline:", "  flushers: 0"), line: 7,
		field: "stages[0].offline.flushers", msg: "must be at least 1"},
	{name: "flush interval 0s", src: sem("offline:",
		"  flush_interval: 0s"), line: 7,
		field: "stages[0].offline.flush_interval", msg: "must be above zero"},
	{name: "mock deny above 1", src: lines("target:", "  mock:",
		"    policy: {deny: 1.5}") + sem(), line: 3,
		field: "target.mock.policy.deny", msg: "must be in [0, 1]"},
	{name: "mock limit negative", src: lines("target:", "  mock:",
		"    rate_limit: {limit: -1}") + sem(), line: 3,
		field: "target.mock.rate_limit.limit", msg: "must be >= 0"},
	{name: "iterations 0", src: stage("flow: authorize",
		"executor: per-vu-iterations", "concurrency: 5", "iterations: 0"),
		line: 5, field: "stages[0].iterations", msg: "must be at least 1"},
	{name: "ramp step duration 0s", src: ramp(
		"stages: [{target: 5/s, duration: 0s}]"), line: 4,
		field: "stages[0].stages[0].duration", msg: "must be above zero"},
	{name: "ramp of zeros", src: ramp("start_rate: 0",
		"stages: [{target: 0, duration: 5s}]"), line: 5,
		field: "stages[0].stages", msg: "every rate of the ramp is zero"},
	{name: "ramp longer than 72h", src: ramp("stages:",
		"  - {target: 5/s, duration: 50h}",
		"  - {target: 5/s, duration: 50h}"), line: 5,
		field: "stages[0].stages", msg: "the steps add up to 100h0m0s"},
	{name: "less than one operation", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 1/10s", "duration: 5s"),
		line: 5, field: "stages[0].duration",
		msg: "sends less than one operation"},
	{name: "details too long", src: sem("body:", "  details: "+
		strings.Repeat("x", 50_001)), line: 7,
		field: "stages[0].body.details", msg: "most allowed, 50000"},
	{name: "mock max body negative", src: lines("target:", "  mock:",
		"    max_body_bytes: -1") + sem(), line: 3,
		field: "target.mock.max_body_bytes", msg: "must be >= 0"},
}

// retry returns a client block with a retrying policy at lines 6-8 of a
// file that holds a 5-line stage first, and extra keys from line 9.
func retry(extra ...string) string {
	ls := []string{"client:", "  retry:", "    policy: exponential"}
	for _, e := range extra {
		ls = append(ls, "    "+e)
	}
	return lines(ls...)
}

var overflowCases = []badCase{
	{name: "rate 1e12/s", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 1e12/s", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "above the most allowed"},
	{name: "items beyond int64", src: stage("flow: authorize",
		"executor: gather", "items: 99999999999999999999"), line: 4,
		field: "stages[0].items", msg: "too large"},
	{name: "seed beyond int64", src: lines("target:", "  mock:",
		"    seed: 9223372036854775808") + sem(), line: 3,
		field: "target.mock.seed", msg: "too large"},
	{name: "factor 1e400", src: sem() + retry("max_retries: 3",
		"factor: 1e400"), line: 10, field: "client.retry.factor",
		msg: "not a finite number"},
	{name: "concurrency 1e3", src: stage("flow: authorize",
		"executor: semaphore", "concurrency: 1e3", "items: 5"), line: 4,
		field: "stages[0].concurrency", msg: "want a whole number"},
	{name: "duration beyond Go", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5",
		"duration: 9999999999999h"), line: 5, field: "stages[0].duration",
		msg: "duration 9999999999999h is too long"},
	{name: "workers times iterations", src: stage("flow: authorize",
		"executor: per-vu-iterations", "concurrency: 1000",
		"iterations: 1000000"), line: 5, field: "stages[0].iterations",
		msg: "1000 workers × 1000000 iterations"},
	{name: "factor .inf", src: sem() + retry("max_retries: 3",
		"factor: .inf"), line: 10, field: "client.retry.factor",
		msg: "want a number"},
	{name: "weight .nan", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix: [{flow: health, weight: .nan}]"), line: 5,
		field: "stages[0].mix[0].weight", msg: "want a number"},
	{name: "rate 1e400", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 1e400/s", "duration: 5s"),
		line: 4, field: "stages[0].rate", msg: "want a count and a period"},
	{name: "hex overflow", src: stage("flow: authorize",
		"executor: gather", "items: 0xffffffffffffffffff"), line: 4,
		field: "stages[0].items", msg: "too large"},
	{name: "retry budget beyond int64", src: sem() + retry("max_retries: 3") +
		"  retry_budget: 99999999999999999999\n", line: 10,
		field: "client.retry_budget", msg: "too large"},
}

var missingCases = []badCase{
	{name: "no stages key", src: "name: x\n", line: 1, field: "stages",
		msg: "at least one stage"},
	{name: "empty stages", src: "stages: []\n", line: 1, field: "stages",
		msg: "at least one stage"},
	{name: "no flow", src: stage("executor: gather", "items: 5"), line: 2,
		field: "stages[0]", msg: "flow is required"},
	{name: "no executor", src: stage("flow: authorize", "items: 5"),
		line: 2, field: "stages[0]", msg: "executor is required"},
	{name: "semaphore without items", src: stage("flow: authorize",
		"executor: semaphore", "concurrency: 5"), line: 2,
		field: "stages[0]", msg: "executor semaphore needs items"},
	{name: "semaphore without concurrency", src: stage("flow: authorize",
		"executor: semaphore", "items: 5"), line: 2, field: "stages[0]",
		msg: "executor semaphore needs concurrency"},
	{name: "arrival rate without rate", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "duration: 5s"), line: 2,
		field: "stages[0]", msg: "constant-arrival-rate needs rate"},
	{name: "arrival rate without duration", src: stage("flow: authorize",
		"executor: constant-arrival-rate", "rate: 5/s"), line: 2,
		field: "stages[0]", msg: "constant-arrival-rate needs duration"},
	{name: "ramp without stages", src: ramp("start_rate: 5/s"), line: 2,
		field: "stages[0]", msg: "ramping-arrival-rate needs stages"},
	{name: "ramp step without target", src: ramp(
		"stages: [{duration: 5s}]"), line: 4,
		field: "stages[0].stages[0]", msg: "target is required"},
	{name: "ramp step without duration", src: ramp(
		"stages: [{target: 5/s}]"), line: 4,
		field: "stages[0].stages[0]", msg: "duration is required"},
	{name: "mix entry without weight", src: stage("flow: mix",
		"executor: gather", "items: 5", "mix: [{flow: health}]"), line: 5,
		field: "stages[0].mix[0]", msg: "weight is required"},
	{name: "mix entry without flow", src: stage("flow: mix",
		"executor: gather", "items: 5", "mix: [{weight: 1}]"), line: 5,
		field: "stages[0].mix[0]", msg: "flow is required"},
	{name: "retry without policy", src: sem() +
		"client:\n  retry:\n    max_retries: 3\n", line: 8,
		field: "client.retry", msg: "policy is required"},
	{name: "flow mix without mix", src: stage("flow: mix",
		"executor: gather", "items: 5"), line: 2, field: "stages[0]",
		msg: "flow mix needs mix"},
	{name: "constant-vus without duration", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5"), line: 2,
		field: "stages[0]", msg: "constant-vus needs duration"},
	{name: "per-vu-iterations without iterations", src: stage(
		"flow: authorize", "executor: per-vu-iterations", "concurrency: 5"),
		line: 2, field: "stages[0]", msg: "per-vu-iterations needs iterations"},
	{name: "exponential without max_retries", src: sem() + retry(), line: 7,
		field: "client.retry.max_retries", msg: "exponential needs max_retries"},
	{name: "empty flow text", src: stage(`flow: ""`, "executor: gather",
		"items: 5"), line: 2, field: "stages[0]", msg: "flow is required"},
	{name: "null stage", src: "stages:\n  - ~\n", line: 2,
		field: "stages[0]", msg: "flow is required"},
}

var encodingCases = []badCase{
	{name: "UTF-16 little-endian", src: utf16(sem(), false), line: 1,
		msg: "the file is UTF-16; save it as UTF-8"},
	{name: "UTF-16 big-endian", src: utf16(sem(), true), line: 1,
		msg: "the file is UTF-16"},
	{name: "UTF-16 without a mark", src: utf16(sem(), false)[2:], line: 1,
		msg: "NUL byte"},
	{name: "invalid UTF-8", src: "name: \xff\xfe\xfd\n" + sem(), line: 1,
		msg: "not valid UTF-8"},
	{name: "NUL on line 3", src: "name: a\n# b\nc\x00\n", line: 3,
		msg: "NUL byte"},
	{name: "UTF-32 big-endian", src: "\x00\x00\xfe\xffs\x00\x00\x00",
		line: 1, msg: "the file is UTF-32"},
	{name: "UTF-32 little-endian", src: "\xff\xfe\x00\x00s\x00\x00\x00",
		line: 1, msg: "the file is UTF-32"},
	{name: "invalid UTF-8 on line 4", src: "name: a\n#\n#\n# \xc3\x28\n",
		line: 4, msg: "not valid UTF-8"},
	{name: "byte-order mark keeps positions", src: "\xef\xbb\xbfname: 5\n" +
		sem(), line: 1, field: "name", msg: "want text"},
	{name: "Latin-1 text", src: "name: caf\xe9\n" + sem(), line: 1,
		msg: "not valid UTF-8"},
}

// utf16 encodes ASCII text as UTF-16 with a byte-order mark.
func utf16(s string, bigEndian bool) string {
	var b []byte
	if bigEndian {
		b = append(b, 0xFE, 0xFF)
	} else {
		b = append(b, 0xFF, 0xFE)
	}
	for _, c := range []byte(s) {
		if bigEndian {
			b = append(b, 0, c)
		} else {
			b = append(b, c, 0)
		}
	}
	return string(b)
}

var unknownCases = []badCase{
	{name: "stage for stages", src: "stage:\n  - flow: authorize\n",
		line: 1, field: "stage", msg: `did you mean "stages"?`},
	{name: "durration", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5", "durration: 5s"),
		line: 5, field: "stages[0].durration", msg: `did you mean "duration"?`},
	{name: "k6 vus", src: stage("flow: authorize",
		"executor: constant-vus", "vus: 5", "duration: 5s"), line: 4,
		field: "stages[0].vus", msg: "airabench calls it concurrency"},
	{name: "camelCase maxRetries", src: sem() + lines("client:",
		"  retry:", "    policy: exponential", "    maxRetries: 5"),
		line: 9, field: "client.retry.maxRetries",
		msg: `did you mean "max_retries"?`},
	{name: "k6 timeUnit", src: car("timeUnit: 1m"), line: 6,
		field: "stages[0].timeUnit", msg: "write the period inside the rate"},
	{name: "k6 startRate", src: ramp("startRate: 5",
		"stages: [{target: 5/s, duration: 5s}]"), line: 4,
		field: "stages[0].startRate", msg: "airabench calls it start_rate"},
	{name: "k6 maxVUs", src: car("maxVUs: 50"), line: 6,
		field: "stages[0].maxVUs", msg: "airabench calls it max_in_flight"},
	{name: "mock rate_limits", src: lines("target:", "  mock:",
		"    rate_limits: {limit: 5}") + sem(), line: 3,
		field: "target.mock.rate_limits", msg: `did you mean "rate_limit"?`},
	{name: "flush_intervall", src: sem("offline:",
		"  flush_intervall: 5s"), line: 7,
		field: "stages[0].offline.flush_intervall",
		msg:   `did you mean "flush_interval"?`},
	{name: "body prompt", src: sem("body:", "  prompt: hi"), line: 7,
		field: "stages[0].body.prompt", msg: `unknown key "prompt"`},
	{name: "target urls", src: "target:\n  urls: http://x\n" + sem(),
		line: 2, field: "target.urls", msg: `did you mean "url"?`},
	{name: "capitalized Flow", src: stage("Flow: authorize",
		"executor: gather", "items: 5"), line: 2, field: "stages[0].Flow",
		msg: `did you mean "flow"?`},
	{name: "client retries", src: sem() + "client:\n  retries: {}\n",
		line: 7, field: "client.retries", msg: `did you mean "retry"?`},
	{name: "executor semaphor", src: stage("flow: authorize",
		"executor: semaphor", "concurrency: 5", "items: 5"), line: 3,
		field: "stages[0].executor", msg: `did you mean "semaphore"?`},
	{name: "flow authorise", src: stage("flow: authorise",
		"executor: gather", "items: 5"), line: 2, field: "stages[0].flow",
		msg: `did you mean "authorize"?`},
	{name: "policy exponentail", src: sem() + lines("client:", "  retry:",
		"    policy: exponentail", "    max_retries: 3"), line: 8,
		field: "client.retry.policy", msg: `did you mean "exponential"?`},
	{name: "jitter half", src: sem() + retry("max_retries: 3",
		"jitter: half"), line: 10, field: "client.retry.jitter",
		msg: "want one of none, full, equal"},
	{name: "reference authorise", src: sem() + "reference: authorise\n",
		line: 6, field: "reference", msg: `did you mean "authorize"?`},
	{name: "mock profile", src: lines("target:", "  mock:",
		"    profile: 4vcpu") + sem(), line: 3,
		field: "target.mock.profile", msg: "reference-4vcpu"},
	{name: "overflow queue", src: car("max_in_flight: 5",
		"overflow: queue"), line: 7, field: "stages[0].overflow",
		msg: "want one of wait, drop"},
	{name: "over_cap", src: sem() + retry("max_retries: 3",
		"over_cap: wait"), line: 10, field: "client.retry.over_cap",
		msg: "want one of wait-cap, give-up"},
	{name: "offline overflow", src: sem("offline:",
		"  overflow: drop-neweset"), line: 7,
		field: "stages[0].offline.overflow", msg: `did you mean "drop-newest"?`},
	{name: "mix of mix", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix: [{flow: mix, weight: 1}]"), line: 5,
		field: "stages[0].mix[0].flow", msg: `unknown value "mix"`},
	{name: "threshold metric", src: sem() +
		"thresholds:\n  http_req_duration: [p(95)<200]\n", line: 7,
		field: `thresholds["http_req_duration"][0]`, msg: "unknown metric"},
	{name: "threshold stage", src: lines("stages:", "  - name: batch",
		"    flow: authorize", "    executor: gather", "    items: 5",
		"thresholds:", "  goodput{stage:btach}: [rate>1]"), line: 7,
		field: `thresholds["goodput{stage:btach}"]`,
		msg:   `did you mean "batch"?`},
	{name: "threshold scope", src: sem() +
		"thresholds:\n  goodput{scenario:x}: [rate>1]\n", line: 7,
		field: `thresholds["goodput{scenario:x}"][0]`,
		msg:   "the only scope is {stage:NAME}"},
	{name: "threshold without expressions", src: sem() +
		"thresholds:\n  goodput: []\n", line: 7,
		field: `thresholds["goodput"]`, msg: "at least one expression"},
	{name: "threshold object form", src: sem() + lines("thresholds:",
		"  goodput:", "    - {threshold: rate>1, abortOnFail: true}"),
		line: 8, field: `thresholds["goodput"][0]`,
		msg: "want text, got a mapping"},
	{name: "threshold comparison", src: sem() +
		"thresholds:\n  goodput: [rate=>1]\n", line: 7,
		field: `thresholds["goodput"][0]`, msg: "bad comparison"},
	{name: "stage key at top", src: sem() + "executor: gather\n", line: 6,
		field: "executor", msg: `unknown key "executor"`},
	{name: "extension key inside a stage", src: sem("x-note: hi"),
		line: 6, field: "stages[0].x-note", msg: `unknown key "x-note"`},
}

var contradictionCases = []badCase{
	{name: "rate with semaphore", src: sem("rate: 5/s"), line: 6,
		field: "stages[0].rate", msg: "executor semaphore does not take rate"},
	{name: "concurrency with gather", src: stage("flow: authorize",
		"executor: gather", "items: 5", "concurrency: 5"), line: 5,
		field: "stages[0].concurrency", msg: "gather does not take concurrency"},
	{name: "items with arrival rate", src: car("items: 5"), line: 6,
		field: "stages[0].items",
		msg:   "constant-arrival-rate does not take items"},
	{name: "duration with semaphore", src: sem("duration: 5s"), line: 6,
		field: "stages[0].duration",
		msg:   "semaphore does not take duration (constant-arrival-rate or constant-vus takes it)"},
	{name: "ramp steps with constant rate", src: car(
		"stages: [{target: 5/s, duration: 5s}]"), line: 6,
		field: "stages[0].stages", msg: "does not take stages"},
	{name: "start_rate with constant rate", src: car("start_rate: 5/s"),
		line: 6, field: "stages[0].start_rate", msg: "does not take start_rate"},
	{name: "offline with gather", src: stage("flow: authorize",
		"executor: gather", "items: 5", "offline: {}"), line: 5,
		field: "stages[0].offline", msg: "gather cannot run offline"},
	{name: "offline with verify", src: stage("flow: verify",
		"executor: semaphore", "concurrency: 5", "items: 5", "offline: {}"),
		line: 6, field: "stages[0].offline",
		msg: "flow verify cannot run offline"},
	{name: "client offline with gather", src: stage("flow: authorize",
		"executor: gather", "items: 5") + "client:\n  offline: {}\n",
		line: 3, field: "stages[0].executor",
		msg: "gather cannot run offline (client.offline is set)"},
	{name: "offline with constant-vus", src: stage("flow: authorize",
		"executor: constant-vus", "concurrency: 5", "duration: 5s",
		"offline: {}"), line: 6, field: "stages[0].offline",
		msg: "offline mode needs a batch of items or an arrival rate"},
	{name: "mix without flow mix", src: sem("mix: [{flow: health, weight: 1}]"),
		line: 6, field: "stages[0].mix", msg: "mix is read only with flow: mix"},
	{name: "mix flows twice", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix:", "  - {flow: health, weight: 1}",
		"  - {flow: health, weight: 2}"), line: 7,
		field: "stages[0].mix[1].flow", msg: "health is already in the mix"},
	{name: "empty mix", src: stage("flow: mix", "executor: gather",
		"items: 5", "mix: []"), line: 5, field: "stages[0].mix",
		msg: "a mix needs at least one entry"},
	{name: "setup with authorize", src: sem("setup: 10"), line: 6,
		field: "stages[0].setup", msg: "setup prepares actions"},
	{name: "verify_receipts with authorize", src: sem(
		"verify_receipts: true"), line: 6, field: "stages[0].verify_receipts",
		msg: "read only by the verify flow"},
	{name: "body with health", src: stage("flow: health",
		"executor: gather", "items: 5", "body: {details: x}"), line: 5,
		field: "stages[0].body", msg: "flow health sends no action body"},
	{name: "overflow without bound", src: car("overflow: drop"), line: 6,
		field: "stages[0].overflow", msg: "set max_in_flight too"},
	{name: "url and mock", src: lines("target:", "  url: https://a.example",
		"  mock: {seed: 1}") + sem(), line: 3, field: "target.mock",
		msg: "set url or mock, not both"},
	{name: "api key in file", src: lines("target:",
		"  url: https://a.example", "  api_key: aira_live_x") + sem(),
		line: 3, field: "target.api_key", msg: "set AIRA_API_KEY"},
	{name: "credentials in url", src: lines("target:",
		"  url: https://me:secret@a.example") + sem(), line: 2,
		field: "target.url", msg: "the URL holds credentials"},
	{name: "url without scheme", src: lines("target:",
		"  url: a.example/api") + sem(), line: 2, field: "target.url",
		msg: "not a URL with a host"},
	{name: "url ftp", src: lines("target:", "  url: ftp://a.example") +
		sem(), line: 2, field: "target.url", msg: `the scheme is "ftp"`},
	{name: "api key as a list", src: lines("target:",
		"  url: https://a.example", "  api_key: [a, b]") + sem(),
		line: 3, field: "target.api_key", msg: "set AIRA_API_KEY"},
	{name: "api key from the environment", src: lines("target:",
		"  url: https://a.example", "  api_key: ${KEY:-k}") + sem(),
		line: 3, field: "target.api_key", msg: "ends up in version control"},
	{name: "policy none with max_retries", src: sem() + lines("client:",
		"  retry:", "    policy: none", "    max_retries: 5"), line: 9,
		field: "client.retry.max_retries", msg: "policy none never retries"},
	{name: "retry-after with jitter", src: sem() + lines("client:",
		"  retry:", "    policy: retry-after", "    max_retries: 3",
		"    jitter: full"), line: 10, field: "client.retry.jitter",
		msg: "with no jitter"},
	{name: "retry-after ignoring Retry-After", src: sem() + lines("client:",
		"  retry:", "    policy: retry-after", "    max_retries: 3",
		"    respect_retry_after: false"), line: 10,
		field: "client.retry.respect_retry_after",
		msg:   "always honours Retry-After"},
	{name: "over_cap while ignoring Retry-After", src: sem() + retry(
		"max_retries: 3", "respect_retry_after: false",
		"over_cap: give-up"), line: 11, field: "client.retry.over_cap",
		msg: "respect_retry_after: false ignores"},
	{name: "budget without retries", src: sem() +
		"client:\n  retry_budget: 100\n", line: 7,
		field: "client.retry_budget", msg: "no stage retries"},
	{name: "duplicate stage names", src: lines("stages:",
		"  - {name: a, flow: health, executor: gather, items: 1}",
		"  - {name: a, flow: health, executor: gather, items: 1}"),
		line: 3, field: "stages[1].name", msg: "names must be unique"},
	{name: "stage name taken by an unnamed stage", src: lines("stages:",
		"  - {name: stage-2, flow: health, executor: gather, items: 1}",
		"  - {flow: health, executor: gather, items: 1}"), line: 3,
		field: "stages[1].name", msg: `stage name "stage-2" is also`},
	{name: "stage name with a brace", src: stage("name: a}b",
		"flow: health", "executor: gather", "items: 1"), line: 2,
		field: "stages[0].name", msg: "a stage name holds"},
	{name: "rate above max_rate", src: car() +
		"target:\n  max_rate: 5/s\n", line: 4, field: "stages[0].rate",
		msg: "10/s is above target.max_rate, 5/s"},
	{name: "ramp above max_rate", src: ramp(
		"stages: [{target: 100/s, duration: 5s}]") +
		"target:\n  max_rate: 1/s\n", line: 4,
		field: "stages[0].stages[0].target", msg: "above target.max_rate"},
	{name: "iterations with semaphore", src: sem("iterations: 5"), line: 6,
		field: "stages[0].iterations",
		msg:   "(per-vu-iterations takes it)"},
	{name: "max_in_flight with semaphore", src: sem("max_in_flight: 5"),
		line: 6, field: "stages[0].max_in_flight",
		msg: "semaphore does not take max_in_flight"},
	{name: "exponential with max_retries 0", src: sem() + retry(
		"max_retries: 0"), line: 9, field: "client.retry.max_retries",
		msg: "exponential needs max_retries of at least 1"},
	{name: "stage retry none with jitter", src: sem("retry:",
		"  policy: none", "  jitter: full"), line: 8,
		field: "stages[0].retry.jitter", msg: "policy none never retries"},
	{name: "offline with notarize", src: stage("flow: notarize",
		"executor: semaphore", "concurrency: 5", "items: 5",
		"offline: {flushers: 2}"), line: 6, field: "stages[0].offline",
		msg: "flow notarize cannot run offline"},
}

var envCases = []badCase{
	{name: "unset variable", src: stage("flow: authorize",
		"executor: gather", "items: ${ITEMS}"), line: 4,
		msg: "environment variable ITEMS is not set"},
	{name: "variable expands to text", src: stage("flow: authorize",
		"executor: gather", "items: ${WORD:-many}"), line: 4,
		field: "stages[0].items", msg: `want a whole number, got text "many"`},
}

// TestKeyNeverEchoed checks that no message repeats what looks like an
// API key, wherever the file puts one.
func TestKeyNeverEchoed(t *testing.T) {
	const key = "aira_live_S3CRET"
	for _, src := range []string{
		"target:\n  api_key: " + key + "\n" + sem(),
		"target:\n  api_key: 12345" + key[:0] + "\n" + sem(),
		"target:\n  api_key: {k: " + key + "}\n" + sem(),
		"target:\n  url: https://u:" + key + "@a.example\n" + sem(),
		"target:\n  url: ftp://u:" + key + "@a.example\n" + sem(),
		"target:\n  url: \"%zz" + key + "\"\n" + sem(),
	} {
		err := parseErr(src)
		if err == nil || strings.Contains(err.Error(), "S3CRET") ||
			strings.Contains(err.Error(), "12345") {
			t.Errorf("Parse of\n%s= %v; want an error without the key",
				src, err)
		}
	}
}

// allBadCases lists every bad scenario file, by group.
func allBadCases() map[string][]badCase {
	return map[string][]badCase{
		"syntax": syntaxCases, "type": typeCases, "unit": unitCases,
		"range": rangeCases, "overflow": overflowCases,
		"missing": missingCases, "encoding": encodingCases,
		"unknown": unknownCases, "contradiction": contradictionCases,
		"env": envCases,
	}
}

// TestBadScenarios checks that each bad file is refused with an error
// at the right line that names the right field, and that every error
// of every file has a position.
func TestBadScenarios(t *testing.T) {
	var golden strings.Builder
	n := 0
	for _, group := range sortedKeys(allBadCases()) {
		for _, tc := range allBadCases()[group] {
			n++
			name := group + "/" + tc.name
			t.Run(name, func(t *testing.T) {
				es := parseBad(t, tc.src)
				checkPositions(t, es)
				if !hasError(es, tc) {
					t.Errorf("Parse(%q) =\n%v\nwant an error at line %d, "+
						"field %q, containing %q", tc.name, es, tc.line,
						tc.field, tc.msg)
				}
			})
			fmt.Fprintf(&golden, "== %s\n%v\n", name, parseErr(tc.src))
		}
	}
	if n < 100 {
		t.Errorf("%d bad scenario files; want at least 100", n)
	}
	checkGolden(t, "bad.golden", golden.String())
}

func parseErr(src string) error {
	_, err := Parse("bad.yaml", []byte(src), noEnv)
	return err
}

func noEnv(string) (string, bool) { return "", false }

// parseBad parses src and returns its errors; it fails the test if the
// file is accepted or the error is not Errors or *Error.
func parseBad(t *testing.T, src string) Errors {
	t.Helper()
	err := parseErr(src)
	if err == nil {
		t.Fatalf("Parse accepted the file:\n%s", src)
	}
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	var e *Error
	if errors.As(err, &e) {
		return Errors{e}
	}
	t.Fatalf("Parse returned %T (%v), want Errors or *Error", err, err)
	return nil
}

func checkPositions(t *testing.T, es Errors) {
	t.Helper()
	for _, e := range es {
		if e.File != "bad.yaml" || e.Line < 1 || e.Col < 1 {
			t.Errorf("error %q has no position in bad.yaml", e)
		}
	}
}

// hasError reports whether es holds the error tc wants; a line of 0
// matches any line.
func hasError(es Errors, tc badCase) bool {
	for _, e := range es {
		if (tc.line == 0 || e.Line == tc.line) && e.Field == tc.field &&
			strings.Contains(e.Msg, tc.msg) {
			return true
		}
	}
	return false
}

// checkGolden compares got with testdata/name, or rewrites it with
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scenarios -update)", err)
	}
	if got != string(want) {
		t.Errorf("messages differ from %s; review the difference and "+
			"run go test ./scenarios -update", path)
	}
}
