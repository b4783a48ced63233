package scenarios

import (
	"bytes"
	"fmt"
	"regexp"
)

// envRef matches ${NAME} and ${NAME:-default}.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${NAME} and ${NAME:-default} with values from env, line
// by line, so that one file serves a laptop and CI. A comment line is
// left as it is. A variable that is unset and has no default is an error
// at its position; an empty but set variable expands to nothing, unless
// it has a default (as in the shell).
func expand(file string, data []byte, env Getenv) ([]byte, Errors) {
	var errs Errors
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, line := range lines {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '#' {
			continue
		}
		lines[i] = envRef.ReplaceAllFunc(line, func(m []byte) []byte {
			sub := envRef.FindSubmatch(m)
			v, ok := env(string(sub[1]))
			if sub[2] != nil && v == "" {
				return sub[3]
			}
			if !ok {
				errs = append(errs, &Error{File: file, Line: i + 1,
					Col: bytes.Index(line, m) + 1,
					Msg: fmt.Sprintf("environment variable %s is not set "+
						"(write ${%s:-default} to give a default)",
						sub[1], sub[1])})
			}
			return []byte(v)
		})
	}
	return bytes.Join(lines, nil), errs
}
