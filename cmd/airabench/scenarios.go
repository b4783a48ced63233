package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/airabench/airabench/scenarios"
)

func cmdScenarios(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("scenarios", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: airabench scenarios\n\n"+
			"Lists the scenarios built into airabench; run one with\n"+
			"'airabench run NAME'.\n")
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, s := range scenarios.Shipped() {
		fmt.Fprintf(tw, "%s\t%s\n", s.Name, s.Description)
	}
	tw.Flush()
	return exitOK
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: airabench validate FILE...\n\n"+
			"Checks scenario files without sending a request. Every\n"+
			"problem is listed as file:line:col: field: message.\n"+
			"Exit code 0 when all are valid, 2 otherwise.\n\n"+
			"Example:\n  airabench validate scenarios/*.yaml\n")
	}
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	code := exitOK
	for _, path := range fs.Args() {
		if _, err := scenarios.Load(path, os.LookupEnv); err != nil {
			printLoadError(stderr, err)
			code = exitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
	}
	return code
}

// printLoadError prints a scenario's problems, one a line.
func printLoadError(w io.Writer, err error) {
	var es scenarios.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Fprintln(w, e)
		}
		return
	}
	fmt.Fprintln(w, err)
}
