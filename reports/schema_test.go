package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The tests below keep summary.schema.json in step with WriteJSON: every
// summary written validates against it, and since every object of the
// schema forbids other properties and requires all it lists, a field
// added to one side but not the other fails. The validator knows the
// part of JSON Schema the file uses: $ref to #/$defs, oneOf, type,
// const, minimum, required, properties, additionalProperties and items.

type schemaCheck struct {
	root map[string]any
	errs []string
}

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("summary.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary.schema.json: %v", err)
	}
	return s
}

func (c *schemaCheck) fail(path, format string, a ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, a...))
}

func (c *schemaCheck) resolve(s map[string]any) map[string]any {
	ref, ok := s["$ref"].(string)
	if !ok {
		return s
	}
	name := strings.TrimPrefix(ref, "#/$defs/")
	return c.root["$defs"].(map[string]any)[name].(map[string]any)
}

func (c *schemaCheck) validate(path string, s map[string]any, v any) {
	s = c.resolve(s)
	if alts, ok := s["oneOf"].([]any); ok {
		c.oneOf(path, alts, v)
		return
	}
	if !c.typeOK(path, s, v) {
		return
	}
	if want, ok := s["const"]; ok && fmt.Sprint(want) != fmt.Sprint(v) {
		c.fail(path, "is %v, want %v", v, want)
	}
	if m, ok := s["minimum"].(float64); ok {
		if n, ok := v.(float64); ok && n < m {
			c.fail(path, "is %v, below %v", n, m)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		c.object(path, s, v)
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range v {
				c.validate(fmt.Sprintf("%s[%d]", path, i), items, e)
			}
		}
	}
}

// oneOf passes when exactly one alternative accepts v.
func (c *schemaCheck) oneOf(path string, alts []any, v any) {
	var passed int
	var errs []string
	for _, a := range alts {
		sub := &schemaCheck{root: c.root}
		sub.validate(path, a.(map[string]any), v)
		if len(sub.errs) == 0 {
			passed++
		}
		errs = append(errs, sub.errs...)
	}
	if passed != 1 {
		c.fail(path, "matches %d alternatives of oneOf, want 1: %s",
			passed, strings.Join(errs, "; "))
	}
}

func (c *schemaCheck) typeOK(path string, s map[string]any, v any) bool {
	var types []string
	switch t := s["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, e := range t {
			types = append(types, e.(string))
		}
	default:
		return true
	}
	got := jsonType(v)
	if slices.Contains(types, got) ||
		(got == "integer" && slices.Contains(types, "number")) {
		return true
	}
	c.fail(path, "is %s, want %v", got, types)
	return false
}

func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

func (c *schemaCheck) object(path string, s map[string]any, v map[string]any) {
	props, _ := s["properties"].(map[string]any)
	req, _ := s["required"].([]any)
	for _, r := range req {
		if _, ok := v[r.(string)]; !ok {
			c.fail(path, "lacks required %q", r)
		}
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if ps, ok := props[k].(map[string]any); ok {
			c.validate(path+"."+k, ps, v[k])
			continue
		}
		switch extra := s["additionalProperties"].(type) {
		case bool:
			if !extra {
				c.fail(path, "has %q, which the schema does not list", k)
			}
		case map[string]any:
			c.validate(path+"."+k, extra, v[k])
		}
	}
}

func TestSummaryMatchesSchema(t *testing.T) {
	schema := loadSchema(t)
	runs := edgeRuns()
	runs["sample"] = sampleRun()
	merged, err := Merge(sampleRun(), sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	runs["merged"] = merged
	runs["shard"] = shardRun(0, 2)
	for name, r := range runs {
		var b bytes.Buffer
		if err := WriteJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		c := &schemaCheck{root: schema}
		c.validate("$", schema, doc)
		for _, e := range c.errs {
			t.Errorf("%s: %s", name, e)
		}
	}
}

// TestSchemaRequiresWhatItLists makes every closed object of the schema
// require each property it lists, so the schema cannot keep a field that
// WriteJSON no longer writes.
func TestSchemaRequiresWhatItLists(t *testing.T) {
	schema := loadSchema(t)
	objects := map[string]map[string]any{"$": schema}
	for name, d := range schema["$defs"].(map[string]any) {
		objects[name] = d.(map[string]any)
	}
	for name, o := range objects {
		if o["additionalProperties"] != false {
			continue
		}
		req, _ := o["required"].([]any)
		for p := range o["properties"].(map[string]any) {
			if !slices.Contains(req, any(p)) {
				t.Errorf("%s lists %q but does not require it", name, p)
			}
		}
	}
	props := schema["properties"].(map[string]any)
	v := props["schema_version"].(map[string]any)["const"]
	if v != float64(SchemaVersion) {
		t.Errorf("schema is for version %v, WriteJSON writes %d",
			v, SchemaVersion)
	}
}

func TestSchemaCatchesDrift(t *testing.T) {
	schema := loadSchema(t)
	doc := map[string]any{"schema_version": 1.0, "extra": true}
	c := &schemaCheck{root: schema}
	c.validate("$", schema, doc)
	joined := strings.Join(c.errs, "\n")
	if !strings.Contains(joined, `has "extra"`) ||
		!strings.Contains(joined, `lacks required "stages"`) {
		t.Errorf("validator missed drift:\n%s", joined)
	}
}
