package attr

import (
	"bytes"
	"errors"
	"strings"
)

// Key encoding: S, N and B values as bytes whose order is DynamoDB's order
// of the values, and which end by themselves, so that a partition key and
// a sort key concatenated (<pk><sk>) keep each partition's items contiguous
// and sorted by sort key, and can be split again by DecodeKey.
//
// Each encoding starts with a tag byte naming the type (and, for numbers,
// the sign), so a key decodes without its schema:
//
//	S   0x10, the UTF-8 bytes with 0x00 written as 0x00 0xFF, then 0x00 0x01
//	B   0x20, the bytes escaped the same way, then 0x00 0x01
//	N<0 0x30, ^(exponent), ^(digit pairs), 0xFF
//	N=0 0x31
//	N>0 0x32, exponent, digit pairs, 0x00
//
// where exponent is the scientific exponent + 130 (one byte: DynamoDB's
// range is -130..125), and the significant digits (at most 38, no trailing
// zeros) are packed two to a byte as 1 + 11·d1 + (d2+1), with d2+1 = 0
// when the last pair has one digit; pair bytes are 1..110, so 0x00 ends a
// positive number. A negative number complements every byte (^b = 255-b)
// so that larger magnitudes sort first, and ends with 0xFF, which no
// complemented pair byte can be.
//
// Order within one type is the value order; the tags order types, which
// within one key attribute (a single type) never matters.

// Tag bytes of the key encoding.
const (
	keyTagS       = 0x10
	keyTagB       = 0x20
	keyTagNumNeg  = 0x30
	keyTagNumZero = 0x31
	keyTagNumPos  = 0x32
)

// Escapes, terminators and limits of the key encoding.
const (
	keyEscape     = 0x00 // starts an escape pair in S and B
	keyEscapedNul = 0xFF // 0x00 0xFF is a 0x00 byte of the value
	keyEnd        = 0x01 // 0x00 0x01 ends an S or B
	keyNumEnd     = 0x00 // ends a positive number's digits
	keyExpBias    = -minNumberExponent
	keyMaxPairs   = (maxNumberDigits + 1) / 2
)

// ErrCorruptKey is returned by DecodeKey for bytes that no AppendKey
// produced: storage corruption or a bug, never a user's error.
var ErrCorruptKey = errors.New("attr: corrupt key encoding")

// AppendKey appends the order-preserving, self-delimiting encoding of v to
// dst. v must be an S, N or B; other types append nothing useful (a lone
// 0x00 that DecodeKey rejects), since keys are validated before encoding.
// A number is encoded by value, so "1.0" and "1" encode alike.
func AppendKey(dst []byte, v Value) []byte {
	switch v.Type {
	case TypeS:
		dst = append(dst, keyTagS)
		dst = appendEscaped(dst, v.S)
		return append(dst, keyEscape, keyEnd)
	case TypeB:
		dst = append(dst, keyTagB)
		dst = appendEscaped(dst, v.B)
		return append(dst, keyEscape, keyEnd)
	case TypeN:
		return appendNumberKey(dst, v.S)
	}
	return append(dst, 0x00)
}

// AppendKeyPrefix appends the encoding of an S or B value without its
// terminator: every key whose value begins with v (begins_with in a key
// condition) starts with these bytes, and PrefixEnd bounds them above. For
// other types it is AppendKey.
func AppendKeyPrefix(dst []byte, v Value) []byte {
	switch v.Type {
	case TypeS:
		dst = append(dst, keyTagS)
		return appendEscaped(dst, v.S)
	case TypeB:
		dst = append(dst, keyTagB)
		return appendEscaped(dst, v.B)
	}
	return AppendKey(dst, v)
}

// PrefixEnd returns the smallest byte string greater than every string
// that starts with prefix, as the exclusive upper bound of a prefix scan;
// nil when there is none (prefix is empty or all 0xFF).
func PrefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := append([]byte(nil), prefix[:i+1]...)
			end[i]++
			return end
		}
	}
	return nil
}

func appendEscaped[T string | []byte](dst []byte, s T) []byte {
	for {
		i := indexNul(s)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		dst = append(dst, keyEscape, keyEscapedNul)
		s = s[i+1:]
	}
}

func indexNul[T string | []byte](s T) int {
	return strings.IndexByte(string(s), 0)
}

