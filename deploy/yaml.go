package deploy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// Objects returns the manifests in the order they are applied: the
// results claim, the scenario's ConfigMap when there is one, the shard
// Job and the suspended report Job.
func (m *Manifests) Objects() []any {
	out := []any{m.Results}
	if m.Scenario != nil {
		out = append(out, m.Scenario)
	}
	return append(out, m.Shards, m.Report)
}

// Steps returns the kubectl commands that run the manifests once they
// are in file: apply them, wait for the shards, resume the report Job
// and read its summary.
func (m *Manifests) Steps(file string) []string {
	ns := ""
	if m.Shards.Namespace != "" {
		ns = " -n " + m.Shards.Namespace
	}
	return []string{
		"kubectl" + ns + " apply -f " + file,
		"kubectl" + ns + " wait --for=condition=complete --timeout=1h " +
			"job/" + m.Shards.Name,
		"kubectl" + ns + " patch job/" + m.Report.Name +
			` --type=merge -p '{"spec":{"suspend":false}}'`,
		"kubectl" + ns + " logs -f job/" + m.Report.Name,
	}
}

// WriteYAML writes the objects as one multi-document YAML stream, after
// a comment that lists Steps. Fields left at their zero value are not
// written.
func (m *Manifests) WriteYAML(w io.Writer, file string) error {
	var b strings.Builder
	b.WriteString("# Written by airabench k8s. A sharded run in four " +
		"steps:\n")
	for _, s := range m.Steps(file) {
		b.WriteString("#   " + s + "\n")
	}
	for _, obj := range m.Objects() {
		doc, err := marshal(obj)
		if err != nil {
			return err
		}
		b.WriteString("---\n")
		b.Write(doc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// marshal writes obj as YAML without the fields the API server sets: a
// null creationTimestamp and an empty status.
func marshal(obj any) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	if st, ok := tree["status"].(map[string]any); ok && len(st) == 0 {
		delete(tree, "status")
	}
	dropNullTimestamps(tree)
	return yaml.Marshal(tree)
}

// dropNullTimestamps removes every creationTimestamp: null below v.
func dropNullTimestamps(v any) {
	switch v := v.(type) {
	case map[string]any:
		if ts, ok := v["creationTimestamp"]; ok && ts == nil {
			delete(v, "creationTimestamp")
		}
		for _, e := range v {
			dropNullTimestamps(e)
		}
	case []any:
		for _, e := range v {
			dropNullTimestamps(e)
		}
	}
}
