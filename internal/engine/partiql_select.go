package engine

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/partiql"
)

// partiqlSelect runs a SELECT as a Query when its WHERE fixes the
// partition key of the table or named index by equality (a sort-key
// condition, if one is there, becomes the key condition and the rest the
// filter), and as a Scan with the WHERE as filter otherwise. An IN or an
// OR of partition keys still runs as a Scan (the results are the same;
// DynamoDB runs them as several Queries, which costs less): not yet done.
func (db *DB) partiqlSelect(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, t *Table, st *partiql.Select) (*api.ExecuteStatementOutput, error) {
	hash, rng := t.Hash.Name, t.Range.Name
	var index *string
	if st.From.Index != nil {
		ix := t.index(st.From.Index.Name)
		if ix == nil {
			return nil, apierr.Validationf("The table does not have the specified index: %s", st.From.Index.Name)
		}
		if ix.Global && api.Bool(in.ConsistentRead) {
			return nil, apierr.Validation("Strongly consistent read is not supported on Global Secondary Indexes")
		}
		hash, rng, index = ix.Hash.Name, ix.Range.Name, &ix.Name
	}
	trees := &expr.Trees{}
	if !st.Star {
		for _, it := range st.Items {
			p, ok, err := l.path(it)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, unsupportedExpr(it)
			}
			trees.Projection = append(trees.Projection, p)
		}
	}
	forward, err := orderForward(st, hash, rng)
	if err != nil {
		return nil, err
	}
	esk, err := startKey(in.NextToken)
	if err != nil {
		return nil, err
	}
	if index == nil && len(st.OrderBy) == 0 && in.NextToken == nil {
		// A WHERE that is exactly the full key is a GetItem, as DynamoDB
		// runs it.
		if key, rest, err := l.fullKey(t, st.Where); err == nil && rest == nil {
			return db.partiqlGet(ctx, in, t, key, trees)
		}
	}
	keyCond, rest, err := l.selectKey(st.Where, hash, rng)
	if err != nil {
		return nil, err
	}
	if err := db.partiqlAuthorize(ctx, api.OpExecuteStatement, t, nil); err != nil {
		return nil, err
	}
	trees.Filter = rest
	// The wire layer substitutes raw items only into a Query's or Scan's
	// own output: a statement's items come back decoded.
	ctx = api.WithRawItems(ctx, nil)
	var items []attr.Item
	var lek attr.Item
	var cc *api.ConsumedCapacity
	if keyCond != nil {
		trees.KeyCondition = keyCond
		out, err := db.query(withTrees(ctx, trees), &api.QueryInput{TableName: &t.Name, IndexName: index,
			ConsistentRead: in.ConsistentRead, Limit: in.Limit, ExclusiveStartKey: esk,
			ScanIndexForward: forward, ReturnConsumedCapacity: in.ReturnConsumedCapacity})
		if err != nil {
			return nil, err
		}
		items, lek, cc = out.Items, out.LastEvaluatedKey, out.ConsumedCapacity
	} else {
		if len(st.OrderBy) > 0 {
			return nil, apierr.Validation("Must have WHERE clause in the statement when using ORDER BY clause.")
		}
		out, err := db.scan(withTrees(ctx, trees), &api.ScanInput{TableName: &t.Name, IndexName: index,
			ConsistentRead: in.ConsistentRead, Limit: in.Limit, ExclusiveStartKey: esk,
			ReturnConsumedCapacity: in.ReturnConsumedCapacity})
		if err != nil {
			return nil, err
		}
		items, lek, cc = out.Items, out.LastEvaluatedKey, out.ConsumedCapacity
	}
	tok, err := pageToken(lek)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []attr.Item{}
	}
	return &api.ExecuteStatementOutput{Items: items, NextToken: tok, ConsumedCapacity: cc}, nil
}

