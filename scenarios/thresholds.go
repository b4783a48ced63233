package scenarios

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/airabench/airabench/reports"
)

// thresholds parses the file's thresholds with the reports package's
// parser, in the order they are written, and checks that each stage
// scope names a stage of the file.
func (c *checker) thresholds(f *File) []reports.Threshold {
	keys := sortedKeys(f.Thresholds)
	sort.SliceStable(keys, func(i, j int) bool {
		return c.line(thresholdPath(keys[i])) <
			c.line(thresholdPath(keys[j]))
	})
	var stages []string
	for i := range f.Stages {
		stages = append(stages, stageNameOf(i, &f.Stages[i]))
	}
	var out []reports.Threshold
	for _, k := range keys {
		out = append(out, c.thresholdKey(k, f.Thresholds[k], stages)...)
	}
	return out
}

func thresholdPath(key string) string {
	return fmt.Sprintf("thresholds[%q]", key)
}

// line returns the line a field's key is written at, or 0.
func (c *checker) line(path string) int {
	if p, ok := c.keyPos[path]; ok && p != nil {
		return p.Line
	}
	return 0
}

func (c *checker) thresholdKey(key string, exprs []string,
	stages []string) []reports.Threshold {
	path := thresholdPath(key)
	if len(exprs) == 0 {
		c.atKey(path, "a threshold needs at least one expression, "+
			"such as p(99)<300ms")
		return nil
	}
	var out []reports.Threshold
	for i, e := range exprs {
		p := fmt.Sprintf("%s[%d]", path, i)
		t, err := reports.ParseThreshold(key, e)
		if err != nil {
			c.at(p, "%s", thresholdMessage(err, key))
			continue
		}
		if t.Stage != "" && !slices.Contains(stages, t.Stage) {
			c.unknownStage(path, t.Stage, stages)
			return nil
		}
		out = append(out, t)
	}
	return out
}

func (c *checker) unknownStage(path, name string, stages []string) {
	msg := fmt.Sprintf("no stage is named %q (stages: %s)", name,
		strings.Join(stages, ", "))
	if n := nearest(name, stages); n != "" {
		msg += fmt.Sprintf("; did you mean %q?", n)
	}
	c.atKey(path, "%s", msg)
}

// thresholdMessage drops what the error's place already says: the
// sentinel's words and the key.
func thresholdMessage(err error, key string) string {
	msg := err.Error()
	if errors.Is(err, reports.ErrThreshold) {
		msg = strings.TrimPrefix(msg, reports.ErrThreshold.Error()+" ")
		msg = strings.TrimPrefix(msg, key+": ")
	}
	return msg
}
