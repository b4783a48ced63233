package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
)

// readBody decodes the JSON object in the request body into dst. An
// empty body is accepted when optional. It returns false and the error
// answer when the body is too large (413), not JSON (400) or has a field
// of the wrong type (422).
func readBody(c *call, dst any, optional bool) (result, bool) {
	limit := c.prof.MaxBodyBytes
	if limit == 0 {
		limit = DefaultMaxBodyBytes
	}
	if c.r.ContentLength > limit {
		return tooLarge(limit), false
	}
	body, err := io.ReadAll(io.LimitReader(c.r.Body, limit+1))
	if err != nil {
		return fail(http.StatusBadRequest, "BAD_REQUEST",
			"Could not read the request body", nil), false
	}
	if int64(len(body)) > limit {
		return tooLarge(limit), false
	}
	if optional && len(bytes.TrimSpace(body)) == 0 {
		return result{}, true
	}
	return decodeBody(body, dst)
}

func tooLarge(limit int64) result {
	return fail(http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE",
		"Request body exceeds "+strconv.FormatInt(limit, 10)+" bytes",
		map[string]any{"max_bytes": limit})
}

func decodeBody(body []byte, dst any) (result, bool) {
	err := json.Unmarshal(body, dst)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return result{}, true
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return validation(map[string]string{
			field: "must be of type " + jsonKind(typeErr.Type.Kind().String()),
		}), false
	}
	return fail(http.StatusBadRequest, "BAD_REQUEST",
		"Malformed JSON: "+err.Error(), nil), false
}

// jsonKind names a Go kind as the JSON type a client should send.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	}
	return kind
}

// isObject reports whether raw holds a JSON object.
func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}
