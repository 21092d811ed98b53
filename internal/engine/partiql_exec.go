package engine

// ExecuteStatement: a PartiQL statement is parsed (plans cached by text in
// package partiql's parser is cheap; see docs/partiql.md), its table
// resolved and authorized (partiqlAuthorize), its expressions lowered to
// syntax trees (partiql_lower.go), and run as the native operation it
// means, so capacity, throttling, indexes, streams and limits are the
// native code path's.

import (
	"context"
	"errors"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/partiql"
)

// executeStatement runs one PartiQL statement.
func (db *DB) executeStatement(ctx context.Context, in *api.ExecuteStatementInput) (*api.ExecuteStatementOutput, error) {
	sp, err := db.statementPlan(in.Statement)
	if err != nil {
		return nil, err
	}
	return db.runStatement(ctx, in, sp)
}

// parseStatement parses a statement, answering a syntax error with
// DynamoDB's ValidationException.
func parseStatement(text *string) (partiql.Statement, error) {
	st, err := partiql.Parse(api.Str(text))
	if err != nil {
		var pe *partiql.Error
		if errors.As(err, &pe) {
			return nil, pe.APIError()
		}
		return nil, err
	}
	return st, nil
}

var errParamCount = apierr.Validation("Number of parameters in request and statement don't match.")