// orderForward returns ScanIndexForward for ORDER BY: only the partition
// or sort key may be named, and only the sort key's direction matters.
func orderForward(st *partiql.Select, hash, rng string) (*bool, error) {
	var forward *bool
	for _, o := range st.OrderBy {
		id, ok := o.Expr.(*partiql.Ident)
		if !ok || (id.Name != hash && id.Name != rng) {
			return nil, apierr.Validation("Order by is supported only on partition key and sort key attributes")
		}
		if id.Name == rng {
			forward = api.Ptr(!o.Desc)
		}
	}
	return forward, nil
}

// selectKey splits a SELECT's WHERE into a key condition (nil: the
// statement is a Scan) and a filter.
func (l *lowerer) selectKey(where partiql.Expr, hash, rng string) (key, filter expr.Cond, err error) {
	cs := conjuncts(where, nil)
	hashAt, rangeAt := -1, -1
	var hv attr.Value
	for i, c := range cs {
		if v, ok, err := l.keyEquality(c, hash); err != nil {
			return nil, nil, err
		} else if ok && hashAt < 0 {
			hashAt, hv = i, v
		}
	}
	if hashAt < 0 {
		if where == nil {
			return nil, nil, nil
		}
		f, err := l.cond(where)
		return nil, f, err
	}
	key = expr.Compare(expr.EQ, expr.Attr(hash), expr.Val(hv))
	if rng != "" {
		for i, c := range cs {
			if i != hashAt && isSortKeyCond(c, rng) {
				rangeAt = i
				break
			}
		}
	}
	var rest []expr.Cond
	for i, c := range cs {
		if i == hashAt {
			continue
		}
		lc, err := l.cond(c)
		if err != nil {
			return nil, nil, err
		}
		if i == rangeAt {
			key = expr.And{Left: key, Right: lc}
			continue
		}
		rest = append(rest, lc)
	}
	if len(rest) > 0 {
		filter = expr.AllOf(rest...)
	}
	return key, filter, nil
}

// isSortKeyCond reports whether c is a condition a KeyConditionExpression
// takes on the sort key: a comparison other than <> with a constant,
// BETWEEN, or begins_with.
func isSortKeyCond(c partiql.Expr, rng string) bool {
	isKey := func(e partiql.Expr) bool { id, ok := e.(*partiql.Ident); return ok && id.Name == rng }
	isConst := func(e partiql.Expr) bool {
		switch e.(type) {
		case *partiql.Literal, *partiql.Param:
			return true
		}
		return false
	}
	switch c := c.(type) {
	case *partiql.Binary:
		if _, ok := compareOps[c.Op]; !ok || c.Op == partiql.OpNe {
			return false
		}
		return (isKey(c.L) && isConst(c.R)) || (isKey(c.R) && isConst(c.L))
	case *partiql.Between:
		return !c.Not && isKey(c.X) && isConst(c.Lo) && isConst(c.Hi)
	case *partiql.Call:
		return c.Name == "begins_with" && len(c.Args) == 2 && isKey(c.Args[0]) && isConst(c.Args[1])
	}
	return false
}

// partiqlGet runs a SELECT whose WHERE is exactly the full key as a GetItem.
func (db *DB) partiqlGet(ctx context.Context, in *api.ExecuteStatementInput, t *Table, key attr.Item, trees *expr.Trees) (*api.ExecuteStatementOutput, error) {
	if err := db.partiqlAuthorize(ctx, api.OpExecuteStatement, t, key); err != nil {
		return nil, err
	}
	out, err := db.getItem(withTrees(api.WithRawItems(ctx, nil), trees), &api.GetItemInput{TableName: &t.Name, Key: key,
		ConsistentRead: in.ConsistentRead, ReturnConsumedCapacity: in.ReturnConsumedCapacity})
	if err != nil {
		return nil, err
	}
	return &api.ExecuteStatementOutput{Items: returnedItems(out.Item), ConsumedCapacity: out.ConsumedCapacity}, nil
}
