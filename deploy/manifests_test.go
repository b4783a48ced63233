package deploy

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var start = time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)

const scenarioText = "name: capacity\nstages:\n  - flow: authorize\n"

// decoded is a manifest stream decoded strictly into API types.
type decoded struct {
	claims []*corev1.PersistentVolumeClaim
	maps   []*corev1.ConfigMap
	jobs   []*batchv1.Job
	kinds  []string
}

// decode decodes a YAML stream strictly, failing the test on an error.
func decode(t *testing.T, stream []byte) decoded {
	t.Helper()
	d, err := decodeStream(stream)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// decodeStream splits a YAML stream into documents and decodes each one
// into its kind's API type, refusing unknown and duplicate fields, so
// that a field the API server would reject fails here.
func decodeStream(stream []byte) (decoded, error) {
	var d decoded
	for i, doc := range strings.Split(string(stream), "\n---\n")[1:] {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &tm); err != nil {
			return d, fmt.Errorf("document %d: %w", i, err)
		}
		kind := tm.APIVersion + " " + tm.Kind
		d.kinds = append(d.kinds, kind)
		var obj any
		switch kind {
		case "v1 PersistentVolumeClaim":
			d.claims = append(d.claims, &corev1.PersistentVolumeClaim{})
			obj = d.claims[len(d.claims)-1]
		case "v1 ConfigMap":
			d.maps = append(d.maps, &corev1.ConfigMap{})
			obj = d.maps[len(d.maps)-1]
		case "batch/v1 Job":
			d.jobs = append(d.jobs, &batchv1.Job{})
			obj = d.jobs[len(d.jobs)-1]
		default:
			return d, fmt.Errorf("document %d: unexpected %s", i, kind)
		}
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			return d, fmt.Errorf("document %d (%s): strict decode: %w\n%s",
				i, tm.Kind, err, doc)
		}
	}
	return d, nil
}

// write builds cfg and writes its YAML, failing the test on an error.
func write(t *testing.T, cfg Config) []byte {
	t.Helper()
	m, err := Build(cfg)
	if err != nil {
		t.Fatalf("Build(%+v): %v", cfg, err)
	}
	var b bytes.Buffer
	if err := m.WriteYAML(&b, "run.yaml"); err != nil {
		t.Fatalf("WriteYAML: %v", err)
	}
	return b.Bytes()
}

func TestManifests(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"four shards of a file", Config{Name: "Capacity test",
			Scenario: []byte(scenarioText), Shards: 4,
			Image: "registry.example/airabench:v1", StartAt: start}},
		{"one shard in a namespace", Config{Name: "capacity",
			Scenario: []byte(scenarioText), Shards: 1, Image: "a:1",
			Namespace: "load", StartAt: start, StorageClass: "nfs"}},
		{"shipped scenario against a URL", Config{Name: "ci-gate",
			Shards: 12, Image: "a:1", StartAt: start, NeedKey: true,
			Secret: "prod-key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decode(t, write(t, tt.cfg))
			checkKinds(t, tt.cfg, d)
			checkClaim(t, tt.cfg, d.claims[0])
			for _, j := range d.jobs {
				checkPod(t, tt.cfg, j, d)
			}
			shards, report := d.jobs[0], d.jobs[1]
			checkShardJob(t, tt.cfg, shards)
			checkReportJob(t, tt.cfg, shards, report)
			checkResources(t, shards)
		})
	}
}

// checkKinds checks the documents, their order and their namespace.
func checkKinds(t *testing.T, cfg Config, d decoded) {
	t.Helper()
	want := []string{"v1 PersistentVolumeClaim", "v1 ConfigMap",
		"batch/v1 Job", "batch/v1 Job"}
	if cfg.Scenario == nil {
		want = slices.Delete(want, 1, 2)
	}
	if !slices.Equal(d.kinds, want) {
		t.Fatalf("documents = %v, want %v", d.kinds, want)
	}
	metas := []metav1.ObjectMeta{d.claims[0].ObjectMeta,
		d.jobs[0].ObjectMeta, d.jobs[1].ObjectMeta}
	for _, cm := range d.maps {
		metas = append(metas, cm.ObjectMeta)
		if got := cm.Data[ScenarioFile]; got != string(cfg.Scenario) {
			t.Errorf("ConfigMap %s = %q, want the file %q", ScenarioFile,
				got, cfg.Scenario)
		}
	}
	for _, m := range metas {
		if m.Namespace != cfg.Namespace {
			t.Errorf("%s: namespace %q, want %q", m.Name, m.Namespace,
				cfg.Namespace)
		}
		for _, msg := range validation.IsDNS1123Label(m.Name) {
			t.Errorf("name %q: %s", m.Name, msg)
		}
	}
}

