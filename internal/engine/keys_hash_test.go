package engine

import (
	"hash/fnv"
	"math/rand/v2"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// TestPartitionHashMatchesFNV checks partitionHash against hash/fnv plus
// the murmur3 finaliser written out here,
// since the hash is part of the on-disk format.
func TestPartitionHashMatchesFNV(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 9))
	for i := range 500 {
		b := make([]byte, i%70)
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		h := fnv.New64a()
		h.Write(b)
		x := h.Sum64()
		x ^= x >> 33
		x *= 0xff51afd7ed558ccd
		x ^= x >> 33
		x *= 0xc4ceb3fe1a85ec53
		x ^= x >> 33
		if got := partitionHash(b); got != x {
			t.Fatalf("partitionHash(%x) = %#x, want %#x", b, got, x)
		}
	}
}

// TestItemKeyLayout checks itemKey against the layout written out by
// hand: t/<id>/i/<hash>/<pk>/<sk>.
func TestItemKeyLayout(t *testing.T) {
	tb := &Table{ID: 0x0102030405060708}
	tb.Hash.Name, tb.Hash.Type = "pk", attr.TypeS
	tb.Range.Name, tb.Range.Type = "sk", attr.TypeN
	pk, sk := attr.String("p1"), attr.Value{Type: attr.TypeN, S: "3"}
	encPK := attr.AppendKey(nil, pk)
	want := append([]byte("t/"), 1, 2, 3, 4, 5, 6, 7, 8)
	want = append(want, "/i/"...)
	h := partitionHash(encPK)
	for s := 56; s >= 0; s -= 8 {
		want = append(want, byte(h>>s))
	}
	want = append(want, '/')
	want = append(want, encPK...)
	want = append(want, '/')
	want = attr.AppendKey(want, sk)
	if got := itemKey(tb, attr.Item{"pk": pk, "sk": sk, "x": attr.String("y")}); string(got) != string(want) {
		t.Errorf("itemKey = %x, want %x", got, want)
	}
}

// BenchmarkItemKey measures building one item's storage key (one
// allocation: the key itself).
func BenchmarkItemKey(b *testing.B) {
	tb := &Table{ID: 42}
	tb.Hash.Name, tb.Hash.Type = "pk", attr.TypeS
	tb.Range.Name, tb.Range.Type = "sk", attr.TypeN
	key := attr.Item{"pk": attr.String("p123"), "sk": attr.Value{Type: attr.TypeN, S: "7"}}
	b.ReportAllocs()
	for b.Loop() {
		_ = itemKey(tb, key)
	}
}
