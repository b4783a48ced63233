package scenarios

import (
	"time"

	"github.com/airabench/airabench/mockserver"
)

// File is a scenario file as written. Every field is optional unless its
// comment says otherwise; Load fills defaults and checks every value.
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
	// Stages run in order. At least one is required.
	Stages []StageSpec `yaml:"stages"`
	// Reference names the published figure the plots stand beside:
	// authorize (~200/s on one 4-vCPU instance), verify (~100/s) or
	// none. Inferred from the flow when empty.
	Reference string `yaml:"reference"`
}

// TargetSpec is the target of a run. Set URL or Mock, not both.
type TargetSpec struct {
	// URL is the origin of a real Aira API; the key comes from the
	// AIRA_API_KEY environment variable only.
	URL string `yaml:"url"`
	// APIKey is refused: a key in a file ends up in version control.
	APIKey string `yaml:"api_key"`
	// Mock configures the bundled mock, started in-process on loopback.
	Mock *MockSpec `yaml:"mock"`
}

// MockSpec picks a mock profile and overrides any of its settings.
type MockSpec struct {
	// Profile names a shipped profile; "default" when empty.
	ProfileName string `yaml:"profile"`
	// Seed drives every random choice of the mock.
	Seed int64 `yaml:"seed"`
	// The profile's own settings, which override the named profile's.
	Settings mockserver.Profile `yaml:",inline"`
}

// ClientSpec is the client's behaviour.
type ClientSpec struct {
	// Timeout bounds one request; 30s (the SDKs' value) when empty.
	Timeout time.Duration `yaml:"timeout"`
	// Retry is the retry policy; none when empty, as in the SDKs.
	Retry *RetrySpec `yaml:"retry"`
}

// RetrySpec is a retry policy as written.
type RetrySpec struct {
	// Policy is none, exponential (backoff, honouring Retry-After unless
	// respect_retry_after is false) or retry-after (wait what the server
	// says, else 2^attempt seconds: the guide's manual loop).
	Policy string `yaml:"policy"`
	// MaxRetries bounds retries after the first attempt.
	MaxRetries int `yaml:"max_retries"`
	// Base is the first backoff; 1s when empty.
	Base time.Duration `yaml:"base"`
	// Factor is the backoff's growth per retry; 2 when empty.
	Factor float64 `yaml:"factor"`
	// Cap is the longest single wait; 60s when empty.
	Cap time.Duration `yaml:"cap"`
	// Jitter is none, full or equal.
	Jitter string `yaml:"jitter"`
	// RespectRetryAfter waits what the server's Retry-After says.
	RespectRetryAfter *bool `yaml:"respect_retry_after"`
	// OverCap is wait-cap or give-up, for a Retry-After above Cap.
	OverCap string `yaml:"over_cap"`
}

// StageSpec is one stage as written.
type StageSpec struct {
	// Name labels the stage; "stage-N" when empty.
	Name string `yaml:"name"`
	// Flow is authorize or authorize+notarize. Required.
	Flow string `yaml:"flow"`
	// Executor is the load model: semaphore (a batch through at most
	// concurrency in flight; k6's shared-iterations is the same), gather
	// (every item at once), chunked (awaited groups of concurrency), or
	// constant-vus (concurrency workers looping for a duration).
	Executor string `yaml:"executor"`
	// Concurrency is the semaphore size, chunk size or worker count.
	Concurrency int `yaml:"concurrency"`
	// Items is the batch size.
	Items int `yaml:"items"`
	// Duration is how long constant-vus runs.
	Duration time.Duration `yaml:"duration"`
	// Body is the authorize request body.
	Body *BodySpec `yaml:"body"`
	// Retry overrides the client's retry policy for this stage.
	Retry *RetrySpec `yaml:"retry"`
}

// BodySpec is the authorize request body; {{i}} in details is replaced
// by the item's index.
type BodySpec struct {
	ActionType      string `yaml:"action_type"`
	Details         string `yaml:"details"`
	AgentID         string `yaml:"agent_id"`
	ModelID         string `yaml:"model_id"`
	IdempotencyKeys bool   `yaml:"idempotency_keys"`
}
