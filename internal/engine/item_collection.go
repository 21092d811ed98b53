package engine

// Item collections of tables with local secondary indexes. An item
// collection is every item of one partition key value together with its
// LSI entries. DynamoDB caps it at 10 GB (a write that would grow one
// past the cap fails with ItemCollectionSizeLimitExceededException) and,
// when a write asks ReturnItemCollectionMetrics SIZE, reports the
// collection it touched: ItemCollectionKey (the partition key) and
// SizeEstimateRangeGB, a [lower, upper] estimate in GB. Tables without an
// LSI have no item collections in this sense and report nothing.
//
// The size is measured inside the write's own transaction (which sees its
// writes): the partition's items are read and each is counted with its
// LSI projections. The database then remembers an upper bound of each
// collection's size (collectionSizes) and measures again only when that
// bound is missing or crosses the cap, so writes far below the cap do not
// read their collection. Several engines over one store keep that bound in
// the store instead, locked by every writer of the collection
// (collection_size_shared.go), as one engine cannot see the others' writes.

import (
	"context"
	"math"
	"sync"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// DefaultItemCollectionLimit is DynamoDB's cap on an item collection
	// of a table with local secondary indexes; Options.ItemCollectionLimit
	// overrides it.
	DefaultItemCollectionLimit = 10 << 30 // 10 GB

	// lsiEntryOverhead is what DynamoDB counts per LSI entry on top of its
	// projected attributes.
	lsiEntryOverhead = 100 // bytes

	bytesPerGB = 1 << 30

	msgCollectionSize = "Collection size exceeded."
)

// itemCollectionLimit is the item collection cap in bytes.
func (db *DB) itemCollectionLimit() int64 {
	if db.opts.ItemCollectionLimit > 0 {
		return db.opts.ItemCollectionLimit
	}
	return DefaultItemCollectionLimit
}

// localIndexes returns the maintained LSIs among ixs.
func localIndexes(ixs []*Index) []*Index {
	var out []*Index
	for _, ix := range ixs {
		if !ix.Global && ix.maintained() {
			out = append(out, ix)
		}
	}
	return out
}

// collectionBytes is what one item counts towards its item collection:
// the item and its entry in every LSI that indexes it.
func collectionBytes(t *Table, lsis []*Index, item attr.Item) int64 {
	if item == nil {
		return 0
	}
	n := int64(itemSize(item))
	for _, ix := range lsis {
		if ix.indexed(item) {
			n += int64(itemSize(ix.projectEntry(t, item))) + lsiEntryOverhead
		}
	}
	return n
}

// itemCollectionSize reads the size of the item collection of partition
// key pk through r.
func itemCollectionSize(ctx context.Context, r kv.Reader, t *Table, lsis []*Index, pk attr.Value) (int64, error) {
	p := appendPartitionPrefix(nil, t, pk)
	it, err := r.Iter(ctx, p, prefixEnd(p), false)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var total int64
	for it.Next() {
		item, err := decodeItem(it.Value())
		if err != nil {
			return 0, err
		}
		total += collectionBytes(t, lsis, item)
	}
	return total, it.Err()
}

// wantCollectionMetrics reports whether a write asked for
// ReturnItemCollectionMetrics SIZE.
func wantCollectionMetrics(rcm *string) bool {
	return api.Str(rcm) == api.ReturnItemCollectionMetricsSize
}

