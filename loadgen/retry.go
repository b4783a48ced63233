package loadgen

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Jitter names how a backoff is randomized.
type Jitter string

// The jitter kinds.
const (
	NoJitter    Jitter = "none"  // wait the backoff exactly
	FullJitter  Jitter = "full"  // uniform in [0, backoff)
	EqualJitter Jitter = "equal" // backoff/2 plus uniform in [0, backoff/2)
)

// OverCap names what a client does with a Retry-After above its cap.
type OverCap string

// The over-cap policies.
const (
	WaitCap OverCap = "wait-cap" // wait the cap, then retry
	GiveUp  OverCap = "give-up"  // end the operation with its last outcome
)

// RetryPolicy says whether and when a failed attempt is tried again.
// Throttled (429, or 503 with Retry-After), server errors and transport
// errors are retried; every other outcome is final. The zero value never
// retries, which is what the official SDKs do today.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 = none
	Base       time.Duration // first backoff; 1 s when zero
	Factor     float64       // growth per retry; 2 when zero
	Cap        time.Duration // longest single wait; 60 s when zero
	Jitter     Jitter        // none when empty
	// RetryAfter honours a server's Retry-After on 429 and 503: the client
	// waits exactly what it was told. A missing, zero, past or unparsable
	// value falls back to the backoff.
	RetryAfter bool
	// OverCap says what to do with a Retry-After above Cap; WaitCap when
	// empty.
	OverCap OverCap
}

// Validate reports every problem of the policy at once.
func (p RetryPolicy) Validate() error {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf(format, a...))
	}
	if p.MaxRetries < 0 {
		add("max_retries %d: must not be negative", p.MaxRetries)
	}
	if p.Base < 0 || p.Cap < 0 {
		add("retry base and cap must not be negative")
	}
	if p.Factor != 0 && (p.Factor < 1 || math.IsInf(p.Factor, 0)) {
		add("retry factor %v: must be at least 1", p.Factor)
	}
	switch p.Jitter {
	case "", NoJitter, FullJitter, EqualJitter:
	default:
		add("unknown jitter %q (want none, full or equal)", p.Jitter)
	}
	switch p.OverCap {
	case "", WaitCap, GiveUp:
	default:
		add("unknown over-cap policy %q (want wait-cap or give-up)",
			p.OverCap)
	}
	return errors.Join(errs...)
}

func (p RetryPolicy) base() time.Duration {
	if p.Base == 0 {
		return time.Second
	}
	return p.Base
}

func (p RetryPolicy) cap() time.Duration {
	if p.Cap == 0 {
		return time.Minute
	}
	return p.Cap
}

// Backoff returns the wait before retry n (1 for the first retry) when
// the server gave no usable Retry-After. u is a uniform sample in [0, 1)
// for the jitter; the function is otherwise pure.
func (p RetryPolicy) Backoff(n int, u float64) time.Duration {
	factor := p.Factor
	if factor == 0 {
		factor = 2
	}
	d := float64(p.base()) * math.Pow(factor, float64(n-1))
	if c := float64(p.cap()); d > c || math.IsInf(d, 0) || math.IsNaN(d) {
		d = c
	}
	switch p.Jitter {
	case FullJitter:
		d *= u
	case EqualJitter:
		d = d/2 + d/2*u
	}
	return time.Duration(d)
}

// Decision is what a policy decided about one failed attempt.
type Decision struct {
	Retry  bool
	Wait   time.Duration
	Capped bool // a Retry-After above the cap was cut to it, or refused
	// FromHeader says the wait is the server's Retry-After.
	FromHeader bool
}

// Decide returns whether retry n (1 for the first) should happen and how
// long to wait first. ra is the previous response's Retry-After, valid
// when hasRA; u is a uniform sample in [0, 1) for the jitter.
func (p RetryPolicy) Decide(n int, ra time.Duration, hasRA bool,
	u float64) Decision {
	if n > p.MaxRetries {
		return Decision{}
	}
	if !p.RetryAfter || !hasRA || ra <= 0 {
		return Decision{Retry: true, Wait: p.Backoff(n, u)}
	}
	if ra <= p.cap() {
		return Decision{Retry: true, Wait: ra, FromHeader: true}
	}
	if p.OverCap == GiveUp {
		return Decision{Capped: true}
	}
	return Decision{Retry: true, Wait: p.cap(), Capped: true}
}

// ParseRetryAfter reads a Retry-After value as RFC 9110 defines it:
// delta-seconds, or an HTTP-date in any of its three forms, taken
// relative to now. A date in the past gives 0. ok is false for a missing
// or unparsable value.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 63); err == nil {
		if secs > uint64(math.MaxInt64/int64(time.Second)) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	if d := t.Sub(now); d > 0 {
		return d, true
	}
	return 0, true
}
