//go:build tikv

package server

import (
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/tikv"
)

// storeErrors returns the engine's Options.StoreError for a store on
// TiKV, and nil for any other.
func storeErrors(store kv.Store) func(error) error {
	if _, ok := store.(*tikv.Store); !ok {
		return nil
	}
	return tikvStoreError
}

// tikvStoreError names the DynamoDB error a TiKV error that outlasted
// client-go's retries means (tikv.Classify):
//
//   - TiKV busy: ThrottlingException, which the SDKs retry with their
//     throttling backoff (longer than for a fault);
//   - a write that kept losing to concurrent transactions:
//     TransactionConflictException (the engine answers a transaction with
//     TransactionCanceledException and TransactionConflict reasons, a
//     read with InternalServerError);
//   - anything else, a region unavailable (a TiKV node lost, a Raft
//     election), a timeout, a commit whose outcome is unknown: nil, which
//     leaves it an InternalServerError (HTTP 500, retried by every SDK). A
//     commit of unknown outcome must not be answered otherwise: the write
//     may have happened, as with a DynamoDB 500.
func tikvStoreError(err error) error {
	switch tikv.Classify(err) {
	case tikv.ClassBusy:
		return apierr.New(apierr.ThrottlingException, engine.MsgStoreThrottled)
	case tikv.ClassConflict:
		return apierr.New(apierr.TransactionConflictException, engine.MsgStoreConflict)
	}
	return nil
}
