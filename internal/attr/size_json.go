package attr

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"unicode/utf8"
)

// ItemSizeJSON returns ItemSize of the item whose DynamoDB JSON is b,
// without decoding it: no maps, strings or numbers are built. The engine
// stores items as AppendItemJSON's bytes, and a Query or Scan page that
// passes those bytes straight to the response still needs each item's
// size for consumed capacity and the 1 MB page limit; decoding only to
// measure was most of the cost the pass-through removes.
//
// b is trusted stored JSON: the scanner checks structure enough never to
// read out of bounds or loop, and returns an error on anything it does
// not understand, but it does not validate values the way DecodeItemJSON
// does.
func ItemSizeJSON(b []byte) (int, error) {
	s := sizer{b: b}
	n, _, err := s.item(0)
	if err != nil {
		return 0, err
	}
	if s.skipSpace(); s.i != len(s.b) {
		return 0, errSizeJSON
	}
	return n, nil
}

// errSizeJSON reports bytes ItemSizeJSON cannot read: a corrupt store.
var errSizeJSON = errors.New("attr: malformed item JSON")

// sizer walks one JSON document, summing sizes as it goes. It runs for
// every item a Query or Scan returns, so the common case (compact JSON,
// ASCII strings without escapes, as AppendItemJSON writes them) takes
// the shortest path: one pass over each string, no allocation.
type sizer struct {
	b []byte
	i int
}

