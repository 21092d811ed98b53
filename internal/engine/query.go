package engine

import (
	"bytes"
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// query returns the items of one partition, in sort-key order (reversed
// when ScanIndexForward is false), narrowed by the sort-key condition,
// one page at a time.
func (db *DB) query(ctx context.Context, in *api.QueryInput) (*api.QueryOutput, error) {
	const prefix = "1 validation error detected: "
	countOnly, err := checkSelect(in.Select, in.ProjectionExpression, in.AttributesToGet, in.IndexName, prefix)
	if err != nil {
		return nil, err
	}
	if in.KeyConditions == nil && in.KeyConditionExpression == nil && treesFrom(ctx) == nil {
		return nil, apierr.Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	if in.ExclusiveStartKey != nil {
		if err := attr.ValidateItem(in.ExclusiveStartKey); err != nil {
			return nil, startKeyInvalid(err)
		}
	}
	t, err := db.table(ctx, api.Str(in.TableName))
	if err != nil {
		return nil, err
	}
	if in.IndexName != nil {
		return db.queryIndex(ctx, in, t, countOnly)
	}
	c, err := db.exprs.Compile(queryExprRequest(ctx, in), t.exprKeys())
	if err != nil {
		return nil, err
	}
	k := c.Key
	if k == nil {
		return nil, apierr.New(apierr.InternalServerError, "engine: the key condition did not compile")
	}
	if err := t.checkKeyCondition(k, in.KeyConditions != nil); err != nil {
		return nil, err
	}
	start, end := queryRange(t, k)
	reverse := in.ScanIndexForward != nil && !*in.ScanIndexForward
	if in.ExclusiveStartKey != nil {
		esk, err := t.queryStartKey(in.ExclusiveStartKey, k)
		if err != nil {
			return nil, err
		}
		if reverse {
			end = esk
		} else {
			start = keySuccessor(esk)
		}
	}
	sink := api.RawItemsFrom(ctx)
	return db.answerPage(ctx, &page{
		t: t, start: start, end: end, reverse: reverse,
		limit:      api.Int(in.Limit, 0),
		filter:     c.Filter,
		projection: c.Projection,
		countOnly:  countOnly,
		raw:        sink != nil,
	}, nil, in.ReturnConsumedCapacity, api.Str(in.TableName), api.Bool(in.ConsistentRead), sink)
}

// nonNilItems makes an empty page encode as "Items": [] as DynamoDB's does.
func nonNilItems(items []attr.Item) []attr.Item {
	if items == nil {
		return []attr.Item{}
	}
	return items
}

// checkKeyCondition checks a compiled key condition against the table's
// key types and key value rules; legacy says it came from KeyConditions,
// whose messages differ from KeyConditionExpression's.
func (t *Table) checkKeyCondition(k *expr.KeyCondition, legacy bool) error {
	if k.HashName != t.Hash.Name {
		return apierr.Validation("Query condition missed key schema element: " + t.Hash.Name)
	}
	if k.RangeOp != expr.RangeNone {
		if t.Range.Name == "" {
			return apierr.Validation("Query key condition not supported")
		}
		if k.RangeName != t.Range.Name {
			return apierr.Validation("Query condition missed key schema element: " + t.Range.Name)
		}
	}
	const mismatch = "One or more parameter values were invalid: Condition parameter type does not match schema type"
	if k.Hash.Type != t.Hash.Type {
		return apierr.Validation(mismatch)
	}
	if err := checkKeyValue(t.Hash, k.Hash, true); err != nil {
		return err
	}
	if k.RangeOp == expr.RangeNone {
		return nil
	}
	want := 1
	if k.RangeOp == expr.RangeBetween {
		want = 2
	}
	if len(k.RangeValues) != want {
		return apierr.New(apierr.InternalServerError, "engine: malformed key condition")
	}
	for _, v := range k.RangeValues {
		if v.Type != t.Range.Type {
			return apierr.Validation(mismatch)
		}
		if k.RangeOp == expr.RangeBeginsWith && v.Type == attr.TypeN {
			return apierr.Validation("Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N")
		}
		if err := checkKeyValue(t.Range, v, false); err != nil {
			return err
		}
	}
	if k.RangeOp == expr.RangeBetween {
		if c, _ := attr.Compare(k.RangeValues[0], k.RangeValues[1]); c > 0 {
			if legacy {
				return apierr.Validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
			}
			return apierr.Validation("Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {" + k.RangeValues[0].Type.String() + ":" + scalarText(k.RangeValues[0]) + "}, upper bound operand: AttributeValue: {" + k.RangeValues[1].Type.String() + ":" + scalarText(k.RangeValues[1]) + "}")
		}
	}
	return nil
}

// scalarText renders a scalar for an error message.
func scalarText(v attr.Value) string {
	if v.Type == attr.TypeB {
		return string(v.B)
	}
	return v.S
}

// queryExprRequest gathers a Query's expression parameters, for the table
// and for an index alike: only the key schema they compile against differs.
func queryExprRequest(ctx context.Context, in *api.QueryInput) *expr.Request {
	return &expr.Request{
		Operation:              "Query",
		Trees:                  treesFrom(ctx),
		KeyConditionExpression: in.KeyConditionExpression,
		FilterExpression:       in.FilterExpression,
		ProjectionExpression:   in.ProjectionExpression,
		Names:                  in.ExpressionAttributeNames,
		Values:                 in.ExpressionAttributeValues,
		KeyConditions:          in.KeyConditions,
		QueryFilter:            in.QueryFilter,
		ConditionalOperator:    in.ConditionalOperator,
		AttributesToGet:        in.AttributesToGet,
	}
}

// queryRange returns the item key range [start, end) a key condition
// selects. A base item key ends with its sort key, so the first key past a
// sort key value is its successor.
func queryRange(t *Table, k *expr.KeyCondition) (start, end []byte) {
	return sortKeyRange(appendPartitionPrefix(nil, t, k.Hash), k, keySuccessor)
}

// sortKeyRange returns the key range [start, end) that k's sort-key
// condition selects within the partition whose keys start with p. past(s)
// is the first key after every key whose sort key encodes to s: base items
// and index entries (which continue after the sort key) differ only there.
func sortKeyRange(p []byte, k *expr.KeyCondition, past func([]byte) []byte) (start, end []byte) {
	pend := prefixEnd(p)
	enc := func(v attr.Value) []byte {
		return attr.AppendKey(append([]byte(nil), p...), v)
	}
	switch k.RangeOp {
	case expr.RangeEQ:
		s := enc(k.RangeValues[0])
		return s, past(s)
	case expr.RangeLT:
		return p, enc(k.RangeValues[0])
	case expr.RangeLE:
		return p, past(enc(k.RangeValues[0]))
	case expr.RangeGT:
		return past(enc(k.RangeValues[0])), pend
	case expr.RangeGE:
		return enc(k.RangeValues[0]), pend
	case expr.RangeBetween:
		return enc(k.RangeValues[0]), past(enc(k.RangeValues[1]))
	case expr.RangeBeginsWith:
		s := attr.AppendKeyPrefix(append([]byte(nil), p...), k.RangeValues[0])
		return s, prefixEnd(s)
	}
	return p, pend
}

// startKeyInvalid wraps a problem with ExclusiveStartKey in DynamoDB's
// message.
func startKeyInvalid(err error) error {
	if e := apierr.As(err); e != nil {
		return apierr.Validation("The provided starting key is invalid: " + e.Message)
	}
	return err
}

// queryStartKey checks a Query's ExclusiveStartKey against the table and
// the key condition, and returns its item key.
func (t *Table) queryStartKey(esk attr.Item, k *expr.KeyCondition) ([]byte, error) {
	attrs := t.keyAttrs()
	if len(esk) != len(attrs) {
		return nil, apierr.Validation("The provided starting key is invalid")
	}
	for _, a := range attrs {
		v, ok := esk[a.Name]
		if !ok {
			return nil, apierr.Validation("The provided starting key is invalid")
		}
		if v.Type != a.Type {
			return nil, apierr.Validation(msgKeySchema)
		}
	}
	if err := t.validateKey(esk); err != nil {
		return nil, startKeyInvalid(err)
	}
	sameHash := attr.Equal(esk[t.Hash.Name], k.Hash)
	if k.RangeOp == expr.RangeNone {
		if !sameHash {
			return nil, apierr.Validation("The provided starting key is outside query boundaries based on provided conditions")
		}
	} else {
		if !rangeMatches(k, esk[t.Range.Name]) {
			return nil, apierr.Validation("The provided starting key does not match the range key predicate")
		}
		if !sameHash {
			return nil, apierr.Validation("The query can return at most one row and cannot be restarted")
		}
	}
	return itemKey(t, esk), nil
}

// rangeMatches reports whether a sort key value satisfies the key
// condition's sort-key comparison.
func rangeMatches(k *expr.KeyCondition, v attr.Value) bool {
	cmp := func(i int) int {
		c, _ := attr.Compare(v, k.RangeValues[i])
		return c
	}
	switch k.RangeOp {
	case expr.RangeEQ:
		return cmp(0) == 0
	case expr.RangeLT:
		return cmp(0) < 0
	case expr.RangeLE:
		return cmp(0) <= 0
	case expr.RangeGT:
		return cmp(0) > 0
	case expr.RangeGE:
		return cmp(0) >= 0
	case expr.RangeBetween:
		return cmp(0) >= 0 && cmp(1) <= 0
	case expr.RangeBeginsWith:
		p := k.RangeValues[0]
		if v.Type == attr.TypeB {
			return bytes.HasPrefix(v.B, p.B)
		}
		return len(v.S) >= len(p.S) && v.S[:len(p.S)] == p.S
	}
	return true
}
