package scenarios

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// maxExpansions bounds how many aliases a file may expand, so that a
// file of nested aliases (a "billion laughs") cannot exhaust memory.
const maxExpansions = 1000

// checker walks a YAML tree beside the Go type it will decode into and
// collects every problem at once: unknown keys (with the nearest known
// one), wrong kinds, values outside an enumeration, numbers that
// overflow, durations without units. It also remembers where each field
// is, so that later checks of values can name a position too.
type checker struct {
	file   string
	errs   Errors
	pos    map[string]*token.Position // field path → value position
	keyPos map[string]*token.Position // field path → key position
	enums  map[fieldKey][]string

	// flagged holds the fields the walker found wrong, so that the
	// checks of values say nothing more about them; bad holds the value
	// nodes it refused, which prune turns into nulls before decoding.
	flagged map[string]bool
	bad     map[ast.Node]bool

	anchors    map[string]ast.Node
	expanding  map[string]bool // anchors being expanded, against cycles
	expansions int
}

func newChecker(file string) *checker {
	return &checker{
		file:      file,
		pos:       map[string]*token.Position{},
		keyPos:    map[string]*token.Position{},
		enums:     enums(),
		flagged:   map[string]bool{},
		bad:       map[ast.Node]bool{},
		anchors:   map[string]ast.Node{},
		expanding: map[string]bool{},
	}
}

var (
	durationType  = reflect.TypeFor[time.Duration]()
	textUnmarshal = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (c *checker) errorf(tk *token.Token, field, format string,
	a ...any) {
	c.flagged[field] = true
	e := &Error{File: c.file, Field: field, Msg: fmt.Sprintf(format, a...)}
	e.Line, e.Col = 1, 1
	if tk != nil && tk.Position != nil {
		e.Line, e.Col = tk.Position.Line, tk.Position.Column
	}
	c.errs = append(c.errs, e)
}

// at adds an error placed at the value of field, or at the nearest
// enclosing field that has a position, or at the file's start.
func (c *checker) at(field, format string, a ...any) {
	c.atPos(c.find(field), field, format, a...)
}

// atKey adds an error placed at field's key, or where at would.
func (c *checker) atKey(field, format string, a ...any) {
	p, ok := c.keyPos[field]
	if !ok {
		p = c.find(field)
	}
	c.atPos(p, field, format, a...)
}

func (c *checker) atPos(p *token.Position, field, format string,
	a ...any) {
	if c.flagged[field] {
		return // the walker said what is wrong here
	}
	e := &Error{File: c.file, Field: field, Msg: fmt.Sprintf(format, a...),
		Line: 1, Col: 1}
	if p != nil {
		e.Line, e.Col = p.Line, p.Column
	}
	c.errs = append(c.errs, e)
}

// find returns where field's value is written; for a field that is not
// written, where its nearest written ancestor's key is, or its value.
func (c *checker) find(field string) *token.Position {
	if pos, ok := c.pos[field]; ok && pos != nil {
		return pos
	}
	for p := parentPath(field); ; p = parentPath(p) {
		if pos, ok := c.keyPos[p]; ok && pos != nil {
			return pos
		}
		if pos, ok := c.pos[p]; ok && pos != nil {
			return pos
		}
		if p == "" {
			return nil
		}
	}
}

// has reports whether field is written in the file.
func (c *checker) has(field string) bool {
	_, ok := c.pos[field]
	return ok
}

// parentPath strips the last step of a field path: a key, an index or
// a quoted map key.
func parentPath(p string) string {
	if strings.HasSuffix(p, `"]`) {
		if i := strings.LastIndex(p, `["`); i >= 0 {
			return p[:i]
		}
	}
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndex(p, "["); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[:i]
	}
	return ""
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// unwrap looks through anchors and tags to the node that holds a value.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

// collectAnchors records every anchor of the tree, so that an alias can
// be checked against the type of the place it stands in.
func (c *checker) collectAnchors(n ast.Node) {
	ast.Walk(anchorVisitor(c.anchors), n)
}

type anchorVisitor map[string]ast.Node

func (v anchorVisitor) Visit(n ast.Node) ast.Visitor {
	if a, ok := n.(*ast.AnchorNode); ok && a.Name != nil {
		v[a.Name.GetToken().Value] = a.Value
	}
	return v
}

// walk checks node n against type t at path.
func (c *checker) walk(n ast.Node, t reflect.Type, path string) {
	n = unwrap(n)
	if n == nil || n.GetToken() == nil {
		return
	}
	if _, ok := c.pos[path]; !ok {
		c.pos[path] = startOf(n)
	}
	if a, ok := n.(*ast.AliasNode); ok {
		if target := c.resolve(a, path); target != nil {
			c.walk(target, t, path)
			c.expanding[aliasName(a)] = false
		}
		return
	}
	if _, ok := n.(*ast.NullNode); ok {
		return // the zero value
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	n0 := len(c.errs)
	c.walkType(n, t, path)
	if len(c.errs) > n0 && isLeaf(t) {
		c.bad[n] = true
	}
}

// startOf returns where a node begins: a block mapping at its first
// key, not at that key's colon.
func startOf(n ast.Node) *token.Position {
	switch m := n.(type) {
	case *ast.MappingNode:
		if !m.IsFlowStyle && len(m.Values) > 0 {
			return startOf(m.Values[0])
		}
	case *ast.MappingValueNode:
		if tk := m.Key.GetToken(); tk != nil {
			return tk.Position
		}
	}
	return n.GetToken().Position
}

// isLeaf reports whether values of t are written as scalars.
func isLeaf(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		return t == durationType ||
			reflect.PointerTo(t).Implements(textUnmarshal)
	case reflect.Map, reflect.Slice:
		return false
	}
	return true
}

// prune replaces the values the walker refused with nulls, so that the
// rest of the file still decodes and the checks of values can run.
func (c *checker) prune(n ast.Node) {
	ast.Walk(pruner(c.bad), n)
}

type pruner map[ast.Node]bool

func (p pruner) Visit(n ast.Node) ast.Visitor {
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			p.Visit(mv)
		}
	case *ast.MappingValueNode:
		if p[unwrap(v.Value)] {
			v.Value = ast.Null(v.Value.GetToken())
		}
	case *ast.SequenceNode:
		for i, e := range v.Values {
			if p[unwrap(e)] {
				v.Values[i] = ast.Null(e.GetToken())
			}
		}
	}
	return p
}

