package scenarios

import (
	"time"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
)

// The doc comments of the types in this file are the reference of the
// scenario format: the JSON Schema's descriptions are generated from
// them (see jsonschema.go), and docs/scenarios.md explains them with
// examples. Keep each field's first sentence self-contained.

// File is a scenario file as written. Every field is optional unless its
// comment says otherwise; Load fills defaults and checks every value.
// Top-level keys that begin with "x-" are ignored, so that a file can
// hold YAML anchors (&name) to reuse with aliases and merge keys (<<).
type File struct {
	// Name identifies the scenario in reports; the file's base name when
	// empty.
	Name string `yaml:"name"`
	// Description says in one line what the scenario shows.
	Description string `yaml:"description"`
	// Target is where requests go: the bundled mock (the default) or a
	// URL.
	Target TargetSpec `yaml:"target"`
	// Client holds the client's settings for every stage.
	Client ClientSpec `yaml:"client"`
	// Stages run in order, one after another. At least one is required.
	Stages []StageSpec `yaml:"stages"`
	// Thresholds are pass/fail criteria in k6's syntax: a metric name,
	// optionally scoped to one stage as in latency.response{stage:NAME},
	// maps to a list of expressions such as p(99)<300ms or rate<0.01. A
	// failed threshold makes the run exit with code 99.
	Thresholds map[string][]string `yaml:"thresholds"`
	// AbortOnFail stops the run as soon as a threshold fails on a
	// measured value, checked once a second while each stage runs
	// (k6's abortOnFail, for every threshold); the report covers what
	// ran and the exit code is 99.
	AbortOnFail bool `yaml:"abort_on_fail"`
	// Reference names the published figure every stage's plots stand
	// beside unless the stage names its own: authorize (~200/s on one
	// 4-vCPU instance), verify (~100/s), mint (~10,500/s in-process) or
	// none. Inferred from each stage's flow when empty.
	Reference string `yaml:"reference"`
}

// TargetSpec is the target of a run. Set URL or Mock, not both; with
// neither, the bundled mock runs with its default profile.
type TargetSpec struct {
	// URL is the origin of a real Aira API, such as
	// https://api.example.com; the key comes from the AIRA_API_KEY
	// environment variable only.
	URL string `yaml:"url"`
	// APIKey is refused: a key in a file ends up in version control. Set
	// AIRA_API_KEY in the environment instead.
	APIKey string `yaml:"api_key"`
	// MaxRate is the highest arrival rate the file may ask of the
	// target, such as 500/s: a guard against a typo that would flood a
	// real endpoint. Every rate of every stage must stay at or below it.
	MaxRate loadgen.Rate `yaml:"max_rate"`
	// Mock configures the bundled mock, started in-process on loopback.
	Mock *MockSpec `yaml:"mock"`
}

// MockSpec picks a mock profile and overrides any of its settings; the
// profile's own keys (rate_limit, latency, policy, ...) sit beside
// profile and seed.
type MockSpec struct {
	// Profile names a shipped mock profile; "default" when empty.
	ProfileName string `yaml:"profile"`
	// Seed drives every random choice of the mock; the same seed gives
	// the same run.
	Seed int64 `yaml:"seed"`
	// The profile's own settings, which override the named profile's.
	Settings mockserver.Profile `yaml:",inline"`
}

// ClientSpec is the client's behaviour, shared by every stage.
type ClientSpec struct {
	// Timeout bounds one request, such as 10s; 30s (the SDKs' value)
	// when empty.
	Timeout time.Duration `yaml:"timeout"`
	// Retry is the retry policy of every stage that sets none; none
	// when empty, as in the official SDKs today.
	Retry *RetrySpec `yaml:"retry"`
	// RetryBudget bounds the retries of the whole run: once spent, a
	// failed attempt is final. No bound when empty.
	RetryBudget int64 `yaml:"retry_budget"`
	// Offline runs every authorize stage that sets no offline block of
	// its own through the SDKs' offline queue.
	Offline *OfflineSpec `yaml:"offline"`
}

// RetrySpec is a retry policy as written.
type RetrySpec struct {
	// Policy is none (every failure surfaces), exponential (backoff with
	// jitter; honours Retry-After unless respect_retry_after is false)
	// or retry-after (wait what the server says, else 2^attempt seconds:
	// the guide's manual loop). Required.
	Policy string `yaml:"policy"`
	// MaxRetries bounds the retries after the first attempt; the SDKs
	// document 5. Required by exponential and retry-after.
	MaxRetries int `yaml:"max_retries"`
	// Base is the first backoff, such as 500ms; 1s when empty.
	Base time.Duration `yaml:"base"`
	// Factor is the backoff's growth per retry, from 1 to 100; 2 when
	// empty.
	Factor float64 `yaml:"factor"`
	// Cap is the longest single wait, backoff or Retry-After; 60s when
	// empty.
	Cap time.Duration `yaml:"cap"`
	// Jitter randomizes each backoff: none, full (uniform below the
	// backoff) or equal (half fixed, half random). None when empty.
	Jitter string `yaml:"jitter"`
	// RespectRetryAfter waits what a 429 or 503's Retry-After says
	// instead of the backoff; true when empty.
	RespectRetryAfter *bool `yaml:"respect_retry_after"`
	// OverCap says what to do with a Retry-After above cap: wait-cap
	// (wait the cap, then retry; the default) or give-up.
	OverCap string `yaml:"over_cap"`
}

