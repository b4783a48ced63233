package loadgen

import (
	"math"
	"testing"
	"time"
)

func perSec(n float64) Rate { return Rate{Freq: n, Per: time.Second} }

// TestScheduleCounts checks how many operations each schedule intends
// and how they fall into one-second windows, with no clock.
func TestScheduleCounts(t *testing.T) {
	tests := []struct {
		name    string
		s       Schedule
		total   uint64
		windows []int // operations intended in each one-second window
	}{
		{"10/s for 10s", ConstantSchedule(perSec(10), 10*time.Second), 100,
			[]int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10}},
		{"60/1m for 3s", ConstantSchedule(Rate{60, time.Minute},
			3*time.Second), 3, []int{1, 1, 1}},
		{"1/10s for 25s", ConstantSchedule(Rate{1, 10 * time.Second},
			25*time.Second), 3, nil},
		{"0.5/s for 4s", ConstantSchedule(perSec(0.5), 4*time.Second), 2,
			[]int{1, 0, 1, 0}},
		{"ramp 0 to 10/s over 2s", RampSchedule(perSec(0),
			[]RampStep{{perSec(10), 2 * time.Second}}), 10, []int{3, 7}},
		{"ramp up then hold", RampSchedule(perSec(0), []RampStep{
			{perSec(20), 2 * time.Second}, {perSec(20), 2 * time.Second}}),
			60, []int{5, 15, 20, 20}},
		{"ramp down", RampSchedule(perSec(20),
			[]RampStep{{perSec(0), 2 * time.Second}}), 20, []int{15, 5}},
		{"zero-rate step adds nothing", RampSchedule(perSec(0),
			[]RampStep{{perSec(0), time.Second}, {perSec(4), 0}}), 0, nil},
	}
	for _, tt := range tests {
		if got := tt.s.Total(); got != tt.total {
			t.Errorf("%s: Total() = %d, want %d", tt.name, got, tt.total)
		}
		var n uint64
		counts := map[int]int{}
		prev := time.Duration(-1)
		for ; ; n++ {
			at, ok := tt.s.At(n)
			if !ok {
				break
			}
			if at < prev || at >= tt.s.Duration() && tt.s.Duration() > 0 {
				t.Fatalf("%s: At(%d) = %v after %v, or past the end %v",
					tt.name, n, at, prev, tt.s.Duration())
			}
			prev = at
			counts[int(at/time.Second)]++
		}
		if n != tt.total {
			t.Errorf("%s: At gives %d operations, Total %d", tt.name, n,
				tt.total)
		}
		for w, want := range tt.windows {
			if counts[w] != want {
				t.Errorf("%s: window %d holds %d, want %d", tt.name, w,
					counts[w], want)
			}
		}
	}
}

// TestScheduleRampArea checks that a ramp intends the area under its
// rate curve, for several shapes.
func TestScheduleRampArea(t *testing.T) {
	for _, tt := range []struct {
		from, to float64
		d        time.Duration
	}{{0, 200, 30 * time.Second}, {50, 400, 7 * time.Second},
		{300, 10, 11 * time.Second}, {0.2, 0.9, 100 * time.Second}} {
		s := RampSchedule(perSec(tt.from), []RampStep{{perSec(tt.to), tt.d}})
		area := (tt.from + tt.to) / 2 * tt.d.Seconds()
		if got := s.Total(); got != uint64(math.Ceil(area-1e-9)) {
			t.Errorf("ramp %v→%v over %v: Total = %d, want ⌈%v⌉", tt.from,
				tt.to, tt.d, got, area)
		}
	}
}

func TestPace(t *testing.T) {
	s := ConstantSchedule(perSec(10), time.Second) // every 100 ms
	ms := time.Millisecond
	tests := []struct {
		name     string
		elapsed  time.Duration
		sent     uint64
		prev     time.Duration
		catchUp  float64
		wantWait time.Duration
		wantStop bool
	}{
		{"first goes at once", 0, 0, -1, 0, 0, false},
		{"on time waits for its slot", 120 * ms, 2, 100 * ms, 0, 80 * ms,
			false},
		{"behind goes at once", 450 * ms, 2, 100 * ms, 0, 0, false},
		{"catch-up 2 spaces sends by half", 450 * ms, 2, 440 * ms, 2,
			40 * ms, false},
		{"catch-up never delays past schedule", 100 * ms, 5, 0, 2,
			400 * ms, false},
		{"done", 990 * ms, 10, 900 * ms, 0, 0, true},
	}
	for _, tt := range tests {
		w, stop := s.Pace(tt.elapsed, tt.sent, tt.prev, tt.catchUp)
		if w != tt.wantWait || stop != tt.wantStop {
			t.Errorf("%s: Pace(%v, %d, %v, %v) = %v, %v; want %v, %v",
				tt.name, tt.elapsed, tt.sent, tt.prev, tt.catchUp, w, stop,
				tt.wantWait, tt.wantStop)
		}
	}
}

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		perSec  float64
		wantErr bool
	}{
		{"200/s", 200, false}, {"60/1m", 1, false}, {"1/10s", 0.1, false},
		{"0.5", 0.5, false}, {"3/m", 0.05, false}, {" 5 / 2s ", 2.5, false},
		{"0/s", 0, true}, {"-1/s", 0, true}, {"1e12/s", 0, true},
		{"abc", 0, true}, {"5/0s", 0, true}, {"5/parsec", 0, true},
		{"NaN/s", 0, true}, {"Inf", 0, true}, {"", 0, true},
	}
	for _, tt := range tests {
		r, err := ParseRate(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseRate(%q) error = %v, want error %v", tt.in, err,
				tt.wantErr)
			continue
		}
		if !tt.wantErr && math.Abs(r.PerSecond()-tt.perSec) > 1e-12 {
			t.Errorf("ParseRate(%q) = %v/s, want %v/s", tt.in, r.PerSecond(),
				tt.perSec)
		}
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"200/s", "60/1m", "1/10s", "1e12/s", "0",
		"-3/s", "5/-1s", "1/1ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		ps := r.PerSecond()
		if !(ps > 0 && ps <= MaxRate) {
			t.Fatalf("ParseRate(%q) accepted %v/s", s, ps)
		}
	})
}
