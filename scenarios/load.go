package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
	"github.com/airabench/airabench/reports"
)

//go:embed *.yaml
var shipped embed.FS

// Scenario is a checked scenario, ready to run.
type Scenario struct {
	Name        string // the file's name key, or its base name
	Description string // one line
	Source      string // the file's path, or the shipped file's name
	Plan        loadgen.Plan
	// URL is the target's origin; empty when the target is the mock.
	URL string
	// Mock is the mock's setup; nil when the target is a URL.
	Mock *Mock
	// Reference names the published figure to plot beside: authorize,
	// verify, mint or none. It is the file's reference, or the first
	// stage's when the file names none.
	Reference string
	// References holds each stage's reference, by the index of
	// Plan.Stages.
	References []string
	// MaxRate is the highest rate the file may ask of its target; the
	// zero Rate when the file sets none. Every stage's rates are
	// checked against it already.
	MaxRate loadgen.Rate
	// Thresholds are the file's pass/fail criteria, parsed, in the
	// order they are written; a threshold scoped to a stage names one
	// of Plan.Stages.
	Thresholds []reports.Threshold
	// AbortOnFail stops the run at the first threshold that fails while
	// it runs.
	AbortOnFail bool
}

// Mock is the bundled mock's setup for a run.
type Mock struct {
	ProfileName string             // the shipped profile it starts from
	Profile     mockserver.Profile // that profile with the overrides
	Seed        int64              // drives every random choice
}

// Getenv looks up an environment variable; os.LookupEnv fits.
type Getenv func(name string) (string, bool)

// Load reads and checks the scenario at path, or, when no such file
// exists and path names a shipped scenario, that one. Every problem of
// the file is returned at once, as Errors.
func Load(path string, env Getenv) (*Scenario, error) {
	data, err := readFile(path)
	if err == nil {
		return Parse(path, data, env)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	name := strings.TrimSuffix(path, ".yaml")
	data, serr := shipped.ReadFile(name + ".yaml")
	if serr != nil || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("%s: no such file, and no shipped "+
			"scenario of that name (airabench scenarios lists them)", path)
	}
	return Parse(name+".yaml", data, env)
}

// MaxFileBytes is the largest scenario file Load reads; real ones are a
// few kilobytes.
const MaxFileBytes = 1 << 20

// readFile reads at most MaxFileBytes of path, so that a device or a
// huge file is refused rather than read into memory.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, &Error{File: path, Msg: fmt.Sprintf("the file is "+
			"larger than %d bytes; is it a scenario?", MaxFileBytes)}
	}
	return data, nil
}

// ShippedFile returns the bytes of the shipped scenario name, so a copy
// can travel with a run (in a Kubernetes ConfigMap, say).
func ShippedFile(name string) ([]byte, error) {
	name = strings.TrimSuffix(name, ".yaml")
	if strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("%s: not a shipped scenario name", name)
	}
	data, err := shipped.ReadFile(name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("%s: no shipped scenario of that name", name)
	}
	return data, nil
}

// Info describes a shipped scenario.
type Info struct {
	Name        string // what Load and airabench run accept
	Description string // one line; empty if the scenario does not load
}

// Shipped lists the scenarios built into the binary, by name.
func Shipped() []Info {
	entries, _ := shipped.ReadDir(".")
	var out []Info
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".yaml")
		s, err := Load(name, func(string) (string, bool) { return "", false })
		desc := ""
		if err == nil {
			desc = s.Description
		}
		out = append(out, Info{Name: name, Description: desc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Parse checks and decodes the scenario in data; file names it in
// errors. Its error is always Errors, every one with a position.
func Parse(file string, data []byte, env Getenv) (*Scenario, error) {
	data, e := decodeText(file, data)
	if e != nil {
		return nil, Errors{e}
	}
	data, errs := expand(file, data, env)
	if len(errs) > 0 {
		return nil, errs
	}
	if e := tooDeep(file, data); e != nil {
		return nil, Errors{e}
	}
	f, c, err := decode(file, data)
	if err != nil {
		return nil, err
	}
	s := c.build(f)
	if errs := sortByPlace(c.errs); len(errs) > 0 {
		return nil, errs
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(file), ".yaml")
		s.Plan.Name = s.Name
	}
	s.Source = file
	return s, nil
}

// decodeText accepts UTF-8 with or without a byte-order mark and refuses
// every other encoding with a message that says which it is.
func decodeText(file string, data []byte) ([]byte, *Error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0, 0, 0xFE, 0xFF}),
		bytes.HasPrefix(data, []byte{0xFF, 0xFE, 0, 0}):
		return nil, &Error{File: file, Line: 1, Col: 1,
			Msg: "the file is UTF-32; save it as UTF-8"}
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}),
		bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return nil, &Error{File: file, Line: 1, Col: 1,
			Msg: "the file is UTF-16; save it as UTF-8"}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, &Error{File: file, Line: lineOf(data, i), Col: 1,
			Msg: "the file holds a NUL byte; is it UTF-16 or binary?"}
	}
	if !utf8.Valid(data) {
		i := invalidUTF8(data)
		return nil, &Error{File: file, Line: lineOf(data, i), Col: 1,
			Msg: "the file is not valid UTF-8; save it as UTF-8"}
	}
	return data, nil
}

