package deploy

import (
	"strconv"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Volume names within the pods.
const (
	resultsVolume  = "results"
	scenarioVolume = "scenario"
)

// shardJob returns the Indexed Job whose pod of completion index i runs
// shard i of the scenario. No pod is retried: a shard that starts again
// after StartAt would not interleave with the others, so a failed shard
// stays failed and the merge refuses the incomplete set. The other
// shards run on.
func shardJob(cfg Config, m *Manifests, name string) *batchv1.Job {
	n := int32(cfg.Shards)
	index := "$(" + IndexEnv + ")"
	args := []string{"run",
		"--shard", index + "/" + strconv.Itoa(cfg.Shards),
		"--start-at", cfg.StartAt.UTC().Format(time.RFC3339Nano),
		"--out", m.Dir + "/shard-" + index,
		"--no-plots",
		scenarioArg(cfg)}
	c := container(cfg, args, generatorResources())
	c.Env = []corev1.EnvVar{indexEnv(), apiKeyEnv(cfg)}
	pod := podSpec(cfg, m, c)
	pod.TopologySpreadConstraints = spread(name)
	job := newJob(cfg, name, "shard", pod)
	job.Spec.CompletionMode = new(batchv1.IndexedCompletion)
	job.Spec.Completions, job.Spec.Parallelism = new(n), new(n)
	job.Spec.BackoffLimitPerIndex = new(int32(0))
	return job
}

// reportJob returns the Job that merges the shards' results and
// evaluates the scenario's thresholds on the whole. It is created
// suspended; resuming it once the shard Job is complete runs it. Its
// arguments name every shard's folder, so a missing one is an error of
// airabench report rather than a smaller run.
func reportJob(cfg Config, m *Manifests, name string) *batchv1.Job {
	args := []string{"report", "--scenario", scenarioArg(cfg),
		"--out", m.Dir + "/report"}
	for i := range cfg.Shards {
		args = append(args, m.Dir+"/shard-"+strconv.Itoa(i))
	}
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("512Mi")},
		Limits: corev1.ResourceList{
			corev1.ResourceMemory: resource.MustParse("1Gi")},
	}
	job := newJob(cfg, name, "report",
		podSpec(cfg, m, container(cfg, args, res)))
	job.Spec.Completions, job.Spec.Parallelism = new(int32(1)), new(int32(1))
	job.Spec.BackoffLimit = new(int32(0))
	job.Spec.Suspend = new(true)
	return job
}

// newJob returns a Job running pod, labelled as one of the run.
func newJob(cfg Config, name, component string,
	pod corev1.PodSpec) *batchv1.Job {
	return &batchv1.Job{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "Job"},
		ObjectMeta: meta(cfg, name, component),
		Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels: labels(name, component)},
				Spec: pod,
			},
		},
	}
}

// scenarioArg returns how the pods name the scenario: the mounted file,
// or the shipped scenario's name.
func scenarioArg(cfg Config) string {
	if cfg.Scenario == nil {
		return cfg.Name
	}
	return ScenarioMount + "/" + ScenarioFile
}

// generatorResources sizes a shard for a 2-core generator. Requests
// equal limits, so the pod is in the Guaranteed QoS class: under the
// static CPU manager it gets 2 whole cores, and Go sets GOMAXPROCS to
// the CPU limit, so the generator is not throttled mid-run.
func generatorResources() corev1.ResourceRequirements {
	rl := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("2"),
		corev1.ResourceMemory: resource.MustParse("1Gi"),
	}
	return corev1.ResourceRequirements{Requests: rl, Limits: rl.DeepCopy()}
}

// container returns the airabench container with args.
func container(cfg Config, args []string,
	res corev1.ResourceRequirements) corev1.Container {
	return corev1.Container{
		Name: Container, Image: cfg.Image, Args: args,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Resources:       res,
		VolumeMounts:    mounts(cfg),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             new(true),
			AllowPrivilegeEscalation: new(false),
			ReadOnlyRootFilesystem:   new(true),
			Capabilities: &corev1.Capabilities{
				Drop: []corev1.Capability{"ALL"}},
		},
	}
}

// indexEnv declares the completion index as IndexEnv. The Job
// controller sets the same variable; declaring it keeps the argument
// wiring visible in the manifest.
func indexEnv() corev1.EnvVar {
	return corev1.EnvVar{Name: IndexEnv, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{
			FieldPath: "metadata.annotations['" + IndexAnnotation + "']"},
	}}
}

// apiKeyEnv passes the API key from the Secret, never as a literal.
func apiKeyEnv(cfg Config) corev1.EnvVar {
	return corev1.EnvVar{Name: "AIRA_API_KEY", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{
				Name: cfg.Secret},
			Key:      SecretKey,
			Optional: new(!cfg.NeedKey),
		},
	}}
}

// mounts returns the container's volume mounts.
func mounts(cfg Config) []corev1.VolumeMount {
	out := []corev1.VolumeMount{{Name: resultsVolume,
		MountPath: ResultsMount}}
	if cfg.Scenario != nil {
		out = append(out, corev1.VolumeMount{Name: scenarioVolume,
			MountPath: ScenarioMount, ReadOnly: true})
	}
	return out
}

// podSpec returns a non-root pod running c with the run's volumes.
func podSpec(cfg Config, m *Manifests, c corev1.Container) corev1.PodSpec {
	vols := []corev1.Volume{{Name: resultsVolume,
		VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
				ClaimName: m.Results.Name}}}}
	if m.Scenario != nil {
		vols = append(vols, corev1.Volume{Name: scenarioVolume,
			VolumeSource: corev1.VolumeSource{
				ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{
						Name: m.Scenario.Name}}}})
	}
	return corev1.PodSpec{
		RestartPolicy:                corev1.RestartPolicyNever,
		AutomountServiceAccountToken: new(false),
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot: new(true),
			RunAsUser:    new(int64(UID)),
			RunAsGroup:   new(int64(UID)),
			FSGroup:      new(int64(UID)),
			SeccompProfile: &corev1.SeccompProfile{
				Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{c},
		Volumes:    vols,
	}
}

// spread asks the scheduler to put the shards on different nodes when it
// can, so that they do not share a node's cores and network; it still
// schedules them when it cannot.
func spread(job string) []corev1.TopologySpreadConstraint {
	return []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       "kubernetes.io/hostname",
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{
			"app.kubernetes.io/instance": job}},
	}}
}
