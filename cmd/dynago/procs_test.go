package main

import "testing"

func TestProcsFor(t *testing.T) {
	tests := []struct {
		current int
		env     string
		want    int
	}{
		{1, "", 2},  // one CPU: a blocking fsync must not hold the only P
		{2, "", 2},  // enough already
		{8, "", 8},  // never lowered
		{1, "1", 1}, // the operator asked for one
		{4, "3", 4}, // an explicit setting is left as the runtime applied it
	}
	for _, tt := range tests {
		if got := procsFor(tt.current, tt.env); got != tt.want {
			t.Errorf("procsFor(%d, %q) = %d, want %d", tt.current, tt.env, got, tt.want)
		}
	}
}
