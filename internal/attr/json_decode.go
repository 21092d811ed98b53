package attr

import (
	"encoding/base64"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/dynago/dynago/internal/apierr"
)

// This file reads AttributeValues from DynamoDB's JSON wire form.
//
// Errors are split the way DynamoDB splits them:
//
//   - A JSON type that does not fit the AttributeValue shape ({"S": 5},
//     {"SS": "a"}, {"B": "%%%"}) is a SerializationException, returned at
//     once by the decoder, with the message DynamoDB's request framework
//     (Coral) gives.
//   - Everything DynamoDB checks later, after the request's own
//     constraints (an empty AttributeValue, several types set, an invalid
//     or out-of-range number, NULL false, an empty set, a duplicate set
//     member, nesting too deep), is NOT returned by the decoder: the value
//     decodes, and Validate / ValidateItem report it. The engine calls
//     ValidateItem on every item and key, and Validate on every attribute
//     value it receives. (One exception: nesting past maxDecodeDepth, far
//     beyond DynamoDB's 32 levels, stops the decoder with the nesting
//     ValidationException at once.)
//
// Strings are taken as substrings of one copy of the input, so decoding
// allocates one string for the whole document plus the maps and slices.

// setCap is the capacity a decoded set starts with: most sets are small,
// and growing from 0 would allocate three times to reach four members.
const setCap = 4

// maxDecodeDepth bounds recursion on hostile input. DynamoDB itself allows
// 32 levels (see Validate); this only keeps the decoder's stack small.
const maxDecodeDepth = 256

// Coral's SerializationException messages.
const (
	msgStartOfList      = "Start of list found where not expected"
	msgStartOfStructure = "Start of structure or map found where not expected."
	msgExpectedList     = "Expected list or null"
	msgExpectedMap      = "Expected map or null"
	msgExpectedNull     = "Expected null"
	msgBoolToString     = "class java.lang.Boolean can not be converted to an String"
	msgNumberToString   = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"
	msgBoolToBlob       = "class java.lang.Boolean can not be converted to a Blob"
	msgNumberToBlob     = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to a Blob"
	msgNumberToBoolean  = "class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an Boolean"
	msgMalformedJSON    = "Malformed JSON"
)

// DynamoDB's ValidationException messages for AttributeValues.
const (
	msgEmptyValue     = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	msgMultipleTypes  = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	msgInvalidPrefix  = "One or more parameter values were invalid: "
	msgEmptySS        = msgInvalidPrefix + "An string set  may not be empty"
	msgEmptyNS        = msgInvalidPrefix + "An number set  may not be empty"
	msgEmptyBS        = msgInvalidPrefix + "Binary sets should not be empty"
	msgNullInSS       = msgInvalidPrefix + "An string set may not have a empty string as a member"
	msgNullInBS       = msgInvalidPrefix + "Binary sets may not contain null or empty values"
	msgDuplicateNS    = "Input collection contains duplicates"
	msgEmptyName      = "Empty attribute name"
	msgNameTooLong    = "Attribute name is too large, must be less than 65536 bytes"
	msgNestingTooDeep = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
)

func serializationError(msg string) error {
	return apierr.New(apierr.SerializationException, msg)
}

// DecodeJSON reads one AttributeValue ({"S":"x"} ...). It returns a
// SerializationException for malformed input; see the top of this file for
// what is left to Validate.
func DecodeJSON(b []byte) (Value, error) {
	d := decoder{s: string(b)}
	v, _, err := d.attributeValue(0)
	if err != nil {
		return Value{}, err
	}
	if err := d.end(); err != nil {
		return Value{}, err
	}
	return v, nil
}

// DecodeItemJSON reads a JSON object of AttributeValues: an item, a key, or
// the engine's stored form of an item (AppendItemJSON's output, which it
// reads back exactly). JSON null gives a nil Item.
func DecodeItemJSON(b []byte) (Item, error) {
	d := decoder{s: string(b)}
	it, err := d.item(0)
	if err != nil {
		return nil, err
	}
	if err := d.end(); err != nil {
		return nil, err
	}
	return it, nil
}

