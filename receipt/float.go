package receipt

import (
	"fmt"
	"math"
	"strconv"
)

// appendFloat writes f as Python's float repr does: the shortest digits
// that round-trip, in positional form with at least one fractional digit
// when the decimal exponent is in [-4, 16), and otherwise as d.ddde±XX
// with at least two exponent digits.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("%w: %v is not JSON", ErrMalformed, f)
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(b, "-0.0"...), nil
		}
		return append(b, "0.0"...), nil
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	digits, exp := splitExp(e)
	return appendPython(b, digits, exp), nil
}

// splitExp takes strconv's 'e' form, d.ddde±XX, and returns the digits
// without the point and the decimal exponent of the first digit.
func splitExp(e []byte) ([]byte, int) {
	var digits []byte
	i := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits = append(digits, e[i])
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	return digits, exp
}

func appendPython(b, digits []byte, exp int) []byte {
	// Python's repr goes positional when the point position, counted
	// from the left of the digits, lies in (-4, 16].
	point := exp + 1
	switch {
	case point > 16 || point <= -4:
		return appendSci(b, digits, exp)
	case point <= 0:
		b = append(b, '0', '.')
		for range -point {
			b = append(b, '0')
		}
		return append(b, digits...)
	case point >= len(digits):
		b = append(b, digits...)
		for range point - len(digits) {
			b = append(b, '0')
		}
		return append(b, '.', '0')
	}
	b = append(b, digits[:point]...)
	b = append(b, '.')
	return append(b, digits[point:]...)
}

func appendSci(b, digits []byte, exp int) []byte {
	b = append(b, digits[0])
	if len(digits) > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if exp < 0 {
		b = append(b, '-')
		exp = -exp
	} else {
		b = append(b, '+')
	}
	if exp < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(exp), 10)
}