// writeItemMetrics is writeItem that also enforces the item collection
// cap of a table with LSIs and, when want, returns the metrics of the
// collection written (nil for a table without LSIs). keyAttrs is the
// item's key, used when neither old nor new holds it (a delete of a
// missing item); it may be nil.
func (db *DB) writeItemMetrics(ctx context.Context, txn kv.Txn, t *Table, key []byte, keyAttrs attr.Item, oldImg *oldImage, new attr.Item, from origin, want bool) (*api.ItemCollectionMetrics, error) {
	if err := db.writeItem(txn, t, key, oldImg, new, from); err != nil {
		return nil, err
	}
	lsis := localIndexes(db.liveIndexes(t))
	if len(lsis) == 0 {
		return nil, nil
	}
	old, err := oldImg.get() // decoded already by writeItem, as the table has indexes
	if err != nil {
		return nil, err
	}
	delta := collectionBytes(t, lsis, new) - collectionBytes(t, lsis, old)
	if delta <= 0 && !want && !db.opts.SharedCollections {
		return nil, nil
	}
	keyItem := new
	if keyItem == nil {
		keyItem = old
	}
	if keyItem == nil {
		keyItem = keyAttrs
	}
	pk, ok := keyItem[t.Hash.Name]
	if !ok {
		return nil, nil
	}
	limit := db.itemCollectionLimit()
	if db.opts.SharedCollections {
		size, err := db.sharedCollectionSize(ctx, txn, t, lsis, pk, delta, limit, want)
		if err != nil {
			return nil, err
		}
		if delta > 0 && size > limit {
			return nil, apierr.New(apierr.ItemCollectionSizeLimitExceededException, msgCollectionSize)
		}
		if !want {
			return nil, nil
		}
		return collectionMetrics(t.Hash.Name, pk, size), nil
	}
	ck := string(appendPartitionPrefix(nil, t, pk))
	size, known := db.collections.add(ck, max(delta, 0))
	if !known || (delta > 0 && size > limit) {
		// Measure: the remembered size is missing, or an upper bound too
		// close to the cap to trust.
		exact, err := itemCollectionSize(ctx, txn, t, lsis, pk)
		if err != nil {
			return nil, err
		}
		size = exact
		// Remember the larger of the sizes with and without this write,
		// which may yet be rolled back.
		db.collections.set(ck, max(exact, exact-delta))
	}
	if delta > 0 && size > limit {
		return nil, apierr.New(apierr.ItemCollectionSizeLimitExceededException, msgCollectionSize)
	}
	if !want {
		return nil, nil
	}
	return collectionMetrics(t.Hash.Name, pk, size), nil
}

// maxRememberedCollections bounds collectionSizes; past it the sizes are
// forgotten and measured again when needed.
const maxRememberedCollections = 1 << 16

// collectionSizes remembers an upper bound of the size of each item
// collection written since the database opened, keyed by the partition's
// storage prefix (which holds the table id, never reused). Growth is added
// before the write commits and shrinking is ignored, so a rolled-back or
// missed write can only make the bound larger: the cap is then checked
// against a fresh measure. With the bound far below the cap, a write
// costs no read of its collection.
type collectionSizes struct {
	mu sync.Mutex
	m  map[string]int64
}

// add adds delta to the remembered size of the collection ck and returns
// the new size, or false when it is not remembered.
func (c *collectionSizes) add(ck string, delta int64) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[ck]
	if !ok {
		return 0, false
	}
	n += delta
	c.m[ck] = n
	return n, true
}

// set remembers size for the collection ck.
func (c *collectionSizes) set(ck string, size int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxRememberedCollections {
		c.m = make(map[string]int64)
	}
	c.m[ck] = size
}

// collectionMetrics shapes an item collection's metrics as DynamoDB does:
// the partition key and a one-GB-wide estimate around the size.
func collectionMetrics(hashName string, pk attr.Value, size int64) *api.ItemCollectionMetrics {
	lo := math.Floor(float64(size) / bytesPerGB)
	return &api.ItemCollectionMetrics{
		ItemCollectionKey:   attr.Item{hashName: pk},
		SizeEstimateRangeGB: []float64{lo, lo + 1},
	}
}

// addCollectionMetrics appends m (if any) to a BatchWriteItem's or
// TransactWriteItems' per-table ItemCollectionMetrics.
func addCollectionMetrics(all map[string][]api.ItemCollectionMetrics, table string, m *api.ItemCollectionMetrics) map[string][]api.ItemCollectionMetrics {
	if m == nil {
		return all
	}
	if all == nil {
		all = make(map[string][]api.ItemCollectionMetrics)
	}
	all[table] = append(all[table], *m)
	return all
}

// reasonCollectionSize is the cancellation reason code of a transaction
// action that would grow an item collection past its cap.
const reasonCollectionSize = "ItemCollectionSizeLimitExceeded"

// transactCollectionError turns the item collection cap refusing action i
// of n into the transaction's cancellation, as DynamoDB reports it; other
// errors pass through.
func transactCollectionError(err error, i, n int) error {
	e := apierr.As(err)
	if e == nil || e.Code != apierr.ItemCollectionSizeLimitExceededException {
		return err
	}
	reasons := make([]api.CancellationReason, n)
	for j := range reasons {
		reasons[j] = api.CancellationReason{Code: api.Ptr(reasonNone)}
	}
	reasons[i] = api.CancellationReason{Code: api.Ptr(reasonCollectionSize), Message: api.Ptr(e.Message)}
	return transactionCanceled(reasons)
}
