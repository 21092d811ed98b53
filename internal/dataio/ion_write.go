package dataio

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dynago/dynago/internal/attr"
)

// The Ion writer writes DynamoDB's export layout: one line per item,
// "$ion_1_0 {Item:{...}}", fields in byte order of their names, names as
// identifiers where Ion allows and 'quoted symbols' otherwise, numbers as
// decimals printed as ion-java prints a BigDecimal with its trailing zeros
// stripped (DynamoDB's own number form): 103 → "103.", 600 → "6d2",
// 1.5 → "1.5", 0.15 → "1.5d-1". Sets are lists annotated $dynamodb_SS,
// $dynamodb_NS or $dynamodb_BS, binaries blobs, NULL null.

const ionLinePrefix = "$ion_1_0 {Item:"

func appendIonLine(dst []byte, it attr.Item) []byte {
	dst = append(dst, ionLinePrefix...)
	dst = appendIonStruct(dst, it)
	return append(dst, '}', '\n')
}

func appendIonStruct(dst []byte, m map[string]attr.Value) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendIonFieldName(dst, k)
		dst = append(dst, ':')
		dst = appendIonValue(dst, m[k])
	}
	return append(dst, '}')
}

func appendIonValue(dst []byte, v attr.Value) []byte {
	switch v.Type {
	case attr.TypeS:
		return appendIonString(dst, v.S, '"')
	case attr.TypeN:
		return appendIonDecimal(dst, v.S)
	case attr.TypeB:
		return appendIonBlob(dst, v.B)
	case attr.TypeBOOL:
		return strconv.AppendBool(dst, v.Bool)
	case attr.TypeNULL:
		return append(dst, "null"...)
	case attr.TypeM:
		return appendIonStruct(dst, v.M)
	case attr.TypeL:
		dst = append(dst, '[')
		for i, e := range v.L {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendIonValue(dst, e)
		}
		return append(dst, ']')
	case attr.TypeSS, attr.TypeNS:
		if v.Type == attr.TypeSS {
			dst = append(dst, annSS+"::["...)
		} else {
			dst = append(dst, annNS+"::["...)
		}
		for i, s := range v.Set {
			if i > 0 {
				dst = append(dst, ',')
			}
			if v.Type == attr.TypeSS {
				dst = appendIonString(dst, s, '"')
			} else {
				dst = appendIonDecimal(dst, s)
			}
		}
		return append(dst, ']')
	case attr.TypeBS:
		dst = append(dst, annBS+"::["...)
		for i, b := range v.BS {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendIonBlob(dst, b)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

func appendIonBlob(dst []byte, b []byte) []byte {
	dst = append(dst, '{', '{')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '}', '}')
}

// appendIonFieldName writes a field name as an identifier when it is one
// and not a keyword or a symbol id, else as a quoted symbol.
func appendIonFieldName(dst []byte, name string) []byte {
	if isPlainIdentifier(name) {
		return append(dst, name...)
	}
	return appendIonString(dst, name, '\'')
}

func isPlainIdentifier(s string) bool {
	if s == "" || !isIdentStart(s[0]) || isSymbolID(s) {
		return false
	}
	switch s {
	case "null", "true", "false", "nan":
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	return true
}

// appendIonString writes s quoted with q, escaping the quote, backslash
// and control characters; other text is kept as UTF-8 (invalid bytes
// become U+FFFD).
func appendIonString(dst []byte, s string, q byte) []byte {
	dst = append(dst, q)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == q || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'x', hexDigit(c>>4), hexDigit(c&0xf))
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, q)
}

func hexDigit(c byte) byte { return "0123456789abcdef"[c] }

// appendIonDecimal writes a number's canonical text (plain decimal, as
// attr keeps it) as ion-java writes the BigDecimal DynamoDB holds: the
// unscaled digits with trailing zeros stripped and the scale shown by a
// point or a d exponent.
func appendIonDecimal(dst []byte, text string) []byte {
	neg := strings.HasPrefix(text, "-")
	t := strings.TrimPrefix(text, "-")
	intPart, frac, _ := strings.Cut(t, ".")
	unscaled := strings.TrimLeft(intPart+frac, "0")
	scale := len(frac)
	if unscaled == "" {
		return append(dst, "0."...)
	}
	for len(unscaled) > 1 && unscaled[len(unscaled)-1] == '0' {
		unscaled = unscaled[:len(unscaled)-1]
		scale--
	}
	if neg {
		dst = append(dst, '-')
	}
	switch sig := len(unscaled); {
	case scale == 0:
		dst = append(dst, unscaled...)
		dst = append(dst, '.')
	case scale > 0:
		whole, rest := sig-scale, 0
		if sig <= scale {
			whole, rest = 1, scale-sig+1
		}
		dst = append(dst, unscaled[:whole]...)
		if whole < sig {
			dst = append(dst, '.')
			dst = append(dst, unscaled[whole:]...)
		}
		if rest != 0 {
			dst = append(dst, 'd', '-')
			dst = strconv.AppendInt(dst, int64(rest), 10)
		}
	default:
		dst = append(dst, unscaled...)
		dst = append(dst, 'd')
		dst = strconv.AppendInt(dst, int64(-scale), 10)
	}
	return dst
}
