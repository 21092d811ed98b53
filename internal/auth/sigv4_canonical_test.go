package auth

import (
	"strings"
	"testing"
)

// TestAppendHeaderValue: a signed header's value is trimmed and its inner
// runs of spaces folded to one, as the SDK's signer writes it, from a
// string and from bytes alike.
func TestAppendHeaderValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"identity", "identity"},
		{"  a  ", "a"},
		{"a b", "a b"},
		{"a  b", "a b"},
		{"attempt=1; max=3", "attempt=1; max=3"},
		{"x   y z    w", "x y z w"},
		{"\t a \t  b\t", "a \t b"},
		{"ab  ", "ab"},
		{" ", ""},
	} {
		if got := string(appendHeaderValue([]byte("k:"), tc.in)); got != "k:"+tc.want {
			t.Errorf("%q as a string: %q, want %q", tc.in, got, "k:"+tc.want)
		}
		if got := string(appendHeaderValue([]byte("k:"), []byte(tc.in))); got != "k:"+tc.want {
			t.Errorf("%q as bytes: %q, want %q", tc.in, got, "k:"+tc.want)
		}
	}
}

// TestDoubleSpace checks the space-hopping search against strings.Index
// on every string of up to eight characters drawn from "a", " " and
// "\t", in both forms.
func TestDoubleSpace(t *testing.T) {
	var all func(prefix string, n int)
	all = func(prefix string, n int) {
		want := strings.Index(prefix, "  ")
		if got := doubleSpace(prefix); got != want {
			t.Errorf("doubleSpace(%q) = %d, want %d", prefix, got, want)
		}
		if got := doubleSpace([]byte(prefix)); got != want {
			t.Errorf("doubleSpace([]byte(%q)) = %d, want %d", prefix, got, want)
		}
		if n == 0 {
			return
		}
		for _, c := range []string{"a", " ", "\t"} {
			all(prefix+c, n-1)
		}
	}
	all("", 8)
}
