package engine

// The page reader shared by Query and Scan: walk a key range of the
// table's items in one snapshot, stop at Limit items or 1 MB, filter and
// project what was read, and say where to resume.

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/kv"
)

// maxPageSize is the most item data (by attr.ItemSize, before filtering)
// one Query or Scan page reads.
const maxPageSize = 1 << 20 // 1 MB

// Select values.
const (
	selectAll       = "ALL_ATTRIBUTES"
	selectProjected = "ALL_PROJECTED_ATTRIBUTES"
	selectSpecific  = "SPECIFIC_ATTRIBUTES"
	selectCount     = "COUNT"
)

// page is one Query or Scan page to read.
type page struct {
	t          *Table
	start, end []byte // the item key range, [start, end)
	reverse    bool
	limit      int64 // 0: no limit but the page size
	filter     *expr.Condition
	projection *expr.Projection
	countOnly  bool // Select COUNT: items are counted, not returned
	// raw asks for the stored bytes of the returned items (pageResult.raw)
	// instead of decoded items; it is honoured only when nothing needs the
	// decoded item (no filter, projection or index entry to resolve).
	raw bool

	// For index reads (index_query.go); nil means a base-table read.
	// lastKey gives LastEvaluatedKey of the last entry read; resolve turns
	// an entry into the item to filter and return (an LSI fetching its
	// base item); narrow cuts a resolved item back to the index's
	// projection after the filter has seen it.
	lastKey func(attr.Item) attr.Item
	resolve func(ctx context.Context, r kv.Reader, entry attr.Item) (attr.Item, error)
	narrow  func(attr.Item) attr.Item
}

// pageResult is what a page read found.
type pageResult struct {
	items            []attr.Item
	count, scanned   int64
	lastEvaluatedKey attr.Item
	size             int // bytes read, for capacity
	// raw holds the items' stored JSON instead of items when the page
	// could pass them through; non-nil (maybe empty) exactly then.
	raw [][]byte
}

// passThrough reports whether a page can be read without decoding its
// items: sizes come from attr.ItemSizeJSON, and only the last item read is
// decoded, for LastEvaluatedKey.
func (p *page) passThrough() bool {
	return p.filter == nil && p.resolve == nil && p.narrow == nil &&
		(p.countOnly || (p.raw && p.projection == nil))
}

