package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// Cancellation reason codes DynamoDB puts in CancellationReasons.
const (
	reasonNone            = "None"
	reasonConditionFailed = "ConditionalCheckFailed"
	reasonValidation      = "ValidationError"
	msgNestingReason      = "Nesting Levels have exceeded supported limits"
)

// transactWriteItems applies up to 100 Put, Update, Delete and
// ConditionCheck actions, on distinct items of one or more tables, all or
// none.
//
// Every action is validated first (a ValidationException or
// ResourceNotFoundException changes nothing). Then ONE kv.Update locks
// every item key, in sorted order, so transactions and single-item writes
// never deadlock and are serializable: it reads every old item, evaluates
// every condition and computes every new item, and either writes them all
// through writeItem in one atomic, synced commit, or writes nothing and
// answers TransactionCanceledException with one reason per action, in
// request order.
//
// A ClientRequestToken makes the request idempotent for ten minutes (see
// idempotency.go): the token's record is committed with the writes, under
// the same lock, so a retry either sees it or finds nothing applied.
func (db *DB) transactWriteItems(ctx context.Context, in *api.TransactWriteItemsInput) (*api.TransactWriteItemsOutput, error) {
	writes, err := db.prepareTransactWrite(ctx, in)
	if err != nil {
		return nil, err
	}
	tables := make([]*Table, len(writes))
	for i, w := range writes {
		tables[i] = w.t
	}
	if err := db.admitTransaction(ctx, tables, true); err != nil {
		return nil, err
	}
	lockKeys := make([][]byte, 0, len(writes)+1)
	for _, w := range writes {
		lockKeys = append(lockKeys, w.key)
		if ck := db.collectionLock(w.t, w.keyAttrs); ck != nil && w.writes() {
			lockKeys = append(lockKeys, ck)
		}
	}
	var tok *requestToken
	if in.ClientRequestToken != nil {
		if tok, err = newRequestToken(ctx, in); err != nil {
			return nil, err
		}
		lockKeys = append(lockKeys, tok.key)
	}

	var tally transactTally
	var icm map[string][]api.ItemCollectionMetrics
	err = db.updateItems(ctx, lockKeys, func(txn kv.Txn) error {
		tally = transactTally{} // fn may run again (kv.Store.Update)
		icm = nil
		if err := db.syncWrite(ctx, txn, tables...); err != nil {
			return err
		}
		if tok != nil {
			replay, err := db.checkRequestToken(ctx, txn, tok)
			if err != nil {
				return err
			}
			if replay {
				return db.tallyReplay(ctx, txn, writes, &tally)
			}
		}
		olds, news, err := db.evalTransactWrite(ctx, txn, writes)
		if err != nil {
			return err
		}
		for i, w := range writes {
			tally.addWrite(w, olds[i], news[i])
			if !w.writes() {
				continue
			}
			gsi, lsi := db.indexWriteUnits(w.t, olds[i], news[i])
			tally.addIndexWrites(w.t.Name, gsi, lsi)
			m, err := db.writeItemMetrics(ctx, txn, w.t, w.key, w.keyAttrs, &oldImage{item: olds[i]}, news[i], fromTransaction, wantCollectionMetrics(in.ReturnItemCollectionMetrics))
			if err != nil {
				return transactCollectionError(err, i, len(writes))
			}
			icm = addCollectionMetrics(icm, w.tableName, m)
		}
		if tok != nil {
			return db.saveRequestToken(txn, tok)
		}
		return nil
	})
	if err != nil {
		err = db.storeError(api.OpTransactWriteItems, len(writes), err)
		db.countConflicts(err, tables)
		return nil, err
	}
	if tok != nil {
		db.sweepRequestTokens(ctx)
	}
	return &api.TransactWriteItemsOutput{
		ConsumedCapacity: db.settleAll(ctx, tally.list(db.capacityAsked()), true, in.ReturnConsumedCapacity),

		ItemCollectionMetrics: icm,
	}, nil
}

// evalTransactWrite reads the old item of every action under the
// transaction's locks, evaluates its condition and computes its new item.
// When any action fails, it returns the TransactionCanceledException
// listing every action's reason; otherwise the old and new items, by
// action.
func (db *DB) evalTransactWrite(ctx context.Context, txn kv.Txn, writes []*itemWrite) (olds, news []attr.Item, err error) {
	olds = make([]attr.Item, len(writes))
	news = make([]attr.Item, len(writes))
	reasons := make([]api.CancellationReason, len(writes))
	cancelled := false
	for i, w := range writes {
		reasons[i] = api.CancellationReason{Code: api.Ptr(reasonNone)}
		old, err := readItem(ctx, txn, w.key)
		if err != nil {
			return nil, nil, err
		}
		olds[i] = old
		if err := w.check(old); err != nil {
			if reasons[i], err = cancellationReason(err); err != nil {
				return nil, nil, err
			}
			cancelled = true
			continue
		}
		new, err := w.result(old)
		if err == nil && w.kind == writeUpdate {
			// What an update leaves in an index key is only known now.
			err = checkUpdatedIndexKeys(db.liveIndexes(w.t), new)
		}
		if err != nil {
			if reasons[i], err = cancellationReason(err); err != nil {
				return nil, nil, err
			}
			cancelled = true
			continue
		}
		news[i] = new
	}
	if cancelled {
		return nil, nil, transactionCanceled(reasons)
	}
	return olds, news, nil
}

// cancellationReason turns an action's failure into its cancellation
// reason: a failed condition is ConditionalCheckFailed (with the old item
// when the action asked for it), any other DynamoDB error a
// ValidationError. Anything else (a storage fault) is returned as err.
func cancellationReason(failure error) (api.CancellationReason, error) {
	e := apierr.As(failure)
	if e == nil {
		return api.CancellationReason{}, failure
	}
	if errors.Is(e, apierr.ConditionalCheckFailedException) {
		r := api.CancellationReason{Code: api.Ptr(reasonConditionFailed), Message: api.Ptr(e.Message)}
		if it, ok := e.Item.(attr.Item); ok && it != nil {
			r.Item = it
		}
		return r, nil
	}
	msg := e.Message
	if msg == attr.MsgNestingTooDeep {
		// The reason carries the sentence's first half only (captured
		// against DynamoDB, 2026-10).
		msg = msgNestingReason
	}
	return api.CancellationReason{Code: api.Ptr(reasonValidation), Message: api.Ptr(msg)}, nil
}

// transactionCanceled builds DynamoDB's TransactionCanceledException: the
// message lists the reason codes in request order, as in "Transaction
// cancelled, please refer cancellation reasons for specific reasons
// [ConditionalCheckFailed, None]".
func transactionCanceled(reasons []api.CancellationReason) error {
	codes := make([]string, len(reasons))
	for i, r := range reasons {
		codes[i] = api.Str(r.Code)
	}
	e := apierr.New(apierr.TransactionCanceledException,
		msgTransactCancelled+" ["+strings.Join(codes, ", ")+"]")
	e.CancellationReasons = reasons
	return e
}