// UnmarshalJSON lets encoding/json decode an AttributeValue inside a
// request struct with this package's decoder. JSON null leaves v as is.
func (v *Value) UnmarshalJSON(b []byte) error {
	d := decoder{s: string(b)}
	nv, present, err := d.attributeValue(0)
	if err != nil {
		return err
	}
	if err := d.end(); err != nil {
		return err
	}
	if present {
		*v = nv
	}
	return nil
}

// UnmarshalJSON lets encoding/json decode an attribute map inside a
// request struct. JSON null leaves it as is.
func (it *Item) UnmarshalJSON(b []byte) error {
	d := decoder{s: string(b)}
	d.skipSpace()
	if d.literal("null") {
		return d.end()
	}
	m, err := d.item(0)
	if err != nil {
		return err
	}
	if err := d.end(); err != nil {
		return err
	}
	*it = m
	return nil
}

// decoder is a position in a JSON document.
type decoder struct {
	s string
	i int
}

func (d *decoder) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.skipSpace()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

func (d *decoder) end() error {
	d.skipSpace()
	if d.i != len(d.s) {
		return serializationError(msgMalformedJSON)
	}
	return nil
}

// literal consumes word (true, false, null) if it comes next.
func (d *decoder) literal(word string) bool {
	if strings.HasPrefix(d.s[d.i:], word) {
		d.i += len(word)
		return true
	}
	return false
}

// item reads a JSON object of AttributeValues, or null (a nil Item).
func (d *decoder) item(depth int) (Item, error) {
	switch d.peek() {
	case '{':
	case 'n':
		if d.literal("null") {
			return nil, nil
		}
		return nil, serializationError(msgMalformedJSON)
	case '[':
		return nil, serializationError(msgStartOfList)
	default:
		if err := d.skipValue(0); err != nil {
			return nil, err
		}
		return nil, serializationError(msgExpectedMap)
	}
	d.i++
	it := make(Item, 8)
	if d.peek() == '}' {
		d.i++
		return it, nil
	}
	for {
		if d.peek() != '"' {
			return nil, serializationError(msgMalformedJSON)
		}
		name, err := d.str()
		if err != nil {
			return nil, err
		}
		if d.peek() != ':' {
			return nil, serializationError(msgMalformedJSON)
		}
		d.i++
		v, _, err := d.attributeValue(depth + 1)
		if err != nil {
			return nil, err
		}
		it[name] = v
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return it, nil
		default:
			return nil, serializationError(msgMalformedJSON)
		}
	}
}

