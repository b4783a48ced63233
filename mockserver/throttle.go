package mockserver

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Throttle shapes the answer to a rate-limited request. The zero value
// is the correct answer: 429, the JSON envelope, and Retry-After in whole
// seconds rounded up.
type Throttle struct {
	// RetryAfter picks the Retry-After header:
	//
	//   - "seconds" (also ""): correct, whole seconds rounded up.
	//   - "http-date": the same instant as an HTTP-date, rounded up to
	//     the next whole second.
	//   - "missing": no header.
	//   - "zero": "0".
	//   - "short": half the correct seconds, rounded down, so a client
	//     that honours it is refused again.
	//   - "milliseconds": the wait in milliseconds, a unit error.
	//
	// details.retry_after always carries the correct seconds.
	RetryAfter string `yaml:"retry_after" json:"retry_after"`
	// Status is the status code of the answer: 429 (also 0) or 503.
	Status int `yaml:"status" json:"status"`
	// HTMLBody sends a text/html page instead of the JSON envelope, as a
	// proxy in front of an API might.
	HTMLBody bool `yaml:"html_body" json:"html_body"`
	// IETFHeaders adds the RateLimit and RateLimit-Policy headers of the
	// IETF httpapi draft beside the X-RateLimit ones.
	IETFHeaders bool `yaml:"ietf_headers" json:"ietf_headers"`
}

// retryAfterStyles lists the accepted Throttle.RetryAfter values.
func retryAfterStyles() []string {
	return []string{"", "seconds", "http-date", "missing", "zero", "short",
		"milliseconds"}
}

func (v *validator) throttle(t Throttle) {
	if !slices.Contains(retryAfterStyles(), t.RetryAfter) {
		v.add("throttle.retry_after", "unknown style %q, want one of %v",
			t.RetryAfter, retryAfterStyles()[1:])
	}
	if t.Status != 0 && t.Status != 429 && t.Status != 503 {
		v.add("throttle.status", "must be 429 or 503, got %d", t.Status)
	}
}

// rawHTML is a body written as text/html rather than encoded as JSON.
type rawHTML string

// throttled builds the answer to a request the limiter refused.
func throttled(h http.Header, d decision, now time.Time, t Throttle) result {
	secs := retryAfterSeconds(d.retryAfter)
	if v, ok := retryAfterValue(t.RetryAfter, secs, d.retryAfter,
		now); ok {
		h.Set("Retry-After", v)
	}
	status := http.StatusTooManyRequests
	if t.Status == http.StatusServiceUnavailable {
		status = t.Status
	}
	msg := "Rate limit exceeded. Try again in " +
		strconv.FormatInt(secs, 10) + " seconds."
	if t.HTMLBody {
		return result{status, rawHTML("<html><head><title>" +
			strconv.Itoa(status) + "</title></head><body><h1>Too Many " +
			"Requests</h1><p>" + msg + "</p></body></html>\n")}
	}
	return fail(status, "RATE_LIMITED", msg,
		map[string]any{"retry_after": secs})
}

// retryAfterValue renders the header in the given style; false means
// no header.
func retryAfterValue(style string, secs int64, exact time.Duration,
	now time.Time) (string, bool) {
	switch style {
	case "missing":
		return "", false
	case "zero":
		return "0", true
	case "short":
		return strconv.FormatInt(secs/2, 10), true
	case "milliseconds":
		return strconv.FormatInt(exact.Milliseconds(), 10), true
	case "http-date":
		at := now.Add(exact)
		if at.Nanosecond() > 0 {
			at = at.Truncate(time.Second).Add(time.Second)
		}
		return at.UTC().Format(http.TimeFormat), true
	}
	return strconv.FormatInt(secs, 10), true
}

// setRateHeaders writes the X-RateLimit headers of d, with the reset as
// Unix seconds rounded up, and the IETF ones when asked. A rule that is
// off writes none.
func setRateHeaders(h http.Header, d decision, now time.Time,
	window time.Duration, t Throttle) {
	if d.limit == 0 {
		return
	}
	reset := now.Add(d.reset)
	secs := reset.Unix()
	if reset.Nanosecond() > 0 {
		secs++
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(secs, 10))
	if t.IETFHeaders {
		h.Set("RateLimit-Policy", `"default";q=`+strconv.Itoa(d.limit)+
			";w="+strconv.FormatInt(retryAfterSeconds(window), 10))
		h.Set("RateLimit", `"default";r=`+strconv.Itoa(d.remaining)+
			";t="+strconv.FormatInt(retryAfterSeconds(d.reset), 10))
	}
}

// window returns the window of the primary rule of a key or of an IP,
// for RateLimit-Policy.
func (p *Profile) window(keyed bool) time.Duration {
	if keyed {
		return p.RateLimit.Window
	}
	return p.PublicRateLimit.Window
}
