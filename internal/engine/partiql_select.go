package engine

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/partiql"
)

// selectPlan is a SELECT planned against one table version: everything
// that does not depend on the Parameters (partiql_plan.go).
type selectPlan struct {
	table *Table
	// err is a refusal that depends only on the text and the schema; the
	// plan then holds nothing else.
	err        error
	index      *string // IndexName; nil for the table
	hash, rng  string  // the key names of the table or index read
	projection []expr.Path
	forward    *bool // ScanIndexForward from ORDER BY
	// byHash orders several reads by their partition key value (ORDER BY
	// names it; hashDesc: descending); without it they run as written.
	byHash, hashDesc bool
	// branches are the reads the WHERE decomposes into
	// (partiql_decompose.go); nil: a Scan with the WHERE as its filter.
	branches []readBranch
	// cacheKeys name each branch's trees for expr.Cache
	// (expr.Trees.CacheKey): the statement text and the branch.
	cacheKeys []string
	// lowered holds each branch's trees once a call has lowered them.
	lowered []atomic.Pointer[loweredRead]
	where   partiql.Expr
	orderBy bool
}

// branchIndex returns b's index in p.branches, or -1 for a read made at
// bind time (partiql_multiread.go).
func (p *selectPlan) branchIndex(b *readBranch) int {
	for i := range p.branches {
		if &p.branches[i] == b {
			return i
		}
	}
	return -1
}

// planSelect plans st, whose text is text, against t.
func planSelect(l *lowerer, t *Table, st *partiql.Select, text string) *selectPlan {
	p := &selectPlan{table: t, hash: t.Hash.Name, rng: t.Range.Name, where: st.Where, orderBy: len(st.OrderBy) > 0}
	fail := func(err error) *selectPlan { return &selectPlan{table: t, err: err} }
	if st.From.Index != nil {
		ix := t.index(st.From.Index.Name)
		if ix == nil {
			return fail(apierr.Validationf("The table does not have the specified index: %s", st.From.Index.Name))
		}
		p.hash, p.rng, p.index = ix.Hash.Name, ix.Range.Name, &ix.Name
	}
	if !st.Star {
		for _, it := range st.Items {
			path, ok, err := l.path(it)
			if err != nil {
				return fail(err)
			}
			if !ok {
				return fail(unsupportedExpr(it))
			}
			p.projection = append(p.projection, path)
		}
	}
	var err error
	if p.forward, err = orderForward(st, p.hash, p.rng); err != nil {
		return fail(err)
	}
	if p.branches, err = decompose(st.Where, p.hash, p.rng); err != nil {
		return fail(err)
	}
	for i := range p.branches {
		p.cacheKeys = append(p.cacheKeys, "partiql\x00"+strconv.Itoa(i)+"\x00"+text)
	}
	p.lowered = make([]atomic.Pointer[loweredRead], len(p.branches))
	if p.orderBy && p.branches == nil {
		return fail(apierr.Validation("Must have WHERE clause in the statement when using ORDER BY clause."))
	}
	if p.orderBy && len(p.branches) > 1 {
		i := slices.IndexFunc(st.OrderBy, func(o partiql.OrderItem) bool { return isName(o.Expr, p.hash) })
		if i < 0 {
			return fail(apierr.Validation("Must have hash key in ORDER BY clause when more than one hash key condition specified in WHERE clause."))
		}
		p.byHash, p.hashDesc = true, st.OrderBy[i].Desc
	}
	return p
}

// selectPlanFor returns the plan of sp's SELECT for t, planning it on the
// first call and whenever the table version changed.
func selectPlanFor(sp *stmtPlan, l *lowerer, t *Table) *selectPlan {
	if p := sp.sel.Load(); p != nil && p.table == t {
		return p
	}
	p := planSelect(l, t, sp.st.(*partiql.Select), sp.text)
	sp.sel.Store(p)
	return p
}

