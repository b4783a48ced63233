// Package deploy writes the Kubernetes manifests of a sharded airabench
// run, so that the cluster, not a home-made scheduler, places the
// generators.
//
// A run is four objects (three for a scenario built into the image, which
// needs no ConfigMap): a ReadWriteMany PersistentVolumeClaim that
// every pod writes its results to, a ConfigMap holding the scenario file,
// an Indexed Job whose pod with completion index i runs shard i of N,
// and a second Job, created suspended, that merges the shards' results
// with airabench report once it is resumed after the first completes.
//
// The smallest use:
//
//	m, err := deploy.Build(deploy.Config{
//		Name: "ci-gate", Scenario: data, Shards: 4,
//		Image: "registry.example/airabench:v1", StartAt: at,
//	})
//	if err != nil { ... }
//	err = m.WriteYAML(os.Stdout, "-") // "-": the file kubectl applies
//
// The package neither talks to a cluster nor reads files; it only builds
// the objects as k8s.io/api types and writes them.
package deploy