// checkClaim checks that the results volume can be shared by pods on
// several nodes.
func checkClaim(t *testing.T, cfg Config, pvc *corev1.PersistentVolumeClaim) {
	t.Helper()
	if !slices.Equal(pvc.Spec.AccessModes,
		[]corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}) {
		t.Errorf("claim access modes = %v, want [ReadWriteMany]",
			pvc.Spec.AccessModes)
	}
	got := ""
	if pvc.Spec.StorageClassName != nil {
		got = *pvc.Spec.StorageClassName
	}
	if got != cfg.StorageClass {
		t.Errorf("storage class = %q, want %q", got, cfg.StorageClass)
	}
}

// checkShardJob checks the Indexed Job and the wiring of the completion
// index into the shard and output arguments.
func checkShardJob(t *testing.T, cfg Config, j *batchv1.Job) {
	t.Helper()
	s := j.Spec
	n := int32(cfg.Shards)
	if deref(s.CompletionMode) != batchv1.IndexedCompletion {
		t.Errorf("completionMode = %v, want Indexed", s.CompletionMode)
	}
	if deref(s.Completions) != n || deref(s.Parallelism) != n {
		t.Errorf("completions, parallelism = %d, %d; want %d, %d",
			deref(s.Completions), deref(s.Parallelism), n, n)
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0 {
		t.Errorf("backoffLimitPerIndex = %v, want 0: a retried shard "+
			"starts late", s.BackoffLimitPerIndex)
	}
	c := j.Spec.Template.Spec.Containers[0]
	index := "$(" + IndexEnv + ")"
	if got := flagValue(c.Args, "--shard"); got !=
		index+"/"+strconv.Itoa(cfg.Shards) {
		t.Errorf("--shard %q, want %s/%d", got, index, cfg.Shards)
	}
	if got := flagValue(c.Args, "--out"); !strings.HasSuffix(got,
		"/shard-"+index) || !strings.HasPrefix(got, ResultsMount+"/") {
		t.Errorf("--out %q, want %s/.../shard-%s", got, ResultsMount, index)
	}
	if got := flagValue(c.Args, "--start-at"); got !=
		cfg.StartAt.Format(time.RFC3339) {
		t.Errorf("--start-at %q, want %s", got,
			cfg.StartAt.Format(time.RFC3339))
	}
	checkEnv(t, cfg, c)
}

// checkEnv checks that the index comes from the Job controller's
// annotation and the API key from the Secret, never as a literal.
func checkEnv(t *testing.T, cfg Config, c corev1.Container) {
	t.Helper()
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
		if e.Value != "" {
			t.Errorf("env %s has a literal value %q", e.Name, e.Value)
		}
	}
	idx := env[IndexEnv].ValueFrom
	if idx == nil || idx.FieldRef == nil || idx.FieldRef.FieldPath !=
		"metadata.annotations['"+IndexAnnotation+"']" {
		t.Errorf("%s = %+v, want the %s annotation", IndexEnv, idx,
			IndexAnnotation)
	}
	key := env["AIRA_API_KEY"].ValueFrom
	if key == nil || key.SecretKeyRef == nil {
		t.Fatalf("AIRA_API_KEY = %+v, want a secretKeyRef", key)
	}
	ref := key.SecretKeyRef
	wantName := cmp.Or(cfg.Secret, DefaultSecret)
	if ref.Name != wantName || ref.Key != SecretKey ||
		deref(ref.Optional) != !cfg.NeedKey {
		t.Errorf("AIRA_API_KEY from secret %s key %s optional %v, want "+
			"%s %s %v", ref.Name, ref.Key, deref(ref.Optional), wantName,
			SecretKey, !cfg.NeedKey)
	}
}

