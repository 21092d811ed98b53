package attr

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestKeyExamples(t *testing.T) {
	tests := []struct {
		v    Value
		want []byte
	}{
		{String(""), []byte{keyTagS, 0x00, 0x01}},
		{String("a\x00b"), []byte{keyTagS, 'a', 0x00, 0xFF, 'b', 0x00, 0x01}},
		{Binary([]byte{0xFF, 0x00}), []byte{keyTagB, 0xFF, 0x00, 0xFF, 0x00, 0x01}},
		{Value{Type: TypeN, S: "0"}, []byte{keyTagNumZero}},
		// 1: exponent 0 → 130; one digit → pair 1+11·1 = 12.
		{Value{Type: TypeN, S: "1"}, []byte{keyTagNumPos, 130, 12, 0x00}},
		// 1.05: digits 1,0,5 → pairs 1+11·1+0+1 = 13, 1+11·5 = 56.
		{Value{Type: TypeN, S: "1.05"}, []byte{keyTagNumPos, 130, 13, 56, 0x00}},
		{Value{Type: TypeN, S: "-1"}, []byte{keyTagNumNeg, 255 - 130, 255 - 12, 0xFF}},
		{Value{Type: TypeN, S: "1e-130"}, []byte{keyTagNumPos, 0, 12, 0x00}},
		{Value{Type: TypeN, S: "1e125"}, []byte{keyTagNumPos, 255, 12, 0x00}},
	}
	for _, tt := range tests {
		got := AppendKey(nil, tt.v)
		if !bytes.Equal(got, tt.want) {
			t.Errorf("AppendKey(%+v) = % x, want % x", tt.v, got, tt.want)
		}
		v, rest, err := DecodeKey(append(got, 0xAB))
		if err != nil || !Equal(v, tt.v) || !bytes.Equal(rest, []byte{0xAB}) {
			t.Errorf("DecodeKey(% x) = %+v, % x, %v", got, v, rest, err)
		}
	}
}

// keyGen makes random key values of one type, biased toward the cases
// where order is subtle: shared prefixes, 0x00 and 0xFF bytes, numbers
// that differ in one digit or only in exponent.
type keyGen struct {
	r    *rand.Rand
	seen []Value
}

func (g *keyGen) value(typ Type) Value {
	r := g.r
	if len(g.seen) > 0 && r.IntN(3) == 0 {
		// Derive from an earlier value, to get near neighbours.
		base := g.seen[r.IntN(len(g.seen))]
		switch typ {
		case TypeS:
			return String(base.S + string([]rune{'\x00', 'a', '\u00ff', '😀'}[r.IntN(4)]))
		case TypeB:
			return Binary(append(bytes.Clone(base.B), []byte{0, 1, 0xFE, 0xFF}[r.IntN(4)]))
		case TypeN:
			if s, err := AddNumbers(base.S, []string{"1", "-1", "1e-5", "-0.001", "1e20"}[r.IntN(5)]); err == nil {
				return Value{Type: TypeN, S: s}
			}
		}
	}
	var v Value
	switch typ {
	case TypeS:
		v = String(randomString(r))
	case TypeB:
		v = Binary(randomBytes(r))
	case TypeN:
		v, _ = Number(randomNumber(r))
		if r.IntN(10) == 0 {
			v = Value{Type: TypeN, S: "0"}
		}
	}
	g.seen = append(g.seen, v)
	return v
}

