package engine

import (
	"fmt"
	"testing"
)

func TestChangeLogNameForm(t *testing.T) {
	for _, c := range []struct {
		id uint64
		s  int
	}{{0, 0}, {1, 3}, {0xdeadbeef, 12}, {1<<64 - 1, 7}} {
		if got, want := string(changeLogName(c.id, c.s)), fmt.Sprintf("s/%016x/%d", c.id, c.s); got != want {
			t.Fatalf("%q, want %q", got, want)
		}
	}
}
