package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// fuzzEnv sets one variable, so that expansion is exercised both ways.
func fuzzEnv(name string) (string, bool) {
	if name == "SET" {
		return "5", true
	}
	return "", false
}

// FuzzLoad checks that no input makes the loader panic, that every
// error carries a position in the file, and that a file it accepts is
// one the load generator can run. The seed corpus in
// testdata/fuzz/FuzzLoad holds the bad files of TestBadScenarios and
// the shipped scenarios; go test ./scenarios -update rewrites it.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data, fuzzEnv)
		if err == nil {
			if len(s.Plan.Stages) == 0 {
				t.Fatal("accepted a scenario without stages")
			}
			if err := s.Plan.Validate(); err != nil {
				t.Fatalf("accepted a plan the load generator refuses: %v",
					err)
			}
			return
		}
		var es Errors
		var e *Error
		switch {
		case errors.As(err, &es):
		case errors.As(err, &e):
			es = Errors{e}
		default:
			t.Fatalf("error %T without a position: %v", err, err)
		}
		for _, e := range es {
			if e.File != "fuzz.yaml" || e.Line < 1 || e.Col < 1 {
				t.Fatalf("error without a position: %q", e)
			}
		}
	})
}

// corpusName turns a case's name into a file name.
var corpusName = regexp.MustCompile(`[^a-z0-9]+`)

// TestFuzzCorpus rewrites the committed seed corpus with -update, and
// otherwise checks that it is there.
func TestFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzLoad")
	if !*update {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(files) < 100 {
			t.Errorf("%s holds %d seeds; run go test ./scenarios "+
				"-update", dir, len(files))
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	seeds := map[string]string{}
	for group, cases := range allBadCases() {
		for _, tc := range cases {
			seeds[group+"-"+tc.name] = tc.src
		}
	}
	for _, name := range shippedNames {
		data, err := shipped.ReadFile(name + ".yaml")
		if err != nil {
			t.Fatal(err)
		}
		seeds["shipped-"+name] = string(data)
	}
	for name, src := range seeds {
		file := filepath.Join(dir,
			corpusName.ReplaceAllString(strings.ToLower(name), "-"))
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", src)
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