func appendNumberKey(dst []byte, text string) []byte {
	n, ok := parseNumber(text)
	if !ok || n.zero {
		return append(dst, keyTagNumZero)
	}
	var flip byte // XORed into every byte after the tag
	tag := byte(keyTagNumPos)
	if n.neg {
		flip, tag = 0xFF, keyTagNumNeg
	}
	dst = append(dst, tag, byte(n.sci+keyExpBias)^flip)
	var pair byte
	half := false
	for i := n.first; i <= n.last; i++ {
		c := n.mant[i]
		if c == '.' {
			continue
		}
		d := c - '0'
		if !half {
			pair = 1 + 11*d
			half = true
			continue
		}
		dst = append(dst, (pair+d+1)^flip)
		half = false
	}
	if half {
		dst = append(dst, pair^flip)
	}
	if n.neg {
		return append(dst, 0xFF)
	}
	return append(dst, keyNumEnd)
}

// DecodeKey reads one value written by AppendKey from the front of b and
// returns it with the bytes that follow. Numbers come back in canonical
// text.
func DecodeKey(b []byte) (v Value, rest []byte, err error) {
	if len(b) == 0 {
		return v, b, ErrCorruptKey
	}
	switch b[0] {
	case keyTagS:
		// Fast path: no escaped 0x00, so the string is one slice.
		if i := bytes.IndexByte(b[1:], keyEscape); i >= 0 && i+2 < len(b) && b[i+2] == keyEnd {
			return Value{Type: TypeS, S: string(b[1 : i+1])}, b[i+3:], nil
		}
		raw, rest, err := unescape(b[1:])
		if err != nil {
			return v, b, err
		}
		return Value{Type: TypeS, S: string(raw)}, rest, nil
	case keyTagB:
		raw, rest, err := unescape(b[1:])
		if err != nil {
			return v, b, err
		}
		return Value{Type: TypeB, B: raw}, rest, nil
	case keyTagNumZero:
		return Value{Type: TypeN, S: "0"}, b[1:], nil
	case keyTagNumPos, keyTagNumNeg:
		return decodeNumberKey(b)
	}
	return v, b, ErrCorruptKey
}

// unescape reads an escaped S or B up to its terminator.
func unescape(b []byte) (raw, rest []byte, err error) {
	raw = make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != keyEscape {
			raw = append(raw, b[i])
			continue
		}
		if i+1 == len(b) {
			break
		}
		switch b[i+1] {
		case keyEnd:
			return raw, b[i+2:], nil
		case keyEscapedNul:
			raw = append(raw, 0)
			i++
		default:
			return nil, b, ErrCorruptKey
		}
	}
	return nil, b, ErrCorruptKey
}

func decodeNumberKey(b []byte) (v Value, rest []byte, err error) {
	neg := b[0] == keyTagNumNeg
	var flip, end byte = 0, keyNumEnd
	if neg {
		flip, end = 0xFF, 0xFF
	}
	if len(b) < 3 {
		return v, b, ErrCorruptKey
	}
	sci := int(b[1]^flip) - keyExpBias
	if sci > maxNumberExponent {
		return v, b, ErrCorruptKey
	}
	var digits [maxNumberDigits + 1]byte
	nd := 0
	i := 2
	for ; ; i++ {
		if i == len(b) {
			return v, b, ErrCorruptKey
		}
		if b[i] == end {
			break
		}
		p := b[i] ^ flip
		if p < 1 || p > 110 || nd >= 2*keyMaxPairs {
			return v, b, ErrCorruptKey
		}
		p--
		d1, d2 := p/11, p%11
		digits[nd] = '0' + d1
		nd++
		if d2 == 0 { // one digit: must be the last pair
			if i+1 >= len(b) || b[i+1] != end {
				return v, b, ErrCorruptKey
			}
			continue
		}
		digits[nd] = '0' + d2 - 1
		nd++
	}
	if nd == 0 || nd > maxNumberDigits || digits[0] == '0' || digits[nd-1] == '0' {
		return v, b, ErrCorruptKey
	}
	var buf [maxNumberText]byte
	return Value{Type: TypeN, S: string(appendPlain(buf[:0], neg, digits[:nd], sci))}, b[i+1:], nil
}
