package loadgen

import (
	"math"
	"time"
)

// Schedule is the open model's plan: when each operation is intended,
// relative to the stage's start. The rate is piecewise linear in time:
// constant for constant-arrival-rate, a line per step for a ramp. The
// n-th operation (from 0) is intended at the first instant t at which
// the rate's integral from 0 to t reaches n, so a constant 10/s for 10 s
// intends 100 operations, ten in every one-second window.
//
// A Schedule is a value with no clock; At and Pace are pure.
type Schedule struct {
	segs []segment
	end  time.Duration
}

// segment is a stretch of linearly changing rate.
type segment struct {
	start  time.Duration // offset of the segment's start
	length time.Duration
	r0, r1 float64 // rate per second at start and end
	before float64 // operations intended before the segment
}

// ops returns how many operations the segment holds (fractional).
func (s segment) ops() float64 {
	return (s.r0 + s.r1) / 2 * s.length.Seconds()
}

// ConstantSchedule returns a schedule of rate r for d.
func ConstantSchedule(r Rate, d time.Duration) Schedule {
	return RampSchedule(r, []RampStep{{Target: r, Duration: d}})
}

// RampSchedule returns a schedule that starts at rate from and moves
// linearly through each step's target over the step's duration.
func RampSchedule(from Rate, steps []RampStep) Schedule {
	var s Schedule
	r0, before := from.PerSecond(), 0.0
	for _, st := range steps {
		seg := segment{start: s.end, length: st.Duration, r0: r0,
			r1: st.Target.PerSecond(), before: before}
		s.segs = append(s.segs, seg)
		before += seg.ops()
		s.end += st.Duration
		r0 = seg.r1
	}
	return s
}

// Duration returns the schedule's length.
func (s Schedule) Duration() time.Duration { return s.end }

// Total returns how many operations the schedule intends.
func (s Schedule) Total() uint64 {
	if len(s.segs) == 0 {
		return 0
	}
	last := s.segs[len(s.segs)-1]
	return uint64(math.Ceil(last.before + last.ops() - 1e-9))
}

// At returns the offset at which operation n (from 0) is intended, and
// false when the schedule holds no such operation.
func (s Schedule) At(n uint64) (time.Duration, bool) {
	m := float64(n)
	for _, seg := range s.segs {
		if m >= seg.before+seg.ops()-1e-9 {
			continue
		}
		t := solve(seg, m-seg.before)
		return seg.start + time.Duration(math.Round(t*1e9)), true
	}
	return 0, false
}

// solve returns the seconds into seg at which the rate's integral over
// seg reaches m. With a = (r1-r0)/(2T) the integral is a t² + r0 t; its
// root is written 2m / (r0 + √(r0² + 4am)), which is stable when a is
// near zero and when the rate falls.
func solve(seg segment, m float64) float64 {
	if m <= 0 {
		return 0
	}
	T := seg.length.Seconds()
	a := (seg.r1 - seg.r0) / (2 * T)
	disc := seg.r0*seg.r0 + 4*a*m
	t := 2 * m / (seg.r0 + math.Sqrt(max(disc, 0)))
	return min(t, T)
}

// Pace says how long to wait before sending operation sent (the number
// sent so far) when elapsed has passed since the start and the previous
// send left at prev (negative before the first). It stops when the
// schedule is done. After a stall, sends are spaced at least 1/catchUp
// of the schedule's own spacing, so a late generator catches up at most
// catchUp times faster than planned; catchUp of 0 or below means as fast
// as it can.
func (s Schedule) Pace(elapsed time.Duration, sent uint64,
	prev time.Duration, catchUp float64) (wait time.Duration, stop bool) {
	at, ok := s.At(sent)
	if !ok {
		return 0, true
	}
	next := at
	if catchUp > 0 && sent > 0 && prev >= 0 {
		before, _ := s.At(sent - 1)
		gap := time.Duration(float64(at-before) / catchUp)
		next = max(next, prev+gap)
	}
	return max(next-elapsed, 0), false
}
