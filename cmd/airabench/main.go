// Command airabench load-tests and benchmarks the Aira API, or its
// bundled mock.
//
// Usage:
//
//	airabench run [flags] SCENARIO     run a scenario file or a shipped one
//	airabench report RESULT...         re-render and merge results
//	airabench compare BASE NEW         compare two results
//	airabench validate FILE...         check scenario files
//	airabench scenarios                list the shipped scenarios
//	airabench mock [flags]             serve the mock on loopback
//	airabench version                  print the version
//
// Exit codes: 0 pass, 1 runtime error, 2 usage or invalid scenario,
// 99 a threshold or baseline gate failed.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
	exitGate    = 99
)

// version is set at link time with -ldflags "-X main.version=..."; the
// module version is used otherwise.
var version = ""

func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "devel"
}

const usage = `airabench load-tests the Aira API, or its bundled mock.

Usage:
  airabench run [flags] SCENARIO     run a scenario (a file, or a shipped name)
  airabench report RESULT...         re-render results, merge shards
  airabench compare BASE NEW         compare two results; exit 99 on regression
  airabench tune [flags] SCENARIO    find the semaphore size for a rate limit
  airabench validate FILE...         check scenario files; exit 0 or 2
  airabench scenarios                list the shipped scenarios
  airabench mock [flags]             serve the mock on loopback
  airabench k8s [flags] SCENARIO     write Kubernetes manifests of a sharded run
  airabench version                  print the version

Examples:
  airabench run semaphore-batch
  airabench run --out out/nightly my-batch.yaml
  AIRA_API_KEY=aira_live_... airabench run real-endpoint.yaml
  airabench mock --addr 127.0.0.1:8080 --seed 7

Run 'airabench COMMAND -h' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// parseExit is the exit code of a flag set's Parse error: 0 for -h,
// which asked for the usage text, and 2 for a bad flag.
func parseExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// run dispatches to a subcommand and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "tune":
		return cmdTune(args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "scenarios":
		return cmdScenarios(args[1:], stdout, stderr)
	case "mock":
		return cmdMock(args[1:], stdout, stderr)
	case "k8s":
		return cmdK8s(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "airabench", toolVersion())
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "airabench: unknown command %q\n\n%s", args[0],
			usage)
		return exitUsage
	}
}
