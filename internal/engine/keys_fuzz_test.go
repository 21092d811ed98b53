package engine

import (
	"bytes"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// FuzzItemKey checks the item key layout on arbitrary key values: a key
// starts with its table's and its partition's prefix, carries its
// partition hash, sorts within the partition as its sort key sorts, and
// never falls under another partition's prefix (so a Query's range read
// cannot return another partition's items).
func FuzzItemKey(f *testing.F) {
	f.Add("p", "p", "1", "2")
	f.Add("p", "p\x00", "-1.5", "1E3")
	f.Add("", "\x00", "0", "0.0")
	f.Add("a\x00b", "a", "99999999999999999999999999999999999999", "1E-130")
	tbl := &Table{Name: "t", ID: 9, Hash: KeyAttr{"pk", attr.TypeS}, Range: KeyAttr{"sk", attr.TypeN}}
	f.Fuzz(func(t *testing.T, pk1, pk2, sk1, sk2 string) {
		n1, err1 := attr.Number(sk1)
		n2, err2 := attr.Number(sk2)
		if err1 != nil || err2 != nil {
			return
		}
		k1 := itemKey(tbl, attr.Item{"pk": attr.String(pk1), "sk": n1})
		k2 := itemKey(tbl, attr.Item{"pk": attr.String(pk1), "sk": n2})
		other := itemKey(tbl, attr.Item{"pk": attr.String(pk2), "sk": n2})
		p1 := appendPartitionPrefix(nil, tbl, attr.String(pk1))
		p2 := appendPartitionPrefix(nil, tbl, attr.String(pk2))
		if !bytes.HasPrefix(k1, itemsPrefix(tbl.ID)) || !bytes.HasPrefix(k1, p1) || !bytes.HasPrefix(k2, p1) {
			t.Fatalf("keys %x, %x lack the table or partition prefix %x", k1, k2, p1)
		}
		if got, want := itemKeyHash(tbl, k1), partitionHash(attr.AppendKey(nil, attr.String(pk1))); got != want {
			t.Fatalf("stored hash %x, want %x", got, want)
		}
		if got, want := sign(bytes.Compare(k1, k2)), sign(attr.CompareNumbers(n1.S, n2.S)); got != want {
			t.Fatalf("sk %s vs %s: keys compare %d, numbers %d", sk1, sk2, got, want)
		}
		if pk1 != pk2 && (bytes.HasPrefix(other, p1) || bytes.HasPrefix(k1, p2)) {
			t.Fatalf("partitions %q and %q overlap: %x under %x", pk1, pk2, other, p1)
		}
	})
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}
