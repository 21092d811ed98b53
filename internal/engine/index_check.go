package engine

// The index checker: does every index hold exactly the projection of its
// table? Index entries are written in the same commit as their item, so
// the answer must always be yes, crash or not; tests, the crash test and
// `dynago check` ask.

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

// IndexCheck summarises a CheckIndexes run.
type IndexCheck struct {
	Tables, Indexes int   // tables and indexes checked
	Items, Entries  int64 // base items read, index entries read
	Skipped         int   // indexes not checked because they are being created or deleted
	Divergences     []Divergence
}

// CheckIndexes compares every ACTIVE index of every table with the
// projection of the table's items, both ways, each table in one consistent
// snapshot. Indexes being backfilled or dropped are skipped (and counted).
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
	err = scanPrefix(ctx, snap, string(itemsPrefix(t.ID)), func(_, value []byte) error {
		res.Items++
		if len(ixs) == 0 {
			return nil
		}
		item, err := decodeItem(value)
		if err != nil {
			return err
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
		if err := checkIndex(ctx, snap, t, ix, want[i], res); err != nil {
			return err
		}
	}
	return nil
}

// checkIndex walks one index's entries against want (entry key → value),
// which it consumes.
func checkIndex(ctx context.Context, r kv.Reader, t *Table, ix *Index, want map[string][]byte, res *IndexCheck) error {
	report := func(kind string, value []byte) error {
		item, err := decodeItem(value)
		if err != nil {
			return err
		}
		res.Divergences = append(res.Divergences, Divergence{Table: t.Name, Index: ix.Name, Kind: kind, Key: ix.keyOf(t, item)})
		return nil
	}
	err := scanPrefix(ctx, r, string(indexPrefix(t.ID, ix.ID)), func(key, value []byte) error {
		res.Entries++
		v, ok := want[string(key)]
		delete(want, string(key))
		switch {
		case !ok:
			return report(DivergenceExtra, value)
		case !bytes.Equal(v, value):
			return report(DivergenceStale, value)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, v := range want {
		if err := report(DivergenceMissing, v); err != nil {
			return err
		}
	}
	return nil
}
