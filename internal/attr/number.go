package attr

import (
	"strconv"

	"github.com/cockroachdb/apd/v3"

	"github.com/dynago/dynago/internal/apierr"
)

// DynamoDB's number limits: up to 38 significant digits, and a magnitude
// between 1E-130 and 9.9999999999999999999999999999999999999E+125.
const (
	maxNumberDigits   = 38   // significant digits
	maxNumberExponent = 125  // largest scientific exponent (d.ddd × 10^e)
	minNumberExponent = -130 // smallest scientific exponent

	// maxNumberText bounds a canonical number's text: a sign, up to 126
	// integer digits, or "0." with 129 zeros and 38 digits.
	maxNumberText = 1 + 2 + 129 + 38

	// exponentCap bounds the exponent parsed from text; anything beyond
	// is out of range anyway, and capping keeps the arithmetic in an int.
	exponentCap = 1 << 20
)

// DynamoDB's messages for numbers it refuses (ValidationException).
const (
	msgNumberNotNumeric = "The parameter cannot be converted to a numeric value"
	msgNumberOverflow   = "Number overflow. Attempting to store a number with magnitude larger than supported range"
	msgNumberUnderflow  = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
	msgNumberPrecision  = "Attempting to store more than 38 significant digits in a Number"
)

// number is a parsed decimal that still points into its source text, so
// that comparing two numbers allocates nothing. The value is
// (neg ? -1 : 1) × 0.d1d2d3… × 10^(sci+1), where the digits d are the
// mantissa characters from first to last, skipping the decimal point.
type number struct {
	mant   string // the mantissa: digits and at most one '.'
	neg    bool
	zero   bool
	first  int // index in mant of the first non-zero digit
	last   int // index in mant of the last non-zero digit
	sci    int // scientific exponent: value = d.ddd × 10^sci
	digits int // significant digits, first..last
}

// parseNumber reads text in Java BigDecimal syntax, which is what DynamoDB
// accepts: an optional sign, digits with an optional decimal point (at
// least one digit in all), and an optional exponent.
func parseNumber(s string) (n number, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		n.neg = s[i] == '-'
		i++
	}
	start := i
	dot := -1
	ndig := 0
	n.first, n.last = -1, -1
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			ndig++
			if c != '0' {
				if n.first < 0 {
					n.first = i - start
				}
				n.last = i - start
			}
			continue
		case c == '.' && dot < 0:
			dot = i - start
			continue
		}
		break
	}
	if ndig == 0 {
		return n, false
	}
	n.mant = s[start:i]
	if dot < 0 {
		dot = len(n.mant)
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return n, false
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return n, false
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return n, false
			}
			if exp < exponentCap {
				exp = exp*10 + int(c-'0')
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if n.first < 0 {
		n.zero = true
		n.neg = false
		return n, true
	}
	if n.first < dot {
		n.sci = dot - n.first - 1 + exp
	} else {
		n.sci = dot - n.first + exp
	}
	n.digits = n.last - n.first + 1
	if n.first < dot && n.last > dot {
		n.digits--
	}
	return n, true
}

// validate returns DynamoDB's error for a number out of its range.
func (n *number) validate() error {
	if n.zero {
		return nil
	}
	if n.sci > maxNumberExponent {
		return apierr.Validation(msgNumberOverflow)
	}
	if n.sci < minNumberExponent {
		return apierr.Validation(msgNumberUnderflow)
	}
	if n.digits > maxNumberDigits {
		return apierr.Validation(msgNumberPrecision)
	}
	return nil
}

// appendDigits appends n's significant digits, without the decimal point.
func (n *number) appendDigits(dst []byte) []byte {
	for i := n.first; i <= n.last; i++ {
		if c := n.mant[i]; c != '.' {
			dst = append(dst, c)
		}
	}
	return dst
}

// appendCanonical appends DynamoDB's text for n: plain notation with no
// exponent, no leading or trailing zeros, and "0" for any zero.
func (n *number) appendCanonical(dst []byte) []byte {
	if n.zero {
		return append(dst, '0')
	}
	var buf [2 * maxNumberDigits]byte
	return appendPlain(dst, n.neg, n.appendDigits(buf[:0]), n.sci)
}

