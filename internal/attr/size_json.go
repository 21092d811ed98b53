package attr

import (
	"bytes"
	"errors"
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
	n, err := s.item(0)
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

// sizer walks one JSON document, summing sizes as it goes.
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

// next consumes the next non-space byte if it is c.
func (s *sizer) next(c byte) bool {
	s.skipSpace()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// item reads an attribute map and returns the sum of its names' and
// values' sizes, not counting any container overhead.
func (s *sizer) item(depth int) (int, error) {
	if depth > maxDecodeDepth {
		return 0, errSizeJSON
	}
	if !s.next('{') {
		return 0, errSizeJSON
	}
	n := 0
	if s.next('}') {
		return 0, nil
	}
	for {
		k, err := s.stringLen()
		if err != nil {
			return 0, err
		}
		if !s.next(':') {
			return 0, errSizeJSON
		}
		v, err := s.value(depth + 1)
		if err != nil {
			return 0, err
		}
		n += k + v
		if s.next(',') {
			continue
		}
		if s.next('}') {
			return n, nil
		}
		return 0, errSizeJSON
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
	typ, err := s.rawString()
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
		n, err = s.array(s.stringLen)
	case "NS":
		n, err = s.array(s.numberSize)
	case "BS":
		n, err = s.array(s.base64Len)
	case "L":
		n, err = s.array(func() (int, error) {
			v, err := s.value(depth + 1)
			return 1 + v, err
		})
		n += containerOverhead
	case "M":
		// Each entry costs 1 byte besides its name and value.
		start := s.i
		if n, err = s.item(depth + 1); err != nil {
			return 0, err
		}
		n += containerOverhead + s.countEntries(start)
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

// countEntries counts the members of the object that starts at start and
// that item has just read: its top-level colons.
func (s *sizer) countEntries(start int) int {
	n, depth, inString := 0, 0, false
	for i := start; i < s.i; i++ {
		c := s.b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ':':
			if depth == 1 {
				n++
			}
		}
	}
	return n
}

// array reads a JSON array whose elements elem reads, summing their sizes.
func (s *sizer) array(elem func() (int, error)) (int, error) {
	if !s.next('[') {
		return 0, errSizeJSON
	}
	if s.next(']') {
		return 0, nil
	}
	n := 0
	for {
		v, err := elem()
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

// rawString reads a JSON string and returns its bytes between the quotes,
// escapes left as they are.
func (s *sizer) rawString() ([]byte, error) {
	if !s.next('"') {
		return nil, errSizeJSON
	}
	start := s.i
	for {
		j := bytes.IndexByte(s.b[s.i:], '"')
		if j < 0 {
			return nil, errSizeJSON
		}
		end := s.i + j
		s.i = end + 1
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		bs := 0
		for k := end - 1; k >= start && s.b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return s.b[start:end], nil
		}
	}
}

// stringLen reads a JSON string and returns the UTF-8 length of its
// value, as DecodeJSON would decode it (invalid UTF-8 and lone surrogates
// become U+FFFD).
func (s *sizer) stringLen() (int, error) {
	raw, err := s.rawString()
	if err != nil {
		return 0, err
	}
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
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

// numberSize reads a number's JSON string and returns its NumberSize.
func (s *sizer) numberSize() (int, error) {
	raw, err := s.rawString()
	if err != nil {
		return 0, err
	}
	return NumberSize(string(raw)), nil
}

// base64Len reads standard base64 text and returns the decoded length.
func (s *sizer) base64Len() (int, error) {
	raw, err := s.rawString()
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
