package receipt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Canonical returns v encoded as canonical JSON: object keys sorted by code
// point, no whitespace, every character outside printable ASCII escaped as
// \uXXXX (lowercase hex, surrogate pairs above U+FFFF), '<', '>' and '&'
// left as they are, and floats written the way Python's repr writes them
// (1.0 stays "1.0", 1e21 becomes "1e+21", 1.5e-7 becomes "1.5e-07").
//
// v may be nil, bool, string, any signed or unsigned integer type, float32,
// float64, json.Number, json.RawMessage, []any, []string, map[string]any or
// map[string]string, nested freely. A json.RawMessage is decoded with
// UseNumber and canonicalized, so integer literals of any size stay
// integers. Invalid UTF-8 in a Go string is written as U+FFFD, as
// encoding/json would decode it.
//
// Canonical fails, with an error wrapping ErrMalformed, on other types, on
// NaN and infinities (which Python would write as non-JSON tokens), and on
// a json.RawMessage that is not exactly one JSON value.
func Canonical(v any) ([]byte, error) {
	return appendValue(make([]byte, 0, 256), v)
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return appendString(b, x), nil
	case float64:
		return appendFloat(b, x)
	case float32:
		return appendFloat(b, float64(x))
	case json.Number:
		return appendNumber(b, x)
	case json.RawMessage:
		return appendRaw(b, x)
	case map[string]any:
		return appendObject(b, x)
	case map[string]string:
		return appendStringMap(b, x), nil
	case []any:
		return appendArray(b, x)
	case []string:
		return appendStrings(b, x), nil
	}
	return appendInt(b, v)
}

func appendInt(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	}
	return nil, fmt.Errorf("%w: unsupported type %T", ErrMalformed, v)
}

func appendObject(b []byte, m map[string]any) ([]byte, error) {
	keys := sortedKeys(m)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendStringMap(b []byte, m map[string]string) []byte {
	keys := sortedKeys(m)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// sortedKeys returns the keys of m in code point order, which for valid
// UTF-8 is byte order. Keys with invalid UTF-8 sort as they will be
// written, with U+FFFD in place of each bad byte sequence.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return strings.Compare(validUTF8(a), validUTF8(b))
	})
	return keys
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func appendArray(b []byte, a []any) ([]byte, error) {
	b = append(b, '[')
	for i, v := range a {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendValue(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

func appendStrings(b []byte, a []string) []byte {
	b = append(b, '[')
	for i, s := range a {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendRaw decodes one JSON value from raw, keeping numbers as
// json.Number, and appends its canonical form.
func appendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON value",
			ErrMalformed)
	}
	return appendValue(b, v)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string with Python's ensure_ascii
// escaping: only printable ASCII is written as itself.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = appendASCIIEscape(b, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r <= 0xffff {
			b = appendU4(b, uint16(r))
			continue
		}
		hi, lo := utf16.EncodeRune(r)
		b = appendU4(appendU4(b, uint16(hi)), uint16(lo))
	}
	return append(b, '"')
}

func appendASCIIEscape(b []byte, c byte) []byte {
	switch c {
	case '"', '\\':
		return append(b, '\\', c)
	case '\n':
		return append(b, '\\', 'n')
	case '\r':
		return append(b, '\\', 'r')
	case '\t':
		return append(b, '\\', 't')
	case '\b':
		return append(b, '\\', 'b')
	case '\f':
		return append(b, '\\', 'f')
	}
	return appendU4(b, uint16(c))
}

func appendU4(b []byte, u uint16) []byte {
	return append(b, '\\', 'u',
		hexDigits[u>>12], hexDigits[u>>8&0xf],
		hexDigits[u>>4&0xf], hexDigits[u&0xf])
}

// appendNumber writes an integer literal as an integer of any size and
// anything with a fraction or exponent as a float, as Python's json.loads
// would read it.
func appendNumber(b []byte, n json.Number) ([]byte, error) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return appendIntLiteral(b, s), nil
		}
		if !isIntLiteral(s) {
			return nil, fmt.Errorf("%w: bad number %q", ErrMalformed, s)
		}
		return appendIntLiteral(b, s), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: bad number %q: %w", ErrMalformed, s, err)
	}
	return appendFloat(b, f)
}

// appendIntLiteral writes a JSON integer literal; "-0" becomes "0" as
// Python's int does.
func appendIntLiteral(b []byte, s string) []byte {
	if s == "-0" {
		return append(b, '0')
	}
	return append(b, s...)
}

func isIntLiteral(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