// appendPlain appends the canonical text of ±0.d1d2…×10^(sci+1), given
// its significant digits (no leading or trailing zeros).
func appendPlain(dst []byte, neg bool, digits []byte, sci int) []byte {
	if neg {
		dst = append(dst, '-')
	}
	intDigits := sci + 1
	switch {
	case intDigits <= 0:
		dst = append(dst, '0', '.')
		for k := 0; k < -intDigits; k++ {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	case intDigits >= len(digits):
		dst = append(dst, digits...)
		for k := len(digits); k < intDigits; k++ {
			dst = append(dst, '0')
		}
		return dst
	}
	dst = append(dst, digits[:intDigits]...)
	dst = append(dst, '.')
	return append(dst, digits[intDigits:]...)
}

// Number parses a DynamoDB number from its wire text and returns it as a
// Value holding DynamoDB's canonical text for it (what GetItem would return:
// "1.50" → "1.5", "1e3" → "1000", "-0" → "0"). Text that is not a number,
// or a number out of DynamoDB's range or precision, gives the
// ValidationException DynamoDB answers with.
func Number(text string) (Value, error) {
	s, err := CanonicalNumber(text)
	if err != nil {
		return Value{}, err
	}
	return Value{Type: TypeN, S: s}, nil
}

// CanonicalNumber is Number for callers that want only the text. When text
// is already canonical it is returned as is, without allocating.
func CanonicalNumber(text string) (string, error) {
	if isCanonicalInteger(text) {
		return text, nil
	}
	n, ok := parseNumber(text)
	if !ok {
		if text == "" {
			return "", apierr.Validation(msgNumberNotNumeric)
		}
		return "", apierr.Validation(msgNumberNotNumeric + ": " + text)
	}
	if err := n.validate(); err != nil {
		return "", err
	}
	var buf [maxNumberText]byte
	c := n.appendCanonical(buf[:0])
	if string(c) == text {
		return text, nil
	}
	return string(c), nil
}

// canonicalIntegerDigits bounds the fast path of isCanonicalInteger: an
// integer of at most this many digits is within DynamoDB's precision (38
// significant digits) whatever its trailing zeros.
const canonicalIntegerDigits = maxNumberDigits

// isCanonicalInteger reports whether text is an integer already in
// canonical form: an optional '-', then a nonzero digit and at most 37 more
// digits, or "0" alone. Counters, sort keys and timestamps are such
// integers, and every stored item's numbers are re-read through
// CanonicalNumber, so this skips the general parser for the common case
// (TestCanonicalIntegerFastPath checks it against that parser).
func isCanonicalInteger(text string) bool {
	if text == "0" {
		return true
	}
	digits := text
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > canonicalIntegerDigits || digits[0] == '0' {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if c := digits[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// NumberFromInt returns the number n; an int64 always fits DynamoDB's range.
func NumberFromInt(n int64) Value {
	return Value{Type: TypeN, S: strconv.FormatInt(n, 10)}
}

// CompareNumbers orders two numbers by value: -1 when a < b, 0 when equal,
// +1 when a > b. It expects valid number texts (canonical or not) and
// allocates nothing; text that is not a number orders as zero.
func CompareNumbers(a, b string) int {
	if a == b {
		return 0
	}
	x, ok := parseNumber(a)
	if !ok {
		x = number{zero: true}
	}
	y, ok := parseNumber(b)
	if !ok {
		y = number{zero: true}
	}
	return compareParsed(&x, &y)
}

func compareParsed(x, y *number) int {
	sx, sy := x.sign(), y.sign()
	if sx != sy {
		if sx < sy {
			return -1
		}
		return 1
	}
	if sx == 0 {
		return 0
	}
	c := compareMagnitude(x, y)
	if sx < 0 {
		return -c
	}
	return c
}

func (n *number) sign() int {
	switch {
	case n.zero:
		return 0
	case n.neg:
		return -1
	}
	return 1
}

// compareMagnitude orders |x| and |y|, both non-zero.
func compareMagnitude(x, y *number) int {
	if x.sci != y.sci {
		if x.sci < y.sci {
			return -1
		}
		return 1
	}
	i, j := x.first, y.first
	for {
		for i <= x.last && x.mant[i] == '.' {
			i++
		}
		for j <= y.last && y.mant[j] == '.' {
			j++
		}
		xe, ye := i > x.last, j > y.last
		switch {
		case xe && ye:
			return 0
		case xe:
			return -1 // y has more non-zero digits
		case ye:
			return 1
		}
		if x.mant[i] != y.mant[j] {
			if x.mant[i] < y.mant[j] {
				return -1
			}
			return 1
		}
		i++
		j++
	}
}

// AddNumbers returns a+b in canonical text, as UpdateExpression's "+" and
// the ADD action compute it: exactly, then checked against DynamoDB's range.
// A result that needs more than 38 significant digits (1e50 + 1) is
// refused with the overflow message, which is what DynamoDB answers, odd
// as it reads. Operands outside DynamoDB's range are refused as inputs
// would be, which also bounds the work.
func AddNumbers(a, b string) (string, error) { return arith(a, b, false) }

// SubNumbers returns a-b in canonical text; see AddNumbers.
func SubNumbers(a, b string) (string, error) { return arith(a, b, true) }

func arith(a, b string, sub bool) (string, error) {
	var x, y, z apd.Decimal
	if err := setDecimal(&x, a); err != nil {
		return "", err
	}
	if err := setDecimal(&y, b); err != nil {
		return "", err
	}
	// Precision 0 makes apd add exactly, without rounding.
	ctx := apd.BaseContext
	var err error
	if sub {
		_, err = ctx.Sub(&z, &x, &y)
	} else {
		_, err = ctx.Add(&z, &x, &y)
	}
	if err != nil {
		return "", apierr.Validation(msgNumberNotNumeric)
	}
	text := z.Text('E')
	n, ok := parseNumber(text)
	if !ok {
		return "", apierr.Validation(msgNumberNotNumeric)
	}
	if err := n.validate(); err != nil {
		if n.digits > maxNumberDigits && n.sci <= maxNumberExponent && n.sci >= minNumberExponent {
			return "", apierr.Validation(msgNumberOverflow)
		}
		return "", err
	}
	var buf [maxNumberText]byte
	return string(n.appendCanonical(buf[:0])), nil
}

// setDecimal parses text with parseNumber's syntax (stricter than apd's,
// which would also take "NaN" and "Inf") into d.
func setDecimal(d *apd.Decimal, text string) error {
	n, ok := parseNumber(text)
	if !ok {
		if text == "" {
			return apierr.Validation(msgNumberNotNumeric)
		}
		return apierr.Validation(msgNumberNotNumeric + ": " + text)
	}
	if err := n.validate(); err != nil {
		return err
	}
	if n.zero {
		d.SetInt64(0)
		return nil
	}
	var buf [maxNumberText]byte
	digits := n.appendDigits(buf[:0])
	if _, ok := d.Coeff.SetString(string(digits), 10); !ok {
		return apierr.Validation(msgNumberNotNumeric + ": " + text)
	}
	d.Exponent = int32(n.sci - (n.digits - 1))
	d.Negative = n.neg
	d.Form = apd.Finite
	return nil
}
