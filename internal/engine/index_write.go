package engine

// Index maintenance: every item write (writeItem) checks the new item's
// index key attributes and replaces the item's old index entries by its new
// ones in the same transaction as the item, so an index can never disagree
// with its table, crash or not.

import (
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// liveIndexes returns the indexes of t as the catalog holds them now. A
// write looks them up under its item lock rather than trusting the Table it
// was handed at the start of the request: an index that UpdateTable added
// since is then maintained by every write that commits after the backfill
// could have passed the item (see index_backfill.go).
func (db *DB) liveIndexes(t *Table) []*Index {
	if e := db.cat.get(t.Name); e != nil && e.table.ID == t.ID {
		return e.table.Indexes
	}
	return t.Indexes
}

// checkIndexKeys refuses an item whose attribute named by an index key has
// another type than the index defines, or is an empty string or binary,
// or is too large (checkIndexKeySizes), with DynamoDB's messages: types
// first, over every index, then emptiness, then sizes.
func checkIndexKeys(ixs []*Index, item attr.Item) error {
	for _, ix := range ixs {
		if !ix.maintained() {
			continue
		}
		for _, k := range ix.keyAttrs() {
			if v, ok := item[k.Name]; ok && v.Type != k.Type {
				return apierr.Validationf(invalidPrefix+"Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s",
					k.Name, k.Type, v.Type, ix.Name)
			}
		}
	}
	for _, ix := range ixs {
		if !ix.maintained() {
			continue
		}
		for _, k := range ix.keyAttrs() {
			v, ok := item[k.Name]
			if !ok {
				continue
			}
			if v.Type == attr.TypeS && v.S == "" {
				return apierr.Validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: %s, IndexKey: %s", ix.Name, k.Name)
			}
			if v.Type == attr.TypeB && len(v.B) == 0 {
				return apierr.Validationf("One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty binary value. IndexName: %s, IndexKey: %s", ix.Name, k.Name)
			}
		}
	}
	return checkIndexKeySizes(ixs, item)
}

// writeIndexEntries replaces old's index entries by new's (either may be
// nil) inside txn, after checking new's index keys.
func (db *DB) writeIndexEntries(txn kv.Txn, t *Table, old, new attr.Item) error {
	ixs := db.liveIndexes(t)
	if len(ixs) == 0 {
		return nil
	}
	if new != nil {
		if err := checkIndexKeys(ixs, new); err != nil {
			return err
		}
	}
	for _, ix := range ixs {
		if !ix.maintained() {
			continue
		}
		if err := putIndexEntry(txn, t, ix, old, new); err != nil {
			return err
		}
	}
	return nil
}

// putIndexEntry moves one index's entry from old's to new's.
func putIndexEntry(txn kv.Txn, t *Table, ix *Index, old, new attr.Item) error {
	ok, ov := ix.entry(t, old)
	nk, nv := ix.entry(t, new)
	if sameEntry(ok, ov, nk, nv) {
		return nil
	}
	if ok != nil && string(ok) != string(nk) {
		if err := txn.Delete(ok); err != nil {
			return err
		}
	}
	if nk != nil {
		return txn.Set(nk, nv)
	}
	return nil
}
