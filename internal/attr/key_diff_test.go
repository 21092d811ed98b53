package attr

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

// The key encoding is checked here against a reference model written
// without it: key values order as DynamoDB orders sort keys (strings and
// binaries bytewise, numbers by value, computed with math/big), and
// AppendKey must order its encodings the same way, decode back to an
// equal value, and delimit itself so that concatenated keys decode one by
// one.

// refCompare orders two key values of one type the reference way.
func refCompare(t *testing.T, a, b Value) int {
	switch a.Type {
	case TypeS:
		return strings.Compare(a.S, b.S)
	case TypeB:
		return bytes.Compare(a.B, b.B)
	case TypeN:
		x, ok1 := new(big.Rat).SetString(a.S)
		y, ok2 := new(big.Rat).SetString(b.S)
		if !ok1 || !ok2 {
			t.Fatalf("reference cannot read %q or %q", a.S, b.S)
		}
		return x.Cmp(y)
	}
	t.Fatalf("type %v is not a key type", a.Type)
	return 0
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// keyValue makes a key value of the type chosen by typ from raw fuzz
// bytes; numbers are built from a mantissa and an exponent in DynamoDB's
// range (38 digits, 10^-130..10^125) and written in several notations.
func keyValue(typ uint8, raw []byte, exp int8) (Value, bool) {
	switch typ % 3 {
	case 0:
		return String(string(raw)), true
	case 1:
		return Binary(raw), true
	}
	digits := fmt.Sprintf("%x", raw)
	var b strings.Builder
	for _, c := range digits {
		b.WriteByte(byte('0' + (c % 10)))
	}
	m := b.String()
	if len(m) > 38 {
		m = m[:38]
	}
	if m == "" {
		m = "0"
	}
	neg := len(raw) > 0 && raw[0]&1 == 1
	e := int(exp) % 90
	var text string
	switch uint8(exp) % 3 {
	case 0:
		text = fmt.Sprintf("%sE%d", m, e)
	case 1:
		text = m
	default:
		if len(m) > 1 {
			text = m[:1] + "." + m[1:]
		} else {
			text = m + ".0"
		}
	}
	if neg {
		text = "-" + text
	}
	v, err := Number(text)
	return v, err == nil
}

func checkKeyPair(t *testing.T, a, b Value) {
	ea, eb := AppendKey(nil, a), AppendKey(nil, b)
	if got, want := sign(bytes.Compare(ea, eb)), sign(refCompare(t, a, b)); got != want {
		t.Fatalf("order of %+v and %+v: encodings compare %d, values %d\n% x\n% x", a, b, got, want, ea, eb)
	}
	both := append(append([]byte{}, ea...), eb...)
	da, rest, err := DecodeKey(both)
	if err != nil {
		t.Fatalf("DecodeKey(% x): %v", both, err)
	}
	db, rest, err := DecodeKey(rest)
	if err != nil || len(rest) != 0 {
		t.Fatalf("second key of % x: %v, %d bytes left", both, err, len(rest))
	}
	if refCompare(t, da, a) != 0 || refCompare(t, db, b) != 0 || da.Type != a.Type || db.Type != b.Type {
		t.Fatalf("round trip of %+v, %+v gave %+v, %+v", a, b, da, db)
	}
}

// FuzzKeyOrder is the differential check of AppendKey on two key values
// of one type.
func FuzzKeyOrder(f *testing.F) {
	f.Add(uint8(0), []byte("a"), int8(0), []byte("a\x00"), int8(0))
	f.Add(uint8(1), []byte{0, 0xFF}, int8(0), []byte{0}, int8(0))
	f.Add(uint8(2), []byte{0x12, 0x34}, int8(3), []byte{0x12}, int8(-5))
	f.Add(uint8(2), []byte{0x01}, int8(2), []byte{0x01, 0x00}, int8(1))
	f.Fuzz(func(t *testing.T, typ uint8, ra []byte, xa int8, rb []byte, xb int8) {
		a, ok1 := keyValue(typ, ra, xa)
		b, ok2 := keyValue(typ, rb, xb)
		if !ok1 || !ok2 {
			return
		}
		checkKeyPair(t, a, b)
	})
}

// TestKeyOrderDifferential runs the same check over a fixed set of values
// in every pair, so `go test` covers it without fuzzing.
func TestKeyOrderDifferential(t *testing.T) {
	nums := []string{"0", "-0.0", "1", "-1", "10", "1E1", "0.1", "-0.1", "0.01", "9.99", "1E125", "-1E125", "1E-130", "-1E-130",
		"12345678901234567890123456789012345678", "-12345678901234567890123456789012345678", "100", "99", "-99", "-100", "5.5", "5.50001"}
	strs := []string{"", "\x00", "\x00\x00", "a", "a\x00", "a\x00b", "a\xff", "ab", "b", "é", "\xff\xff"}
	var vals [][]Value
	var ns, ss, bs []Value
	for _, n := range nums {
		v, err := Number(n)
		if err != nil {
			t.Fatalf("Number(%q): %v", n, err)
		}
		ns = append(ns, v)
	}
	for _, s := range strs {
		ss = append(ss, String(s))
		bs = append(bs, Binary([]byte(s)))
	}
	vals = append(vals, ns, ss, bs)
	for _, group := range vals {
		for _, a := range group {
			for _, b := range group {
				checkKeyPair(t, a, b)
			}
		}
	}
}
