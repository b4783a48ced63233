package scenarios

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// schemaFile is the committed JSON Schema of the format.
const schemaFile = "scenario.schema.json"

// TestSchemaIsCurrent fails when scenario.schema.json differs from what
// the Go types and their doc comments generate. Refresh it with
// go test ./scenarios -run Schema -update.
func TestSchemaIsCurrent(t *testing.T) {
	docs := goDocs(t, ".", "../mockserver", "../loadgen")
	got, err := generateSchema(docs)
	if err != nil {
		t.Fatalf("generateSchema: %v", err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale; regenerate it with "+
			"go test ./scenarios -run Schema -update", schemaFile)
	}
}

// TestSchemaDescribesEveryKey checks that every key of the format's own
// types has a description, so that an editor can show one.
func TestSchemaDescribesEveryKey(t *testing.T) {
	var s struct {
		Defs map[string]struct {
			Description string `json:"description"`
			Properties  map[string]struct {
				Description string `json:"description"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(JSONSchema(), &s); err != nil {
		t.Fatalf("the embedded schema is not JSON: %v", err)
	}
	for name, def := range s.Defs {
		if !strings.HasPrefix(name, "scenarios_") {
			continue // the mock's types are documented by their package
		}
		if def.Description == "" {
			t.Errorf("$defs.%s has no description", name)
		}
		for key, p := range def.Properties {
			if p.Description == "" {
				t.Errorf("$defs.%s.properties.%s has no description",
					name, key)
			}
		}
	}
}

// goDocs gathers the doc comments of the types and struct fields of the
// non-test Go files in dirs, keyed "pkg.Type" and "pkg.Type.Field".
func goDocs(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	docs := map[string]string{}
	fset := token.NewFileSet()
	for _, dir := range dirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			addDocs(docs, f)
		}
	}
	return docs
}

func addDocs(docs map[string]string, f *ast.File) {
	pkg := f.Name.Name
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			doc := ts.Doc
			if doc == nil && len(gd.Specs) == 1 {
				doc = gd.Doc
			}
			name := pkg + "." + ts.Name.Name
			docs[name] = docText(doc)
			if st, ok := ts.Type.(*ast.StructType); ok {
				addFieldDocs(docs, name, st)
			}
		}
	}
}

func addFieldDocs(docs map[string]string, typ string, st *ast.StructType) {
	for _, fld := range st.Fields.List {
		doc := fld.Doc
		if doc == nil {
			doc = fld.Comment
		}
		for _, n := range fld.Names {
			docs[typ+"."+n.Name] = docText(doc)
		}
	}
}

// docText flattens a doc comment into one paragraph a line; indented
// lines (lists, tables) keep their own lines.
func docText(cg *ast.CommentGroup) string {
	if cg == nil {
		return ""
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(cg.Text()), "\n") {
		switch {
		case line == "":
			b.WriteString("\n\n")
		case strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "  "):
			if !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte(' ')
			}
			b.WriteString(line)
		}
	}
	return strings.TrimSpace(b.String())
}
