package jobs

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// lease is what poll reads of a job record to decide whether to claim
// it.
type lease struct {
	Owner    string
	Expires  int64
	NotUntil int64
}

// decodeLease reads a record's lease fields without decoding the rest.
// poll looks at every job record each time the runner wakes (every
// DeleteTable wakes it), and a table drop's spec is the whole table
// record in base64: json.Unmarshal spent most of a poll walking it byte by
// byte. The compact form json.Marshal writes for a record (known keys,
// strings without escapes, integers) is scanned here, strings skipped with
// IndexByte; anything else goes to json.Unmarshal, so every record
// json.Unmarshal reads gives the same lease.
func decodeLease(b []byte) (lease, error) {
	if l, ok := scanLease(b); ok {
		return l, nil
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return lease{}, err
	}
	return lease{Owner: rec.Owner, Expires: rec.Expires, NotUntil: rec.NotUntil}, nil
}

// scanLease is decodeLease's fast path; ok is false for anything but the
// compact form.
func scanLease(b []byte) (l lease, ok bool) {
	if len(b) < 2 || b[0] != '{' {
		return lease{}, false
	}
	i := 1
	if b[i] == '}' {
		return l, i+1 == len(b)
	}
	for {
		key, next, ok := scanString(b, i)
		if !ok || next >= len(b) || b[next] != ':' {
			return lease{}, false
		}
		i = next + 1
		if i >= len(b) {
			return lease{}, false
		}
		switch string(key) {
		case "spec", "progress", "lastError":
			if _, i, ok = scanString(b, i); !ok {
				return lease{}, false
			}
		case "owner":
			var v []byte
			if v, i, ok = scanString(b, i); !ok {
				return lease{}, false
			}
			if !utf8.Valid(v) {
				return lease{}, false // json.Unmarshal would replace the bad bytes
			}
			l.Owner = string(v)
		case "expires", "notUntil", "failures":
			var n int64
			if n, i, ok = scanInt(b, i); !ok {
				return lease{}, false
			}
			switch string(key) {
			case "expires":
				l.Expires = n
			case "notUntil":
				l.NotUntil = n
			}
		case "soon": // only ever true: the field is omitted when false
			if len(b)-i < 4 || string(b[i:i+4]) != "true" {
				return lease{}, false
			}
			i += 4
		default:
			return lease{}, false // json.Unmarshal matches keys case-insensitively
		}
		if i >= len(b) {
			return lease{}, false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return l, i+1 == len(b)
		default:
			return lease{}, false
		}
	}
}

// scanString reads the JSON string starting at b[i] and returns its
// contents and the index after it; ok is false if there is none or it
// holds an escape.
func scanString(b []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return nil, 0, false
	}
	end := bytes.IndexByte(b[i+1:], '"')
	if end < 0 {
		return nil, 0, false
	}
	s = b[i+1 : i+1+end]
	if bytes.IndexByte(s, '\\') >= 0 {
		return nil, 0, false
	}
	for _, c := range s {
		if c < 0x20 {
			return nil, 0, false // invalid JSON: let json.Unmarshal say so
		}
	}
	return s, i + 2 + end, true
}

// scanInt reads the JSON integer starting at b[i].
func scanInt(b []byte, i int) (n int64, next int, ok bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	if j < len(b) && (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return n, j, true
}
