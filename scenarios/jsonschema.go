package scenarios

import (
	_ "embed"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

//go:embed scenario.schema.json
var schemaJSON []byte

// JSONSchema returns the JSON Schema (draft 2020-12) of scenario files,
// for editors to complete and check them. The caller must not modify
// the returned bytes.
func JSONSchema() []byte { return schemaJSON }

// Patterns of the text forms that the schema can check.
const (
	unitPattern     = `(ns|us|µs|ms|s|m|h)`
	durationPattern = `^([0-9]+(\.[0-9]*)?` + unitPattern + `)+$`
	ratePattern     = `^ *[0-9]+(\.[0-9]*)?( */ *([0-9]+(\.[0-9]*)?)?` +
		unitPattern + `)? *$`
)

// schemaGen builds a JSON Schema from the types the checker walks. docs
// maps "pkg.Type" and "pkg.Type.Field" to their doc comments.
type schemaGen struct {
	docs  map[string]string
	enums map[fieldKey][]string
	defs  map[string]any
}

// generateSchema returns the JSON Schema of File, indented, with a
// final newline. Its descriptions come from docs, which the schema test
// gathers from the Go doc comments of schema.go and the mock's profile.
func generateSchema(docs map[string]string) ([]byte, error) {
	g := &schemaGen{docs: docs, enums: enums(), defs: map[string]any{}}
	root := g.ref(reflect.TypeFor[File]())
	s := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id": "https://github.com/airabench/airabench/" +
			"scenarios/scenario.schema.json",
		"title":       "airabench scenario",
		"description": docs[typeName(reflect.TypeFor[File]())],
		"$ref":        root["$ref"],
		"$defs":       g.defs,
	}
	out, err := json.MarshalIndent(s, "", "  ")
	return append(out, '\n'), err
}

func typeName(t reflect.Type) string { return t.String() }

// defName is a struct type's name in $defs.
func defName(t reflect.Type) string {
	return strings.ReplaceAll(t.String(), ".", "_")
}

// ref returns a reference to struct t's definition, adding it first.
func (g *schemaGen) ref(t reflect.Type) map[string]any {
	name := defName(t)
	if _, ok := g.defs[name]; !ok {
		g.defs[name] = nil // a placeholder against recursion
		g.defs[name] = g.object(t)
	}
	return map[string]any{"$ref": "#/$defs/" + name}
}

// object describes struct t: its keys, their types and docs.
func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	for key, f := range fieldsOf(t) {
		p := g.value(f.typ)
		if allowed, ok := g.enums[fieldKey{f.owner, key}]; ok {
			p["enum"] = allowed
		}
		if d := g.docs[typeName(f.owner)+"."+goField(f.owner, key)]; d != "" {
			p["description"] = d
		}
		props[key] = p
		if requiredKeys[fieldKey{f.owner, key}] {
			required = append(required, key)
		}
	}
	obj := map[string]any{
		"type":                 "object",
		"properties":           props,
		"additionalProperties": false,
	}
	if d := g.docs[typeName(t)]; d != "" {
		obj["description"] = d
	}
	if len(required) > 0 {
		slices.Sort(required)
		obj["required"] = required
	}
	g.extend(t, obj)
	return obj
}

// extend adds what a type's keys alone cannot say: merge keys,
// extension keys at the top, and which keys each executor requires and
// refuses.
func (g *schemaGen) extend(t reflect.Type, obj map[string]any) {
	// A merge key (<<) may stand in any mapping.
	patterns := map[string]any{"^<<$": map[string]any{}}
	switch t {
	case reflect.TypeFor[File]():
		patterns["^x-"] = map[string]any{}
	case reflect.TypeFor[StageSpec]():
		obj["allOf"] = executorRules()
	}
	obj["patternProperties"] = patterns
}

// executorRules says, for each executor, which load keys it needs and
// which it does not take.
func executorRules() []any {
	var rules []any
	for _, name := range sortedKeys(executors) {
		ex := executors[name]
		refused := map[string]any{}
		for _, k := range loadKeys {
			if !ex.takes(k) {
				refused[k] = false
			}
		}
		rules = append(rules, map[string]any{
			"if": map[string]any{
				"properties": map[string]any{
					"executor": map[string]any{"const": name}},
				"required": []string{"executor"},
			},
			"then": map[string]any{
				"required":   ex.required,
				"properties": refused,
			},
		})
	}
	return rules
}

// value describes a value of type t.
func (g *schemaGen) value(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == durationType:
		return map[string]any{"type": "string", "pattern": durationPattern}
	case reflect.PointerTo(t).Implements(textUnmarshal):
		return map[string]any{"type": []string{"string", "number"},
			"pattern": ratePattern}
	}
	switch t.Kind() {
	case reflect.Struct:
		return g.ref(t)
	case reflect.Map:
		return map[string]any{"type": "object",
			"additionalProperties": g.value(t.Elem())}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.value(t.Elem())}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	}
	return map[string]any{"type": "integer"}
}

// goField returns the name of the Go field that holds YAML key key of
// struct t.
func goField(t reflect.Type, key string) string {
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == key || (name == "" && strings.ToLower(f.Name) == key) {
			return f.Name
		}
	}
	return ""
}
