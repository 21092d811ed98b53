package server

import (
	"slices"
	"testing"
)

func TestParsePDAddrs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"pd1:2379", []string{"pd1:2379"}},
		{"pd1:2379, pd2:2379,pd3:2379", []string{"pd1:2379", "pd2:2379", "pd3:2379"}},
		{"pd1:2379,,pd2:2379", nil},
		{" ", nil},
		{"pd1:2379,", nil},
	} {
		got, err := ParsePDAddrs(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("ParsePDAddrs(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParsePDAddrs(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}
