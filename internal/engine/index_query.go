package engine

// Query and Scan with IndexName: the same page reader over an index's
// entries, with DynamoDB's index rules — no consistent reads on a GSI, no
// reads of a GSI being backfilled, ALL_ATTRIBUTES only from a GSI that
// projects everything, and an LSI fetching what it does not project from
// the base item, in the same snapshot.

import (
	"context"
	"encoding/binary"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/kv"
)

// Messages of index reads.
const (
	msgConsistentGSI  = "Consistent reads are not supported on global secondary indexes"
	msgBadStartKey    = "The provided starting key is invalid"
	msgBackfilling    = "Cannot read from backfilling global secondary index: "
	msgSelectAllOnGSI = invalidPrefix + "Select type ALL_ATTRIBUTES is not supported for global secondary index %s because its projection type is not ALL"
)

// readableIndex looks up the index a Query or Scan names and checks that
// it may be read as asked.
func readableIndex(t *Table, name string, consistent bool, sel string) (*Index, error) {
	ix := t.index(name)
	if ix == nil || ix.Status == api.IndexStatusDeleting {
		return nil, noSuchIndex(name)
	}
	if ix.Global && consistent {
		return nil, apierr.Validation(msgConsistentGSI)
	}
	if !ix.readable() {
		return nil, apierr.Validation(msgBackfilling + name)
	}
	if sel == selectAll && ix.Global && ix.Projection != api.ProjectionTypeAll {
		return nil, apierr.Validationf(msgSelectAllOnGSI, name)
	}
	return ix, nil
}

// indexView sets up how a page of ix is read for the request's Select,
// projection and filter: an LSI fetches the base item when asked for
// attributes it does not project.
func indexView(p *page, t *Table, ix *Index, sel string, c *expr.Compiled) {
	p.lastKey = func(it attr.Item) attr.Item { return ix.keyOf(t, it) }
	if sel == "" {
		sel = selectProjected
		if c.Projection != nil {
			sel = selectSpecific
		}
	}
	if ix.Global || ix.Projection == api.ProjectionTypeAll {
		return
	}
	fetch := sel == selectAll
	needs := c.Filter.TopLevel()
	if sel == selectSpecific {
		needs = append(needs, c.Projection.TopLevel()...)
	}
	for _, n := range needs {
		fetch = fetch || !ix.projects(t, n)
	}
	if !fetch {
		return
	}
	p.resolve = func(ctx context.Context, r kv.Reader, entry attr.Item) (attr.Item, error) {
		item, err := readItem(ctx, r, itemKey(t, entry))
		if err != nil || item == nil {
			return entry, err
		}
		return item, nil
	}
	if sel == selectProjected {
		p.narrow = func(it attr.Item) attr.Item { return ix.projectEntry(t, it) }
	}
}

// indexTable is a Table whose key is the index's key, for the key
// condition checks Query shares with base tables.
func indexTable(t *Table, ix *Index) *Table {
	return &Table{Name: t.Name, ID: t.ID, Hash: ix.Hash, Range: ix.Range}
}

