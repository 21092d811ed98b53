package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// nestedMap returns a value of levels maps, each holding the next as "m",
// around a string.
func nestedMap(levels int) attr.Value {
	v := attr.String("x")
	for range levels {
		v = attr.Map(attr.Item{"m": v})
	}
	return v
}

// storeUnchecked writes item and its index entries straight into the
// store, past every validation, as an older build's UpdateItem could
// (docs/reliability.md, bug 4).
func storeUnchecked(t *testing.T, db *DB, table string, item attr.Item) {
	t.Helper()
	tbl := db.lookup(table).table
	err := db.store.Update(context.Background(), nil, func(txn kv.Txn) error {
		if err := txn.Set(itemKey(tbl, item), encodeItem(item)); err != nil {
			return err
		}
		for _, ix := range tbl.Indexes {
			if k, v := ix.entry(tbl, item); k != nil {
				if err := txn.Set(k, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestCheckIndexesFindsBadItems stores, below validation, one item nested
// past DynamoDB's 32 levels that still decodes and one past the decoder's
// bound, on which Scan fails: the checker names both (and the second's
// entry in the ALL index, which does not decode either), finds no
// divergence, and does not stop at them.
func TestCheckIndexesFindsBadItems(t *testing.T) {
	db := newMusicDB(t)
	ctx := context.Background()
	put(t, db, "Music", song("A", "fine", "Rock", 2000, "X"))
	deep := song("A", "deep", "Rock", 2001, "X")
	deep["m"] = nestedMap(attr.MaxNestingDepth + 8)
	deeper := song("A", "deeper", "Pop", 2002, "Y")
	deeper["m"] = nestedMap(150)
	storeUnchecked(t, db, "Music", deep)
	storeUnchecked(t, db, "Music", deeper)
	if _, err := db.Scan(ctx, &api.ScanInput{TableName: api.Ptr("Music")}); err == nil || !strings.Contains(err.Error(), "corrupt stored item") {
		t.Fatalf("Scan of the table = %v, want the corrupt stored item error (the fixture should reproduce bug 4)", err)
	}

	res, err := db.CheckIndexes(ctx)
	if err != nil {
		t.Fatalf("CheckIndexes: %v", err)
	}
	if res.Items != 3 || len(res.Divergences) != 0 {
		t.Errorf("%d items, divergences %v; want 3 items, no divergence", res.Items, res.Divergences)
	}
	var got []string
	for _, b := range res.BadItems {
		if b.Table != "Music" {
			t.Errorf("%v names the wrong table", b)
		}
		song := "?"
		if b.Key != nil {
			song = b.Key["Song"].S
		}
		problem := "unreadable"
		if b.Problem == problemTooDeep {
			problem = "too deep"
		}
		got = append(got, b.Index+"/"+song+": "+problem)
		if b.Index == "" && b.Key == nil {
			t.Errorf("%v: a base item's key is in its storage key", b)
		}
	}
	want := []string{"/deep: too deep", "/deeper: unreadable", "GenreYearIndex/?: unreadable"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("bad items %q, want %q\n%v", got, want, res.BadItems)
	}
	if len(res.BadItems) > 1 {
		if s, want := res.BadItems[1].String(), `table Music item {"Artist":{"S":"A"},"Song":{"S":"deeper"}}: engine: corrupt stored item`; !strings.HasPrefix(s, want) {
			t.Errorf("String() = %q, want it to start %q", s, want)
		}
	}
}

func TestItemKeyAttrs(t *testing.T) {
	for _, tbl := range []*Table{
		{Name: "t", ID: 7, Hash: KeyAttr{"pk", attr.TypeS}, Range: KeyAttr{"sk", attr.TypeN}},
		{Name: "h", ID: 8, Hash: KeyAttr{"id", attr.TypeB}},
	} {
		key := attr.Item{tbl.Hash.Name: attr.Binary([]byte("a\x00b/"))}
		if tbl.Range.Name != "" {
			key = attr.Item{"pk": attr.String("p/\x00q"), "sk": n("-1.5E3")}
		}
		k := itemKey(tbl, key)
		got, err := itemKeyAttrs(tbl, k)
		if err != nil || string(attr.AppendItemJSON(nil, got)) != string(attr.AppendItemJSON(nil, key)) {
			t.Errorf("%s: itemKeyAttrs(itemKey(%v)) = %v, %v", tbl.Name, key, got, err)
		}
		for _, bad := range [][]byte{k[:len(k)-1], append(k, 'x'), k[:len(itemsPrefix(tbl.ID))]} {
			if got, err := itemKeyAttrs(tbl, bad); err == nil {
				t.Errorf("%s: itemKeyAttrs(%q) = %v, want an error", tbl.Name, bad, got)
			}
		}
	}
}

// BenchmarkCheckIndexes measures CheckIndexes over a table without
// indexes of 20 000 items of ~300 B, in CPU per item: it decodes every
// item for the nesting check, where it once only counted them.
func BenchmarkCheckIndexes(b *testing.B) {
	const items = 20_000
	db, _ := newTablesDB(b)
	mustCreate(b, db, hashTable("src", 0))
	for i := range items {
		put(b, db, "src", attr.Item{"id": s(fmt.Sprint("item", i)), "payload": s(strings.Repeat("x", 200)), "n": n(fmt.Sprint(i)),
			"m": attr.Map(attr.Item{"a": s("b"), "c": n("1"), "l": attr.List(s("x"), s("y"))})})
	}
	ctx := context.Background()
	cpu := cpuTime()
	for b.Loop() {
		if res, err := db.CheckIndexes(ctx); err != nil || res.Items != items {
			b.Fatalf("CheckIndexes = %v, %v", res, err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Nanoseconds())/float64(b.N*items), "cpu-ns/item")
}