// checkParams checks a call's Parameters against its statement: their
// number, and each as an item attribute (attr.Validate).
func checkParams(sp *stmtPlan, params []attr.Value) error {
	if sp.nParams != len(params) {
		return errParamCount
	}
	for _, p := range params {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// runStatement runs a planned statement with in's parameters and options.
func (db *DB) runStatement(ctx context.Context, in *api.ExecuteStatementInput, sp *stmtPlan) (*api.ExecuteStatementOutput, error) {
	if err := checkParams(sp, in.Parameters); err != nil {
		return nil, err
	}
	l := &lowerer{params: in.Parameters}
	from := partiql.TableOf(sp.st)
	t, err := db.table(ctx, from.Name.Name)
	if err != nil {
		return nil, err
	}
	switch st := sp.st.(type) {
	case *partiql.Select:
		return db.partiqlSelect(ctx, in, l, t, sp)
	case *partiql.Insert:
		return db.partiqlInsert(ctx, in, l, t, st)
	case *partiql.Update:
		return db.partiqlUpdate(ctx, in, l, t, st)
	case *partiql.Delete:
		return db.partiqlDelete(ctx, in, l, t, st)
	}
	return nil, errExistsOutsideTransaction
}

// errExistsOutsideTransaction refuses EXISTS in ExecuteStatement and in a
// BatchExecuteStatement member (DynamoDB Local's message, which emulators
// that compared with DynamoDB give too).
var errExistsOutsideTransaction = apierr.Validation("EXISTS can only be used in ExecuteTransaction write requests.")

// conjuncts flattens a condition's top-level ANDs.
func conjuncts(e partiql.Expr, out []partiql.Expr) []partiql.Expr {
	if b, ok := e.(*partiql.Binary); ok && b.Op == partiql.OpAnd {
		return conjuncts(b.R, conjuncts(b.L, out))
	}
	if e != nil {
		out = append(out, e)
	}
	return out
}

// fullKey splits an UPDATE's or DELETE's WHERE into the item's key and the
// remaining condition (nil when there is none).
func (l *lowerer) fullKey(t *Table, where partiql.Expr) (attr.Item, expr.Cond, error) {
	key := attr.Item{}
	var rest []expr.Cond
	for _, c := range conjuncts(where, nil) {
		matched := false
		for _, k := range []string{t.Hash.Name, t.Range.Name} {
			if k == "" {
				continue
			}
			ve, ok := keyEq(c, k)
			if !ok {
				continue
			}
			if _, dup := key[k]; dup {
				return nil, nil, apierr.Validationf("Multiple conditions on same key %s. Only single item Update/Insert/Delete are supported", k)
			}
			v, err := l.constant(ve)
			if err != nil {
				return nil, nil, err
			}
			key[k], matched = v, true
			break
		}
		if matched {
			continue
		}
		lc, err := l.cond(c)
		if err != nil {
			return nil, nil, err
		}
		rest = append(rest, lc)
	}
	if _, ok := key[t.Hash.Name]; !ok {
		return nil, nil, errNoFullKey
	}
	if _, ok := key[t.Range.Name]; t.Range.Name != "" && !ok {
		return nil, nil, errNoFullKey
	}
	if len(rest) == 0 {
		return key, nil, nil
	}
	return key, expr.AllOf(rest...), nil
}

// msgDuplicateItem is DynamoDB's answer to an INSERT of an existing key.
const msgDuplicateItem = "Duplicate primary key exists in table"

// reasonDuplicateItem is that INSERT's cancellation reason code in
// ExecuteTransaction.
const reasonDuplicateItem = "DuplicateItem"

var errNoFullKey = apierr.Validation("Where clause does not contain a mandatory equality on all key attributes")

// partiqlInsert is a PutItem that must not overwrite.
func (db *DB) partiqlInsert(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, t *Table, st *partiql.Insert) (*api.ExecuteStatementOutput, error) {
	item, ok, err := l.item(st.Value)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apierr.Validation("Unsupported operation: INSERT value must be a tuple")
	}
	if err := db.partiqlAuthorize(ctx, api.OpExecuteStatement, "dynamodb:PartiQLInsert", t, item); err != nil {
		return nil, err
	}
	put := &api.PutItemInput{TableName: &t.Name, Item: item, ReturnConsumedCapacity: in.ReturnConsumedCapacity}
	out, err := db.putItem(withTrees(ctx, &expr.Trees{Condition: expr.AttributeNotExists(expr.Attr(t.Hash.Name))}), put)
	if errors.Is(err, apierr.ConditionalCheckFailedException) {
		return nil, apierr.New(apierr.DuplicateItemException, msgDuplicateItem)
	}
	if err != nil {
		return nil, err
	}
	return &api.ExecuteStatementOutput{Items: []attr.Item{}, ConsumedCapacity: out.ConsumedCapacity}, nil
}

// partiqlDelete is a DeleteItem by the full key in WHERE.
func (db *DB) partiqlDelete(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, t *Table, st *partiql.Delete) (*api.ExecuteStatementOutput, error) {
	if st.Returning != nil && st.Returning.Mode != partiql.ReturnAllOld {
		return nil, apierr.Validationf("Invalid returning clause: RETURNING %s *. Only RETURNING ALL OLD * is allowed in DELETE statements.", st.Returning.Mode)
	}
	key, cond, err := l.fullKey(t, st.Where)
	if err != nil {
		return nil, err
	}
	if err := db.partiqlAuthorize(ctx, api.OpExecuteStatement, "dynamodb:PartiQLDelete", t, key); err != nil {
		return nil, err
	}
	del := &api.DeleteItemInput{TableName: &t.Name, Key: key, ReturnConsumedCapacity: in.ReturnConsumedCapacity,
		ReturnValuesOnConditionCheckFailure: in.ReturnValuesOnConditionCheckFailure}
	if st.Returning != nil {
		del.ReturnValues = api.Ptr(rvAllOld)
	}
	out, err := db.deleteItem(withTrees(ctx, &expr.Trees{Condition: cond}), del)
	if err != nil {
		return nil, err
	}
	return &api.ExecuteStatementOutput{Items: returnedItems(out.Attributes), ConsumedCapacity: out.ConsumedCapacity}, nil
}

// returnedItems is RETURNING's answer: the item, or an empty list.
func returnedItems(item attr.Item) []attr.Item {
	if len(item) == 0 {
		return []attr.Item{}
	}
	return []attr.Item{item}
}

// partiqlUpdate is an UpdateItem of an existing item by the full key in
// WHERE: UPDATE never creates an item, so the condition includes the
// item's existence.
func (db *DB) partiqlUpdate(ctx context.Context, in *api.ExecuteStatementInput, l *lowerer, t *Table, st *partiql.Update) (*api.ExecuteStatementOutput, error) {
	key, cond, err := l.fullKey(t, st.Where)
	if err != nil {
		return nil, err
	}
	actions, err := l.actions(st.Actions)
	if err != nil {
		return nil, err
	}
	if err := db.partiqlAuthorize(ctx, api.OpExecuteStatement, "dynamodb:PartiQLUpdate", t, key); err != nil {
		return nil, err
	}
	exists := expr.AttributeExists(expr.Attr(t.Hash.Name))
	if cond == nil {
		cond = exists
	} else {
		cond = expr.And{Left: exists, Right: cond}
	}
	up := &api.UpdateItemInput{TableName: &t.Name, Key: key, ReturnConsumedCapacity: in.ReturnConsumedCapacity,
		ReturnValuesOnConditionCheckFailure: in.ReturnValuesOnConditionCheckFailure}
	if st.Returning != nil {
		up.ReturnValues = api.Ptr(st.Returning.Mode.ReturnValues())
	}
	out, err := db.updateItem(withTrees(ctx, &expr.Trees{Condition: cond, Update: actions}), up)
	if err != nil {
		return nil, err
	}
	return &api.ExecuteStatementOutput{Items: returnedItems(out.Attributes), ConsumedCapacity: out.ConsumedCapacity}, nil
}

// actions lowers SET and REMOVE actions.
func (l *lowerer) actions(as []partiql.Action) ([]expr.Action, error) {
	out := make([]expr.Action, 0, len(as))
	for _, a := range as {
		p, ok, err := l.path(a.Path)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, unsupportedExpr(a.Path)
		}
		if a.Kind == partiql.ActionRemove {
			out = append(out, expr.Remove(p))
			continue
		}
		if c, isCall := a.Value.(*partiql.Call); isCall && (c.Name == "set_add" || c.Name == "set_delete") {
			act, err := l.setAction(p, c)
			if err != nil {
				return nil, err
			}
			out = append(out, act)
			continue
		}
		v, err := l.setValue(a.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, expr.Set(p, v))
	}
	return out, nil
}