// checkReportJob checks that the report Job waits to be resumed and
// merges exactly the folders the shards write, with the same scenario.
func checkReportJob(t *testing.T, cfg Config, shards, report *batchv1.Job) {
	t.Helper()
	if !deref(report.Spec.Suspend) {
		t.Error("the report Job is not suspended; it would run before " +
			"the shards finish")
	}
	sa := shards.Spec.Template.Spec.Containers[0].Args
	ra := report.Spec.Template.Spec.Containers[0].Args
	if ra[0] != "report" || flagValue(ra, "--scenario") != sa[len(sa)-1] {
		t.Errorf("report args %q do not name the shards' scenario %q", ra,
			sa[len(sa)-1])
	}
	var want []string
	for i := range cfg.Shards {
		want = append(want, strings.ReplaceAll(flagValue(sa, "--out"),
			"$("+IndexEnv+")", strconv.Itoa(i)))
	}
	if got := ra[len(ra)-cfg.Shards:]; !slices.Equal(got, want) {
		t.Errorf("report merges %q, want the shards' folders %q", got, want)
	}
	wantArg := ScenarioMount + "/" + ScenarioFile
	if cfg.Scenario == nil {
		wantArg = cfg.Name
	}
	if got := sa[len(sa)-1]; got != wantArg {
		t.Errorf("scenario argument %q, want %q", got, wantArg)
	}
}

// checkPod checks the security context, and that every path the
// arguments use lies on a volume that is mounted and declared.
func checkPod(t *testing.T, cfg Config, j *batchv1.Job, d decoded) {
	t.Helper()
	p := j.Spec.Template.Spec
	if p.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("%s: restartPolicy %s, want Never", j.Name, p.RestartPolicy)
	}
	sc := p.SecurityContext
	if sc == nil || !deref(sc.RunAsNonRoot) || deref(sc.RunAsUser) == 0 {
		t.Errorf("%s: pod security context %+v, want non-root", j.Name, sc)
	}
	if len(p.Containers) != 1 {
		t.Fatalf("%s: %d containers, want 1", j.Name, len(p.Containers))
	}
	c := p.Containers[0]
	csc := c.SecurityContext
	if c.Image != cfg.Image || csc == nil ||
		deref(csc.AllowPrivilegeEscalation) ||
		!deref(csc.ReadOnlyRootFilesystem) {
		t.Errorf("%s: container %s security %+v, want image %s, no "+
			"escalation, read-only root", j.Name, c.Image, csc, cfg.Image)
	}
	vols := volumeSources(p.Volumes)
	for _, arg := range c.Args {
		if !strings.HasPrefix(arg, "/") {
			continue
		}
		m := mountOf(c.VolumeMounts, arg)
		if m == nil {
			t.Errorf("%s: %s is on no mounted volume", j.Name, arg)
			continue
		}
		checkSource(t, j.Name, arg, vols[m.Name], d)
	}
}

// checkSource checks that a path's volume is the run's claim or its
// ConfigMap, the file name included.
func checkSource(t *testing.T, job, arg string, v *corev1.VolumeSource,
	d decoded) {
	t.Helper()
	switch {
	case v == nil:
		t.Errorf("%s: the volume of %s is not declared", job, arg)
	case v.PersistentVolumeClaim != nil:
		if v.PersistentVolumeClaim.ClaimName != d.claims[0].Name {
			t.Errorf("%s: %s is on claim %s, want %s", job, arg,
				v.PersistentVolumeClaim.ClaimName, d.claims[0].Name)
		}
	case v.ConfigMap != nil:
		if len(d.maps) == 0 || v.ConfigMap.Name != d.maps[0].Name {
			t.Errorf("%s: %s is on ConfigMap %s, which is not written",
				job, arg, v.ConfigMap.Name)
		} else if _, ok := d.maps[0].Data[filepath.Base(arg)]; !ok {
			t.Errorf("%s: ConfigMap %s has no key %s", job,
				v.ConfigMap.Name, filepath.Base(arg))
		}
	default:
		t.Errorf("%s: %s is on a volume of an unexpected kind", job, arg)
	}
}

