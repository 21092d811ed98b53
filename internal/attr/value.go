// Package attr holds DynamoDB's data model: the AttributeValue and the item,
// their JSON codec, DynamoDB numbers, item size, and the order-preserving
// encoding of key attributes. It knows nothing of HTTP or storage.
//
// Files by concern:
//
//	value.go        Value, Item, Type and constructors
//	number.go       parsing, canonical text, comparison and arithmetic of N
//	compare.go      Equal, Compare, Clone
//	json_encode.go  AppendJSON, AppendItemJSON (wire and stored form)
//	json_decode.go  DecodeJSON, DecodeItemJSON, UnmarshalJSON
//	validate.go     Validate, ValidateItem (DynamoDB's ValidationExceptions)
//	size.go         ItemSize, Value.Size
//	key.go          AppendKey, DecodeKey, AppendKeyPrefix, PrefixEnd
//
// Decoding and validation are separate steps: the decoder returns only
// SerializationExceptions (a JSON type that does not fit), and Validate /
// ValidateItem return the ValidationExceptions (empty value, several types,
// bad number, empty set, duplicates, nesting), because DynamoDB reports a
// request's own constraints before those. Values are stored with numbers in
// canonical text, so Equal and Compare of stored values are cheap.
package attr

// Type is one of DynamoDB's ten attribute types. The zero Type is invalid
// and marks a Value that was never set.
type Type uint8

// The ten DynamoDB attribute types, named as they appear on the wire.
const (
	TypeInvalid Type = iota
	TypeS            // string
	TypeN            // number
	TypeB            // binary
	TypeBOOL         // boolean
	TypeNULL         // null
	TypeM            // map
	TypeL            // list
	TypeSS           // string set
	TypeNS           // number set
	TypeBS           // binary set
)

// String returns the wire name of the type ("S", "N", ... "BS").
func (t Type) String() string {
	switch t {
	case TypeS:
		return "S"
	case TypeN:
		return "N"
	case TypeB:
		return "B"
	case TypeBOOL:
		return "BOOL"
	case TypeNULL:
		return "NULL"
	case TypeM:
		return "M"
	case TypeL:
		return "L"
	case TypeSS:
		return "SS"
	case TypeNS:
		return "NS"
	case TypeBS:
		return "BS"
	}
	return "INVALID"
}

// Value is one DynamoDB AttributeValue. Exactly one group of fields is
// meaningful, chosen by Type:
//
//	TypeS     S (the string)
//	TypeN     S (the number's canonical text, as DynamoDB returns it)
//	TypeB     B
//	TypeBOOL  Bool
//	TypeNULL  (nothing; NULL is always true on the wire)
//	TypeM     M
//	TypeL     L
//	TypeSS    Set (the strings)
//	TypeNS    Set (each number's canonical text)
//	TypeBS    BS
//
// A Value is a plain struct rather than an interface so that items decode
// without an allocation per attribute for the common scalar types.
type Value struct {
	Type Type
	Bool bool

	// flaw marks a problem the JSON decoder found but must not report yet
	// (DynamoDB checks a request's own constraints first): several types
	// set, NULL false, a null set member. Validate reports it.
	flaw flaw

	S   string
	B   []byte
	M   map[string]Value
	L   []Value
	Set []string
	BS  [][]byte
}

// Value is kept at 128 bytes or less (Type, Bool and flaw share a word)
// so that Go maps store it inline: a larger value would cost an allocation
// per attribute of every decoded item.

// Item is a DynamoDB item, or any attribute map (a key, ExpressionAttributeValues).
type Item map[string]Value

// IsZero reports whether v was never set; encoding/json's omitzero uses it.
func (v Value) IsZero() bool { return v.Type == TypeInvalid }

// String returns a Value of type S.
func String(s string) Value { return Value{Type: TypeS, S: s} }

// Binary returns a Value of type B.
func Binary(b []byte) Value { return Value{Type: TypeB, B: b} }

// Bool returns a Value of type BOOL.
func Bool(b bool) Value { return Value{Type: TypeBOOL, Bool: b} }

// Null returns a Value of type NULL.
func Null() Value { return Value{Type: TypeNULL} }

// StringSet returns a Value of type SS holding s (not copied).
func StringSet(s ...string) Value { return Value{Type: TypeSS, Set: s} }

// NumberSet returns a Value of type NS holding the number texts s (not
// copied), which should be canonical (see CanonicalNumber).
func NumberSet(s ...string) Value { return Value{Type: TypeNS, Set: s} }

// BinarySet returns a Value of type BS holding b (not copied).
func BinarySet(b ...[]byte) Value { return Value{Type: TypeBS, BS: b} }

// List returns a Value of type L holding l (not copied); a nil l is an
// empty list.
func List(l ...Value) Value {
	if l == nil {
		l = []Value{}
	}
	return Value{Type: TypeL, L: l}
}

// Map returns a Value of type M holding m (not copied); a nil m is an
// empty map.
func Map(m Item) Value {
	if m == nil {
		m = Item{}
	}
	return Value{Type: TypeM, M: m}
}

// String returns v in DynamoDB JSON, for logs and test failures.
func (v Value) String() string { return string(AppendJSON(nil, v)) }
