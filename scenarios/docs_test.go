package scenarios

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// yamlBlock matches a fenced YAML example of docs/scenarios.md.
var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// docStage completes an example that shows only top-level keys.
const docStage = "stages:\n  - {name: steady, flow: authorize, " +
	"executor: semaphore, concurrency: 5, items: 10}\n"

// TestDocsExamplesLoad checks that every YAML example of the user's
// guide is valid, completed with a stage where it shows only a part.
func TestDocsExamplesLoad(t *testing.T) {
	data, err := os.ReadFile("../docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := yamlBlock.FindAllStringSubmatch(string(data), -1)
	if len(blocks) < 15 {
		t.Fatalf("found %d YAML examples; want one per feature", len(blocks))
	}
	for _, b := range blocks {
		src := completeExample(b[1])
		if src == "" {
			continue
		}
		if _, err := Parse("example.yaml", []byte(src), noEnv); err != nil {
			t.Errorf("docs example does not load:\n%s\n%v", src, err)
		}
	}
}

// completeExample turns a documentation snippet into a whole file, or
// returns "" for one that holds no keys.
func completeExample(s string) string {
	switch {
	case !strings.Contains(s, ":") || strings.HasPrefix(s, "#"):
		return ""
	case regexp.MustCompile(`(?m)^stages:`).MatchString(s):
		return s
	case strings.HasPrefix(s, "  - "):
		return "stages:\n" + s
	case strings.HasPrefix(s, "    "):
		return "stages:\n  - flow: authorize\n    executor: gather\n" +
			"    items: 1\n" + s
	}
	return s + docStage
}
