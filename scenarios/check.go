package scenarios

import (
	"encoding"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// checker walks a YAML tree beside the Go type it will decode into and
// collects every problem at once: unknown keys (with the nearest known
// one), wrong kinds, numbers that overflow, durations without units. It
// also remembers where each field is, so that later checks of values can
// name a position too.
type checker struct {
	file string
	errs Errors
	pos  map[string]*token.Position // field path → value position
}

var (
	durationType  = reflect.TypeFor[time.Duration]()
	textUnmarshal = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func (c *checker) errorf(tk *token.Token, field, format string,
	a ...any) {
	e := &Error{File: c.file, Field: field, Msg: fmt.Sprintf(format, a...)}
	if tk != nil && tk.Position != nil {
		e.Line, e.Col = tk.Position.Line, tk.Position.Column
	}
	c.errs = append(c.errs, e)
}

// at returns an error placed at the value of field, or at the nearest
// enclosing field that has a position.
func (c *checker) at(field, format string, a ...any) {
	e := &Error{File: c.file, Field: field, Msg: fmt.Sprintf(format, a...)}
	for p := field; p != ""; p = parentPath(p) {
		if pos, ok := c.pos[p]; ok {
			e.Line, e.Col = pos.Line, pos.Column
			break
		}
	}
	c.errs = append(c.errs, e)
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
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

// walk checks node n against type t at path.
func (c *checker) walk(n ast.Node, t reflect.Type, path string) {
	n = unwrap(n)
	if n == nil {
		return
	}
	if path != "" {
		c.pos[path] = n.GetToken().Position
	}
	if _, ok := n.(*ast.AliasNode); ok {
		return // checked where its anchor stands
	}
	if _, ok := n.(*ast.NullNode); ok {
		return // the zero value
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType {
		c.duration(n, path)
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarshal) {
		c.text(n, t, path)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		c.mapping(n, path, func(key string) (reflect.Type, bool) {
			f, ok := fieldsOf(t)[key]
			return f, ok
		}, sortedKeys(fieldsOf(t)))
	case reflect.Map:
		c.mapping(n, path, func(string) (reflect.Type, bool) {
			return t.Elem(), true
		}, nil)
	case reflect.Slice:
		seq, ok := n.(*ast.SequenceNode)
		if !ok {
			c.errorf(n.GetToken(), path, "want a list, got %s", kindOf(n))
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

// mapping checks each key of a mapping node.
func (c *checker) mapping(n ast.Node, path string,
	field func(string) (reflect.Type, bool), known []string) {
	var values []*ast.MappingValueNode
	switch m := n.(type) {
	case *ast.MappingNode:
		values = m.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{m}
	default:
		c.errorf(n.GetToken(), path, "want a mapping of keys, got %s",
			kindOf(n))
		return
	}
	for _, mv := range values {
		key := mv.Key.GetToken().Value
		ft, ok := field(key)
		if !ok {
			msg := fmt.Sprintf("unknown key %q", key)
			if s := nearest(key, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			c.errorf(mv.Key.GetToken(), join(path, key), "%s", msg)
			continue
		}
		c.walk(mv.Value, ft, join(path, key))
	}
}

func (c *checker) duration(n ast.Node, path string) {
	s, ok := n.(*ast.StringNode)
	if !ok {
		c.errorf(n.GetToken(), path,
			"want a duration with a unit, such as 30s or 500ms; got %s",
			n.GetToken().Value)
		return
	}
	d, err := time.ParseDuration(s.Value)
	switch {
	case err != nil:
		c.errorf(n.GetToken(), path,
			"%q is not a duration (use a number and a unit: ms, s, m, h)",
			s.Value)
	case d < 0:
		c.errorf(n.GetToken(), path, "duration %s is negative", s.Value)
	}
}

func (c *checker) text(n ast.Node, t reflect.Type, path string) {
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
		default:
			c.errorf(tk, path, "want text, got %s", kindOf(n))
		}
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			c.errorf(tk, path, "want true or false, got %q", tk.Value)
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		if _, ok := n.(*ast.IntegerNode); !ok {
			c.errorf(tk, path, "want a whole number, got %q", tk.Value)
			return
		}
		if _, err := strconv.ParseInt(strings.ReplaceAll(tk.Value, "_", ""),
			0, t.Bits()); err != nil {
			c.errorf(tk, path, "%s does not fit in a %d-bit integer",
				tk.Value, t.Bits())
		}
	case reflect.Uint, reflect.Uint64, reflect.Uint32:
		if _, ok := n.(*ast.IntegerNode); !ok {
			c.errorf(tk, path, "want a whole number, got %q", tk.Value)
			return
		}
		if _, err := strconv.ParseUint(strings.ReplaceAll(tk.Value, "_", ""),
			0, t.Bits()); err != nil {
			c.errorf(tk, path, "%s is not a whole number from 0 to 2^%d",
				tk.Value, t.Bits())
		}
	case reflect.Float64, reflect.Float32:
		c.float(n, path)
	default:
		c.errorf(tk, path, "cannot hold a value of Go kind %s", t.Kind())
	}
}

func (c *checker) float(n ast.Node, path string) {
	tk := n.GetToken()
	switch v := n.(type) {
	case *ast.IntegerNode:
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			c.errorf(tk, path, "%s is not a finite number", tk.Value)
		}
	default:
		c.errorf(tk, path, "want a number, got %q", tk.Value)
	}
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
	default:
		return fmt.Sprintf("%q", n.GetToken().Value)
	}
}

// fieldsOf maps the YAML keys of struct t, inline structs included, to
// their types.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
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
		out[name] = f.Type
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
