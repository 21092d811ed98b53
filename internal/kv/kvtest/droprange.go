package kvtest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// testDropRangeLarge: DropRange of a range written over many commits (on
// Pebble, several memtables' worth, so it spans flushed files) removes
// exactly that range, in one call, and leaves its neighbours and the
// change log alone.
func testDropRangeLarge(t *testing.T, s kv.Store) {
	ctx := context.Background()
	const commits, perCommit = 24, 100
	value := bytes.Repeat([]byte("v"), 2048) // 24 × 100 × 2 KB ≈ 5 MB
	put(t, s, "c", "before")
	put(t, s, "e", "after")
	for c := range commits {
		err := s.Update(ctx, nil, func(tx kv.Txn) error {
			for i := range perCommit {
				if err := tx.Set(fmt.Appendf(nil, "d/%03d/%03d", c, i), value); err != nil {
					return err
				}
			}
			return tx.AppendLog([]byte("L"), fmt.Append(nil, c))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DropRange(ctx, []byte("d/"), []byte("d0")); err != nil {
		t.Fatal(err)
	}
	if got := scan(t, s, nil, nil, false); !slices.Equal(got, []string{"c=before", "e=after"}) {
		t.Errorf("after DropRange the store holds %d keys, want [c e]", len(got))
	}
	if got := mustGet(t, s, "d/005/050"); got != notFound {
		t.Errorf("dropped key still readable: %d bytes", len(got))
	}
	if got := readAll(t, s, "L"); len(got) != commits {
		t.Errorf("DropRange changed the log: %d records, want %d", len(got), commits)
	}
	// The range can be written again.
	put(t, s, "d/000/000", "new")
	if got := scan(t, s, []byte("d/"), []byte("d0"), false); !slices.Equal(got, []string{"d/000/000=new"}) {
		t.Errorf("after rewriting, the dropped range holds %q", got)
	}
	if err := s.DropRange(ctx, []byte("a"), nil); err == nil {
		t.Error("DropRange with a nil end succeeded")
	}
	if got := mustGet(t, s, "c"); got != "before" {
		t.Errorf("DropRange with a nil end changed c: %q", got)
	}
}
