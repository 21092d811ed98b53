package api

// Coercions DynamoDB's deserializer applies that Go's encoding/json does
// not: a JSON number with a fraction where an integer is expected is
// truncated ("Limit": 2.7 means 2), and the strings true/yes/1 and
// false/no/0 (any case) are booleans. Only bodies that failed to decode
// take this path.

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// Coerce rewrites body, a request of op that did not decode, applying
// DynamoDB's coercions. It returns the new body and true when it changed
// anything, so that the caller decodes again; false means the failure lies
// elsewhere.
func Coerce(op string, body []byte) ([]byte, bool) {
	id, ok := inputShapes[op]
	if !ok {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	nv, changed := coerce(v, id)
	if !changed {
		return nil, false
	}
	out, err := json.Marshal(nv)
	if err != nil {
		return nil, false
	}
	return out, true
}

func coerce(v any, id shapeID) (any, bool) {
	r := &shapeRules[id]
	switch r.kind {
	case kindStructure:
		m, ok := v.(map[string]any)
		if !ok {
			return v, false
		}
		changed := false
		for _, mem := range r.members {
			if mv, ok := m[mem.name]; ok {
				nv, c := coerce(mv, mem.shape)
				m[mem.name] = nv
				changed = changed || c
			}
		}
		return m, changed
	case kindList:
		l, ok := v.([]any)
		if !ok {
			return v, false
		}
		changed := false
		for i := range l {
			var c bool
			l[i], c = coerce(l[i], r.elem)
			changed = changed || c
		}
		return l, changed
	case kindMap:
		m, ok := v.(map[string]any)
		if !ok {
			return v, false
		}
		changed := false
		for k := range m {
			var c bool
			m[k], c = coerce(m[k], r.elem)
			changed = changed || c
		}
		return m, changed
	case kindInteger, kindLong:
		n, ok := v.(json.Number)
		if !ok {
			return v, false
		}
		if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
			return v, false
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.Abs(f) >= math.MaxInt64 {
			return v, false
		}
		return json.Number(strconv.FormatInt(int64(f), 10)), true
	case kindBoolean:
		s, ok := v.(string)
		if !ok {
			return v, false
		}
		switch strings.ToUpper(s) {
		case "TRUE", "YES", "1":
			return true, true
		case "FALSE", "NO", "0":
			return false, true
		}
	}
	return v, false
}
