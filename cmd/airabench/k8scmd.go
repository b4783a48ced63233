package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/airabench/airabench/deploy"
	"github.com/airabench/airabench/scenarios"
)

const k8sUsage = `Usage: airabench k8s [flags] SCENARIO

Writes the Kubernetes manifests of a sharded run: a ReadWriteMany claim
for the results, a ConfigMap holding the scenario, an Indexed Job whose
pod of completion index i runs shard i of N, and a suspended Job that
merges the shards with 'airabench report' once you resume it. Every
shard waits for one start time, --start-at or now plus --start-in.
The API key comes from a Secret (--secret, key "api-key"), never from
the manifests. The comment at the top of the output lists the kubectl
commands that run it; docs/kubernetes.md walks through them.

SCENARIO is a file, or the name of a shipped scenario, which the pods
then run from the image.

Examples:
  airabench k8s --shards 4 --image registry.example/airabench:v1 \
      migration-capacity | kubectl apply -f -
  airabench k8s --shards 8 --image registry.example/airabench:v1 \
      --namespace load --start-in 10m --out run.yaml my-capacity.yaml

Flags:
`

// k8sFlags are the flags of airabench k8s.
type k8sFlags struct {
	shards       int
	image        string
	namespace    string
	out          string
	secret       string
	storageClass string
	startAt      string
	startIn      time.Duration
}

// cmdK8s writes the manifests of a sharded run and returns the exit code.
func cmdK8s(args []string, stdout, stderr io.Writer) int {
	var f k8sFlags
	fs := k8sFlagSet(&f, stderr)
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() != 1 || f.shards < 1 || f.image == "" {
		fs.Usage()
		return exitUsage
	}
	sc, err := scenarios.Load(fs.Arg(0), os.LookupEnv)
	if err != nil {
		printLoadError(stderr, err)
		return exitUsage
	}
	cfg, err := k8sConfig(fs.Arg(0), sc, f, time.Now())
	if err != nil {
		fmt.Fprintf(stderr, "airabench k8s: %v\n", err)
		return exitUsage
	}
	m, err := deploy.Build(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "airabench k8s: %v\n", err)
		return exitUsage
	}
	if err := writeManifests(m, f.out, stdout); err != nil {
		fmt.Fprintf(stderr, "airabench k8s: %v\n", err)
		return exitRuntime
	}
	return exitOK
}

// k8sFlagSet returns the flag set of airabench k8s, writing into f.
func k8sFlagSet(f *k8sFlags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("k8s", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&f.shards, "shards", 0,
		"how many generator pods run the scenario, one shard each "+
			"(required)")
	fs.StringVar(&f.image, "image", "",
		"container image with airabench as its entrypoint (required)")
	fs.StringVar(&f.namespace, "namespace", "",
		"namespace of every object (default: kubectl's context)")
	fs.StringVar(&f.out, "out", "-", "write the manifests to this file; "+
		"- is standard output")
	fs.StringVar(&f.secret, "secret", deploy.DefaultSecret,
		"Secret whose key \"api-key\" becomes AIRA_API_KEY")
	fs.StringVar(&f.storageClass, "storage-class", "",
		"storage class of the results claim; it must offer ReadWriteMany "+
			"(default: the cluster's default class)")
	fs.StringVar(&f.startAt, "start-at", "",
		"RFC 3339 time at which every shard starts (default: now plus "+
			"--start-in)")
	fs.DurationVar(&f.startIn, "start-in", 2*time.Minute,
		"how long after now the shards start, to leave time to pull the "+
			"image and schedule the pods")
	fs.Usage = func() {
		fmt.Fprint(stderr, k8sUsage)
		fs.PrintDefaults()
	}
	return fs
}

// k8sConfig turns the checked scenario sc, loaded from path, and the
// flags into a deploy.Config.
func k8sConfig(path string, sc *scenarios.Scenario, f k8sFlags,
	now time.Time) (deploy.Config, error) {
	data, err := scenarioFile(path)
	if err != nil {
		return deploy.Config{}, err
	}
	start, err := startTime(f, now)
	if err != nil {
		return deploy.Config{}, err
	}
	return deploy.Config{
		Name: sc.Name, Scenario: data, Shards: f.shards, Image: f.image,
		Namespace: f.namespace, StartAt: start, Secret: f.secret,
		NeedKey: sc.Mock == nil, StorageClass: f.storageClass,
	}, nil
}

// scenarioFile returns the bytes of the scenario file at path, or of
// the shipped scenario path names, so the pods run exactly what was
// checked here.
func scenarioFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return scenarios.ShippedFile(path)
	}
	return data, err
}

// startTime returns --start-at, or now plus --start-in rounded up to the
// second.
func startTime(f k8sFlags, now time.Time) (time.Time, error) {
	if f.startAt == "" {
		if f.startIn < 0 {
			return time.Time{}, fmt.Errorf("--start-in: %v is negative",
				f.startIn)
		}
		return now.Add(f.startIn + time.Second - 1).Truncate(time.Second),
			nil
	}
	t, err := time.Parse(time.RFC3339, f.startAt)
	if err != nil {
		return time.Time{}, fmt.Errorf("--start-at: %q is not an RFC 3339 "+
			"time, such as 2026-12-03T18:00:00Z", f.startAt)
	}
	if t.Before(now) {
		return time.Time{}, fmt.Errorf("--start-at: %s has passed; shards "+
			"would start as each is scheduled, not together", f.startAt)
	}
	return t, nil
}

// writeManifests writes m to the file out, or to stdout for "-".
func writeManifests(m *deploy.Manifests, out string, stdout io.Writer) error {
	if out == "-" {
		return m.WriteYAML(stdout, "-")
	}
	var b strings.Builder
	if err := m.WriteYAML(&b, out); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s; run it with:\n", out)
	for _, s := range m.Steps(out) {
		fmt.Fprintln(stdout, "  "+s)
	}
	return nil
}
