package dataio

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/dynago/dynago/internal/attr"
)

// JSONL is one plain JSON object per line, mapped to attribute values the
// way the SDKs' document clients map native values: a string is S, a
// number N (its text kept, so DynamoDB's 38 digits survive; a number
// DynamoDB cannot hold makes the line bad), true/false BOOL, null NULL, an
// array L, an object M. Sets and binaries have no JSON form: writing them
// is refused unless lossy writing is allowed, which writes a set as an
// array and a binary as its base64 string (they read back as L and S).

type jsonlDecoder struct{}

func (jsonlDecoder) record(src *lineSource, out []entry) ([]entry, error) {
	return lineRecord(src, out, decodeJSONLLine)
}

func decodeJSONLLine(line []byte) (attr.Item, error) {
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	var top any
	if err := d.Decode(&top); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("text after the JSON object")
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	it := make(attr.Item, len(obj))
	for k, v := range obj {
		av, err := plainToValue(v, 0)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		it[k] = av
	}
	return it, nil
}

// plainToValue maps a decoded JSON value to an attribute value.
func plainToValue(v any, depth int) (attr.Value, error) {
	if depth > attr.MaxNestingDepth {
		return attr.Value{}, errors.New("nested more than DynamoDB's 32 levels")
	}
	switch v := v.(type) {
	case nil:
		return attr.Null(), nil
	case bool:
		return attr.Bool(v), nil
	case string:
		return attr.String(v), nil
	case json.Number:
		return attr.Number(string(v))
	case []any:
		l := make([]attr.Value, len(v))
		for i, e := range v {
			av, err := plainToValue(e, depth+1)
			if err != nil {
				return attr.Value{}, err
			}
			l[i] = av
		}
		return attr.List(l...), nil
	case map[string]any:
		m := make(attr.Item, len(v))
		for k, e := range v {
			av, err := plainToValue(e, depth+1)
			if err != nil {
				return attr.Value{}, fmt.Errorf("%q: %w", k, err)
			}
			m[k] = av
		}
		return attr.Map(m), nil
	}
	return attr.Value{}, fmt.Errorf("unexpected JSON value %v", v) // unreachable: the decoder uses UseNumber
}

// errNoJSONForm is wrapped by a LossyError for a set or binary in JSONL.
var errNoJSONForm = errors.New("sets and binaries have no plain JSON form")

// appendJSONLLine appends it as a plain JSON object and a newline. lossy
// reports whether a set or binary was converted; with allowLossy false
// such an item is refused (dst is returned unchanged).
func appendJSONLLine(dst []byte, it attr.Item, allowLossy bool) (out []byte, lossy bool, err error) {
	start := len(dst)
	dst, lossy = appendPlainMap(dst, it)
	if lossy && !allowLossy {
		return dst[:start], true, errNoJSONForm
	}
	return append(dst, '\n'), lossy, nil
}

func appendPlainMap(dst []byte, m map[string]attr.Value) ([]byte, bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	lossy := false
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		var l bool
		dst, l = appendPlain(dst, m[k])
		lossy = lossy || l
	}
	return append(dst, '}'), lossy
}

func appendPlain(dst []byte, v attr.Value) ([]byte, bool) {
	switch v.Type {
	case attr.TypeS:
		return appendJSONString(dst, v.S), false
	case attr.TypeN:
		return append(dst, v.S...), false
	case attr.TypeBOOL:
		return strconv.AppendBool(dst, v.Bool), false
	case attr.TypeNULL:
		return append(dst, "null"...), false
	case attr.TypeB:
		return appendJSONString(dst, base64.StdEncoding.EncodeToString(v.B)), true
	case attr.TypeM:
		return appendPlainMap(dst, v.M)
	case attr.TypeL:
		lossy := false
		dst = append(dst, '[')
		for i, e := range v.L {
			if i > 0 {
				dst = append(dst, ',')
			}
			var l bool
			dst, l = appendPlain(dst, e)
			lossy = lossy || l
		}
		return append(dst, ']'), lossy
	case attr.TypeSS, attr.TypeNS:
		dst = append(dst, '[')
		for i, s := range v.Set {
			if i > 0 {
				dst = append(dst, ',')
			}
			if v.Type == attr.TypeSS {
				dst = appendJSONString(dst, s)
			} else {
				dst = append(dst, s...)
			}
		}
		return append(dst, ']'), true
	case attr.TypeBS:
		dst = append(dst, '[')
		for i, b := range v.BS {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, base64.StdEncoding.EncodeToString(b))
		}
		return append(dst, ']'), true
	}
	return append(dst, "null"...), true
}

// appendJSONString appends s as a JSON string the way attr writes them
// (UTF-8 kept, invalid bytes as U+FFFD), by encoding it as an S value and
// keeping the string part.
func appendJSONString(dst []byte, s string) []byte {
	b := attr.AppendJSON(dst, attr.String(s)) // {"S":"..."}
	n := len(dst)
	copy(b[n:], b[n+5:len(b)-1])
	return b[:len(b)-6]
}