// attributeValue reads one AttributeValue object. present is false for
// JSON null, which DynamoDB treats as a member left out.
func (d *decoder) attributeValue(depth int) (v Value, present bool, err error) {
	if depth > maxDecodeDepth {
		return v, false, apierr.Validation(msgNestingTooDeep)
	}
	switch d.peek() {
	case '{':
	case 'n':
		if d.literal("null") {
			return v, false, nil
		}
		return v, false, serializationError(msgMalformedJSON)
	case '[':
		return v, false, serializationError(msgStartOfList)
	default:
		if err := d.skipValue(0); err != nil {
			return v, false, err
		}
		return v, false, serializationError(msgExpectedNull)
	}
	d.i++
	var types uint16 // bit t set when a member of Type t was present
	vBad := false    // v has a problem Validate will report
	if d.peek() == '}' {
		d.i++
		return v, true, nil
	}
	for {
		if d.peek() != '"' {
			return v, false, serializationError(msgMalformedJSON)
		}
		key, err := d.str()
		if err != nil {
			return v, false, err
		}
		if d.peek() != ':' {
			return v, false, serializationError(msgMalformedJSON)
		}
		d.i++
		var f Value   // this member's value, merged into v below
		fBad := false // f has a problem Validate will report
		set := true
		switch key {
		case "S", "N":
			s, ok, err := d.stringMember()
			if err != nil {
				return v, false, err
			}
			if !ok {
				set = false
				break
			}
			f.S = s
			if key == "S" {
				f.Type = TypeS
				break
			}
			f.Type = TypeN
			if c, err := CanonicalNumber(s); err == nil {
				f.S = c
			} else {
				fBad = true // Validate finds it again from the text
			}
		case "B":
			b, ok, err := d.blobMember()
			if err != nil {
				return v, false, err
			}
			set = ok
			f = Value{Type: TypeB, B: b}
		case "BOOL", "NULL":
			b, ok, err := d.boolMember()
			if err != nil {
				return v, false, err
			}
			set = ok
			if key == "BOOL" {
				f = Value{Type: TypeBOOL, Bool: b}
			} else {
				// {"NULL": false} is NULL too: DynamoDB stopped refusing
				// it in 2026 and stores it as {"NULL": true}.
				f = Value{Type: TypeNULL}
			}
		case "M":
			m, ok, err := d.mapMember(depth)
			if err != nil {
				return v, false, err
			}
			set = ok
			f = Value{Type: TypeM, M: m}
		case "L":
			l, ok, err := d.listMember(depth)
			if err != nil {
				return v, false, err
			}
			set = ok
			f = Value{Type: TypeL, L: l}
		case "SS", "NS":
			f, set, err = d.stringSetMember(key == "NS")
			if err != nil {
				return v, false, err
			}
		case "BS":
			f, set, err = d.binarySetMember()
			if err != nil {
				return v, false, err
			}
		default:
			set = false
			if err := d.skipValue(depth); err != nil {
				return v, false, err
			}
		}
		if set {
			types |= 1 << f.Type
			fBad = fBad || f.flaw != flawNone
			switch {
			case v.Type == TypeInvalid || f.Type == v.Type:
				v, vBad = f, fBad
			case fBad && !vBad:
				// DynamoDB reports an invalid member before the
				// several-types error, in document order.
				v, vBad = f, true
			}
		}
		switch d.peek() {
		case ',':
			d.i++
			continue
		case '}':
			d.i++
		default:
			return v, false, serializationError(msgMalformedJSON)
		}
		break
	}
	if bits.OnesCount16(types) > 1 && !vBad {
		v.flaw = flawMultipleTypes
	}
	return v, true, nil
}

// stringMember reads a JSON string where DynamoDB's model has a String.
// ok is false for null.
func (d *decoder) stringMember() (s string, ok bool, err error) {
	switch c := d.peek(); c {
	case '"':
		s, err = d.str()
		return s, err == nil, err
	case 'n':
		if d.literal("null") {
			return "", false, nil
		}
	case 't', 'f':
		if d.literal("true") || d.literal("false") {
			return "", false, serializationError(msgBoolToString)
		}
	case '[':
		return "", false, serializationError(msgStartOfList)
	case '{':
		return "", false, serializationError(msgStartOfStructure)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			if err := d.number(); err != nil {
				return "", false, err
			}
			return "", false, serializationError(msgNumberToString)
		}
	}
	return "", false, serializationError(msgMalformedJSON)
}

// blobMember reads a base64 string where DynamoDB's model has a Blob, with
// Coral's checks and messages.
func (d *decoder) blobMember() (b []byte, ok bool, err error) {
	switch c := d.peek(); c {
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, false, err
		}
		b, err := decodeBase64(s)
		return b, err == nil, err
	case 'n':
		if d.literal("null") {
			return nil, false, nil
		}
	case 't', 'f':
		if d.literal("true") || d.literal("false") {
			return nil, false, serializationError(msgBoolToBlob)
		}
	case '[':
		return nil, false, serializationError(msgStartOfList)
	case '{':
		return nil, false, serializationError(msgStartOfStructure)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			if err := d.number(); err != nil {
				return nil, false, err
			}
			return nil, false, serializationError(msgNumberToBlob)
		}
	}
	return nil, false, serializationError(msgMalformedJSON)
}

