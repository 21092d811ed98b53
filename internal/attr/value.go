// Package attr holds DynamoDB's data model: the AttributeValue and the item,
// their JSON codec, DynamoDB numbers, item size, and the order-preserving
// encoding of key attributes. It knows nothing of HTTP or storage.
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
	S    string
	B    []byte
	Bool bool
	M    map[string]Value
	L    []Value
	Set  []string
	BS   [][]byte
}

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
