package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/partiql"
)

// executeTransaction runs up to 100 statements all-or-nothing: all
// SELECTs by full key become one TransactGetItems, all writes (INSERT,
// UPDATE, DELETE, EXISTS as a ConditionCheck) one TransactWriteItems, so
// isolation, cancellation reasons, capacity and ClientRequestToken are
// those operations' own. Each action's expression trees ride on the
// context keyed by the action (withActionTrees). A member that does not
// plan fails the request: "Validation failed in TransactStatements[i]: ...".
func (db *DB) executeTransaction(ctx context.Context, in *api.ExecuteTransactionInput) (*api.ExecuteTransactionOutput, error) {
	trees := map[any]*expr.Trees{}
	// inserts are the Puts that are INSERTs: a failed condition there is
	// the key existing, which DynamoDB reports as DuplicateItem.
	inserts := map[*api.Put]bool{}
	var writes []api.TransactWriteItem
	var gets []api.TransactGetItem
	for i, m := range in.TransactStatements {
		err := db.planTransactStatement(ctx, m, trees, inserts, &writes, &gets)
		if err != nil {
			var ae *apierr.Error
			if errors.As(err, &ae) && ae.Code == apierr.ValidationException {
				return nil, apierr.Validation(fmt.Sprintf("Validation failed in TransactStatements[%d]: %s", i, ae.Message))
			}
			return nil, err
		}
	}
	if len(writes) > 0 && len(gets) > 0 {
		// DynamoDB Local's message (ExecuteTransactionFunction), which
		// emulators checked against DynamoDB give too.
		return nil, apierr.Validation("ExecuteTransaction API does not support both read and write operations in the same request.")
	}
	ctx = withActionTrees(ctx, trees)
	if len(gets) > 0 {
		out, err := db.transactGetItems(api.WithRawItems(ctx, nil), &api.TransactGetItemsInput{TransactItems: gets, ReturnConsumedCapacity: in.ReturnConsumedCapacity})
		if err != nil {
			return nil, err
		}
		return &api.ExecuteTransactionOutput{Responses: out.Responses, ConsumedCapacity: out.ConsumedCapacity}, nil
	}
	if in.ClientRequestToken != nil {
		ctx = withTokenPayload(ctx, in.TransactStatements)
	}
	out, err := db.transactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: writes,
		ClientRequestToken: in.ClientRequestToken, ReturnConsumedCapacity: in.ReturnConsumedCapacity})
	if err != nil {
		return nil, duplicateItemReasons(err, writes, inserts)
	}
	return &api.ExecuteTransactionOutput{Responses: []api.ItemResponse{}, ConsumedCapacity: out.ConsumedCapacity}, nil
}