// lineOf returns the 1-based line of byte offset i.
func lineOf(data []byte, i int) int {
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// invalidUTF8 returns the offset of the first byte that is not UTF-8.
func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// yamlError is what go-yaml's errors have in common.
type yamlError interface {
	GetToken() *token.Token
	GetMessage() string
}

// yamlPlace finds "[line:col]" in a go-yaml message without a token.
var yamlPlace = regexp.MustCompile(`\[(\d+):(\d+)\]`)

// fromYAML turns a go-yaml error into an Error with a position; one
// without a position of its own is placed at the file's start.
func fromYAML(file string, err error) *Error {
	e := &Error{File: file, Line: 1, Col: 1}
	msg := err.Error()
	var ye yamlError
	if errors.As(err, &ye) {
		msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
	} else if m := yamlPlace.FindStringSubmatch(msg); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Col, _ = strconv.Atoi(m[2])
		msg = strings.TrimSpace(strings.TrimPrefix(msg, m[0]))
	}
	msg, _, _ = strings.Cut(msg, "\n")
	e.Msg = hintYAML(msg)
	e.Line, e.Col = max(e.Line, 1), max(e.Col, 1)
	return e
}

// hintYAML adds a hint to a go-yaml message that names a likely cause.
func hintYAML(msg string) string {
	if strings.Contains(msg, "'\t'") {
		return msg + " (YAML indents with spaces, not tabs)"
	}
	return msg
}

// safely runs a call into the YAML library and turns a panic of the
// library into an error, so that no input can crash the loader.
func safely(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the YAML library failed on this file: %v", r)
		}
	}()
	return f()
}

// parse parses data into the body of its single YAML document.
func parse(file string, data []byte) (ast.Node, error) {
	var root *ast.File
	err := safely(func() (err error) {
		root, err = parser.ParseBytes(data, 0)
		return err
	})
	if err != nil {
		return nil, Errors{fromYAML(file, err)}
	}
	docs := root.Docs
	switch {
	case len(docs) > 1:
		e := &Error{File: file, Line: 1, Col: 1, Msg: "want one YAML " +
			"document; this file holds more (remove the second ---)"}
		tk := docs[1].Start
		if tk == nil {
			tk = docs[1].GetToken()
		}
		if tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
		return nil, Errors{e}
	case len(docs) == 0 || docs[0].Body == nil:
		return nil, Errors{{File: file, Line: 1, Col: 1,
			Msg: "the file is empty; a scenario needs at least stages"}}
	}
	return docs[0].Body, nil
}

// decode parses data, checks its shape against File, and decodes it on
// top of the mock profile it names. The shape's problems are kept in
// the checker when the file still decodes, so that the checks of values
// can add theirs and every problem is reported at once.
func decode(file string, data []byte) (*File, *checker, error) {
	body, err := parse(file, data)
	if err != nil {
		return nil, nil, err
	}
	c := newChecker(file)
	c.pos[""] = startOf(body)
	c.collectAnchors(body)
	c.walk(body, reflect.TypeFor[File](), "")
	if c.expansions > maxExpansions {
		return nil, nil, sortByPlace(c.errs)
	}
	c.prune(body)
	f, err := c.decodeOnProfile(body)
	if err != nil {
		if len(c.errs) > 0 {
			return nil, nil, sortByPlace(c.errs)
		}
		return nil, nil, Errors{fromYAML(file, err)}
	}
	return f, c, nil
}

// decodeOnProfile decodes body on top of the mock profile it names.
func (c *checker) decodeOnProfile(body ast.Node) (*File, error) {
	var probe File
	if err := nodeToValue(body, &probe); err != nil {
		return nil, err
	}
	f := &File{}
	if m := probe.Target.Mock; m != nil || probe.Target.URL == "" {
		name := "default"
		if m != nil && m.ProfileName != "" {
			name = m.ProfileName
		}
		p, err := mockserver.Lookup(name)
		if err != nil && !c.has("target.mock.profile") {
			c.at("target.mock.profile", "%v", err)
		}
		f.Target.Mock = &MockSpec{ProfileName: name, Settings: p}
	}
	return f, nodeToValue(body, f)
}

// nodeToValue decodes a node. Duplicate keys were refused by the
// parser already; allowing them here lets the keys written after a
// merge key (<<) override what it merged.
func nodeToValue(n ast.Node, v any) error {
	return safely(func() error {
		return yaml.NodeToValue(n, v, yaml.AllowDuplicateMapKey())
	})
}

// maxNesting bounds how deeply a scenario's lists and mappings nest. A
// scenario needs fewer than ten levels; thousands would make the parser
// spend memory and time in proportion before any check could run.
const maxNesting = 64

// tooDeep refuses text whose flow lists and mappings ([ and {), or whose
// block lists on one line ("- - -"), nest beyond maxNesting, before the
// YAML parser sees it. Quoted text and comments are skipped.
func tooDeep(file string, data []byte) *Error {
	depth, line, col := 0, 1, 0
	var quote byte
	atLineStart, dashes := true, 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		col++
		switch {
		case c == '\n':
			// A quote left open is most likely an apostrophe in plain
			// text; close it, so it cannot hide the rest of the file.
			line, col, atLineStart, dashes, quote = line+1, 0, true, 0, 0
			continue
		case quote != 0:
			if c == quote {
				quote = 0
			}
			continue
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i--
			continue
		case c == '[' || c == '{':
			depth++
		case (c == ']' || c == '}') && depth > 0:
			depth--
		case c == '-' && atLineStart:
			dashes++
		case c != ' ' && c != '\t':
			atLineStart = false
		}
		if depth > maxNesting || dashes > maxNesting {
			return &Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(
				"lists or mappings nest deeper than %d levels", maxNesting)}
		}
	}
	return nil
}
