package auth

import (
	"strings"
	"testing"
)

// TestHeaderIndex checks which header blocks the verifier reads from
// its index and which it leaves to the Header's lookups.
func TestHeaderIndex(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		ok        bool
		want      map[string]string // lower-case name: canonical values
	}{
		{name: "an SDK's", raw: "Host: localhost:8000\r\nX-Amz-Date: 20260101T000000Z\r\nContent-Length: 2\r\n\r\n", ok: true,
			want: map[string]string{"host": "localhost:8000", "x-amz-date": "20260101T000000Z", "content-length": "2", "x-absent": ""}},
		{name: "repeated, any case, spaces", raw: "x-foo:  a  b \r\nX-FOO:\tc\r\nContent-Length :7\r\n\r\n", ok: true,
			want: map[string]string{"x-foo": "a b,c", "content-length": "7"}},
		{name: "same length and last letter", raw: "X-Ab: 1\r\nX-Cb: 2\r\nX-AB: 3\r\n\r\n", ok: true,
			want: map[string]string{"x-ab": "1,3", "x-cb": "2", "x-db": "", "": ""}},
		{name: "bare LF", raw: "Host: h\nX-A: 1\n\n", ok: true, want: map[string]string{"host": "h", "x-a": "1"}},
		{name: "empty value", raw: "X-A:\r\nX-A: 1\r\n\r\n", ok: true, want: map[string]string{"x-a": ",1"}},
		{name: "empty", raw: "", ok: false},
		{name: "no fields", raw: "\r\n", ok: false},
		{name: "not ended", raw: "Host: h\r\n", ok: false},
		{name: "folded", raw: "X-A: 1\r\n 2\r\n\r\n", ok: false},
		{name: "no colon", raw: "X-A 1\r\n\r\n", ok: false},
		{name: "empty name", raw: ": 1\r\n\r\n", ok: false},
		{name: "too many", raw: strings.Repeat("X-A: 1\r\n", maxIndexedHeaders+1) + "\r\n", ok: false},
		{name: "as many as it holds", raw: strings.Repeat("X-A: 1\r\n", maxIndexedHeaders) + "\r\n", ok: true,
			want: map[string]string{"x-a": strings.TrimSuffix(strings.Repeat("1,", maxIndexedHeaders), ",")}},
	} {
		var ix headerIndex
		if got := ix.parse([]byte(tc.raw)); got != tc.ok {
			t.Errorf("%s: parse %v, want %v", tc.name, got, tc.ok)
			continue
		}
		for name, want := range tc.want {
			if got := string(ix.appendValues(nil, name)); got != want {
				t.Errorf("%s: %s is %q, want %q", tc.name, name, got, want)
			}
		}
	}
}
