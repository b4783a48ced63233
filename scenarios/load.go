package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/airabench/airabench/loadgen"
	"github.com/airabench/airabench/mockserver"
)

//go:embed *.yaml
var shipped embed.FS

// Scenario is a checked scenario, ready to run.
type Scenario struct {
	Name        string
	Description string
	Source      string // the file's path, or "shipped:NAME"
	Plan        loadgen.Plan
	// URL is the target's origin; empty when the target is the mock.
	URL string
	// Mock is the mock's setup; nil when the target is a URL.
	Mock *Mock
	// Reference names the published figure to plot beside, or "none".
	Reference string
}

// Mock is the bundled mock's setup for a run.
type Mock struct {
	ProfileName string
	Profile     mockserver.Profile
	Seed        int64
}

// Getenv looks up an environment variable; os.LookupEnv fits.
type Getenv func(name string) (string, bool)

// Load reads and checks the scenario at path, or, when no such file
// exists and path names a shipped scenario, that one. Every problem of
// the file is returned at once, as Errors.
func Load(path string, env Getenv) (*Scenario, error) {
	data, err := os.ReadFile(path)
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

// Info describes a shipped scenario.
type Info struct {
	Name        string
	Description string
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
// errors.
func Parse(file string, data []byte, env Getenv) (*Scenario, error) {
	data, err := decodeText(file, data)
	if err != nil {
		return nil, err
	}
	data, errs := expand(file, data, env)
	if len(errs) > 0 {
		return nil, errs
	}
	f, c, err := decode(file, data)
	if err != nil {
		return nil, err
	}
	s := c.build(f)
	if len(c.errs) > 0 {
		sort.SliceStable(c.errs, func(i, j int) bool {
			return c.errs[i].Line < c.errs[j].Line
		})
		return nil, c.errs
	}
	if s.Name == "" {
		s.Name = strings.TrimSuffix(filepath.Base(file), ".yaml")
	}
	s.Source = file
	return s, nil
}

// decodeText accepts UTF-8 with or without a byte-order mark and refuses
// every other encoding with a message that says which it is.
func decodeText(file string, data []byte) ([]byte, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}),
		bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return nil, &Error{File: file, Line: 1, Col: 1,
			Msg: "the file is UTF-16; save it as UTF-8"}
	}
	if !utf8.Valid(data) {
		return nil, &Error{File: file, Line: 1, Col: 1,
			Msg: "the file is not valid UTF-8"}
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line := bytes.Count(data[:i], []byte("\n")) + 1
		return nil, &Error{File: file, Line: line, Col: 1,
			Msg: "the file holds a NUL byte; is it UTF-16 or binary?"}
	}
	return data, nil
}

// yamlError is what go-yaml's errors have in common.
type yamlError interface {
	GetToken() *token.Token
	GetMessage() string
}

func fromYAML(file string, err error) *Error {
	e := &Error{File: file, Msg: err.Error()}
	var ye yamlError
	if errors.As(err, &ye) {
		e.Msg = ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Col = tk.Position.Line, tk.Position.Column
		}
	}
	return e
}

// decode parses data, checks its shape against File, and decodes it on
// top of the mock profile it names.
func decode(file string, data []byte) (*File, *checker, error) {
	ast, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, nil, Errors{fromYAML(file, err)}
	}
	if len(ast.Docs) != 1 || ast.Docs[0].Body == nil {
		return nil, nil, Errors{{File: file, Line: 1, Col: 1,
			Msg: "want exactly one YAML document holding a scenario"}}
	}
	c := &checker{file: file, pos: map[string]*token.Position{}}
	body := ast.Docs[0].Body
	c.walk(body, reflect.TypeFor[File](), "")
	if len(c.errs) > 0 {
		return nil, nil, c.errs
	}

	// The profile's name is needed before the overrides are decoded on
	// top of it.
	var probe File
	if err := yaml.NodeToValue(body, &probe); err != nil {
		return nil, nil, Errors{fromYAML(file, err)}
	}
	f := &File{}
	if m := probe.Target.Mock; m != nil || probe.Target.URL == "" {
		name := "default"
		if m != nil && m.ProfileName != "" {
			name = m.ProfileName
		}
		p, err := mockserver.Lookup(name)
		if err != nil {
			c.at("target.mock.profile", "%v (known: %s)", err,
				strings.Join(mockserver.ProfileNames(), ", "))
			return nil, nil, c.errs
		}
		f.Target.Mock = &MockSpec{ProfileName: name, Settings: p}
	}
	if err := yaml.NodeToValue(body, f); err != nil {
		return nil, nil, Errors{fromYAML(file, err)}
	}
	return f, c, nil
}
