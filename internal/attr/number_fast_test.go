package attr

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// slowCanonical is CanonicalNumber without its integer fast path.
func slowCanonical(text string) (string, error) {
	n, ok := parseNumber(text)
	if !ok {
		return "", nil
	}
	if err := n.validate(); err != nil {
		return "", err
	}
	var buf [maxNumberText]byte
	return string(n.appendCanonical(buf[:0])), nil
}

// TestCanonicalIntegerFastPath checks that every text the fast path
// accepts is one the general parser finds canonical, and that the fast
// path refuses the near misses.
func TestCanonicalIntegerFastPath(t *testing.T) {
	accept := []string{"0", "1", "-1", "9", "10", "100", "17", "-2500", "1000000000000000000000000000000000000",
		strings.Repeat("9", 38), "-" + strings.Repeat("9", 38), "1" + strings.Repeat("0", 37)}
	refuse := []string{"", "-", "-0", "00", "01", "-01", "1.0", "1e3", "+1", " 1", "1 ", "0x1", "1_0",
		strings.Repeat("9", 39), "1" + strings.Repeat("0", 38), "1.5", ".5", "--1"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		n := 1 + r.IntN(38)
		var b strings.Builder
		if r.IntN(2) == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(byte('1' + r.IntN(9)))
		for range n - 1 {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		accept = append(accept, b.String())
	}
	for _, s := range accept {
		if !isCanonicalInteger(s) {
			t.Errorf("isCanonicalInteger(%q) = false, want true", s)
			continue
		}
		if c, err := slowCanonical(s); err != nil || c != s {
			t.Errorf("fast path accepts %q but the parser gives %q, %v", s, c, err)
		}
	}
	for _, s := range refuse {
		if isCanonicalInteger(s) {
			t.Errorf("isCanonicalInteger(%q) = true, want false", s)
		}
	}
}

// BenchmarkCanonicalNumber measures the integer fast path against a
// decimal that takes the general parser.
func BenchmarkCanonicalNumber(b *testing.B) {
	for _, text := range []string{"17", "1234567890123", "19.99"} {
		b.Run(text, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := CanonicalNumber(text); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