func (c *checker) walkType(n ast.Node, t reflect.Type, path string) {
	if t == durationType {
		c.duration(n, path)
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarshal) {
		c.text(n, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		c.mapping(n, path, t)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			c.errorf(n.GetToken(), path, "want a list, got %s", kindOf(n))
			c.bad[n] = true
			return
		}
		for i, v := range seq.Values {
			c.walk(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Interface:
	default:
		c.scalar(n, t, path)
	}
}

func aliasName(a *ast.AliasNode) string {
	if a.Value == nil || a.Value.GetToken() == nil {
		return ""
	}
	return a.Value.GetToken().Value
}

// resolve returns the node an alias stands for, or nil after adding an
// error when it names no anchor, refers to itself, or expands too often.
func (c *checker) resolve(a *ast.AliasNode, path string) ast.Node {
	name := aliasName(a)
	target, ok := c.anchors[name]
	switch {
	case !ok:
		c.errorf(a.GetToken(), path, "alias *%s names no anchor "+
			"(define it first with &%s)", name, name)
		return nil
	case c.expanding[name]:
		c.errorf(a.GetToken(), path, "alias *%s refers to itself", name)
		return nil
	case c.expansions >= maxExpansions:
		if c.expansions == maxExpansions {
			c.errorf(a.GetToken(), "", "more than %d aliases to "+
				"expand; is the file a nest of aliases?", maxExpansions)
		}
		c.expansions++
		return nil
	}
	c.expansions++
	c.expanding[name] = true
	return target
}

// entry is one key of a mapping and its value, written there or merged
// in with <<.
type entry struct {
	key   *token.Token
	value ast.Node
}

// mapping checks each key of a mapping node against struct or map t.
func (c *checker) mapping(n ast.Node, path string, t reflect.Type) {
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		c.errorf(n.GetToken(), path, "want a mapping of keys, got %s",
			kindOf(n))
		c.bad[n] = true
		return
	}
	var fields map[string]field
	if t.Kind() == reflect.Struct {
		fields = fieldsOf(t)
	}
	for _, e := range c.entries(values, path) {
		c.key(e, path, t, fields)
	}
}

// entries lists a mapping's keys with merge keys expanded, each key
// written after a merge overriding what the merge brought.
func (c *checker) entries(values []*ast.MappingValueNode,
	path string) []entry {
	var merged, own []entry
	for _, mv := range values {
		if _, ok := mv.Key.(*ast.MergeKeyNode); !ok {
			own = append(own, entry{mv.Key.GetToken(), mv.Value})
			continue
		}
		if len(own) > 0 {
			c.errorf(mv.Key.GetToken(), path, "write <<: before the "+
				"mapping's other keys, so that they override what it "+
				"merges")
		}
		merged = append(merged, c.merge(mv.Value, path)...)
	}
	out := own
	for _, m := range merged {
		if !slices.ContainsFunc(own, func(e entry) bool {
			return e.key.Value == m.key.Value
		}) {
			out = append(out, m)
		}
	}
	return out
}

// merge returns the entries a merge key's value brings: a mapping, an
// alias of one, or a list of those.
func (c *checker) merge(n ast.Node, path string) []entry {
	n = unwrap(n)
	if a, ok := n.(*ast.AliasNode); ok {
		target := c.resolve(a, path)
		if target == nil {
			return nil
		}
		defer func() { c.expanding[aliasName(a)] = false }()
		n = unwrap(target)
	}
	switch m := n.(type) {
	case *ast.MappingNode:
		return c.entries(m.Values, path)
	case *ast.MappingValueNode:
		return c.entries([]*ast.MappingValueNode{m}, path)
	case *ast.SequenceNode:
		var out []entry
		for _, v := range m.Values {
			out = append(out, c.merge(v, path)...)
		}
		return out
	}
	c.errorf(n.GetToken(), path, "<< merges a mapping or a list of "+
		"mappings, not %s", kindOf(n))
	return nil
}

// key checks one key of a mapping and walks its value.
func (c *checker) key(e entry, path string, t reflect.Type,
	fields map[string]field) {
	name := e.key.Value
	if t.Kind() == reflect.Map {
		p := fmt.Sprintf("%s[%q]", path, name)
		c.keyPos[p] = e.key.Position
		c.walk(e.value, t.Elem(), p)
		return
	}
	p := join(path, name)
	f, ok := fields[name]
	if !ok {
		if path == "" && strings.HasPrefix(name, "x-") {
			return // an extension key, to hold anchors
		}
		msg := fmt.Sprintf("unknown key %q", name)
		if h := hint(name, sortedKeys(fields)); h != "" {
			msg += " (" + h + ")"
		} else if _, ok := fieldsOf(reflect.TypeFor[StageSpec]())[name]; ok &&
			path == "" {
			msg += " (it belongs in a stage, under stages)"
		}
		c.errorf(e.key, p, "%s", msg)
		return
	}
	c.keyPos[p] = e.key.Position
	if secretFields[fieldKey{f.owner, name}] {
		c.secret(e.value, p)
		return
	}
	c.walk(e.value, f.typ, p)
	if allowed, ok := c.enums[fieldKey{f.owner, name}]; ok {
		c.enum(e.value, p, allowed)
	}
}

// secret notes where a field that must not be in a file is written,
// without reading its value into any message; the value is pruned so
// that the file still decodes and the refusal can be reported.
func (c *checker) secret(n ast.Node, path string) {
	if n = unwrap(n); n != nil && n.GetToken() != nil {
		c.pos[path] = startOf(n)
		c.bad[n] = true
	}
}

// enum checks that a text value is one of allowed; empty text is left to
// the checks of required fields.
func (c *checker) enum(n ast.Node, path string, allowed []string) {
	s, ok := unwrap(n).(*ast.StringNode)
	if !ok || s.Value == "" || slices.Contains(allowed, s.Value) {
		return
	}
	msg := fmt.Sprintf("unknown value %q (want one of %s)", s.Value,
		strings.Join(allowed, ", "))
	if near := nearest(s.Value, allowed); near != "" {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	c.errorf(s.GetToken(), path, "%s", msg)
}

// durationText is a number with a unit that ParseDuration knows.
var durationText = regexp.MustCompile(`^[0-9]+(\.[0-9]*)?(ns|us|µs|ms|s|m|h)$`)

func (c *checker) duration(n ast.Node, path string) {
	s, ok := n.(*ast.StringNode)
	if !ok {
		c.errorf(n.GetToken(), path,
			"want a duration with a unit, such as 30s or 500ms; got %s",
			kindOf(n))
		return
	}
	d, err := time.ParseDuration(s.Value)
	switch {
	case err != nil && durationText.MatchString(s.Value):
		c.errorf(n.GetToken(), path, "duration %s is too long", s.Value)
	case err != nil:
		c.errorf(n.GetToken(), path,
			"%q is not a duration (use a number and a unit: ms, s, m, h)",
			s.Value)
	case d < 0:
		c.errorf(n.GetToken(), path, "duration %s is negative", s.Value)
	}
}

func (c *checker) text(n ast.Node, t reflect.Type, path string) {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode:
	default:
		c.errorf(n.GetToken(), path, "want text, got %s", kindOf(n))
		return
	}
	v := reflect.New(t).Interface().(encoding.TextUnmarshaler)
	if err := v.UnmarshalText([]byte(n.GetToken().Value)); err != nil {
		c.errorf(n.GetToken(), path, "%v", err)
	}
}

// scalar checks a number, bool or string against t's kind.
func (c *checker) scalar(n ast.Node, t reflect.Type, path string) {
	tk := n.GetToken()
	switch t.Kind() {
	case reflect.String:
		switch n.(type) {
		case *ast.StringNode, *ast.LiteralNode:
		case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode:
			c.errorf(tk, path, "want text, got %s", kindOf(n))
		default:
			c.errorf(tk, path, "want text, got %s (quote it to make it "+
				"text)", kindOf(n))
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			c.errorf(tk, path, "want true or false, got %s", kindOf(n))
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		c.integer(n, path, t.Bits(), true)
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		c.integer(n, path, t.Bits(), false)
	case reflect.Float64, reflect.Float32:
		c.float(n, path)
	default:
		c.errorf(tk, path, "cannot hold a value of Go kind %s", t.Kind())
	}
}

// bigNumber is a plain integer too long for go-yaml to read as one.
var bigNumber = regexp.MustCompile(`^[-+]?(0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9_]+)$`)

func (c *checker) integer(n ast.Node, path string, bits int, signed bool) {
	tk := n.GetToken()
	if _, ok := n.(*ast.IntegerNode); !ok {
		if plain(n) && bigNumber.MatchString(tk.Value) {
			c.errorf(tk, path, "%s is too large for a whole number here "+
				"(a %d-bit integer)", tk.Value, bits)
			return
		}
		c.errorf(tk, path, "want a whole number, got %s", kindOf(n))
		return
	}
	v := strings.ReplaceAll(tk.Value, "_", "")
	var err error
	if signed {
		_, err = strconv.ParseInt(v, 0, bits)
	} else {
		_, err = strconv.ParseUint(v, 0, bits)
	}
	if err != nil {
		c.errorf(tk, path, "%s is too large for a whole number here "+
			"(a %d-bit integer)", tk.Value, bits)
	}
}

// plain reports whether n is unquoted text, which go-yaml leaves as
// text when a number is too long or in a form it does not read.
func plain(n ast.Node) bool {
	s, ok := n.(*ast.StringNode)
	return ok && s.GetToken().Type == token.StringType
}

func (c *checker) float(n ast.Node, path string) {
	tk := n.GetToken()
	switch v := n.(type) {
	case *ast.IntegerNode:
		return
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			c.errorf(tk, path, "%s is not a finite number", tk.Value)
		}
		return
	}
	if plain(n) {
		f, err := strconv.ParseFloat(tk.Value, 64)
		switch {
		case err == nil && finite(f):
			return // such as 1e9, which go-yaml decodes as a number
		case err != nil && errors.Is(err, strconv.ErrRange):
			c.errorf(tk, path, "%s is not a finite number", tk.Value)
			return
		}
	}
	c.errorf(tk, path, "want a number, got %s", kindOf(n))
}

// kindOf names what a node holds, for messages.
func kindOf(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return fmt.Sprintf("text %q", n.GetToken().Value)
	case *ast.BoolNode:
		return n.GetToken().Value
	default:
		return fmt.Sprintf("%q", n.GetToken().Value)
	}
}

// field is one YAML key of a struct: its type, and the struct that
// declares it (an inline struct's fields keep their own owner).
type field struct {
	typ   reflect.Type
	owner reflect.Type
}

// fieldsOf maps the YAML keys of struct t, inline structs included, to
// their fields.
func fieldsOf(t reflect.Type) map[string]field {
	out := map[string]field{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k, v := range fieldsOf(ft) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = field{f.Type, t}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