// checkResources checks that a shard is sized for a 2-core generator,
// with limits equal to requests (the Guaranteed QoS class).
func checkResources(t *testing.T, j *batchv1.Job) {
	t.Helper()
	r := j.Spec.Template.Spec.Containers[0].Resources
	cpu := r.Requests[corev1.ResourceCPU]
	if cpu.Cmp(resource.MustParse("2")) != 0 {
		t.Errorf("cpu request %s, want 2", cpu.String())
	}
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU,
		corev1.ResourceMemory} {
		req, lim := r.Requests[name], r.Limits[name]
		if req.IsZero() || req.Cmp(lim) != 0 {
			t.Errorf("%s request %s, limit %s: want equal and set", name,
				req.String(), lim.String())
		}
	}
}

func TestBuildErrors(t *testing.T) {
	ok := Config{Name: "x", Shards: 2, Image: "a:1", StartAt: start}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no shards", func(c *Config) { c.Shards = 0 }, "shards"},
		{"too many shards", func(c *Config) { c.Shards = MaxShards + 1 },
			"shards"},
		{"no image", func(c *Config) { c.Image = "" }, "image"},
		{"bad namespace", func(c *Config) { c.Namespace = "Load_Test" },
			"namespace"},
		{"bad secret", func(c *Config) { c.Secret = "a key" }, "secret"},
		{"no start", func(c *Config) { c.StartAt = time.Time{} },
			"start time"},
		{"no name", func(c *Config) { c.Name = "--" }, "name"},
		{"scenario too big", func(c *Config) {
			c.Scenario = make([]byte, MaxScenarioBytes+1)
		}, "ConfigMap"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.edit(&cfg)
			_, err := Build(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build(%+v) = %v, want an error naming %s", cfg,
					err, tt.want)
			}
		})
	}
}

func TestDNSLabel(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ci-gate", "ci-gate"},
		{"Migration Capacity!", "migration-capacity"},
		{"__a__b__", "a-b"},
		{"a-very-long-scenario-name-indeed", "a-very-long-scenario"},
		{"abcdefghijklmnopqrs-t", "abcdefghijklmnopqrs"},
		{"été", "t"},
	}
	for _, tt := range tests {
		if got := dnsLabel(tt.in, 20); got != tt.want {
			t.Errorf("dnsLabel(%q, 20) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGolden compares the whole stream with testdata/four-shards.yaml;
// go test ./deploy -update rewrites it.
func TestGolden(t *testing.T) {
	got := write(t, Config{Name: "capacity", Shards: 4,
		Scenario: []byte(scenarioText), Image: "registry.example/ab:v1",
		Namespace: "load", StartAt: start})
	path := filepath.Join("testdata", "four-shards.yaml")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("manifests differ from %s (go test -update rewrites "+
			"it):\n%s", path, got)
	}
}

func flagValue(args []string, name string) string {
	i := slices.Index(args, name)
	if i < 0 || i+1 >= len(args) {
		return ""
	}
	return args[i+1]
}

func mountOf(ms []corev1.VolumeMount, path string) *corev1.VolumeMount {
	for i, m := range ms {
		if strings.HasPrefix(path, m.MountPath+"/") {
			return &ms[i]
		}
	}
	return nil
}

func volumeSources(vs []corev1.Volume) map[string]*corev1.VolumeSource {
	out := map[string]*corev1.VolumeSource{}
	for i := range vs {
		out[vs[i].Name] = &vs[i].VolumeSource
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// TestStrictDecodeRejects checks the decoder of these tests: a field
// that the API types do not have, such as a misspelt one, fails.
func TestStrictDecodeRejects(t *testing.T) {
	good := string(write(t, Config{Name: "x", Shards: 2, Image: "a:1",
		StartAt: start}))
	tests := []struct{ name, from, to string }{
		{"misspelt field", "completionMode:", "completionMod:"},
		{"duplicate field", "parallelism: 2",
			"parallelism: 2\n  parallelism: 3"},
		{"wrong type", "parallelism: 2", "parallelism: two"},
	}
	for _, tt := range tests {
		bad := strings.Replace(good, tt.from, tt.to, 1)
		if bad == good {
			t.Fatalf("%s: %q is not in the manifests", tt.name, tt.from)
		}
		if _, err := decodeStream([]byte(bad)); err == nil {
			t.Errorf("%s: decoding %q did not fail", tt.name, tt.to)
		}
	}
}
