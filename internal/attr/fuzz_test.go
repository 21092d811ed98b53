package attr

import (
	"bytes"
	"errors"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
)

// FuzzDecodeItemJSON checks that any input decodes to an apierr error or
// to an item that encodes and decodes back to the same bytes.
func FuzzDecodeItemJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `{"a":{"S":"x"}}`, sampleItemJSON,
		`{"a":{"N":"1e3"},"b":{"NS":["1","1.0"]},"c":{"BS":["AA=="]}}`,
		`{"a":{"M":{"b":{"L":[{"NULL":true},{"BOOL":"yes"}]}}}}`,
		`{"a":{"S":"\ud83d\ude00\u0000\"\\"}}`, `{"a":{"S":5}}`, `{"a":{"B":"YR=="}}`,
		`{"a":{"S":"x","N":"1"}}`, `{"a":{}}`, `[`, `{"a":{"SS":"a"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		it, err := DecodeItemJSON(b)
		if err != nil {
			if apierr.As(err) == nil {
				t.Fatalf("error %v is not an apierr", err)
			}
			return
		}
		_ = ValidateItem(it)
		_ = ItemSize(it)
		enc := AppendItemJSON(nil, it)
		it2, err := DecodeItemJSON(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if enc2 := AppendItemJSON(nil, it2); !bytes.Equal(enc, enc2) {
			t.Fatalf("not a fixed point:\n%s\n%s", enc, enc2)
		}
	})
}

// FuzzNumber checks that Number's canonical text is a fixed point, keeps
// the value, and orders and encodes as a key consistently.
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-0", "1.50", "1e125", "1e-130", "9.9999999999999999999999999999999999999E+125", "abc", "", ".5", "-1.23e-7", "1e999999999999999999999"} {
		f.Add(s, "1")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, errA := Number(a)
		if errA != nil {
			if !errors.Is(errA, apierr.ValidationException) {
				t.Fatalf("Number(%q) error %v", a, errA)
			}
			return
		}
		if again, err := CanonicalNumber(va.S); err != nil || again != va.S {
			t.Fatalf("canonical %q of %q not a fixed point: %q, %v", va.S, a, again, err)
		}
		if CompareNumbers(a, va.S) != 0 {
			t.Fatalf("CompareNumbers(%q, %q) != 0", a, va.S)
		}
		k := AppendKey(nil, va)
		dv, rest, err := DecodeKey(k)
		if err != nil || len(rest) != 0 || dv.S != va.S {
			t.Fatalf("key round trip of %q: %q, % x, %v", va.S, dv.S, rest, err)
		}
		vb, errB := Number(b)
		if errB != nil {
			return
		}
		c := CompareNumbers(va.S, vb.S)
		if kc := bytes.Compare(k, AppendKey(nil, vb)); kc != c {
			t.Fatalf("key order of %q, %q = %d, value order %d", a, b, kc, c)
		}
		if s, err := AddNumbers(va.S, vb.S); err == nil {
			if d, err := SubNumbers(s, vb.S); err == nil && CompareNumbers(d, va.S) != 0 {
				t.Fatalf("(%s + %s) - %s = %s", va.S, vb.S, vb.S, d)
			}
		}
	})
}

// FuzzDecodeKey checks that DecodeKey never panics and that whatever it
// accepts re-encodes to the bytes it consumed.
func FuzzDecodeKey(f *testing.F) {
	for _, v := range []Value{String("a\x00b"), Binary([]byte{0, 0xFF}), {Type: TypeN, S: "-1.05"}, {Type: TypeN, S: "0"}, {Type: TypeN, S: "12345678901234567890123456789012345678"}} {
		f.Add(AppendKey(nil, v))
	}
	f.Add([]byte{keyTagNumPos, 130, 12, 13, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		v, rest, err := DecodeKey(b)
		if err != nil {
			if !errors.Is(err, ErrCorruptKey) {
				t.Fatalf("error %v", err)
			}
			return
		}
		consumed := b[:len(b)-len(rest)]
		if enc := AppendKey(nil, v); !bytes.Equal(enc, consumed) {
			t.Fatalf("DecodeKey(% x) = %+v, which encodes as % x", consumed, v, enc)
		}
	})
}