// partiqlSelect runs a SELECT: as one GetItem when its WHERE is exactly
// the full key, as one Query per read its WHERE decomposes into, or as a
// Scan with the WHERE as filter, as DynamoDB chooses.
func (db *DB) partiqlSelect(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, t *Table, sp *stmtPlan) (*api.ExecuteStatementOutput, error) {
	p := selectPlanFor(sp, l, t)
	if p.err != nil {
		return nil, p.err
	}
	if p.index != nil && api.Bool(in.ConsistentRead) {
		if ix := t.index(*p.index); ix != nil && ix.Global {
			return nil, apierr.Validation("Strongly consistent read is not supported on Global Secondary Indexes")
		}
	}
	// A statement's items come back decoded, but for a SELECT * by the
	// full key, which passes its item's stored bytes through to the wire
	// as GetItem does (partiqlGet).
	sink := api.RawItemsFrom(ctx)
	ctx = api.WithRawItems(ctx, nil)
	switch {
	case len(p.branches) == 1:
		b := &p.branches[0]
		if p.index == nil && !p.orderBy && in.NextToken == nil && b.rangeEq != nil && len(b.rest) == 0 {
			return db.partiqlGet(ctx, in, l, p, b, sink)
		}
		esk, err := startKey(in.NextToken)
		if err != nil {
			return nil, err
		}
		return db.partiqlQuery(ctx, in, l, p, b, esk, in.Limit)
	case len(p.branches) > 1:
		return db.partiqlMultiRead(ctx, in, l, p)
	}
	return db.partiqlScan(ctx, in, l, p)
}

// partiqlScan runs a SELECT that does not fix the partition key.
func (db *DB) partiqlScan(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, p *selectPlan) (*api.ExecuteStatementOutput, error) {
	esk, err := startKey(in.NextToken)
	if err != nil {
		return nil, err
	}
	trees := &expr.Trees{Projection: p.projection}
	if p.where != nil {
		if trees.Filter, err = l.cond(p.where); err != nil {
			return nil, err
		}
	}
	if err := db.partiqlAuthorizeRead(ctx, p.table, p.index, true); err != nil {
		return nil, err
	}
	out, err := db.scan(withTrees(ctx, trees), &api.ScanInput{TableName: &p.table.Name, IndexName: p.index,
		ConsistentRead: in.ConsistentRead, Limit: in.Limit, ExclusiveStartKey: esk,
		ReturnConsumedCapacity: in.ReturnConsumedCapacity})
	if err != nil {
		return nil, err
	}
	return pageOutput(out.Items, out.LastEvaluatedKey, out.ConsumedCapacity)
}

// partiqlQuery runs one read of a SELECT as a Query.
func (db *DB) partiqlQuery(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, p *selectPlan, b *readBranch,
	esk attr.Item, limit *int64) (*api.ExecuteStatementOutput, error) {
	trees, vals, err := l.branchTrees(p, b)
	if err != nil {
		return nil, err
	}
	if err := db.partiqlAuthorizeRead(ctx, p.table, p.index, false); err != nil {
		return nil, err
	}
	out, err := db.query(withTrees(ctx, trees), &api.QueryInput{TableName: &p.table.Name, IndexName: p.index,
		ExpressionAttributeValues: vals,
		ConsistentRead:            in.ConsistentRead, Limit: limit, ExclusiveStartKey: esk,
		ScanIndexForward: p.forward, ReturnConsumedCapacity: in.ReturnConsumedCapacity})
	if err != nil {
		return nil, err
	}
	return pageOutput(out.Items, out.LastEvaluatedKey, out.ConsumedCapacity)
}

// loweredRead is one read's trees with its constants as placeholders
// (:0, :1, ...), and the constant expression of each: the trees have the
// same shape on every call, so a plan keeps them and each call only
// evaluates the constants, and under the read's cache key expr.Cache
// keeps their compiled plan.
type loweredRead struct {
	trees *expr.Trees
	holes []partiql.Expr
}

// branchTrees returns one read's key condition, filter and projection
// trees and the values of their placeholders, lowering the read on its
// plan's first call (b one of p.branches) or on every call (any other b).
func (l *lowerer) branchTrees(p *selectPlan, b *readBranch) (*expr.Trees, attr.Item, error) {
	i := p.branchIndex(b)
	if i >= 0 {
		if lr := p.lowered[i].Load(); lr != nil {
			vals := make(attr.Item, len(lr.holes))
			for j, e := range lr.holes {
				v, err := l.constant(e)
				if err != nil {
					return nil, nil, err
				}
				vals[holeName(j)] = v
			}
			return lr.trees, vals, nil
		}
	}
	l.holes, l.holeExprs = make(attr.Item, 4), nil
	defer func() { l.holes, l.holeExprs = nil, nil }()
	hv, err := l.constant(b.hash)
	if err != nil {
		return nil, nil, err
	}
	// PartiQL's WHERE may filter on the key (pk = 'a' AND sk <> '1' runs,
	// captured), which a FilterExpression may not.
	trees := &expr.Trees{Projection: p.projection, FilterOnKey: true}
	trees.KeyCondition = expr.Compare(expr.EQ, expr.Attr(p.hash), l.literal(b.hash, hv))
	if b.rangeCond != nil {
		rc, err := l.cond(b.rangeCond)
		if err != nil {
			return nil, nil, err
		}
		trees.KeyCondition = expr.And{Left: trees.KeyCondition, Right: rc}
	}
	if len(b.rest) > 0 {
		rest := make([]expr.Cond, len(b.rest))
		for i, c := range b.rest {
			if rest[i], err = l.cond(c); err != nil {
				return nil, nil, err
			}
		}
		trees.Filter = expr.AllOf(rest...)
	}
	if i >= 0 {
		trees.CacheKey = p.cacheKeys[i]
		p.lowered[i].Store(&loweredRead{trees: trees, holes: l.holeExprs})
	}
	return trees, l.holes, nil
}

