package deploy

import (
	"errors"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Fixed names and paths of the manifests.
const (
	// ResultsClaim is the PersistentVolumeClaim every run shares; each
	// run writes under its own folder of it (Manifests.Dir).
	ResultsClaim = "airabench-results"
	// ResultsMount is where the results volume is mounted in every pod.
	ResultsMount = "/results"
	// ScenarioMount is where the scenario's ConfigMap is mounted.
	ScenarioMount = "/scenario"
	// ScenarioFile is the ConfigMap key, and the file name under
	// ScenarioMount, of the scenario.
	ScenarioFile = "scenario.yaml"
	// DefaultSecret is the Secret that holds the API key when
	// Config.Secret is empty.
	DefaultSecret = "aira-api-key"
	// SecretKey is the key of the API key within the Secret.
	SecretKey = "api-key"
	// IndexEnv is the variable that carries a pod's completion index,
	// which is its shard.
	IndexEnv = "JOB_COMPLETION_INDEX"
	// IndexAnnotation is the pod annotation the Job controller sets to
	// the completion index.
	IndexAnnotation = "batch.kubernetes.io/job-completion-index"
	// UID is the user and group the pods run as: the image's USER.
	UID = 65532
	// MaxShards bounds Config.Shards; it catches a typo, not a plan.
	MaxShards = 1000
	// MaxScenarioBytes bounds the scenario file, which must fit in a
	// ConfigMap (1 MiB with its metadata).
	MaxScenarioBytes = 900 << 10
	// Container is the name of the airabench container of every pod.
	Container = "airabench"
)

// Config describes a sharded run for Build. Name, Shards, Image and
// StartAt are required; the rest have defaults.
type Config struct {
	// Name is the scenario's name. Object names, labels and the run's
	// folder on the results volume are made from it.
	Name string
	// Scenario is the scenario file. It goes into a ConfigMap that the
	// pods mount. When it is nil, the pods run the shipped scenario
	// Name that is built into the image, and there is no ConfigMap.
	Scenario []byte
	// Shards is how many generator pods run, each one shard of the
	// scenario: 1 to MaxShards.
	Shards int
	// Image is the container image whose entrypoint is airabench.
	Image string
	// Namespace is every object's namespace; empty leaves it to
	// kubectl's context.
	Namespace string
	// StartAt is when every shard starts sending. It also names the run:
	// object names and the results folder carry it to the second.
	StartAt time.Time
	// Secret names the Secret whose key SecretKey becomes AIRA_API_KEY;
	// empty means DefaultSecret.
	Secret string
	// NeedKey makes the Secret required. A scenario against the bundled
	// mock needs no key: its pods start whether the Secret exists or not.
	NeedKey bool
	// StorageClass is the class of the results claim, which needs
	// ReadWriteMany; empty uses the cluster's default class.
	StorageClass string
}

// Manifests are the objects of one sharded run, made by Build. Scenario
// is nil when the pods run a scenario built into the image.
type Manifests struct {
	Results  *corev1.PersistentVolumeClaim
	Scenario *corev1.ConfigMap
	Shards   *batchv1.Job
	Report   *batchv1.Job
	// Dir is the run's folder on the results volume, as the pods see
	// it: shard i writes Dir/shard-i and the report Dir/report.
	Dir string
}

// Build returns the manifests of cfg, or an error naming the first field
// that is missing or invalid.
func Build(cfg Config) (*Manifests, error) {
	if cfg.Secret == "" {
		cfg.Secret = DefaultSecret
	}
	if err := cfg.check(); err != nil {
		return nil, err
	}
	name := dnsLabel(cfg.Name, 20)
	run := cfg.StartAt.UTC().Format("20060102-150405")
	m := &Manifests{
		Results: resultsClaim(cfg),
		Dir:     ResultsMount + "/" + name + "/" + run,
	}
	job := "airabench-" + name + "-" + run
	if cfg.Scenario != nil {
		m.Scenario = scenarioMap(cfg, job)
	}
	m.Shards = shardJob(cfg, m, job)
	m.Report = reportJob(cfg, m, job+"-report")
	return m, nil
}

// check returns every problem of cfg at once, or nil.
func (c Config) check() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("deploy: %s: %s", field,
			fmt.Sprintf(format, args...)))
	}
	if dnsLabel(c.Name, 20) == "" {
		bad("name", "%q has no letter or digit", c.Name)
	}
	if c.Shards < 1 || c.Shards > MaxShards {
		bad("shards", "%d is not between 1 and %d", c.Shards, MaxShards)
	}
	if c.Image == "" || strings.ContainsAny(c.Image, " \t\n") {
		bad("image", "%q is not an image reference", c.Image)
	}
	if c.StartAt.IsZero() {
		bad("start time", "not set")
	}
	if len(c.Scenario) > MaxScenarioBytes {
		bad("scenario", "%d bytes do not fit in a ConfigMap (at most %d)",
			len(c.Scenario), MaxScenarioBytes)
	}
	names := []struct{ field, value string }{
		{"namespace", c.Namespace}, {"secret", c.Secret},
		{"storage class", c.StorageClass},
	}
	for _, n := range names {
		check := validation.IsDNS1123Subdomain
		if n.field == "namespace" {
			check = validation.IsDNS1123Label
		}
		for _, msg := range check(n.value) {
			if n.value != "" {
				bad(n.field, "%q: %s", n.value, msg)
			}
		}
	}
	return errors.Join(errs...)
}

// dnsLabel lower-cases s, turns every run of other characters than
// letters and digits into one hyphen, and cuts it to at most n
// characters, so that it can be part of an object's name.
func dnsLabel(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	out := b.String()
	if len(out) > n {
		out = out[:n]
	}
	return strings.TrimRight(out, "-")
}

// meta returns the metadata of an object of the run.
func meta(cfg Config, name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: cfg.Namespace,
		Labels: labels(name, component)}
}

// labels returns the recommended labels of an object of the run.
func labels(instance, component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      "airabench",
		"app.kubernetes.io/instance":  instance,
		"app.kubernetes.io/component": component,
	}
}

// resultsClaim returns the shared results volume. Every shard writes to
// it at once, from any node: hence ReadWriteMany.
func resultsClaim(cfg Config) *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1",
			Kind: "PersistentVolumeClaim"},
		ObjectMeta: meta(cfg, ResultsClaim, "results"),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{
				corev1.ReadWriteMany},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{
					corev1.ResourceStorage: resource.MustParse("1Gi")},
			},
		},
	}
	if cfg.StorageClass != "" {
		pvc.Spec.StorageClassName = new(cfg.StorageClass)
	}
	return pvc
}

// scenarioMap returns the ConfigMap holding the scenario file.
func scenarioMap(cfg Config, name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(cfg, name, "scenario"),
		Data:       map[string]string{ScenarioFile: string(cfg.Scenario)},
		Immutable:  new(true),
	}
}
