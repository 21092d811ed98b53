package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// scan returns every item of the table, in partition-hash order, one page
// at a time; with Segment and TotalSegments, only the items whose
// partition hash falls in that segment's slice of the hash space.
func (db *DB) scan(ctx context.Context, in *api.ScanInput) (*api.ScanOutput, error) {
	countOnly, err := checkSelect(in.Select, in.ProjectionExpression, in.AttributesToGet, in.IndexName, "")
	if err != nil {
		return nil, err
	}
	segment, total, err := checkSegments(in.Segment, in.TotalSegments)
	if err != nil {
		return nil, err
	}
	if in.ExclusiveStartKey != nil {
		if err := attr.ValidateItem(in.ExclusiveStartKey); err != nil {
			return nil, startKeyInvalid(err)
		}
	}
	c, err := db.exprs.Compile(&expr.Request{
		Operation:            "Scan",
		Trees:                treesFrom(ctx),
		FilterExpression:     in.FilterExpression,
		ProjectionExpression: in.ProjectionExpression,
		Names:                in.ExpressionAttributeNames,
		Values:               in.ExpressionAttributeValues,
		ScanFilter:           in.ScanFilter,
		ConditionalOperator:  in.ConditionalOperator,
		AttributesToGet:      in.AttributesToGet,
	}, expr.KeySchema{})
	if err != nil {
		return nil, err
	}
	t, err := db.table(ctx, api.Str(in.TableName))
	if err != nil {
		return nil, err
	}
	if in.IndexName != nil {
		return db.scanIndex(ctx, in, t, c, countOnly, segment, total)
	}
	start, end := segmentRange(t, segment, total)
	if in.ExclusiveStartKey != nil {
		esk, err := t.scanStartKey(in.ExclusiveStartKey, segment, total)
		if err != nil {
			return nil, err
		}
		start = keySuccessor(esk)
	}
	sink := api.RawItemsFrom(ctx)
	out, err := db.answerPage(ctx, &page{
		t: t, start: start, end: end,
		limit:      api.Int(in.Limit, 0),
		filter:     c.Filter,
		projection: c.Projection,
		countOnly:  countOnly,
		raw:        sink != nil,
	}, nil, in.ReturnConsumedCapacity, api.Str(in.TableName), api.Bool(in.ConsistentRead), sink)
	return (*api.ScanOutput)(out), err
}

// checkSegments checks the parallel-scan parameters and returns the
// segment to read (0 of 1 for a sequential scan).
func checkSegments(segment, total *int64) (uint64, uint64, error) {
	if segment == nil && total == nil {
		return 0, 1, nil
	}
	if total == nil {
		return 0, 0, apierr.Validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if segment == nil {
		return 0, 0, apierr.Validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	}
	if *segment >= *total {
		return 0, 0, apierr.Validationf("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: %d is not less than TotalSegments: %d", *segment, *total)
	}
	return uint64(*segment), uint64(*total), nil
}

// scanStartKey checks a Scan's ExclusiveStartKey and returns its item key.
func (t *Table) scanStartKey(esk attr.Item, segment, total uint64) ([]byte, error) {
	if len(esk) != len(t.keyAttrs()) {
		return nil, apierr.Validation("The provided starting key is invalid: " + msgKeySchema)
	}
	if err := t.validateKey(esk); err != nil {
		return nil, startKeyInvalid(err)
	}
	key := itemKey(t, esk)
	if total > 1 {
		lo, hi, last := segmentBounds(segment, total)
		h := itemKeyHash(t, key)
		if h < lo || (!last && h >= hi) {
			return nil, apierr.Validationf("The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: %d Segment: %d", total, segment)
		}
	}
	return key, nil
}
