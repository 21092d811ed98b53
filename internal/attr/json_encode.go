package attr

import (
	"encoding/base64"
	"slices"
	"unicode/utf8"
)

// This file writes AttributeValues in DynamoDB's JSON wire form
// ({"S":"x"}, {"N":"1"}, {"B":"<base64>"}, ...). The same bytes are the
// engine's stored form of an item, so the output is canonical: an item's
// and a map's attributes are written in byte order of their names, so equal
// items give equal bytes.

// sortOnStack is how many attribute names are sorted in a stack array
// before AppendItemJSON falls back to a heap slice.
const sortOnStack = 32

const hexDigits = "0123456789abcdef"

// AppendJSON appends v's DynamoDB JSON ({"S":"x"} and so on) to dst.
// A Value that was never set is written as {} (which DynamoDB would reject
// as empty); the engine never stores one.
func AppendJSON(dst []byte, v Value) []byte {
	switch v.Type {
	case TypeS:
		dst = append(dst, `{"S":`...)
		dst = appendString(dst, v.S)
	case TypeN:
		dst = append(dst, `{"N":`...)
		dst = appendString(dst, v.S)
	case TypeB:
		dst = append(dst, `{"B":`...)
		dst = appendBase64(dst, v.B)
	case TypeBOOL:
		if v.Bool {
			dst = append(dst, `{"BOOL":true`...)
		} else {
			dst = append(dst, `{"BOOL":false`...)
		}
	case TypeNULL:
		dst = append(dst, `{"NULL":true`...)
	case TypeM:
		dst = append(dst, `{"M":`...)
		dst = appendMap(dst, v.M)
	case TypeL:
		dst = append(dst, `{"L":[`...)
		for i, e := range v.L {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e)
		}
		dst = append(dst, ']')
	case TypeSS, TypeNS:
		if v.Type == TypeSS {
			dst = append(dst, `{"SS":[`...)
		} else {
			dst = append(dst, `{"NS":[`...)
		}
		for i, s := range v.Set {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, s)
		}
		dst = append(dst, ']')
	case TypeBS:
		dst = append(dst, `{"BS":[`...)
		for i, b := range v.BS {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendBase64(dst, b)
		}
		dst = append(dst, ']')
	default:
		dst = append(dst, '{')
	}
	return append(dst, '}')
}

// AppendItemJSON appends it as a JSON object of AttributeValues, with its
// attributes in byte order of their names. A nil item is written as {}.
func AppendItemJSON(dst []byte, it Item) []byte {
	return appendMap(dst, it)
}

func appendMap(dst []byte, m map[string]Value) []byte {
	dst = append(dst, '{')
	switch len(m) {
	case 0:
	case 1:
		for k, v := range m {
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = AppendJSON(dst, v)
		}
	default:
		var stack [sortOnStack]string
		keys := stack[:0]
		if len(m) > sortOnStack {
			keys = make([]string, 0, len(m))
		}
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = AppendJSON(dst, m[k])
		}
	}
	return append(dst, '}')
}

// appendString appends s as a JSON string. Non-ASCII text is written as
// UTF-8, as DynamoDB does; invalid UTF-8 becomes U+FFFD, as encoding/json
// does, so the output is always valid JSON.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendBase64(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

// MarshalJSON writes v in DynamoDB's JSON form, so that encoding/json uses
// the fast codec for AttributeValues inside response structs.
func (v Value) MarshalJSON() ([]byte, error) {
	return AppendJSON(nil, v), nil
}

// MarshalJSON writes it as a JSON object of AttributeValues; see
// AppendItemJSON.
func (it Item) MarshalJSON() ([]byte, error) {
	return AppendItemJSON(nil, it), nil
}
