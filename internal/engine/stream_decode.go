package engine

// A fast decoder of change-log records for the stream readers. GetRecords
// decodes every record it returns, and encoding/json spends half of that
// time validating and copying what is only sliced here: appendChange writes
// its records in one fixed shape,
//
//	{"t":<int>,"o":<int>,"e":<int>,"k":{…}[,"old":{…}][,"new":{…}]}
//
// so the fields are read in that order and the items are found by
// skipping balanced JSON (strings skipped whole, so an attribute named
// "old" or a value holding `"}` cannot mislead it). Anything else, such as
// a marker, goes to decodeChange.

import (
	"bytes"
	"strconv"
)

// decodeStreamChange decodes a change-log record. Its slices alias b.
func decodeStreamChange(b []byte) (*changeRecord, error) {
	if r, ok := parseChange(b); ok {
		return r, nil
	}
	return decodeChange(b)
}

func parseChange(b []byte) (*changeRecord, bool) {
	r := new(changeRecord)
	i := 0
	var ok bool
	var n int64
	for _, f := range []string{`{"t":`, `,"o":`, `,"e":`} {
		if !bytes.HasPrefix(b[i:], []byte(f)) {
			return nil, false
		}
		if n, i, ok = parseInt(b, i+len(f)); !ok {
			return nil, false
		}
		switch f[2] {
		case 't':
			r.Time = n
		case 'o':
			r.Origin = origin(n)
		case 'e':
			r.Event = int(n)
		}
	}
	if !bytes.HasPrefix(b[i:], []byte(`,"k":`)) {
		return nil, false
	}
	start := i + len(`,"k":`)
	if i = skipObject(b, start); i < 0 {
		return nil, false
	}
	r.Keys = b[start:i]
	for _, f := range []string{`,"old":`, `,"new":`} {
		if !bytes.HasPrefix(b[i:], []byte(f)) {
			continue
		}
		start := i + len(f)
		if i = skipObject(b, start); i < 0 {
			return nil, false
		}
		if f == `,"old":` {
			r.Old = b[start:i]
		} else {
			r.New = b[start:i]
		}
	}
	if i != len(b)-1 || b[i] != '}' {
		return nil, false
	}
	return r, true
}

// parseInt reads the decimal integer at b[i:], returning it and the index
// after it.
func parseInt(b []byte, i int) (int64, int, bool) {
	j := i
	if j < len(b) && b[j] == '-' {
		j++
	}
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
	return n, j, err == nil
}

// skipObject returns the index after the JSON object starting at b[i], or
// -1 if there is none.
func skipObject(b []byte, i int) int {
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}
