package mockserver

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Standard normal quantiles of 0.5, 0.9 and 0.99.
var (
	quantiles = []float64{0.5, 0.9, 0.99}
	zq        = []float64{0, 1.2815515655446004, 2.3263478740408408}
)

// TestDistPercentiles samples each distribution a million times from a
// fixed seed and checks the 50th, 90th and 99th percentiles against the
// closed-form values, within 2%.
func TestDistPercentiles(t *testing.T) {
	ms := float64(time.Millisecond)
	tests := []struct {
		name string
		d    Dist
		want func(i int, q float64) float64
	}{
		{"fixed", Dist{Dist: "fixed", Value: 7 * time.Millisecond},
			func(int, float64) float64 { return 7 * ms }},
		{"uniform", uniform(10*time.Millisecond, 30*time.Millisecond),
			func(_ int, q float64) float64 { return (10 + 20*q) * ms }},
		{"normal", Dist{Dist: "normal", Mean: 100 * time.Millisecond,
			Stddev: 10 * time.Millisecond},
			func(i int, _ float64) float64 { return (100 + 10*zq[i]) * ms }},
		{"lognormal", lognormal(15*time.Millisecond, 0.5),
			func(i int, _ float64) float64 {
				return 15 * ms * math.Exp(0.5*zq[i])
			}},
		{"lognormal p99", Dist{Dist: "lognormal",
			Median: 20 * time.Millisecond, P99: 200 * time.Millisecond},
			func(i int, _ float64) float64 {
				return 20 * ms * math.Pow(10, zq[i]/zq[2])
			}},
		{"pareto", Dist{Dist: "pareto", Scale: 5 * time.Millisecond,
			Alpha: 1.5},
			func(_ int, q float64) float64 {
				return 5 * ms * math.Pow(1-q, -1/1.5)
			}},
		{"mixture", Dist{Dist: "mixture", Parts: []Part{
			{Weight: 8, Dist: Dist{Dist: "fixed", Value: time.Millisecond}},
			{Weight: 2, Dist: uniform(100*time.Millisecond,
				200*time.Millisecond)},
		}}, func(_ int, q float64) float64 {
			if q <= 0.8 {
				return ms
			}
			return (100 + 100*(q-0.8)/0.2) * ms
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := percentiles(tt.d, 1_000_000)
			for i, q := range quantiles {
				want := tt.want(i, q)
				if math.Abs(got[i]-want) > 0.02*want {
					t.Errorf("p%g = %.4gms, want %.4gms ±2%%",
						100*q, got[i]/ms, want/ms)
				}
			}
		})
	}
}

func percentiles(d Dist, n int) []float64 {
	r := rand.New(rand.NewPCG(11, 12))
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(d.sample(r))
	}
	slices.Sort(xs)
	out := make([]float64, len(quantiles))
	for i, q := range quantiles {
		out[i] = xs[int(q*float64(n))]
	}
	return out
}

func TestParetoCap(t *testing.T) {
	d := Dist{Dist: "pareto", Scale: time.Millisecond, Alpha: 0.5,
		Max: 10 * time.Millisecond}
	r := rand.New(rand.NewPCG(1, 1))
	for range 10000 {
		if x := d.sample(r); x < time.Millisecond || x > d.Max {
			t.Fatalf("sample %v outside [1ms, %v]", x, d.Max)
		}
	}
}
