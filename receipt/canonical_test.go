package receipt

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// vector is one case of testdata/canonical_vectors.json, computed once
// with Python's json.dumps(json.loads(input), sort_keys=True,
// separators=(",", ":")).
type vector struct {
	Name      string `json:"name"`
	Input     string `json:"input"`
	Canonical string `json:"canonical"`
	SHA256    string `json:"sha256"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/canonical_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

func TestCanonicalPythonVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			got, err := Canonical(json.RawMessage(v.Input))
			if err != nil {
				t.Fatalf("Canonical(%s): %v", v.Input, err)
			}
			if string(got) != v.Canonical {
				t.Errorf("Canonical(%s)\n got %s\nwant %s",
					v.Input, got, v.Canonical)
			}
			if h := PayloadHash(got); h != v.SHA256 {
				t.Errorf("PayloadHash = %s, want %s", h, v.SHA256)
			}
		})
	}
}

func TestCanonicalGoValues(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"float one", 1.0, "1.0"},
		{"float tenth", 0.1, "0.1"},
		{"float big", 1e21, "1e+21"},
		{"float small", 1.5e-7, "1.5e-07"},
		{"float 1e16", 1e16, "1e+16"},
		{"float 1e15", 1e15, "1000000000000000.0"},
		{"negative zero", math.Copysign(0, -1), "-0.0"},
		{"float32", float32(0.5), "0.5"},
		{"int", 7, "7"},
		{"int64 min", int64(math.MinInt64), "-9223372036854775808"},
		{"uint64 max", uint64(math.MaxUint64), "18446744073709551615"},
		{"number int", json.Number("12345678901234567890123"),
			"12345678901234567890123"},
		{"number float", json.Number("2.50"), "2.5"},
		{"nil", nil, "null"},
		{"strings", []string{"b", "<&>"}, `["b","<&>"]`},
		{"string map", map[string]string{"b": "1", "a": "2"},
			`{"a":"2","b":"1"}`},
		{"invalid utf8", "a\xffb", `"a\ufffdb"`},
		{"nested", map[string]any{
			"z": []any{1, 2.0, "é"}, "a": map[string]any{"k": nil},
		}, `{"a":{"k":null},"z":[1,2.0,"\u00e9"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(tt.in)
			if err != nil {
				t.Fatalf("Canonical(%#v): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonical(%#v) = %s, want %s",
					tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalRejects(t *testing.T) {
	tests := []struct {
		name string
		in   any
	}{
		{"NaN", math.NaN()},
		{"Inf", math.Inf(1)},
		{"struct", struct{}{}},
		{"nested bad type", map[string]any{"a": []any{complex(1, 1)}}},
		{"raw trailing data", json.RawMessage(`{} {}`)},
		{"raw not json", json.RawMessage(`{"a":}`)},
		{"raw overflow", json.RawMessage(`1e400`)},
		{"bad number", json.Number("12x")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonical(tt.in)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("Canonical(%#v) = %q, %v; want ErrMalformed",
					tt.in, got, err)
			}
		})
	}
}

// FuzzCanonical checks that Canonical never panics and that its output
// is valid JSON which canonicalizes to itself.
func FuzzCanonical(f *testing.F) {
	f.Add([]byte(`{"b":[1,2.0,"\u00e9"],"a":null}`))
	f.Add([]byte(`[1e21,1.5e-7,-0.0,123456789012345678901234567890]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Canonical(json.RawMessage(data))
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Canonical(%q) = %q, not valid JSON", data, out)
		}
		again, err := Canonical(json.RawMessage(out))
		if err != nil {
			t.Fatalf("Canonical(%q): %v", out, err)
		}
		if string(again) != string(out) {
			t.Fatalf("not a fixed point:\n once %s\ntwice %s", out, again)
		}
	})
}
