package mockserver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Dist is a delay distribution. Dist names the kind and the kind reads
// only its own fields:
//
//	fixed:     value
//	uniform:   min, max
//	normal:    mean, stddev (samples below zero become zero)
//	lognormal: median and sigma, or median and p99
//	pareto:    scale (the minimum) and alpha (the tail index), capped
//	           at max when max is set
//	mixture:   parts, each a weighted Dist
//
// An empty Dist, or Dist "none", is no delay.
type Dist struct {
	Dist   string        `yaml:"dist" json:"dist,omitempty"`
	Value  time.Duration `yaml:"value" json:"value,omitempty"`
	Min    time.Duration `yaml:"min" json:"min,omitempty"`
	Max    time.Duration `yaml:"max" json:"max,omitempty"`
	Mean   time.Duration `yaml:"mean" json:"mean,omitempty"`
	Stddev time.Duration `yaml:"stddev" json:"stddev,omitempty"`
	Median time.Duration `yaml:"median" json:"median,omitempty"`
	Sigma  float64       `yaml:"sigma" json:"sigma,omitempty"`
	P99    time.Duration `yaml:"p99" json:"p99,omitempty"`
	Scale  time.Duration `yaml:"scale" json:"scale,omitempty"`
	Alpha  float64       `yaml:"alpha" json:"alpha,omitempty"`
	Parts  []Part        `yaml:"parts" json:"parts,omitempty"`
}

// Part is one weighted component of a mixture. Weights are relative;
// they need not sum to 1.
type Part struct {
	Weight float64 `yaml:"weight" json:"weight"`
	Dist   `yaml:",inline" json:",inline"`
}

// z99 is the 0.99 quantile of the standard normal distribution.
const z99 = 2.3263478740408408

// LognormalSigma returns the sigma of the lognormal distribution whose
// median and 99th percentile are given.
func LognormalSigma(median, p99 time.Duration) float64 {
	return math.Log(float64(p99)/float64(median)) / z99
}

// sample draws one delay from d using r.
func (d *Dist) sample(r *rand.Rand) time.Duration {
	switch d.Dist {
	case "fixed":
		return d.Value
	case "uniform":
		return d.Min + time.Duration(r.Float64()*float64(d.Max-d.Min))
	case "normal":
		x := float64(d.Mean) + r.NormFloat64()*float64(d.Stddev)
		return time.Duration(max(x, 0))
	case "lognormal":
		return time.Duration(float64(d.Median) *
			math.Exp(d.sigma()*r.NormFloat64()))
	case "pareto":
		return d.pareto(r)
	case "mixture":
		return d.pick(r.Float64()).sample(r)
	}
	return 0
}

func (d *Dist) sigma() float64 {
	if d.Sigma == 0 && d.P99 > 0 {
		return LognormalSigma(d.Median, d.P99)
	}
	return d.Sigma
}

func (d *Dist) pareto(r *rand.Rand) time.Duration {
	// 1-U lies in (0, 1], so the power never divides by zero.
	x := float64(d.Scale) * math.Pow(1-r.Float64(), -1/d.Alpha)
	if d.Max > 0 && x > float64(d.Max) {
		return d.Max
	}
	return time.Duration(x)
}

// pick returns the part of a mixture that u, uniform in [0, 1), selects.
func (d *Dist) pick(u float64) *Dist {
	total := 0.0
	for i := range d.Parts {
		total += d.Parts[i].Weight
	}
	u *= total
	for i := range d.Parts {
		if u < d.Parts[i].Weight {
			return &d.Parts[i].Dist
		}
		u -= d.Parts[i].Weight
	}
	return &d.Parts[len(d.Parts)-1].Dist
}

func (v *validator) dist(path string, d Dist) {
	switch d.Dist {
	case "", "none":
	case "fixed":
		v.nonNegative(path+".value", d.Value)
	case "uniform":
		v.nonNegative(path+".min", d.Min)
		if d.Max < d.Min {
			v.add(path+".max", "must be >= min (%v), got %v", d.Min, d.Max)
		}
	case "normal":
		v.nonNegative(path+".mean", d.Mean)
		v.nonNegative(path+".stddev", d.Stddev)
	case "lognormal":
		v.lognormal(path, d)
	case "pareto":
		v.pareto(path, d)
	case "mixture":
		v.mixture(path, d)
	default:
		v.add(path+".dist", "unknown distribution %q, want one of "+
			"fixed, uniform, normal, lognormal, pareto, mixture", d.Dist)
	}
}

func (v *validator) nonNegative(path string, d time.Duration) {
	if d < 0 {
		v.add(path, "must be >= 0, got %v", d)
	}
}

func (v *validator) lognormal(path string, d Dist) {
	if d.Median <= 0 {
		v.add(path+".median", "must be > 0, got %v", d.Median)
	}
	if d.Sigma < 0 {
		v.add(path+".sigma", "must be >= 0, got %g", d.Sigma)
	}
	if d.Sigma == 0 && d.P99 != 0 && d.P99 < d.Median {
		v.add(path+".p99", "must be >= median (%v), got %v",
			d.Median, d.P99)
	}
}

func (v *validator) pareto(path string, d Dist) {
	if d.Scale <= 0 {
		v.add(path+".scale", "must be > 0, got %v", d.Scale)
	}
	if d.Alpha <= 0 {
		v.add(path+".alpha", "must be > 0, got %g", d.Alpha)
	}
	v.nonNegative(path+".max", d.Max)
}

func (v *validator) mixture(path string, d Dist) {
	if len(d.Parts) == 0 {
		v.add(path+".parts", "a mixture needs at least one part")
	}
	total := 0.0
	for i, p := range d.Parts {
		ppath := fmt.Sprintf("%s.parts[%d]", path, i)
		if p.Weight < 0 {
			v.add(ppath+".weight", "must be >= 0, got %g", p.Weight)
		}
		total += p.Weight
		v.dist(ppath, p.Dist)
	}
	if len(d.Parts) > 0 && total <= 0 {
		v.add(path+".parts", "weights must sum to more than 0")
	}
}
