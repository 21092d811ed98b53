package engine

// The storage key layout of index entries (DESIGN.md, "Key layout"):
//
//	t/<table id>/x/<index id>/<hash(ipk)>/<ipk>/<isk>/<base pk>/<base sk>
//
// <index id> is 8 big-endian bytes; <hash(ipk)> is partitionHash of the
// encoded index partition key, as for base items, so a Scan of an index
// walks it in hash order and a parallel Scan cuts it the same way.
// <ipk>, <isk>, <base pk> and <base sk> are attr.AppendKey encodings; an
// index without a sort key has no "<isk>/", a table without one no
// "<base sk>". Within one index partition the entries sort by index sort
// key and then by base key, which is the order Query on the index returns.
//
// The value is the entry's projected attributes as canonical JSON: the
// base and index key attributes always, plus the NonKeyAttributes present
// (INCLUDE) or every attribute (ALL).

import (
	"bytes"
	"encoding/binary"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// indexesPrefix returns "t/<id>/x/", the prefix of every index entry of
// the table.
func indexesPrefix(tableID uint64) []byte {
	return append(tablePrefix(tableID), 'x', '/')
}

// indexPrefix returns "t/<table id>/x/<index id>/", the prefix of one
// index's entries.
func indexPrefix(tableID, indexID uint64) []byte {
	b := binary.BigEndian.AppendUint64(indexesPrefix(tableID), indexID)
	return append(b, '/')
}

// appendIndexPartitionPrefix appends "t/<tid>/x/<iid>/<hash(ipk)>/<ipk>/".
func appendIndexPartitionPrefix(dst []byte, t *Table, ix *Index, ipk ...attr.Value) []byte {
	dst = append(dst, indexPrefix(t.ID, ix.ID)...)
	hashAt := len(dst)
	dst = append(dst, make([]byte, hashWidth)...)
	dst = append(dst, '/')
	pkAt := len(dst)
	for _, v := range ipk { // a multi-attribute key: the encodings concatenated
		dst = attr.AppendKey(dst, v)
	}
	binary.BigEndian.PutUint64(dst[hashAt:], partitionHash(dst[pkAt:]))
	return append(dst, '/')
}

// indexEntryKey returns the storage key of item's entry in ix. The item
// must carry the index key attributes (indexed reports whether it does).
func indexEntryKey(t *Table, ix *Index, item attr.Item) []byte {
	if ix.multi() {
		return multiIndexEntryKey(t, ix, item)
	}
	b := appendIndexPartitionPrefix(make([]byte, 0, 96), t, ix, item[ix.Hash.Name])
	if ix.Range.Name != "" {
		b = attr.AppendKey(b, item[ix.Range.Name])
		b = append(b, '/')
	}
	b = attr.AppendKey(b, item[t.Hash.Name])
	b = append(b, '/')
	if t.Range.Name != "" {
		b = attr.AppendKey(b, item[t.Range.Name])
	}
	return b
}

// indexEntryHash returns the partition hash stored in an index entry key.
func indexEntryHash(t *Table, ix *Index, key []byte) uint64 {
	at := len(indexPrefix(t.ID, ix.ID))
	return binary.BigEndian.Uint64(key[at : at+hashWidth])
}

// indexed reports whether item belongs in ix: it has every index key
// attribute, each of the defined type and not empty. Items that do not
// are simply absent from the index (a sparse index); writes that would
// store a wrong type are refused before this is asked (checkIndexKeys).
func (ix *Index) indexed(item attr.Item) bool {
	if item == nil {
		return false
	}
	for _, k := range ix.keyAttrs() {
		v, ok := item[k.Name]
		if !ok || v.Type != k.Type {
			return false
		}
		if (v.Type == attr.TypeS && v.S == "") || (v.Type == attr.TypeB && len(v.B) == 0) {
			return false
		}
	}
	return true
}

// projectEntry returns the attributes ix stores for item.
func (ix *Index) projectEntry(t *Table, item attr.Item) attr.Item {
	if ix.Projection == api.ProjectionTypeAll {
		return item
	}
	out := make(attr.Item, 4+len(ix.NonKey))
	for _, n := range []string{t.Hash.Name, t.Range.Name} {
		if v, ok := item[n]; ok && n != "" {
			out[n] = v
		}
	}
	for _, k := range ix.keyAttrs() {
		if v, ok := item[k.Name]; ok {
			out[k.Name] = v
		}
	}
	for n := range ix.NonKey {
		if v, ok := item[n]; ok {
			out[n] = v
		}
	}
	return out
}

// indexEntry returns the key and value of item's entry in ix, or nil when
// item (which may be nil) is not indexed.
func (ix *Index) entry(t *Table, item attr.Item) (key, value []byte) {
	if !ix.indexed(item) {
		return nil, nil
	}
	return indexEntryKey(t, ix, item), encodeItem(ix.projectEntry(t, item))
}

// indexKeyOf returns the base and index key attributes of an entry: the
// LastEvaluatedKey of a page that stopped on it.
func (ix *Index) keyOf(t *Table, item attr.Item) attr.Item {
	k := t.keyOf(item)
	for _, a := range ix.keyAttrs() {
		k[a.Name] = item[a.Name]
	}
	return k
}

// sameEntry reports whether two encoded entries are equal.
func sameEntry(k1, v1, k2, v2 []byte) bool {
	return bytes.Equal(k1, k2) && bytes.Equal(v1, v2)
}