// planTransactStatement turns one statement into its transaction action.
func (db *DB) planTransactStatement(ctx context.Context, m api.ParameterizedStatement, trees map[any]*expr.Trees,
	inserts map[*api.Put]bool, writes *[]api.TransactWriteItem, gets *[]api.TransactGetItem) error {
	sp, err := db.statementPlan(m.Statement)
	if err != nil {
		return err
	}
	if err := checkParams(sp, m.Parameters); err != nil {
		return err
	}
	st := sp.st
	l := &lowerer{params: m.Parameters}
	t, err := db.table(ctx, partiql.TableOf(st).Name.Name)
	if err != nil {
		return err
	}
	name := api.Ptr(t.Name)
	rv := m.ReturnValuesOnConditionCheckFailure
	exists := expr.AttributeExists(expr.Attr(t.Hash.Name))
	withExists := func(c expr.Cond) expr.Cond {
		if c == nil {
			return exists
		}
		return expr.And{Left: exists, Right: c}
	}
	switch st := st.(type) {
	case *partiql.Select:
		if st.From.Index != nil {
			return apierr.Validation("Reads on indices are not supported within transactions.")
		}
		key, rest, err := l.fullKey(t, st.Where)
		if errors.Is(err, errNoFullKey) || (err == nil && rest != nil) {
			return apierr.Validation("Select statements within ExecuteTransaction must specify the primary key in the where clause.")
		}
		if err != nil {
			return err
		}
		tr := &expr.Trees{}
		for _, it := range st.Items {
			p, ok, err := l.path(it)
			if err != nil {
				return err
			}
			if !ok {
				return unsupportedExpr(it)
			}
			tr.Projection = append(tr.Projection, p)
		}
		if err := db.partiqlAuthorize(ctx, api.OpExecuteTransaction, "dynamodb:PartiQLSelect", t, key); err != nil {
			return err
		}
		g := &api.Get{TableName: name, Key: key}
		trees[g] = tr
		*gets = append(*gets, api.TransactGetItem{Get: g})
	case *partiql.Insert:
		item, ok, err := l.item(st.Value)
		if err != nil {
			return err
		}
		if !ok {
			return apierr.Validation("Unsupported operation: INSERT value must be a tuple")
		}
		if err := db.partiqlAuthorize(ctx, api.OpExecuteTransaction, "dynamodb:PartiQLInsert", t, item); err != nil {
			return err
		}
		p := &api.Put{TableName: name, Item: item, ReturnValuesOnConditionCheckFailure: rv}
		trees[p] = &expr.Trees{Condition: expr.AttributeNotExists(expr.Attr(t.Hash.Name))}
		inserts[p] = true
		*writes = append(*writes, api.TransactWriteItem{Put: p})
	case *partiql.Update:
		key, cond, err := l.fullKey(t, st.Where)
		if err != nil {
			return err
		}
		actions, err := l.actions(st.Actions)
		if err != nil {
			return err
		}
		if err := db.partiqlAuthorize(ctx, api.OpExecuteTransaction, "dynamodb:PartiQLUpdate", t, key); err != nil {
			return err
		}
		u := &api.Update{TableName: name, Key: key, ReturnValuesOnConditionCheckFailure: rv}
		trees[u] = &expr.Trees{Condition: withExists(cond), Update: actions}
		*writes = append(*writes, api.TransactWriteItem{Update: u})
	case *partiql.Delete:
		key, cond, err := l.fullKey(t, st.Where)
		if err != nil {
			return err
		}
		if err := db.partiqlAuthorize(ctx, api.OpExecuteTransaction, "dynamodb:PartiQLDelete", t, key); err != nil {
			return err
		}
		d := &api.Delete{TableName: name, Key: key, ReturnValuesOnConditionCheckFailure: rv}
		trees[d] = &expr.Trees{Condition: cond}
		*writes = append(*writes, api.TransactWriteItem{Delete: d})
	case *partiql.Exists:
		key, cond, err := l.fullKey(t, st.Select.Where)
		if err != nil {
			return err
		}
		if err := db.partiqlAuthorize(ctx, api.OpExecuteTransaction, "dynamodb:PartiQLSelect", t, key); err != nil {
			return err
		}
		c := &api.ConditionCheck{TableName: name, Key: key, ReturnValuesOnConditionCheckFailure: rv}
		trees[c] = &expr.Trees{Condition: withExists(cond)}
		*writes = append(*writes, api.TransactWriteItem{ConditionCheck: c})
	}
	return nil
}

// duplicateItemReasons rewrites a cancelled transaction's reasons: an
// INSERT whose condition failed found its key taken, which is the reason
// DuplicateItem, as ExecuteStatement answers DuplicateItemException.
func duplicateItemReasons(err error, writes []api.TransactWriteItem, inserts map[*api.Put]bool) error {
	ae := apierr.As(err)
	if ae == nil || ae.Code != apierr.TransactionCanceledException {
		return err
	}
	reasons, ok := ae.CancellationReasons.([]api.CancellationReason)
	if !ok || len(reasons) != len(writes) {
		return err
	}
	changed := false
	for i, w := range writes {
		if w.Put != nil && inserts[w.Put] && api.Str(reasons[i].Code) == reasonConditionFailed {
			reasons[i] = api.CancellationReason{Code: api.Ptr(reasonDuplicateItem), Message: api.Ptr(msgDuplicateItem), Item: reasons[i].Item}
			changed = true
		}
	}
	if !changed {
		return err
	}
	return transactionCanceled(reasons)
}
