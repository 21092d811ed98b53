package attr

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/dynago/dynago/internal/apierr"
)

func TestNumberTestdata(t *testing.T) {
	for _, c := range readCases(t, "numbers.txt", true) {
		v, err := Number(c.input)
		got := v.S
		if err != nil {
			got = err.Error()
			if !errors.Is(err, apierr.ValidationException) {
				t.Errorf("line %d: Number(%q) error %v is not a ValidationException", c.line, c.input, err)
			}
		} else if v.Type != TypeN {
			t.Errorf("line %d: Number(%q).Type = %v", c.line, c.input, v.Type)
		}
		if got != c.want {
			t.Errorf("line %d: Number(%q) = %q, want %q", c.line, c.input, got, c.want)
		}
		if err == nil {
			// Canonical text is a fixed point.
			if again, err := CanonicalNumber(got); err != nil || again != got {
				t.Errorf("line %d: CanonicalNumber(%q) = %q, %v; want it unchanged", c.line, got, again, err)
			}
		}
	}
}

func TestNumberFromInt(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 10, 1 << 62, -1 << 63, 1<<63 - 1} {
		v := NumberFromInt(n)
		want := strconv.FormatInt(n, 10)
		if v.Type != TypeN || v.S != want {
			t.Errorf("NumberFromInt(%d) = %+v, want N %s", n, v, want)
		}
		if c, err := CanonicalNumber(v.S); err != nil || c != v.S {
			t.Errorf("NumberFromInt(%d) not canonical: %q, %v", n, c, err)
		}
	}
}

func TestCompareNumbers(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"0", "0", 0},
		{"0", "-0", 0},
		{"1", "1.0", 0},
		{"1e3", "1000", 0},
		{"1", "2", -1},
		{"2", "10", -1},
		{"-2", "-10", 1},
		{"-1", "0", -1},
		{"0", "0.0001", -1},
		{"-0.0001", "0", -1},
		{"1.2", "1.23", -1},
		{"-1.2", "-1.23", 1},
		{"0.01", "0.1", -1},
		{"99.99", "100", -1},
		{"1e125", "9.9999999999999999999999999999999999999e125", -1},
		{"1e-130", "2e-130", -1},
		{"123.456", "123.4560", 0},
		{"10.5", "10.05", 1},
		// Not numbers: order as zero, never panic.
		{"x", "0", 0},
		{"", "-1", 1},
		{"1e", "1", -1},
	}
	for _, tt := range tests {
		if got := CompareNumbers(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareNumbers(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CompareNumbers(tt.b, tt.a); got != -tt.want {
			t.Errorf("CompareNumbers(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}

func TestAddSubNumbers(t *testing.T) {
	tests := []struct {
		a, b     string
		sum, dif string // an error's message when it starts with "error: "
	}{
		{"1", "2", "3", "-1"},
		{"1.5", "2.5", "4", "-1"},
		{"0.1", "0.2", "0.3", "-0.1"},
		{"-5", "5", "0", "-10"},
		{"1e125", "1e125", "200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", "0"},
		{"99999999999999999999999999999999999999", "1", "100000000000000000000000000000000000000", "99999999999999999999999999999999999998"},
		{"9.9999999999999999999999999999999999999e125", "1e88", "error: Number overflow. Attempting to store a number with magnitude larger than supported range", "999999999999999999999999999999999999980000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
		// DynamoDB answers "overflow" for a result needing more than 38
		// digits (alternator's test_update_expression_plus_imprecise).
		{"1", "1e-40", "error: Number overflow. Attempting to store a number with magnitude larger than supported range", "error: Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"1e50", "1", "error: Number overflow. Attempting to store a number with magnitude larger than supported range", "error: Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"9e125", "9e125", "error: Number overflow. Attempting to store a number with magnitude larger than supported range", "0"},
		{"1", "10000000000000000000000", "10000000000000000000001", "-9999999999999999999999"},
		{"1.0e100000000", "1", "error: Number overflow. Attempting to store a number with magnitude larger than supported range", "error: Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{"2e-130", "1e-130", "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003", "0.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"},
		{"1.5e-130", "1.4e-130", "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000029", "error: Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{"x", "1", "error: The parameter cannot be converted to a numeric value: x", "error: The parameter cannot be converted to a numeric value: x"},
	}
	check := func(op string, got string, err error, want string) {
		t.Helper()
		if err != nil {
			got = "error: " + apierr.As(err).Message
		}
		if got != want {
			t.Errorf("%s = %q, want %q", op, got, want)
		}
	}
	for _, tt := range tests {
		s, err := AddNumbers(tt.a, tt.b)
		check("AddNumbers("+tt.a+", "+tt.b+")", s, err, tt.sum)
		d, err := SubNumbers(tt.a, tt.b)
		check("SubNumbers("+tt.a+", "+tt.b+")", d, err, tt.dif)
	}
}

// randomNumber returns a random valid number text, canonical or not.
func randomNumber(r *rand.Rand) string {
	nd := 1 + r.IntN(maxNumberDigits)
	var b strings.Builder
	if r.IntN(2) == 0 {
		b.WriteByte('-')
	}
	b.WriteByte(byte('1' + r.IntN(9)))
	for i := 1; i < nd; i++ {
		if r.IntN(4) == 0 {
			b.WriteByte('0')
		} else {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	// Scientific exponent in range; the mantissa is d.ddd, written as an
	// integer so the exponent shifts by nd-1.
	sci := minNumberExponent + r.IntN(maxNumberExponent-minNumberExponent+1)
	if r.IntN(3) == 0 {
		sci = -5 + r.IntN(10) // plenty of small numbers, where digits collide
	}
	b.WriteString("e" + strconv.Itoa(sci-(nd-1)))
	return b.String()
}

// TestNumberProperties checks Number and CompareNumbers against apd on
// random numbers: canonical text has the same value, and the order agrees.
func TestNumberProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var prev string
	for i := 0; i < 5000; i++ {
		in := randomNumber(r)
		v, err := Number(in)
		if err != nil {
			t.Fatalf("Number(%q): %v", in, err)
		}
		x, _, err := apd.NewFromString(in)
		if err != nil {
			t.Fatal(err)
		}
		y, _, err := apd.NewFromString(v.S)
		if err != nil {
			t.Fatalf("apd cannot read canonical %q: %v", v.S, err)
		}
		if x.Cmp(y) != 0 {
			t.Fatalf("Number(%q) = %q, a different value", in, v.S)
		}
		if strings.ContainsAny(v.S, "eE+") {
			t.Fatalf("Number(%q) = %q, not plain notation", in, v.S)
		}
		if prev != "" {
			p, _, _ := apd.NewFromString(prev)
			if got, want := CompareNumbers(prev, in), p.Cmp(x); got != want {
				t.Fatalf("CompareNumbers(%q, %q) = %d, apd says %d", prev, in, got, want)
			}
			if got, want := CompareNumbers(prev, v.S), p.Cmp(x); got != want {
				t.Fatalf("CompareNumbers(%q, %q) = %d, apd says %d", prev, v.S, got, want)
			}
		}
		prev = in
	}
}