// read walks the page. The limit is applied to items read, before the
// filter, as DynamoDB does; LastEvaluatedKey is the key of the last item
// read whenever the page stopped at Limit or at 1 MB.
func (db *DB) readPage(ctx context.Context, p *page) (*pageResult, error) {
	res := &pageResult{}
	if p.end != nil && bytes.Compare(p.start, p.end) >= 0 {
		return res, nil
	}
	// An iterator already reads one consistent state (kv.Reader.Iter), so
	// a base-table page needs no snapshot; an index page whose entries
	// resolve to base items reads both from one snapshot. Skipping the
	// snapshot saved about 5% of a 10-item Query's CPU (open and close
	// both take Pebble's DB mutex).
	var r kv.Reader = db.store
	if p.resolve != nil {
		snap, err := db.store.NewSnapshot(ctx)
		if err != nil {
			return nil, err
		}
		defer snap.Close()
		r = snap
	}
	it, err := r.Iter(ctx, p.start, p.end, p.reverse)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	full := func() bool {
		return (p.limit > 0 && res.scanned >= p.limit) || res.size >= maxPageSize
	}
	if p.passThrough() {
		return res, db.readRawPage(it, p, res, full)
	}
	var last attr.Item
	for !full() && it.Next() {
		item, err := decodeItem(it.Value())
		if err != nil {
			return nil, err
		}
		if p.resolve != nil {
			if item, err = p.resolve(ctx, r, item); err != nil {
				return nil, err
			}
		}
		res.size += attr.ItemSize(item)
		res.scanned++
		last = item
		if p.filter != nil {
			ok, err := p.filter.Eval(item)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		res.count++
		if !p.countOnly {
			if p.narrow != nil {
				item = p.narrow(item)
			}
			res.items = append(res.items, project(p.projection, item))
		}
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	if full() && last != nil {
		if p.lastKey != nil {
			res.lastEvaluatedKey = p.lastKey(last)
		} else {
			res.lastEvaluatedKey = p.t.keyOf(last)
		}
	}
	return res, nil
}

// readRawPage reads a pass-through page (see passThrough): the stored
// bytes are copied into one buffer, one allocation for the whole page
// instead of a decode's several per item.
func (db *DB) readRawPage(it kv.Iterator, p *page, res *pageResult, full func() bool) error {
	var buf []byte
	var spans []int // end offset of each item in buf
	var last []byte
	for !full() && it.Next() {
		v := it.Value()
		size, err := attr.ItemSizeJSON(v)
		if err != nil {
			return fmt.Errorf("engine: corrupt stored item: %w", err)
		}
		res.size += size
		res.scanned++
		res.count++
		if p.countOnly {
			last = append(last[:0], v...)
			continue
		}
		buf = append(buf, v...)
		spans = append(spans, len(buf))
	}
	if err := it.Err(); err != nil {
		return err
	}
	if !p.countOnly {
		res.raw = make([][]byte, len(spans))
		start := 0
		for i, end := range spans {
			res.raw[i] = buf[start:end:end]
			start = end
		}
		if len(spans) > 0 {
			last = res.raw[len(spans)-1]
		}
	}
	if full() && last != nil {
		item, err := decodeItem(last)
		if err != nil {
			return err
		}
		if p.lastKey != nil {
			res.lastEvaluatedKey = p.lastKey(item)
		} else {
			res.lastEvaluatedKey = p.t.keyOf(item)
		}
	}
	return nil
}

// answerPage reads the page p and builds what Query and Scan answer for it:
// their output shapes have the same members, so Scan converts the
// QueryOutput (*api.ScanOutput(out)). Capacity is the index's when ix is
// set; items are left out when only a count was asked for, and handed to
// sink as stored bytes when p passed them through. The read is admitted
// against the table's (or the index's) capacity before it starts, and
// charged what it read; rcc is the request's ReturnConsumedCapacity.
func (db *DB) answerPage(ctx context.Context, p *page, ix *Index, rcc *string, tableName string, consistent bool, sink *api.RawItems) (*api.QueryOutput, error) {
	index := ""
	if ix != nil {
		index = ix.Name
	}
	if err := db.admitRead(ctx, p.t, index); err != nil {
		return nil, err
	}
	res, err := db.readPage(ctx, p)
	if err != nil {
		return nil, err
	}
	units := readUnits(res.size, consistent)
	cc := consumed(db.capacityAsked(), tableName, units)
	if ix != nil {
		cc = indexConsumed(db.capacityAsked(), tableName, ix, units)
	}
	out := &api.QueryOutput{
		Count:            api.Ptr(res.count),
		ScannedCount:     api.Ptr(res.scanned),
		LastEvaluatedKey: res.lastEvaluatedKey,
		ConsumedCapacity: db.settle(ctx, cc, false, rcc),
	}
	if !p.countOnly {
		out.Items = pageItems(res, sink)
	}
	return out, nil
}

// pageItems returns a page's items for its output, with raw bytes handed
// to sink when the page passed them through (see api.RawItems for the
// placeholders left in Items).
func pageItems(res *pageResult, sink *api.RawItems) []attr.Item {
	if res.raw != nil && sink != nil {
		sink.Items = res.raw
		return make([]attr.Item, len(res.raw))
	}
	return nonNilItems(res.items)
}

// checkSelect checks Select against the projection parameters and reports
// whether only a count is wanted; with an IndexName, the index's own checks
// follow once the table is known. Query's messages carry the "1 validation
// error detected: " prefix and Scan's do not, exactly as DynamoDB answers.
func checkSelect(sel *string, projectionExpr *string, attributesToGet []string, indexName *string, prefix string) (countOnly bool, err error) {
	s := api.Str(sel)
	what := s
	switch s {
	case "", selectSpecific:
		if s == selectSpecific && projectionExpr == nil && attributesToGet == nil {
			return false, apierr.Validation(prefix + "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES")
		}
		return false, nil
	case selectCount:
		what = "only the Count"
	}
	if attributesToGet != nil {
		return false, apierr.Validation(prefix + "Cannot specify the AttributesToGet when choosing to get " + what)
	}
	if projectionExpr != nil {
		return false, apierr.Validation(prefix + "Cannot specify the ProjectionExpression when choosing to get " + what)
	}
	if s == selectProjected && indexName == nil {
		return false, apierr.Validation(prefix + "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName")
	}
	return s == selectCount, nil
}

// noSuchIndex is the error for an IndexName the table does not have.
func noSuchIndex(name string) error {
	return apierr.Validation("The table does not have the specified index: " + name)
}
