package tikv

import (
	"context"
	"errors"
	"fmt"

	tikverr "github.com/tikv/client-go/v2/error"
	pderrs "github.com/tikv/pd/client/errs"
)

// Class is what an error returned by a Store means to a caller choosing
// what to answer its own client with. client-go retries every error a
// retry may cure (a region that moved or split, a leader that changed, a
// store that is busy or unreachable, a lock another transaction holds) within a
// backoff budget of its own; an error that reaches the caller is one that
// outlasted it.
type Class int

const (
	// ClassOther is any other error: a fault of the cluster or of this
	// process, or an outcome client-go could not determine (a commit
	// whose primary key's answer was lost, ErrResultUndetermined: it may
	// or may not have committed).
	ClassOther Class = iota

	// ClassBusy means TiKV kept asking the client to slow down (ServerIsBusy,
	// a full scheduler or a store's token limit) past client-go's backoff:
	// sending the request again later is the remedy.
	ClassBusy

	// ClassUnavailable means the data could not be reached in time: a
	// region with no leader (a TiKV node lost, Raft electing), a TiKV or
	// PD request timing out (a timestamp included: a PD leader change or
	// a PD partition stalls the TSO), a region not ready. Nothing was changed
	// (for a write, the transaction was not committed: a commit whose
	// outcome is unknown is ClassOther).
	ClassUnavailable

	// ClassConflict means another transaction kept winning: a write
	// conflict or a deadlock on every one of Update's attempts, a lock
	// wait or a lock resolution that timed out. Nothing was changed.
	ClassConflict
)

// String names the class, for logs and tests.
func (c Class) String() string {
	switch c {
	case ClassBusy:
		return "busy"
	case ClassUnavailable:
		return "unavailable"
	case ClassConflict:
		return "conflict"
	}
	return "other"
}

// Classify returns the Class of an error a Store returned. Errors of the
// contract (kv.ErrNotFound, kv.ErrClosed...), the caller's own errors
// returned through Update, and context errors are ClassOther.
func Classify(err error) Class {
	var (
		deadlock *tikverr.ErrDeadlock
		latch    *tikverr.ErrWriteConflictInLatch
		tokens   *tikverr.ErrTokenLimit
		pd       *tikverr.ErrPDServerTimeout
	)
	switch {
	case err == nil, tikverr.IsErrorUndetermined(err):
		return ClassOther
	case errors.Is(err, tikverr.ErrTiKVServerBusy), errors.As(err, &tokens):
		return ClassBusy
	case tikverr.IsErrWriteConflict(err), errors.As(err, &deadlock), errors.As(err, &latch),
		errors.Is(err, tikverr.ErrLockWaitTimeout), errors.Is(err, tikverr.ErrResolveLockTimeout),
		errors.Is(err, tikverr.ErrLockAcquireFailAndNoWaitSet):
		return ClassConflict
	case errors.Is(err, tikverr.ErrRegionUnavailable), errors.Is(err, tikverr.ErrTiKVServerTimeout),
		errors.As(err, &pd), errors.Is(err, pderrs.ErrClientGetTSO), errors.Is(err, pderrs.ErrClientTSOStreamClosed),
		errors.Is(err, tikverr.ErrRegionDataNotReady),
		errors.Is(err, tikverr.ErrRegionNotInitialized), errors.Is(err, tikverr.ErrRegionRecoveryInProgress),
		errors.Is(err, tikverr.ErrTiKVStaleCommand), errors.Is(err, tikverr.ErrTiKVMaxTimestampNotSynced):
		return ClassUnavailable
	}
	return ClassOther
}

// timedOut marks err, an error of a request made under ctx, as a TiKV
// timeout when it is a deadline that passed while ctx had not ended:
// client-go's batch client answers a request TiKV did not answer in time
// with context.DeadlineExceeded, and returns it once its retries are
// spent, which would otherwise read as the caller's own deadline.
func timedOut(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("%w: %w", tikverr.ErrTiKVServerTimeout, err)
	}
	return err
}
