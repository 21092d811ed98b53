package attr

import (
	"bytes"
	"strings"
)

// smallSet is the set size up to which set equality is tested pairwise;
// beyond it a map is cheaper than n² comparisons.
const smallSet = 8

// Equal reports whether a and b are the same DynamoDB value, as the "="
// operator of a condition expression sees it: same type, numbers equal by
// value, sets equal as sets (order ignored), maps and lists equal deeply.
func Equal(a, b Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case TypeS:
		return a.S == b.S
	case TypeN:
		return CompareNumbers(a.S, b.S) == 0
	case TypeB:
		return bytes.Equal(a.B, b.B)
	case TypeBOOL:
		return a.Bool == b.Bool
	case TypeNULL, TypeInvalid:
		return true
	case TypeM:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, av := range a.M {
			bv, ok := b.M[k]
			if !ok || !Equal(av, bv) {
				return false
			}
		}
		return true
	case TypeL:
		if len(a.L) != len(b.L) {
			return false
		}
		for i := range a.L {
			if !Equal(a.L[i], b.L[i]) {
				return false
			}
		}
		return true
	case TypeSS:
		return stringSetsEqual(a.Set, b.Set, func(x, y string) bool { return x == y }, identity)
	case TypeNS:
		return stringSetsEqual(a.Set, b.Set, func(x, y string) bool { return CompareNumbers(x, y) == 0 }, canonicalOrSelf)
	case TypeBS:
		return binarySetsEqual(a.BS, b.BS)
	}
	return false
}

// ItemsEqual reports whether two items hold the same attributes with Equal
// values.
func ItemsEqual(a, b Item) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok || !Equal(av, bv) {
			return false
		}
	}
	return true
}

func identity(s string) string { return s }

// canonicalOrSelf is the map key for a number in a set: its canonical
// text, so that "1.0" and "1" meet.
func canonicalOrSelf(s string) string {
	if c, err := CanonicalNumber(s); err == nil {
		return c
	}
	return s
}

// stringSetsEqual compares two sets without duplicates (which validation
// guarantees) as sets.
func stringSetsEqual(a, b []string, eq func(x, y string) bool, key func(string) string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= smallSet {
	outer:
		for _, x := range a {
			for _, y := range b {
				if eq(x, y) {
					continue outer
				}
			}
			return false
		}
		return true
	}
	seen := make(map[string]struct{}, len(a))
	for _, x := range a {
		seen[key(x)] = struct{}{}
	}
	for _, y := range b {
		if _, ok := seen[key(y)]; !ok {
			return false
		}
	}
	return true
}

func binarySetsEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) <= smallSet {
	outer:
		for _, x := range a {
			for _, y := range b {
				if bytes.Equal(x, y) {
					continue outer
				}
			}
			return false
		}
		return true
	}
	seen := make(map[string]struct{}, len(a))
	for _, x := range a {
		seen[string(x)] = struct{}{}
	}
	for _, y := range b {
		if _, ok := seen[string(y)]; !ok {
			return false
		}
	}
	return true
}

// Compare orders two values as DynamoDB's "<", "<=", ">", ">=" and BETWEEN
// do: strings by their UTF-8 bytes, numbers by value, binaries by unsigned
// bytes. ok is false when the values are not both S, both N or both B;
// such a comparison is simply false in a condition.
func Compare(a, b Value) (c int, ok bool) {
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case TypeS:
		return strings.Compare(a.S, b.S), true
	case TypeN:
		return CompareNumbers(a.S, b.S), true
	case TypeB:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

// Clone returns a deep copy of v, sharing no slice or map with it, so that
// the engine can hand out values that callers may modify.
func (v Value) Clone() Value {
	switch v.Type {
	case TypeB:
		if v.B != nil {
			v.B = bytes.Clone(v.B)
		}
	case TypeM:
		if v.M != nil {
			m := make(map[string]Value, len(v.M))
			for k, e := range v.M {
				m[k] = e.Clone()
			}
			v.M = m
		}
	case TypeL:
		if v.L != nil {
			l := make([]Value, len(v.L))
			for i, e := range v.L {
				l[i] = e.Clone()
			}
			v.L = l
		}
	case TypeSS, TypeNS:
		if v.Set != nil {
			v.Set = append([]string(nil), v.Set...)
		}
	case TypeBS:
		if v.BS != nil {
			bs := make([][]byte, len(v.BS))
			for i, b := range v.BS {
				bs[i] = bytes.Clone(b)
			}
			v.BS = bs
		}
	}
	return v
}

// Clone returns a deep copy of it; a nil item stays nil.
func (it Item) Clone() Item {
	if it == nil {
		return nil
	}
	c := make(Item, len(it))
	for k, v := range it {
		c[k] = v.Clone()
	}
	return c
}
