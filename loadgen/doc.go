// Package loadgen drives the Aira API with the client patterns teams use in
// front of it, and measures what a caller feels.
//
// A Plan is a list of stages run in order. Each stage runs one flow
// (authorize, authorize+notarize, notarize, verify, health, an in-process
// mint, or a weighted mix) under one load model:
//
//   - the closed model, bounded by a semaphore of operations in flight,
//     over a batch of items or for a duration;
//   - every item at once (Unbounded, like asyncio.gather), or awaited
//     chunks;
//   - the open model, which starts operations on one global Schedule (a
//     constant rate or a ramp) however fast answers come back, with an
//     in-flight cap whose excess is measured or counted;
//   - any of these feeding an offline queue, as the SDKs' offline mode.
//
// Every attempt carries three instants on the monotonic clock: intended,
// sent and done. Response time (done − intended) includes the time spent
// waiting for a permit or a slot, so coordinated omission cannot hide it.
// Results stream to one recorder per stage, which keeps HdrHistograms and
// counters rather than samples; every count adds up (intended = sent +
// dropped, and for an offline queue accepted = delivered + lost).
//
// Retry policies follow RetryPolicy: none (the SDKs today), exponential
// backoff with jitter, and Retry-After in delta-seconds or HTTP-date form,
// with a cap and a run-wide budget. Target.Keys spreads operations over a
// pool of API keys; Target.MaxRate holds every request to a ceiling.
//
// The smallest use:
//
//	plan := loadgen.Plan{Stages: []loadgen.Stage{{
//		Name: "batch", Flow: loadgen.FlowAuthorize, Body: loadgen.DefaultBody,
//		Load: loadgen.Load{Model: loadgen.Closed, Concurrency: 50, Items: 2000},
//	}}}
//	run, err := loadgen.Run(ctx, plan,
//		loadgen.Target{BaseURL: url, APIKey: key}, loadgen.Options{})
//
// Per-request failures are data (an outcome class), never a Go error that
// stops the run; Run returns an error only when the plan is invalid.
package loadgen