// TestKeyOrderProperty checks, for random S, N and B values, that the
// encoding's byte order is the values' order, that it decodes back, and
// that concatenated keys (<pk><sk>) sort by pk then sk.
func TestKeyOrderProperty(t *testing.T) {
	for _, typ := range []Type{TypeS, TypeN, TypeB} {
		t.Run(typ.String(), func(t *testing.T) {
			g := &keyGen{r: rand.New(rand.NewPCG(5, uint64(typ)))}
			vals := make([]Value, 3000)
			for i := range vals {
				vals[i] = g.value(typ)
			}
			for i := 1; i < len(vals); i++ {
				a, b := vals[i-1], vals[i]
				ka, kb := AppendKey(nil, a), AppendKey(nil, b)
				want, _ := Compare(a, b)
				if got := bytes.Compare(ka, kb); got != want {
					t.Fatalf("order of %q vs %q: bytes %d, values %d\n% x\n% x", a.S+string(a.B), b.S+string(b.B), got, want, ka, kb)
				}
				// Composite keys: <a><b> vs <b><a> order by first part,
				// then second.
				kab := AppendKey(AppendKey(nil, a), b)
				kba := AppendKey(AppendKey(nil, b), a)
				cw := want
				if cw == 0 {
					cw, _ = Compare(b, a)
				}
				if got := bytes.Compare(kab, kba); got != cw {
					t.Fatalf("composite order of %v,%v: %d want %d", a, b, got, cw)
				}
				v1, rest, err := DecodeKey(kab)
				if err != nil {
					t.Fatalf("DecodeKey(% x): %v", kab, err)
				}
				v2, rest, err := DecodeKey(rest)
				if err != nil || len(rest) != 0 || !Equal(v1, a) || !Equal(v2, b) {
					t.Fatalf("DecodeKey round trip of %v,%v = %v,%v rest % x err %v", a, b, v1, v2, rest, err)
				}
				if typ == TypeN && (v1.S != mustCanonical(a.S)) {
					t.Fatalf("decoded number %q, want canonical %q", v1.S, a.S)
				}
			}
			// Sorting by encoding equals sorting by value.
			byKey := slices.Clone(vals)
			slices.SortStableFunc(byKey, func(x, y Value) int { return bytes.Compare(AppendKey(nil, x), AppendKey(nil, y)) })
			for i := 1; i < len(byKey); i++ {
				if c, _ := Compare(byKey[i-1], byKey[i]); c > 0 {
					t.Fatalf("sorted by key but %v > %v", byKey[i-1], byKey[i])
				}
			}
		})
	}
}

func mustCanonical(s string) string {
	c, err := CanonicalNumber(s)
	if err != nil {
		panic(err)
	}
	return c
}

// TestKeyPrefix checks that AppendKeyPrefix and PrefixEnd bound exactly
// the values that begin with a prefix.
func TestKeyPrefix(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 3000; i++ {
		p, s := randomString(r), randomString(r)
		if r.IntN(2) == 0 {
			s = p + s
		}
		lo := AppendKeyPrefix(nil, String(p))
		hi := PrefixEnd(lo)
		k := AppendKey(nil, String(s))
		in := bytes.Compare(k, lo) >= 0 && (hi == nil || bytes.Compare(k, hi) < 0)
		if want := strings.HasPrefix(s, p); in != want {
			t.Fatalf("begins_with(%q, %q) = %v by key range, want %v", s, p, in, want)
		}
		pb, sb := []byte(p), []byte(s)
		lo = AppendKeyPrefix(nil, Binary(pb))
		hi = PrefixEnd(lo)
		k = AppendKey(nil, Binary(sb))
		in = bytes.Compare(k, lo) >= 0 && (hi == nil || bytes.Compare(k, hi) < 0)
		if want := bytes.HasPrefix(sb, pb); in != want {
			t.Fatalf("binary begins_with(%x, %x) = %v, want %v", sb, pb, in, want)
		}
	}
	if got := PrefixEnd([]byte{1, 0xFF}); !bytes.Equal(got, []byte{2}) {
		t.Errorf("PrefixEnd(01 ff) = % x", got)
	}
	if got := PrefixEnd([]byte{0xFF}); got != nil {
		t.Errorf("PrefixEnd(ff) = % x, want nil", got)
	}
}

func TestDecodeKeyCorrupt(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{0x99},
		{keyTagS, 'a'},
		{keyTagS, 'a', 0x00},
		{keyTagS, 0x00, 0x05},
		{keyTagNumPos},
		{keyTagNumPos, 130},
		{keyTagNumPos, 130, 0x00},         // no digits
		{keyTagNumPos, 130, 111, 0x00},    // pair out of range
		{keyTagNumPos, 130, 12, 12},       // unterminated
		{keyTagNumPos, 130, 12, 13, 0x00}, // one-digit pair not last
		{keyTagNumPos, 130, 1, 0x00},      // leading zero digit
		{keyTagNumPos, 130, 13, 0x00},     // trailing zero digit ("10" as 1.0)
		{keyTagNumNeg, 125, 243, 0x00},    // wrong terminator
		append([]byte{keyTagNumPos, 130}, bytes.Repeat([]byte{13 + 1}, 20)...), // too many digits
	} {
		if v, _, err := DecodeKey(b); !errors.Is(err, ErrCorruptKey) {
			t.Errorf("DecodeKey(% x) = %+v, %v; want ErrCorruptKey", b, v, err)
		}
	}
}