// decodeBase64 decodes standard padded base64 as DynamoDB does, refusing
// with Coral's messages what it refuses.
func decodeBase64(s string) ([]byte, error) {
	if len(s)%4 != 0 {
		return nil, serializationError("'" + s + "' can not be converted to a Blob: " +
			"Base64 encoded length is expected a multiple of 4 bytes but found: " + strconv.Itoa(len(s)))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		valid := (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '+' || c == '/' || (c == '=' && (i+1 == len(s) || s[i+1] == '='))
		if !valid {
			r, _ := utf8.DecodeRuneInString(s[i:])
			return nil, serializationError("'" + s + "' can not be converted to a Blob: " +
				"Invalid Base64 character: '" + string(r) + "'")
		}
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Strict().Decode(b, []byte(s))
	if err != nil {
		return nil, serializationError("'" + s + "' can not be converted to a Blob: " +
			"Invalid last non-pad Base64 character dectected")
	}
	return b[:n], nil
}

// boolMember reads a Boolean as Coral does: JSON true/false, or the strings
// true/false/yes/no/1/0 in any case.
func (d *decoder) boolMember() (b bool, ok bool, err error) {
	switch c := d.peek(); c {
	case 't':
		if d.literal("true") {
			return true, true, nil
		}
	case 'f':
		if d.literal("false") {
			return false, true, nil
		}
	case 'n':
		if d.literal("null") {
			return false, false, nil
		}
	case '"':
		s, err := d.str()
		if err != nil {
			return false, false, err
		}
		switch u := strings.ToUpper(s); u {
		case "TRUE", "YES", "1":
			return true, true, nil
		case "FALSE", "NO", "0":
			return false, true, nil
		default:
			return false, false, serializationError("'" + u + "' can not be converted to an Boolean")
		}
	case '[':
		return false, false, serializationError(msgStartOfList)
	case '{':
		return false, false, serializationError(msgStartOfStructure)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			if err := d.number(); err != nil {
				return false, false, err
			}
			return false, false, serializationError(msgNumberToBoolean)
		}
	}
	return false, false, serializationError(msgMalformedJSON)
}

// listStart checks that a JSON array comes next; ok is false for null.
func (d *decoder) listStart() (ok bool, err error) {
	switch d.peek() {
	case '[':
		d.i++
		return true, nil
	case 'n':
		if d.literal("null") {
			return false, nil
		}
		return false, serializationError(msgMalformedJSON)
	case '{':
		return false, serializationError(msgStartOfStructure)
	}
	if err := d.skipValue(0); err != nil {
		return false, err
	}
	return false, serializationError(msgExpectedList)
}

// listNext consumes the separator after an element; done is true at ']'.
func (d *decoder) listNext() (done bool, err error) {
	switch d.peek() {
	case ',':
		d.i++
		return false, nil
	case ']':
		d.i++
		return true, nil
	}
	return false, serializationError(msgMalformedJSON)
}

func (d *decoder) mapMember(depth int) (map[string]Value, bool, error) {
	if d.peek() == '[' {
		return nil, false, serializationError(msgStartOfList)
	}
	m, err := d.item(depth + 1)
	if err != nil {
		return nil, false, err
	}
	return m, m != nil, nil
}

func (d *decoder) listMember(depth int) ([]Value, bool, error) {
	ok, err := d.listStart()
	if !ok || err != nil {
		return nil, false, err
	}
	l := make([]Value, 0, 2)
	if d.peek() == ']' {
		d.i++
		return l, true, nil
	}
	for {
		e, _, err := d.attributeValue(depth + 1)
		if err != nil {
			return nil, false, err
		}
		l = append(l, e) // null becomes an empty Value, which Validate reports
		done, err := d.listNext()
		if err != nil {
			return nil, false, err
		}
		if done {
			return l, true, nil
		}
	}
}

func (d *decoder) stringSetMember(numbers bool) (v Value, ok bool, err error) {
	v.Type = TypeSS
	if numbers {
		v.Type = TypeNS
	}
	if ok, err := d.listStart(); !ok || err != nil {
		return v, false, err
	}
	v.Set = make([]string, 0, setCap)
	if d.peek() == ']' {
		d.i++
		return v, true, nil
	}
	for {
		s, present, err := d.stringMember()
		if err != nil {
			return v, false, err
		}
		switch {
		case !present && v.flaw == flawNone:
			if numbers {
				v.flaw = flawNullInNS
			} else {
				v.flaw = flawNullInSS
			}
		case present && numbers:
			if c, err := CanonicalNumber(s); err == nil {
				s = c
			}
			v.Set = append(v.Set, s) // Validate reports an invalid one
		case present:
			v.Set = append(v.Set, s)
		}
		done, err := d.listNext()
		if err != nil {
			return v, false, err
		}
		if done {
			return v, true, nil
		}
	}
}

func (d *decoder) binarySetMember() (v Value, ok bool, err error) {
	v.Type = TypeBS
	if ok, err := d.listStart(); !ok || err != nil {
		return v, false, err
	}
	v.BS = make([][]byte, 0, setCap)
	if d.peek() == ']' {
		d.i++
		return v, true, nil
	}
	for {
		b, present, err := d.blobMember()
		if err != nil {
			return v, false, err
		}
		if present {
			v.BS = append(v.BS, b)
		} else if v.flaw == flawNone {
			v.flaw = flawNullInBS
		}
		done, err := d.listNext()
		if err != nil {
			return v, false, err
		}
		if done {
			return v, true, nil
		}
	}
}

// str reads a JSON string at d.i (which is '"'). Without escapes it is a
// substring of the input; invalid UTF-8 becomes U+FFFD, as in encoding/json.
func (d *decoder) str() (string, error) {
	start := d.i + 1
	i := start
	for i < len(d.s) {
		c := d.s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return d.s[start:i], nil
		case c == '\\', c >= utf8.RuneSelf:
			return d.strSlow(start)
		case c < 0x20:
			return "", serializationError(msgMalformedJSON)
		}
		i++
	}
	return "", serializationError(msgMalformedJSON)
}