// queryIndex is Query with IndexName, from the point the table is known.
func (db *DB) queryIndex(ctx context.Context, in *api.QueryInput, t *Table, countOnly bool) (*api.QueryOutput, error) {
	sel := api.Str(in.Select)
	ix, err := readableIndex(t, *in.IndexName, api.Bool(in.ConsistentRead), sel)
	if err != nil {
		return nil, err
	}
	c, err := db.exprs.Compile(queryExprRequest(ctx, in), ix.exprKeys())
	if err != nil {
		return nil, err
	}
	k := c.Key
	if k == nil {
		return nil, apierr.New(apierr.InternalServerError, "engine: the key condition did not compile")
	}
	var start, end []byte
	if k.Multi != nil {
		if err := checkMultiKeyCondition(ix, k.Multi, in.KeyConditions != nil); err != nil {
			return nil, err
		}
		start, end = multiQueryRange(t, ix, k.Multi)
	} else {
		it := indexTable(t, ix)
		if err := it.checkKeyCondition(k, in.KeyConditions != nil); err != nil {
			return nil, err
		}
		prefix := appendIndexPartitionPrefix(nil, t, ix, k.Hash)
		start, end = indexQueryRange(prefix, k)
	}
	reverse := in.ScanIndexForward != nil && !*in.ScanIndexForward
	if in.ExclusiveStartKey != nil {
		esk, err := indexStartKey(t, ix, in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		if k.Multi != nil {
			if err := checkMultiStartKey(k.Multi, in.ExclusiveStartKey); err != nil {
				return nil, err
			}
		} else if !attr.Equal(in.ExclusiveStartKey[ix.Hash.Name], k.Hash) {
			return nil, apierr.Validation("The provided starting key is outside query boundaries based on provided conditions")
		} else if k.RangeOp != expr.RangeNone && !rangeMatches(k, in.ExclusiveStartKey[ix.Range.Name]) {
			return nil, apierr.Validation("The provided starting key does not match the range key predicate")
		}
		if reverse {
			end = esk
		} else {
			start = keySuccessor(esk)
		}
	}
	p := &page{
		t: t, start: start, end: end, reverse: reverse,
		limit:      api.Int(in.Limit, 0),
		filter:     c.Filter,
		projection: c.Projection,
		countOnly:  countOnly,
	}
	indexView(p, t, ix, sel, c)
	return db.answerPage(ctx, p, ix, in.ReturnConsumedCapacity, api.Str(in.TableName), api.Bool(in.ConsistentRead), nil)
}

// scanIndex is Scan with IndexName, from the point the table is known.
func (db *DB) scanIndex(ctx context.Context, in *api.ScanInput, t *Table, c *expr.Compiled, countOnly bool, segment, total uint64) (*api.ScanOutput, error) {
	sel := api.Str(in.Select)
	if t.index(*in.IndexName) == nil && in.ExclusiveStartKey != nil {
		return nil, apierr.Validation(msgBadStartKey)
	}
	ix, err := readableIndex(t, *in.IndexName, api.Bool(in.ConsistentRead), sel)
	if err != nil {
		return nil, err
	}
	start, end := indexSegmentRange(t, ix, segment, total)
	if in.ExclusiveStartKey != nil {
		esk, err := indexStartKey(t, ix, in.ExclusiveStartKey)
		if err != nil {
			return nil, err
		}
		if total > 1 {
			lo, hi, last := segmentBounds(segment, total)
			if h := indexEntryHash(t, ix, esk); h < lo || (!last && h >= hi) {
				return nil, apierr.Validationf("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: %d Segment: %d", total, segment)
			}
		}
		start = keySuccessor(esk)
	}
	p := &page{
		t: t, start: start, end: end,
		limit:      api.Int(in.Limit, 0),
		filter:     c.Filter,
		projection: c.Projection,
		countOnly:  countOnly,
	}
	indexView(p, t, ix, sel, c)
	out, err := db.answerPage(ctx, p, ix, in.ReturnConsumedCapacity, api.Str(in.TableName), api.Bool(in.ConsistentRead), nil)
	return (*api.ScanOutput)(out), err
}

// indexStartKey checks an index read's ExclusiveStartKey — the table's key
// attributes and the index's, nothing else — and returns the entry key it
// designates.
func indexStartKey(t *Table, ix *Index, esk attr.Item) ([]byte, error) {
	names := map[string]bool{}
	for _, a := range t.keyAttrs() {
		names[a.Name] = true
	}
	for _, a := range ix.keyAttrs() {
		names[a.Name] = true
	}
	if len(esk) != len(names) {
		return nil, apierr.Validation(msgBadStartKey)
	}
	for i, a := range ix.keyAttrs() {
		v, ok := esk[a.Name]
		if !ok {
			return nil, apierr.Validation(msgBadStartKey)
		}
		if v.Type != a.Type {
			return nil, apierr.Validation(msgKeySchema)
		}
		if err := checkKeyValue(a, v, i < max(1, len(ix.Hashes))); err != nil {
			return nil, err
		}
	}
	if err := t.validateKey(t.keyOf(esk)); err != nil {
		return nil, startKeyInvalid(err)
	}
	return indexEntryKey(t, ix, esk), nil
}

// indexQueryRange returns the entry key range [start, end) a key condition
// selects within the index partition whose prefix is p. Unlike a base
// item key, an entry key continues after its sort key (with the base key),
// so every bound past a sort key value is the end of that value's prefix.
func indexQueryRange(p []byte, k *expr.KeyCondition) (start, end []byte) {
	return sortKeyRange(p, k, prefixEnd)
}

// indexSegmentRange returns the entry key range [start, end) of one Scan
// segment of an index.
func indexSegmentRange(t *Table, ix *Index, segment, total uint64) (start, end []byte) {
	p := indexPrefix(t.ID, ix.ID)
	lo, hi, last := segmentBounds(segment, total)
	start = binary.BigEndian.AppendUint64(append([]byte(nil), p...), lo)
	if last {
		return start, prefixEnd(p)
	}
	return start, binary.BigEndian.AppendUint64(append([]byte(nil), p...), hi)
}

// indexConsumed is the ConsumedCapacity of a read of an index: under
// INDEXES, the units are the index's, and the table's are zero.
func indexConsumed(rcc *string, tableName string, ix *Index, units float64) *api.ConsumedCapacity {
	c := consumed(rcc, tableName, units)
	if c == nil || api.Str(rcc) != capacityIndexes {
		return c
	}
	c.Table = &api.Capacity{CapacityUnits: api.Ptr(0.0)}
	m := map[string]api.Capacity{ix.Name: {CapacityUnits: api.Ptr(units)}}
	if ix.Global {
		c.GlobalSecondaryIndexes = m
	} else {
		c.LocalSecondaryIndexes = m
	}
	return c
}