func (s *sizer) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes the next non-space byte if it is c. Stored JSON is
// compact, so the byte is tried before any space is skipped.
func (s *sizer) next(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// item reads an attribute map and returns the sum of its names' and
// values' sizes, not counting any container overhead, and its number of
// entries (a nested map costs a byte for each).
func (s *sizer) item(depth int) (size, entries int, err error) {
	if depth > maxDecodeDepth {
		return 0, 0, errSizeJSON
	}
	if !s.next('{') {
		return 0, 0, errSizeJSON
	}
	if s.next('}') {
		return 0, 0, nil
	}
	for {
		k, err := s.stringLen()
		if err != nil {
			return 0, 0, err
		}
		if !s.next(':') {
			return 0, 0, errSizeJSON
		}
		v, err := s.value(depth + 1)
		if err != nil {
			return 0, 0, err
		}
		size += k + v
		entries++
		if s.next(',') {
			continue
		}
		if s.next('}') {
			return size, entries, nil
		}
		return 0, 0, errSizeJSON
	}
}

// value reads one AttributeValue ({"S":"x"} ...) and returns its Size.
func (s *sizer) value(depth int) (int, error) {
	if depth > maxDecodeDepth {
		return 0, errSizeJSON
	}
	if !s.next('{') {
		return 0, errSizeJSON
	}
	typ, err := s.typeKey()
	if err != nil {
		return 0, err
	}
	if !s.next(':') {
		return 0, errSizeJSON
	}
	var n int
	switch string(typ) {
	case "S":
		n, err = s.stringLen()
	case "N":
		n, err = s.numberSize()
	case "B":
		n, err = s.base64Len()
	case "BOOL":
		if !s.literal("true") && !s.literal("false") {
			return 0, errSizeJSON
		}
		n = 1
	case "NULL":
		if !s.literal("true") {
			return 0, errSizeJSON
		}
		n = 1
	case "SS":
		n, err = s.array(elemString, depth)
	case "NS":
		n, err = s.array(elemNumber, depth)
	case "BS":
		n, err = s.array(elemBinary, depth)
	case "L":
		n, err = s.array(elemValue, depth)
		n += containerOverhead
	case "M":
		var entries int
		n, entries, err = s.item(depth + 1)
		// Each entry costs 1 byte besides its name and value.
		n += containerOverhead + entries
	default:
		return 0, errSizeJSON
	}
	if err != nil {
		return 0, err
	}
	if !s.next('}') {
		return 0, errSizeJSON
	}
	return n, nil
}

// typeKey reads an AttributeValue's type name (S, N, BOOL ...). Names
// are at most four ASCII letters, so a compact one is found by looking
// at the next few bytes; anything else, escapes included, is read as
// asciiText.
func (s *sizer) typeKey() ([]byte, error) {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '"' {
	scan:
		for j := i + 1; j < len(b) && j <= i+5; j++ {
			switch b[j] {
			case '"':
				s.i = j + 1
				return b[i+1 : j], nil
			case '\\':
				break scan // let str read the escape
			}
		}
	}
	return s.asciiText()
}

// elemKind says what array's elements are.
type elemKind uint8

const (
	elemString elemKind = iota // SS members
	elemNumber                 // NS members
	elemBinary                 // BS members
	elemValue                  // L elements, each costing 1 byte more
)

// array reads a JSON array of elements of kind k and sums their sizes. A
// kind rather than a func value keeps the call direct and the sizer on
// the stack.
func (s *sizer) array(k elemKind, depth int) (int, error) {
	if !s.next('[') {
		return 0, errSizeJSON
	}
	if s.next(']') {
		return 0, nil
	}
	n := 0
	for {
		var v int
		var err error
		switch k {
		case elemString:
			v, err = s.stringLen()
		case elemNumber:
			v, err = s.numberSize()
		case elemBinary:
			v, err = s.base64Len()
		default:
			v, err = s.value(depth + 1)
			v++
		}
		if err != nil {
			return 0, err
		}
		n += v
		if s.next(',') {
			continue
		}
		if s.next(']') {
			return n, nil
		}
		return 0, errSizeJSON
	}
}

func (s *sizer) literal(lit string) bool {
	s.skipSpace()
	if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// Word-at-a-time constants for str: a byte's value repeated in each of a
// uint64's eight bytes, and each byte's high bit.
const (
	wordLSB   = 0x0101010101010101
	wordMSB   = 0x8080808080808080
	wordQuote = wordLSB * '"'
	wordSlash = wordLSB * '\\'
)

// specialBytes returns a mask whose lowest set bit is the high bit of the
// first of x's eight bytes (little-endian) that is a quote, a backslash or
// not ASCII, or 0 when there is none. (v-LSB)&^v&MSB flags a zero byte
// of v; a borrow can flag a byte above a true zero too, but never one
// below, so the lowest flag is exact.
func specialBytes(x uint64) uint64 {
	q := x ^ wordQuote
	e := x ^ wordSlash
	return ((q - wordLSB) &^ q & wordMSB) | ((e - wordLSB) &^ e & wordMSB) | (x & wordMSB)
}

// str reads a JSON string and returns its bytes between the quotes,
// escapes left as they are, and what the string holds besides plain
// ASCII: escaped reports a backslash, wide a byte at or above 0x80. It
// reads eight bytes at a time until one of those or the closing quote,
// and skips the byte after each backslash, so an escaped quote never
// ends the string.
func (s *sizer) str() (raw []byte, escaped, wide bool, err error) {
	if !s.next('"') {
		return nil, false, false, errSizeJSON
	}
	b := s.b
	start, i := s.i, s.i
	for {
		for i+8 <= len(b) {
			m := specialBytes(binary.LittleEndian.Uint64(b[i:]))
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			return nil, false, false, errSizeJSON
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return b[start:i], escaped, wide, nil
		case c == '\\':
			escaped = true
			i += 2
		case c >= utf8.RuneSelf:
			wide = true
			i++
		default:
			i++ // only in the last eight bytes of b
		}
	}
}

// stringLen reads a JSON string and returns the UTF-8 length of its
// value, as DecodeJSON would decode it (invalid UTF-8 and lone surrogates
// become U+FFFD).
func (s *sizer) stringLen() (int, error) {
	raw, escaped, wide, err := s.str()
	if err != nil {
		return 0, err
	}
	if !escaped && (!wide || utf8.Valid(raw)) {
		return len(raw), nil // the common case: nothing to unescape
	}
	n := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			if c < utf8.RuneSelf {
				n++
				i++
				continue
			}
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				n += utf8.RuneLen(utf8.RuneError)
			} else {
				n += size
			}
			i += size
			continue
		}
		if i+1 >= len(raw) {
			return 0, errSizeJSON
		}
		if raw[i+1] != 'u' {
			n++
			i += 2
			continue
		}
		r, ok := hexRune(raw[i+2:])
		if !ok {
			return 0, errSizeJSON
		}
		i += 6
		if r >= 0xD800 && r < 0xDC00 && i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
			if r2, ok := hexRune(raw[i+2:]); ok && r2 >= 0xDC00 && r2 < 0xE000 {
				n += 4 // a surrogate pair is one supplementary rune
				i += 6
				continue
			}
		}
		if l := utf8.RuneLen(rune(r)); l > 0 {
			n += l
		} else {
			n += utf8.RuneLen(utf8.RuneError)
		}
	}
	return n, nil
}