// setAction lowers SET p = set_add(p, <<...>>) to ADD and set_delete to
// DELETE, with PartiQL's own checks.
func (l *lowerer) setAction(p expr.Path, c *partiql.Call) (expr.Action, error) {
	upper := map[string]string{"set_add": "SET_ADD", "set_delete": "SET_DELETE"}[c.Name]
	if len(c.Args) != 2 {
		return expr.Action{}, apierr.Validationf("%s must have exactly two arguments", upper)
	}
	first, ok, err := l.path(c.Args[0])
	if err != nil {
		return expr.Action{}, err
	}
	if !ok || !samePath(first, p) {
		return expr.Action{}, apierr.Validationf("The first argument to %s must equal the assignment value", upper)
	}
	v, ok, err := l.value(c.Args[1])
	if err != nil {
		return expr.Action{}, err
	}
	if !ok || (v.Type != attr.TypeSS && v.Type != attr.TypeNS && v.Type != attr.TypeBS) {
		return expr.Action{}, apierr.Validationf("The second argument to %s must be a value with type SET", upper)
	}
	if c.Name == "set_add" {
		return expr.Add(p, v), nil
	}
	return expr.Delete(p, v), nil
}

func samePath(a, b expr.Path) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// setValue lowers a SET value: a constant, a path, a + b, a - b,
// list_append and if_not_exists.
func (l *lowerer) setValue(e partiql.Expr) (expr.Operand, error) {
	switch e := e.(type) {
	case *partiql.Binary:
		if e.Op != partiql.OpAdd && e.Op != partiql.OpSub {
			return nil, unsupportedExpr(e)
		}
		a, err := l.setValue(e.L)
		if err != nil {
			return nil, err
		}
		b, err := l.setValue(e.R)
		if err != nil {
			return nil, err
		}
		if e.Op == partiql.OpAdd {
			return expr.Plus(a, b), nil
		}
		return expr.Minus(a, b), nil
	case *partiql.Call:
		if e.Name != "list_append" && e.Name != "if_not_exists" {
			return nil, unsupportedExpr(e)
		}
		args := make([]expr.Operand, len(e.Args))
		for i, x := range e.Args {
			o, err := l.setValue(x)
			if err != nil {
				return nil, err
			}
			args[i] = o
		}
		return expr.Call{Func: e.Name, Args: args}, nil
	case *partiql.Is:
		return nil, apierr.Validation("IS operator is not supported in update expressions")
	}
	return l.operand(e)
}
