package engine

// The index checker: does every index hold exactly the projection of its
// table? Index entries are written in the same commit as their item, so
// the answer must always be yes, crash or not; tests, the crash test and
// `dynago check` ask. On the way it reads every stored item, and names
// those no read should meet: nested deeper than DynamoDB stores, which an
// older build's UpdateItem could write (docs/reliability.md, bug 4), or
// not decodable at all, on which a Scan of the table answers 500.

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// Kinds of Divergence.
const (
	DivergenceMissing = "missing" // an item the index should hold is not in it
	DivergenceExtra   = "extra"   // the index holds an entry no item accounts for
	DivergenceStale   = "stale"   // the entry's projected attributes differ from the item's
)

// Divergence is one disagreement between an index and its table.
type Divergence struct {
	Table, Index string
	Kind         string    // DivergenceMissing, DivergenceExtra or DivergenceStale
	Key          attr.Item // the base and index key attributes of the entry
}

func (d Divergence) String() string {
	return fmt.Sprintf("table %s index %s: %s entry %s", d.Table, d.Index, d.Kind, attr.AppendItemJSON(nil, d.Key))
}

// BadItem is a stored item, or index entry, that DynamoDB could not hold
// or that no read can decode.
type BadItem struct {
	Table, Index string    // Index is "" for a base item
	Key          attr.Item // the item's key attributes; nil when unknown
	StorageKey   []byte
	Problem      string
}

// problemTooDeep is the Problem of an item nested past
// attr.MaxNestingDepth that still decodes; an undecodable one's Problem
// is the decoder's error.
const problemTooDeep = "nested deeper than DynamoDB's 32 levels"

func (b BadItem) String() string {
	what := "table " + b.Table + " item "
	if b.Index != "" {
		what = "table " + b.Table + " index " + b.Index + " entry "
	}
	if b.Key != nil {
		return what + string(attr.AppendItemJSON(nil, b.Key)) + ": " + b.Problem
	}
	return fmt.Sprintf("%sat storage key %q: %s", what, b.StorageKey, b.Problem)
}

// IndexCheck summarises a CheckIndexes run.
type IndexCheck struct {
	Tables, Indexes int   // tables and indexes checked
	Items, Entries  int64 // base items read, index entries read
	Skipped         int   // indexes not checked because they are being created or deleted
	Divergences     []Divergence
	BadItems        []BadItem // items and entries too deep or undecodable, in the order met
}

// CheckIndexes compares every ACTIVE index of every table with the
// projection of the table's items, both ways, each table in one consistent
// snapshot. Indexes being backfilled or dropped are skipped (and counted).
// It decodes every item, of tables without indexes too, and reports the
// ones nested past attr.MaxNestingDepth or not decodable as BadItems
// rather than failing: an undecodable item's index entries are then not
// compared (nothing says what they should be), and are not divergences.
func (db *DB) CheckIndexes(ctx context.Context) (*IndexCheck, error) {
	res := &IndexCheck{}
	for _, name := range db.cat.names() {
		e := db.cat.get(name)
		if e == nil {
			continue
		}
		if err := db.checkTableIndexes(ctx, e.table, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// checkTableIndexes checks one table's indexes into res.
func (db *DB) checkTableIndexes(ctx context.Context, t *Table, res *IndexCheck) error {
	res.Tables++
	var ixs []*Index
	for _, ix := range t.Indexes {
		if ix.readable() {
			ixs = append(ixs, ix)
		} else {
			res.Skipped++
		}
	}
	// A table without indexes is still scanned, so that Items counts
	// every table's items.
	snap, err := db.store.NewSnapshot(ctx)
	if err != nil {
		return err
	}
	defer snap.Close()
	want := make([]map[string][]byte, len(ixs))
	for i := range want {
		want[i] = make(map[string][]byte)
	}
	unreadable := map[string]bool{} // storage keys of the items that do not decode
	err = scanPrefix(ctx, snap, string(itemsPrefix(t.ID)), func(key, value []byte) error {
		res.Items++
		item, err := decodeItem(value)
		if err != nil {
			k, _ := itemKeyAttrs(t, key)
			res.BadItems = append(res.BadItems, BadItem{Table: t.Name, Key: k, StorageKey: bytes.Clone(key), Problem: err.Error()})
			unreadable[string(key)] = true
			return nil
		}
		if attr.CheckNesting(item) != nil {
			res.BadItems = append(res.BadItems, BadItem{Table: t.Name, Key: t.keyOf(item), StorageKey: bytes.Clone(key), Problem: problemTooDeep})
		}
		for i, ix := range ixs {
			if k, v := ix.entry(t, item); k != nil {
				want[i][string(k)] = v
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, ix := range ixs {
		res.Indexes++
		if err := checkIndex(ctx, snap, t, ix, want[i], unreadable, res); err != nil {
			return err
		}
	}
	return nil
}

// checkIndex walks one index's entries against want (entry key → value),
// which it consumes. An entry of an item in unreadable (storage keys) is
// left alone; an entry that does not decode itself is a BadItem.
func checkIndex(ctx context.Context, r kv.Reader, t *Table, ix *Index, want map[string][]byte, unreadable map[string]bool, res *IndexCheck) error {
	report := func(kind string, key, value []byte) {
		item, err := decodeItem(value)
		if err != nil {
			res.BadItems = append(res.BadItems, BadItem{Table: t.Name, Index: ix.Name, StorageKey: bytes.Clone(key), Problem: err.Error()})
			return
		}
		if kind == DivergenceExtra && len(unreadable) > 0 && hasKey(t, item) && unreadable[string(itemKey(t, item))] {
			return
		}
		res.Divergences = append(res.Divergences, Divergence{Table: t.Name, Index: ix.Name, Kind: kind, Key: ix.keyOf(t, item)})
	}
	err := scanPrefix(ctx, r, string(indexPrefix(t.ID, ix.ID)), func(key, value []byte) error {
		res.Entries++
		v, ok := want[string(key)]
		delete(want, string(key))
		switch {
		case !ok:
			report(DivergenceExtra, key, value)
		case !bytes.Equal(v, value):
			report(DivergenceStale, key, value)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k, v := range want {
		report(DivergenceMissing, []byte(k), v)
	}
	return nil
}

// hasKey reports whether item holds the table's key attributes, each of
// its defined type, as itemKey needs.
func hasKey(t *Table, item attr.Item) bool {
	if v, ok := item[t.Hash.Name]; !ok || v.Type != t.Hash.Type {
		return false
	}
	if t.Range.Name == "" {
		return true
	}
	v, ok := item[t.Range.Name]
	return ok && v.Type == t.Range.Type
}