// hexRune reads four hex digits.
func hexRune(b []byte) (uint32, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r uint32
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | uint32(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | uint32(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | uint32(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// asciiText reads a JSON string that should hold only ASCII (a type
// name, a number or base64) and returns its value. AppendItemJSON never escapes those, so
// the value is normally raw itself; escapes, which the decoder would
// undo, are undone into a copy. Non-ASCII is returned as it is: neither
// a type name, a number nor base64 accepts it, so its exact decoding does not matter.
func (s *sizer) asciiText() ([]byte, error) {
	raw, escaped, _, err := s.str()
	if err != nil || !escaped {
		return raw, err
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(raw) {
			return nil, errSizeJSON
		}
		switch e := raw[i+1]; e {
		case 'u':
			r, ok := hexRune(raw[i+2:])
			if !ok {
				return nil, errSizeJSON
			}
			if r < utf8.RuneSelf {
				out = append(out, byte(r))
			} else {
				out = append(out, 0x80) // neither a digit nor base64
			}
			i += 6
		case 'b', 'f', 'n', 'r', 't':
			out = append(out, '\n') // a control character, as good as any
			i += 2
		default:
			out = append(out, e)
			i += 2
		}
	}
	return out, nil
}

// numberSize reads a number's JSON string and returns its NumberSize.
func (s *sizer) numberSize() (int, error) {
	raw, err := s.asciiText()
	if err != nil {
		return 0, err
	}
	if n, ok := integerSize(raw); ok {
		return n, nil
	}
	return NumberSize(string(raw)), nil
}

// integerSize returns NumberSize of text that is an optionally signed
// run of digits, the commonest number, without converting text to a
// string or parsing it in full; ok is false for any other text. The
// digits from the first non-zero one to the last are the significant
// ones, and the scientific exponent is the count of digits after the
// first non-zero one, so NumberSize's rules apply directly.
func integerSize(text []byte) (size int, ok bool) {
	i, neg := 0, false
	if len(text) > 0 && (text[0] == '-' || text[0] == '+') {
		neg = text[0] == '-'
		i++
	}
	if i == len(text) {
		return 0, false
	}
	first, last := -1, -1
	for j := i; j < len(text); j++ {
		c := text[j]
		if c < '0' || c > '9' {
			return 0, false
		}
		if c != '0' {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	if first < 0 {
		return 1, true // zero, of either sign
	}
	digits, sci := last-first+1, len(text)-1-first
	size = 1 + (digits+1)/2
	if digits%2 == 0 && sci%2 == 0 {
		size++
	}
	if neg {
		size++
	}
	return size, true
}

// base64Len reads standard base64 text and returns the decoded length.
func (s *sizer) base64Len() (int, error) {
	raw, err := s.asciiText()
	if err != nil {
		return 0, err
	}
	if len(raw)%4 != 0 {
		return 0, errSizeJSON
	}
	n := len(raw) / 4 * 3
	for i := len(raw) - 1; i >= 0 && i >= len(raw)-2 && raw[i] == '='; i-- {
		n--
	}
	return n, nil
}
