package engine

// Store errors: what a client is answered when the store itself fails a
// request. A store's error that is not a DynamoDB error becomes an
// InternalServerError in the wire layer (HTTP 500, which every SDK
// retries). A distributed store also fails in ways DynamoDB answers
// otherwise: a store that keeps asking its client to slow down, or a
// write that kept losing to concurrent transactions. Options.StoreError
// (set by the server for TiKV) names those, and storeError turns them
// into what the operation answers with.

import (
	"errors"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// DynamoDB's messages for the errors Options.StoreError may return.
const (
	// MsgStoreThrottled is the message of a ThrottlingException for a
	// store that asked to slow down.
	MsgStoreThrottled = "Rate of requests exceeds the allowed throughput."

	// MsgStoreConflict is the message of a TransactionConflictException,
	// and of a TransactionConflict cancellation reason.
	MsgStoreConflict = "Transaction is ongoing for the item"
)

// storeError is the answer to err, the error operation op's store call
// returned, given the number of items of a transaction (0 for any other
// operation). DynamoDB errors pass unchanged; others go through
// Options.StoreError, whose ThrottlingException every operation answers
// with, and whose TransactionConflictException:
//
//   - a transaction answers as TransactionCanceledException with every
//     item's reason TransactionConflict (the store does not say which item
//     lost, and each was in the same commit);
//   - a single-item write (PutItem, UpdateItem, DeleteItem,
//     BatchWriteItem, PartiQL) answers as it is, as DynamoDB answers a
//     write to an item a transaction is changing;
//   - a read or a control-plane operation answers as InternalServerError,
//     since DynamoDB has no conflict error for it.
//
// Both are errors every SDK retries.
func (db *DB) storeError(op api.OpID, transactItems int, err error) error {
	if err == nil || db.opts.StoreError == nil || apierr.As(err) != nil {
		return err
	}
	mapped := db.opts.StoreError(err)
	switch {
	case mapped == nil:
		return err
	case errors.Is(mapped, apierr.TransactionConflictException) && transactItems > 0:
		reasons := make([]api.CancellationReason, transactItems)
		for i := range reasons {
			reasons[i] = api.CancellationReason{Code: api.Ptr(reasonTransactionConflict), Message: api.Ptr(MsgStoreConflict)}
		}
		return &storeFailure{api: transactionCanceled(reasons).(*apierr.Error), cause: err}
	case errors.Is(mapped, apierr.TransactionConflictException):
		if k := op.Operation().Capacity; k != api.CapacityWrite && k != api.CapacityStatement {
			return err
		}
	}
	e := apierr.As(mapped)
	if e == nil {
		return err
	}
	return &storeFailure{api: e, cause: err}
}

// storeFailure is a store's error answered as a DynamoDB error: apierr.As
// finds the answer, errors.Is and the logs the store's own error.
type storeFailure struct {
	api   *apierr.Error
	cause error
}

func (f *storeFailure) Error() string   { return f.api.Error() + " (" + f.cause.Error() + ")" }
func (f *storeFailure) Unwrap() []error { return []error{f.api, f.cause} }

// writeTransactionSize is the number of items of a write transaction
// request (TransactWriteItems, ExecuteTransaction), and 0 for any other.
func writeTransactionSize(in any) int {
	switch in := in.(type) {
	case *api.TransactWriteItemsInput:
		return len(in.TransactItems)
	case *api.ExecuteTransactionInput:
		return len(in.TransactStatements)
	}
	return 0
}