// strSlow decodes a string with escapes or non-ASCII bytes from start.
func (d *decoder) strSlow(start int) (string, error) {
	buf := make([]byte, 0, 64)
	i := start
	for i < len(d.s) {
		c := d.s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return string(buf), nil
		case c < 0x20:
			return "", serializationError(msgMalformedJSON)
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(d.s[i:])
			if r == utf8.RuneError && size == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, d.s[i:i+size]...)
			}
			i += size
			continue
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		if i+1 >= len(d.s) {
			return "", serializationError(msgMalformedJSON)
		}
		e := d.s[i+1]
		i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(d.s, i)
			if !ok {
				return "", serializationError(msgMalformedJSON)
			}
			i += 4
			if utf16.IsSurrogate(r) {
				r2, ok := rune(-1), false
				if i+6 <= len(d.s) && d.s[i] == '\\' && d.s[i+1] == 'u' {
					r2, ok = hex4(d.s, i+2)
				}
				if dec := utf16.DecodeRune(r, r2); ok && dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return "", serializationError(msgMalformedJSON)
		}
	}
	return "", serializationError(msgMalformedJSON)
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number consumes a JSON number.
func (d *decoder) number() error {
	start := d.i
	if d.i < len(d.s) && d.s[d.i] == '-' {
		d.i++
	}
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if digits() == 0 {
		return serializationError(msgMalformedJSON)
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return serializationError(msgMalformedJSON)
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return serializationError(msgMalformedJSON)
		}
	}
	if d.i == start {
		return serializationError(msgMalformedJSON)
	}
	return nil
}

// skipValue consumes any JSON value (a member DynamoDB does not know).
func (d *decoder) skipValue(depth int) error {
	if depth > maxDecodeDepth {
		return serializationError(msgMalformedJSON)
	}
	switch c := d.peek(); c {
	case '"':
		_, err := d.str()
		return err
	case '{', '[':
		closer := byte('}')
		if c == '[' {
			closer = ']'
		}
		d.i++
		if d.peek() == closer {
			d.i++
			return nil
		}
		for {
			if c == '{' {
				if d.peek() != '"' {
					return serializationError(msgMalformedJSON)
				}
				if _, err := d.str(); err != nil {
					return err
				}
				if d.peek() != ':' {
					return serializationError(msgMalformedJSON)
				}
				d.i++
			}
			if err := d.skipValue(depth + 1); err != nil {
				return err
			}
			switch d.peek() {
			case ',':
				d.i++
			case closer:
				d.i++
				return nil
			default:
				return serializationError(msgMalformedJSON)
			}
		}
	case 't':
		if d.literal("true") {
			return nil
		}
	case 'f':
		if d.literal("false") {
			return nil
		}
	case 'n':
		if d.literal("null") {
			return nil
		}
	default:
		return d.number()
	}
	return serializationError(msgMalformedJSON)
}
