//go:build tikv

package server

import (
	"errors"
	"fmt"
	"testing"

	"github.com/pingcap/kvproto/pkg/kvrpcpb"
	tikverr "github.com/tikv/client-go/v2/error"

	"github.com/dynago/dynago/internal/apierr"
)

// TestTiKVStoreError maps client-go's errors, wrapped as kv/tikv returns
// them, to the DynamoDB errors the engine answers with.
func TestTiKVStoreError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want apierr.Code // "" means none: an InternalServerError
	}{
		{tikverr.ErrTiKVServerBusy, apierr.ThrottlingException},
		{&tikverr.ErrDeadlock{Deadlock: &kvrpcpb.Deadlock{}}, apierr.TransactionConflictException},
		{tikverr.NewErrWriteConflictWithArgs(1, 2, 3, []byte("k"), kvrpcpb.WriteConflict_Optimistic), apierr.TransactionConflictException},
		{tikverr.ErrLockWaitTimeout, apierr.TransactionConflictException},
		{tikverr.ErrRegionUnavailable, ""},
		{tikverr.ErrTiKVServerTimeout, ""},
		{tikverr.ErrResultUndetermined, ""},
		{errors.New("anything else"), ""},
	} {
		got := tikvStoreError(fmt.Errorf("kv/tikv: commit: %w", tc.err))
		switch e := apierr.As(got); {
		case tc.want == "" && got != nil:
			t.Errorf("%v: %v, want none", tc.err, got)
		case tc.want != "" && (e == nil || e.Code != tc.want):
			t.Errorf("%v: %v, want %s", tc.err, got, tc.want)
		}
	}
}
