package engine

// The storage key layout of base items (DESIGN.md, "Key layout"):
//
//	t/<table id>/i/<hash(pk)>/<pk>/<sk>
//
// <table id> is the table's id as 8 big-endian bytes, so every key of a
// table shares the prefix tablePrefix(id) and DeleteTable drops one range.
// <pk> and <sk> are attr.AppendKey's order-preserving, self-delimiting
// encodings of the key values; a table without a sort key stops after
// "<pk>/".
//
// <hash(pk)> is 8 big-endian bytes of partitionHash over the encoded
// partition key. It spreads partitions uniformly over the key space, which
// gives Scan an order that looks like DynamoDB's (by partition hash, not by
// key value) and lets a parallel Scan cut the hash space into TotalSegments
// equal slices. Within one partition the items sort by sort key, which is
// the order Query returns.
//
// The hash is part of the on-disk format and must never change: it is
// FNV-1a 64 (hash/fnv, a published and frozen algorithm) followed by the
// murmur3 64-bit finaliser, because FNV-1a alone leaves the high bits of
// short inputs poorly mixed and the high bits are what segment bounds cut
// on. Neither needs a seed, so every process and every backend agrees.

import (
	"encoding/binary"
	"hash/fnv"
	"math/bits"

	"github.com/dynago/dynago/internal/attr"
)

const (
	tableIDWidth = 8 // bytes of big-endian table id in every table key
	hashWidth    = 8 // bytes of big-endian partition hash in every item key
)

// tablePrefix returns "t/<id>/": the prefix of every key that belongs to the
// table, base items, index entries and stream records alike.
func tablePrefix(id uint64) []byte {
	b := make([]byte, 0, 2+tableIDWidth+1+2+hashWidth)
	b = append(b, 't', '/')
	b = binary.BigEndian.AppendUint64(b, id)
	return append(b, '/')
}

// itemsPrefix returns "t/<id>/i/", the prefix of the table's base items.
func itemsPrefix(id uint64) []byte {
	return append(tablePrefix(id), 'i', '/')
}

// partitionHash is the hash that orders partitions; see the file comment.
func partitionHash(encodedPK []byte) uint64 {
	h := fnv.New64a()
	h.Write(encodedPK)
	x := h.Sum64()
	// murmur3 fmix64
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb3fe1a85ec53
	x ^= x >> 33
	return x
}

// appendPartitionPrefix appends "t/<id>/i/<hash(pk)>/<pk>/", the prefix of
// every item of the partition pk.
func appendPartitionPrefix(dst []byte, t *Table, pk attr.Value) []byte {
	dst = append(dst, itemsPrefix(t.ID)...)
	hashAt := len(dst)
	dst = append(dst, make([]byte, hashWidth)...)
	dst = append(dst, '/')
	pkAt := len(dst)
	dst = attr.AppendKey(dst, pk)
	binary.BigEndian.PutUint64(dst[hashAt:], partitionHash(dst[pkAt:]))
	return append(dst, '/')
}

// itemKey returns the storage key of the item whose key attributes are in
// key (an item or a key; other attributes are ignored). The key attributes
// must already be validated.
func itemKey(t *Table, key attr.Item) []byte {
	b := appendPartitionPrefix(make([]byte, 0, 64), t, key[t.Hash.Name])
	if t.Range.Name != "" {
		b = attr.AppendKey(b, key[t.Range.Name])
	}
	return b
}

// itemKeyAttrs reads the key attributes back from an item's storage key
// (itemKey's inverse), for naming an item whose stored value cannot be
// read.
func itemKeyAttrs(t *Table, k []byte) (attr.Item, error) {
	at := len(itemsPrefix(t.ID)) + hashWidth + 1
	if len(k) < at {
		return nil, attr.ErrCorruptKey
	}
	pk, rest, err := attr.DecodeKey(k[at:])
	if err != nil {
		return nil, err
	}
	if len(rest) == 0 || rest[0] != '/' {
		return nil, attr.ErrCorruptKey
	}
	key, rest := attr.Item{t.Hash.Name: pk}, rest[1:]
	if t.Range.Name != "" {
		var sk attr.Value
		if sk, rest, err = attr.DecodeKey(rest); err != nil {
			return nil, err
		}
		key[t.Range.Name] = sk
	}
	if len(rest) != 0 {
		return nil, attr.ErrCorruptKey
	}
	return key, nil
}

// itemKeyHash returns the partition hash stored in an item key.
func itemKeyHash(t *Table, key []byte) uint64 {
	at := len(itemsPrefix(t.ID))
	return binary.BigEndian.Uint64(key[at : at+hashWidth])
}

// keySuccessor returns the smallest key greater than k.
func keySuccessor(k []byte) []byte {
	return append(append(make([]byte, 0, len(k)+1), k...), 0)
}

// segmentBounds returns the hash range [lo, hi) of one parallel Scan
// segment; last reports that hi is the end of the hash space (2⁶⁴).
// Segment s covers hashes from ⌈s·2⁶⁴/n⌉, so n segments cover the space
// exactly once with sizes differing by at most one.
func segmentBounds(segment, total uint64) (lo, hi uint64, last bool) {
	lo = segmentStart(segment, total)
	if segment+1 >= total {
		return lo, 0, true
	}
	return lo, segmentStart(segment+1, total), false
}

// segmentStart returns ⌈s·2⁶⁴/n⌉ for s < n.
func segmentStart(s, n uint64) uint64 {
	if s == 0 {
		return 0
	}
	q, r := bits.Div64(s, 0, n) // (s·2⁶⁴) / n; s < n so it cannot overflow
	if r != 0 {
		q++
	}
	return q
}

// segmentRange returns the storage key range [start, end) of one Scan
// segment of table t.
func segmentRange(t *Table, segment, total uint64) (start, end []byte) {
	p := itemsPrefix(t.ID)
	lo, hi, last := segmentBounds(segment, total)
	start = binary.BigEndian.AppendUint64(append([]byte(nil), p...), lo)
	if last {
		return start, prefixEnd(p)
	}
	return start, binary.BigEndian.AppendUint64(append([]byte(nil), p...), hi)
}
