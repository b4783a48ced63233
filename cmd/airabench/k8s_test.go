package main

import (
	"github.com/airabench/airabench/scenarios"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/airabench/airabench/deploy"
)

// k8sDocs splits the output of airabench k8s and decodes the ConfigMap
// and the Jobs strictly.
func k8sDocs(t *testing.T, out string) ([]*corev1.ConfigMap, []*batchv1.Job) {
	t.Helper()
	var maps []*corev1.ConfigMap
	var jobs []*batchv1.Job
	for _, doc := range strings.Split(out, "\n---\n")[1:] {
		var obj any
		switch {
		case strings.Contains(doc, "\nkind: ConfigMap\n"):
			maps = append(maps, &corev1.ConfigMap{})
			obj = maps[len(maps)-1]
		case strings.Contains(doc, "\nkind: Job\n"):
			jobs = append(jobs, &batchv1.Job{})
			obj = jobs[len(jobs)-1]
		default:
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("strict decode: %v\n%s", err, doc)
		}
	}
	if len(jobs) != 2 {
		t.Fatalf("%d Jobs in the output, want 2:\n%s", len(jobs), out)
	}
	return maps, jobs
}

func TestK8sScenarioFile(t *testing.T) {
	dir := t.TempDir()
	scen := filepath.Join(dir, "shard-check.yaml")
	if err := os.WriteFile(scen, []byte(shardScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	code, out, errOut := cli(t, "k8s", "--shards", "4", "--image",
		"registry.example/airabench:v1", "--namespace", "load",
		"--start-at", at.Format(time.RFC3339), scen)
	if code != exitOK {
		t.Fatalf("k8s: exit %d\n%s", code, errOut)
	}
	maps, jobs := k8sDocs(t, out)
	if len(maps) != 1 || maps[0].Data[deploy.ScenarioFile] != shardScenario {
		t.Fatalf("ConfigMaps %v, want one holding the scenario file", maps)
	}
	args := jobs[0].Spec.Template.Spec.Containers[0].Args
	want := []string{"run", "--shard", "$(JOB_COMPLETION_INDEX)/4",
		"--start-at", at.Format(time.RFC3339)}
	if !slices.Equal(args[:len(want)], want) {
		t.Errorf("shard args %q, want them to start %q", args, want)
	}
	if got := *jobs[0].Spec.Parallelism; got != 4 {
		t.Errorf("parallelism %d, want 4", got)
	}
	if jobs[0].Namespace != "load" {
		t.Errorf("namespace %q, want load", jobs[0].Namespace)
	}
	key := jobs[0].Spec.Template.Spec.Containers[0].Env[1]
	if ref := key.ValueFrom.SecretKeyRef; ref == nil || !*ref.Optional {
		t.Errorf("AIRA_API_KEY %+v: want an optional secret for a mock "+
			"scenario", key)
	}
}

func TestK8sShippedScenario(t *testing.T) {
	code, out, errOut := cli(t, "k8s", "--shards", "2", "--image", "a:1",
		"ci-gate")
	if code != exitOK {
		t.Fatalf("k8s: exit %d\n%s", code, errOut)
	}
	// The shipped file travels in a ConfigMap, so the pods run the
	// bytes checked here even if the image holds another version.
	maps, jobs := k8sDocs(t, out)
	want, _ := scenarios.ShippedFile("ci-gate")
	if len(maps) != 1 || maps[0].Data["scenario.yaml"] != string(want) {
		t.Fatalf("%d ConfigMaps, want one holding ci-gate.yaml", len(maps))
	}
	for _, j := range jobs {
		args := j.Spec.Template.Spec.Containers[0].Args
		if !slices.Contains(args, "/scenario/scenario.yaml") {
			t.Errorf("%s args %q do not name the mounted scenario", j.Name,
				args)
		}
	}
}

func TestK8sOutFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.yaml")
	code, out, errOut := cli(t, "k8s", "--shards", "3", "--image", "a:1",
		"--out", path, "ci-gate")
	if code != exitOK {
		t.Fatalf("k8s: exit %d\n%s", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	k8sDocs(t, string(data))
	if !strings.Contains(out, "kubectl apply -f "+path) {
		t.Errorf("the steps do not apply %s:\n%s", path, out)
	}
}

func TestK8sUsageErrors(t *testing.T) {
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no image", []string{"--shards", "2", "ci-gate"}, "Usage"},
		{"no shards", []string{"--image", "a:1", "ci-gate"}, "Usage"},
		{"no scenario", []string{"--shards", "2", "--image", "a:1"},
			"Usage"},
		{"unknown scenario", []string{"--shards", "2", "--image", "a:1",
			"no-such"}, "no such file"},
		{"past start", []string{"--shards", "2", "--image", "a:1",
			"--start-at", past, "ci-gate"}, "has passed"},
		{"bad namespace", []string{"--shards", "2", "--image", "a:1",
			"--namespace", "Load_Test", "ci-gate"}, "namespace"},
		{"too many shards", []string{"--shards", "5000", "--image", "a:1",
			"ci-gate"}, "shards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := cli(t, append([]string{"k8s"},
				tt.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("k8s %q: exit %d, stderr:\n%s\nwant exit %d and %q",
					tt.args, code, errOut, exitUsage, tt.wantErr)
			}
		})
	}
}