// StageSpec is one stage as written: a flow, an executor that sets the
// load model, and the keys that executor takes.
type StageSpec struct {
	// Name labels the stage in reports and threshold scopes; letters,
	// digits and - _ . + only; "stage-N" when empty. Unique in a file.
	Name string `yaml:"name"`
	// Flow is what one operation does: authorize, authorize+notarize,
	// notarize, verify, health, or mix (a weighted mix, listed in mix).
	// Required.
	Flow string `yaml:"flow"`
	// Mix lists the flows of a mix and their weights; only with flow
	// mix, which needs at least one entry.
	Mix []MixSpec `yaml:"mix"`
	// Executor is the load model. Closed: semaphore (items through at
	// most concurrency in flight; k6's shared-iterations is the same),
	// per-vu-iterations (concurrency workers doing iterations each),
	// chunked (awaited groups of concurrency), constant-vus (concurrency
	// workers for a duration), gather (every item at once). Open:
	// constant-arrival-rate (rate for duration), ramping-arrival-rate
	// (from start_rate through stages). Required.
	Executor string `yaml:"executor"`
	// Concurrency is the semaphore size, chunk size or worker count (k6's
	// vus).
	Concurrency int `yaml:"concurrency"`
	// Items is the batch size: how many operations the stage runs.
	Items int `yaml:"items"`
	// Iterations is how many operations each worker of
	// per-vu-iterations runs.
	Iterations int `yaml:"iterations"`
	// Duration is how long constant-vus or constant-arrival-rate runs,
	// such as 30s.
	Duration time.Duration `yaml:"duration"`
	// Rate is constant-arrival-rate's total rate with its period, such
	// as 200/s, 60/1m or 1/10s; never per worker.
	Rate loadgen.Rate `yaml:"rate"`
	// StartRate is where ramping-arrival-rate starts, such as 10/s; 0
	// when empty.
	StartRate RampRate `yaml:"start_rate"`
	// Stages are ramping-arrival-rate's steps (k6's stages): the rate
	// moves linearly to each target over its duration.
	Stages []RampStepSpec `yaml:"stages"`
	// MaxInFlight bounds the operations in flight of an arrival-rate
	// executor (k6's maxVUs); no bound when empty.
	MaxInFlight int `yaml:"max_in_flight"`
	// Overflow says what happens to an operation that is due while
	// max_in_flight are in flight: wait (measured as dispatch delay; the
	// default) or drop (counted, never sent).
	Overflow string `yaml:"overflow"`
	// CatchUp bounds how much faster than planned an arrival-rate
	// schedule may run to catch up after a stall: 0 (as fast as the
	// client can send; the default) or from 1 to 1000.
	CatchUp float64 `yaml:"catch_up"`
	// Setup is how many actions the notarize and verify flows prepare,
	// untimed, before the stage starts; operations cycle through them.
	// One per item for a batch, or 1,000, when empty.
	Setup int `yaml:"setup"`
	// VerifyReceipts makes the verify flow check each receipt's hash and
	// Ed25519 signature itself, besides asking the target.
	VerifyReceipts bool `yaml:"verify_receipts"`
	// Offline runs the authorize flow through the SDKs' offline queue:
	// the caller's authorize returns at once and flushers send later.
	Offline *OfflineSpec `yaml:"offline"`
	// Retry overrides the client's retry policy for this stage.
	Retry *RetrySpec `yaml:"retry"`
	// Body is the authorize request body; the guide's llm_call when
	// empty.
	Body *BodySpec `yaml:"body"`
	// Reference overrides the file's reference for this stage's plots:
	// authorize, verify, mint or none.
	Reference string `yaml:"reference"`
}

// MixSpec is one flow of a weighted mix.
type MixSpec struct {
	// Flow is authorize, authorize+notarize, notarize, verify or
	// health. Required.
	Flow string `yaml:"flow"`
	// Weight is the flow's share, relative to the others; above zero.
	// Required.
	Weight float64 `yaml:"weight"`
}

// RampStepSpec is one step of ramping-arrival-rate.
type RampStepSpec struct {
	// Target is the rate this step ends at, such as 300/s; 0 ramps down
	// to nothing. Required.
	Target RampRate `yaml:"target"`
	// Duration is how long the step takes, such as 1m. Required.
	Duration time.Duration `yaml:"duration"`
}

// OfflineSpec is the SDKs' offline mode (offline=True).
type OfflineSpec struct {
	// FlushInterval is the longest an action waits in the queue before
	// it is sent; 5s (the guide's value) when empty.
	FlushInterval time.Duration `yaml:"flush_interval"`
	// MaxQueueSize bounds the queue; 1,000 (the guide's value) when
	// empty.
	MaxQueueSize int `yaml:"max_queue_size"`
	// BatchSize is how many actions one flush sends, at most
	// max_queue_size; a full batch goes early. max_queue_size when
	// empty.
	BatchSize int `yaml:"batch_size"`
	// Flushers is how many flushes may run at once; 1 when empty.
	Flushers int `yaml:"flushers"`
	// Overflow says what a full queue does: drop-newest (the new action
	// is lost; the default), drop-oldest or block (the caller waits).
	Overflow string `yaml:"overflow"`
}

// BodySpec is the authorize request body. In details the text {{i}} is
// replaced by the operation's index.
type BodySpec struct {
	// ActionType is the action's type; llm_call when empty.
	ActionType string `yaml:"action_type"`
	// Details describes the action; "Process item {{i}}" when empty.
	Details string `yaml:"details"`
	// AgentID names the acting agent; none when empty.
	AgentID string `yaml:"agent_id"`
	// ModelID names the model; claude-sonnet-4-6 when empty.
	ModelID string `yaml:"model_id"`
	// IdempotencyKeys sends a fresh idempotency_key per operation,
	// reused by its retries.
	IdempotencyKeys bool `yaml:"idempotency_keys"`
}
