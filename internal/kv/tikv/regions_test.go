package tikv

import (
	"context"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// TestSplitRegions splits a fresh store, splits again at keys that already
// start regions and at new ones, and reads the boundaries back from PD.
func TestSplitRegions(t *testing.T) {
	ctx := context.Background()
	s, err := OpenMock(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	starts := func() []string {
		t.Helper()
		keys, err := s.Regions(ctx, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, k := range keys {
			out = append(out, fmt.Sprintf("%q", k))
		}
		return out
	}
	if got, want := fmt.Sprint(starts()), fmt.Sprint([]string{`""`, `"\xff"`}); got != want {
		t.Fatalf("regions of a new store start at %s, want %s (the reserved range split off)", got, want)
	}
	if err := s.SplitRegions(ctx, [][]byte{[]byte("t/1/"), []byte("t/10")}); err != nil {
		t.Fatal(err)
	}
	// Again, with one boundary that exists and one that does not.
	if err := s.SplitRegions(ctx, [][]byte{[]byte("t/1/"), []byte("t/1/x")}); err != nil {
		t.Fatal(err)
	}
	want := []string{`""`, `"t/1/"`, `"t/1/x"`, `"t/10"`, `"\xff"`}
	if got := starts(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("regions start at %s, want %s", got, want)
	}
	sub, err := s.Regions(ctx, []byte("t/1/a"), []byte("t/10"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprintf("%q", sub), `["t/1/" "t/1/x"]`; got != want {
		t.Fatalf("regions overlapping [t/1/a, t/10) start at %s, want %s", got, want)
	}
	// The data is unaffected: a key on each side of a boundary reads back.
	for _, k := range []string{"t/1/", "t/1/w", "t/1/x", "t/2"} {
		if err := s.Update(ctx, [][]byte{[]byte(k)}, func(txn kv.Txn) error { return txn.Set([]byte(k), []byte(k)) }); err != nil {
			t.Fatal(err)
		}
	}
	it, err := s.Iter(ctx, []byte("t/"), []byte("t/3"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var got []string
	for it.Next() {
		got = append(got, string(it.Value()))
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[t/1/ t/1/w t/1/x t/2]" {
		t.Fatalf("scan across the boundaries = %v", got)
	}
}
