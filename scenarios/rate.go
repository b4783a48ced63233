package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/airabench/airabench/loadgen"
)

// RampRate is a rate that may also be zero: where a ramping arrival
// rate starts, or a step's target. It is written as a loadgen.Rate
// ("200/s", "60/1m") or as 0, with or without a period ("0", "0/s").
// The zero value is a rate of nothing.
type RampRate struct {
	loadgen.Rate
}

// UnmarshalText reads a rate as loadgen.ParseRate does, and a zero
// count as a zero RampRate.
func (r *RampRate) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	num, per, hasPer := strings.Cut(s, "/")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || f != 0 {
		return r.Rate.UnmarshalText(b)
	}
	if hasPer {
		if _, err := loadgen.ParseRate("1/" + per); err != nil {
			return fmt.Errorf("rate %q: period %q is not a duration "+
				"such as s, 1m or 10s", s, strings.TrimSpace(per))
		}
	}
	*r = RampRate{}
	return nil
}
