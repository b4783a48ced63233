package loadgen

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxRate is the highest rate a Rate may hold: far above what one
// generator process can send, low enough to catch a typo such as 1e12/s.
const MaxRate = 1_000_000 // per second

// Rate is a total rate: Freq operations every Per. It is written as in
// "200/s", "60/1m" or "1/10s"; a bare number is per second. Rates below
// one per second are allowed. The zero value is no rate.
type Rate struct {
	Freq float64
	Per  time.Duration
}

// PerSecond returns the rate in operations per second.
func (r Rate) PerSecond() float64 {
	if r.Per <= 0 {
		return 0
	}
	return r.Freq / r.Per.Seconds()
}

// String returns the rate in the form ParseRate reads.
func (r Rate) String() string {
	per := r.Per.String()
	switch r.Per {
	case time.Second:
		per = "s"
	case time.Minute:
		per = "m"
	case time.Hour:
		per = "h"
	}
	return strconv.FormatFloat(r.Freq, 'g', -1, 64) + "/" + per
}

// ParseRate reads a rate such as "200/s", "60/1m", "1/10s" or "0.5".
// The count must be positive and finite, the period positive, and the
// result at most MaxRate per second.
func ParseRate(s string) (Rate, error) {
	num, per, hasPer := strings.Cut(strings.TrimSpace(s), "/")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Rate{}, fmt.Errorf("rate %q: want a count and a period, "+
			"such as 200/s, 60/1m or 1/10s", s)
	}
	r := Rate{Freq: f, Per: time.Second}
	if hasPer {
		per = strings.TrimSpace(per)
		if per != "" && (per[0] < '0' || per[0] > '9') {
			per = "1" + per // "s" means "1s"
		}
		if r.Per, err = time.ParseDuration(per); err != nil {
			return Rate{}, fmt.Errorf("rate %q: period %q is not a "+
				"duration such as s, 1m or 10s", s, per)
		}
	}
	return r, r.check(s)
}

func (r Rate) check(s string) error {
	switch {
	case r.Freq <= 0:
		return fmt.Errorf("rate %q: must be above zero", s)
	case r.Per <= 0:
		return fmt.Errorf("rate %q: period must be above zero", s)
	case r.PerSecond() > MaxRate:
		return fmt.Errorf("rate %q is above the most allowed, %d/s", s,
			MaxRate)
	}
	return nil
}

// UnmarshalText reads a rate with ParseRate, so a Rate can be a field of
// a YAML or JSON document.
func (r *Rate) UnmarshalText(b []byte) error {
	v, err := ParseRate(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalText writes the rate as String does.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
