package pebble

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// DropRange deletes every key of the range and nothing around it, whether
// the range is small enough to be deleted key by key or takes a range
// tombstone.
func TestDropRangeSmallAndLarge(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{0, 1, smallDropKeys, smallDropKeys + 1, 3 * smallDropKeys} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := mustOpen(t, "", Options{InMemory: true})
			defer s.Close()
			err := s.Update(ctx, nil, func(tx kv.Txn) error {
				for _, k := range []string{"t/1", "t/20", "t/3"} { // around t/2/
					if err := tx.Set([]byte(k), []byte("keep")); err != nil {
						return err
					}
				}
				for i := range n {
					if err := tx.Set(fmt.Appendf(nil, "t/2/%05d", i), []byte("drop")); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DropRange(ctx, []byte("t/2/"), []byte("t/20")); err != nil {
				t.Fatal(err)
			}
			got := scanAll(t, s, nil, nil)
			if want := []string{"t/1=keep", "t/20=keep", "t/3=keep"}; fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("after dropping %d keys: %q, want %q", n, got, want)
			}
		})
	}
}
