package engine

import (
	"bytes"
	"math"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// The partition hash is part of the on-disk format: these values must
// never change. (Checked against an independent FNV-1a + fmix64.)
func TestPartitionHashStable(t *testing.T) {
	cases := []struct {
		in   string
		want uint64
	}{
		{"", 0x9e66336082423f26},
		{"a", 0xe8d4db589c85f75b},
		{"partition", 0xd8196b7a0935f781},
	}
	for _, c := range cases {
		if got := partitionHash([]byte(c.in)); got != c.want {
			t.Errorf("partitionHash(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
}

func TestSegmentBoundsCoverHashSpace(t *testing.T) {
	for _, total := range []uint64{1, 2, 3, 4, 7, 10, 1000, 1000000} {
		var prev uint64
		for s := uint64(0); s < total; s++ {
			lo, hi, last := segmentBounds(s, total)
			if lo != prev {
				t.Fatalf("total %d segment %d starts at %#x, previous ended at %#x", total, s, lo, prev)
			}
			if last != (s == total-1) {
				t.Fatalf("total %d segment %d: last = %v", total, s, last)
			}
			if !last {
				// Sizes differ by at most one.
				size, want := hi-lo, math.MaxUint64/total
				if size < want || size > want+1 {
					t.Fatalf("total %d segment %d has size %#x, want about %#x", total, s, size, want)
				}
			}
			prev = hi
			if total > 1000 && s > 3 && s < total-2 {
				s = total - 2 // check the ends only
				_, prev, _ = segmentBounds(s, total)
			}
		}
	}
}

func TestItemKeyOrder(t *testing.T) {
	tbl := &Table{Name: "t", ID: 7, Hash: KeyAttr{"pk", attr.TypeS}, Range: KeyAttr{"sk", attr.TypeN}}
	nums := []string{"-1e10", "-2", "-1.5", "0", "0.001", "1", "1.5", "10", "1e30"}
	var prev []byte
	for _, x := range nums {
		k := itemKey(tbl, attr.Item{"pk": s("p"), "sk": n(x)})
		if !bytes.HasPrefix(k, tablePrefix(7)) || !bytes.HasPrefix(k, itemsPrefix(7)) {
			t.Fatalf("key %x lacks the table prefix", k)
		}
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			t.Fatalf("key of sk=%s does not sort after the previous one", x)
		}
		prev = k
	}
	// A partition's items share the partition prefix; another's do not.
	p := appendPartitionPrefix(nil, tbl, s("p"))
	if !bytes.HasPrefix(prev, p) {
		t.Fatal("item key lacks its partition prefix")
	}
	if other := itemKey(tbl, attr.Item{"pk": s("p2"), "sk": n("1")}); bytes.HasPrefix(other, p) {
		t.Fatal("another partition's key has this partition's prefix")
	}
}