// constant binds a plan's constant expression.
func (l *lowerer) constant(e partiql.Expr) (attr.Value, error) {
	v, ok, err := l.value(e)
	if err == nil && !ok {
		err = unsupportedExpr(e)
	}
	return v, err
}

// branchKey binds a single-item read's key.
func (l *lowerer) branchKey(p *selectPlan, b *readBranch) (attr.Item, error) {
	hv, err := l.constant(b.hash)
	if err != nil {
		return nil, err
	}
	rv, err := l.constant(b.rangeEq)
	if err != nil {
		return nil, err
	}
	return attr.Item{p.hash: hv, p.rng: rv}, nil
}

// partiqlGet runs a SELECT whose WHERE is exactly the full key as a GetItem.
//
// With sink (the wire's api.RawItems) and no projection, the item is not
// decoded: its stored bytes go to sink.Items[0] and Items[0] is nil, the
// placeholder a Query page leaves (a decode and an encode of the item
// were most of what a SELECT by key cost over GetItem on the wire).
func (db *DB) partiqlGet(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, p *selectPlan, b *readBranch, sink *api.RawItems) (*api.ExecuteStatementOutput, error) {
	key, err := l.branchKey(p, b)
	if err != nil {
		return nil, err
	}
	if err := db.partiqlAuthorize(ctx, api.OpExecuteStatement, "dynamodb:PartiQLSelect", p.table, key); err != nil {
		return nil, err
	}
	if p.projection != nil {
		ctx, sink = withTrees(ctx, &expr.Trees{Projection: p.projection}), nil
	}
	get := &api.GetItemInput{TableName: &p.table.Name, Key: key,
		ConsistentRead: in.ConsistentRead, ReturnConsumedCapacity: in.ReturnConsumedCapacity}
	if sink != nil {
		out, err := db.getItem(api.WithRawItems(ctx, sink), get)
		if err != nil {
			return nil, err
		}
		items := []attr.Item{}
		if out.Item != nil {
			sink.Items, sink.Item = [][]byte{sink.Item}, nil
			items = []attr.Item{nil}
		}
		return &api.ExecuteStatementOutput{Items: items, ConsumedCapacity: out.ConsumedCapacity}, nil
	}
	out, err := db.getItem(ctx, get)
	if err != nil {
		return nil, err
	}
	return &api.ExecuteStatementOutput{Items: returnedItems(out.Item), ConsumedCapacity: out.ConsumedCapacity}, nil
}

// pageOutput is a Query's or Scan's page as a statement's answer.
func pageOutput(items []attr.Item, lek attr.Item, cc *api.ConsumedCapacity) (*api.ExecuteStatementOutput, error) {
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

// isSortKeyCond reports whether c is a condition a KeyConditionExpression
// takes on the sort key: a comparison other than <> with a constant,
// BETWEEN, or begins_with.
func isSortKeyCond(c partiql.Expr, rng string) bool {
	isKey := func(e partiql.Expr) bool { return isName(e, rng) }
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

// pageToken is the opaque NextToken of a SELECT that is one read: the
// LastEvaluatedKey.
func pageToken(lek attr.Item) (*string, error) {
	if lek == nil {
		return nil, nil
	}
	var buf [256]byte
	s := base64.RawURLEncoding.EncodeToString(attr.AppendItemJSON(buf[:0], lek))
	return &s, nil
}

// startKey decodes a NextToken of pageToken's.
func startKey(tok *string) (attr.Item, error) {
	if tok == nil {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*tok)
	var k attr.Item
	if err == nil {
		err = json.Unmarshal(b, &k)
	}
	if err != nil || attr.ValidateItem(k) != nil {
		return nil, errBadToken
	}
	return k, nil
}

var errBadToken = apierr.Validation("Invalid NextToken")
