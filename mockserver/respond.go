package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// result is what a route handler answers: a status and a body to encode
// as JSON.
type result struct {
	status int
	body   any
}

// apiError is the error body. It carries the flat fields the SDKs read
// and the nested "error" object the docs show (aira-api.md §5.3).
type apiError struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"request_id"`
	Error     errorInner     `json:"error"`
}

type errorInner struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

// fail builds an error result; details may be nil.
func fail(status int, code, msg string, details map[string]any) result {
	if details == nil {
		details = map[string]any{}
	}
	return result{status, &apiError{
		Code: code, Message: msg, Details: details,
		Error: errorInner{Code: code, Message: msg, Details: details},
	}}
}

func notFound(what string) result {
	return fail(http.StatusNotFound, "NOT_FOUND", what+" not found", nil)
}

func invalidState(msg string) result {
	return fail(http.StatusConflict, "INVALID_STATE", msg, nil)
}

func validation(fields map[string]string) result {
	return fail(http.StatusUnprocessableEntity, "VALIDATION_ERROR",
		"Request validation failed", map[string]any{"fields": fields})
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON encodes body without HTML escaping, so signed payloads keep
// their bytes, and writes it with status.
func writeJSON(w http.ResponseWriter, status int, body any) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"code":"INTERNAL_ERROR","message":"encode"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// setRateHeaders writes the X-RateLimit headers of d, with the reset as
// Unix seconds rounded up. A rule that is off writes none.
func setRateHeaders(h http.Header, d decision, now time.Time) {
	if d.limit == 0 {
		return
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	reset := now.Add(d.reset)
	secs := reset.Unix()
	if reset.Nanosecond() > 0 {
		secs++
	}
	h.Set("X-RateLimit-Reset", strconv.FormatInt(secs, 10))
}

// limited builds the 429 answer for a rejection.
func limited(h http.Header, d decision) result {
	secs := retryAfterSeconds(d.retryAfter)
	h.Set("Retry-After", strconv.FormatInt(secs, 10))
	msg := "Rate limit exceeded. Try again in " +
		strconv.FormatInt(secs, 10) + " seconds."
	return fail(http.StatusTooManyRequests, "RATE_LIMITED", msg,
		map[string]any{"retry_after": secs})
}
