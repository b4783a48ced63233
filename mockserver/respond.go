package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
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

// The error envelopes of Profile.ErrorEnvelope.
const (
	EnvelopeHybrid = "hybrid"
	EnvelopeFlat   = "flat"
	EnvelopeNested = "nested"
)

// flatError and nestedError are apiError cut to one envelope.
type flatError struct {
	Code      string         `json:"code"`
	Message   string         `json:"message"`
	Details   map[string]any `json:"details"`
	RequestID string         `json:"request_id"`
}

type nestedError struct {
	Error     errorInner `json:"error"`
	RequestID string     `json:"request_id"`
}

// shaped returns the error body in the envelope the profile asks for.
func (e *apiError) shaped(envelope string) any {
	switch envelope {
	case EnvelopeFlat:
		return &flatError{e.Code, e.Message, e.Details, e.RequestID}
	case EnvelopeNested:
		return &nestedError{e.Error, e.RequestID}
	default:
		return e
	}
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

// writeJSON encodes body without HTML escaping, so signed payloads keep
// their bytes, and writes it with status.
func writeJSON(w http.ResponseWriter, status int, body any) {
	if page, ok := body.(rawHTML); ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(page))
		return
	}
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
	setJSONHeaders(w.Header(), buf.Len())
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
