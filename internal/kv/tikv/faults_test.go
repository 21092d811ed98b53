package tikv

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pingcap/failpoint"
	"github.com/pingcap/kvproto/pkg/errorpb"
	"github.com/pingcap/kvproto/pkg/kvrpcpb"
	pkgerrors "github.com/pkg/errors"
	tikverr "github.com/tikv/client-go/v2/error"
	"github.com/tikv/client-go/v2/tikv"
	"github.com/tikv/client-go/v2/tikvrpc"
	"github.com/tikv/client-go/v2/util/async"

	"github.com/dynago/dynago/internal/kv"
)

// fault is what faultClient answers the requests it fails with.
type fault int

const (
	noFault     fault = iota
	busy              // ServerIsBusy on every request
	noRegion          // RegionNotFound on every request (a region with no leader)
	conflict          // a write conflict on every prewrite
	deadlockAll       // a deadlock on every pessimistic lock
)

// faultClient answers requests with an injected error while its fault is
// set, and passes them on otherwise: the errors come back through
// client-go's own retries and backoff, as from a failing cluster.
type faultClient struct {
	tikv.Client
	fault *atomic.Int64
}

func (fc *faultClient) inject(req *tikvrpc.Request) (*tikvrpc.Response, bool) {
	switch fault(fc.fault.Load()) {
	case busy:
		resp, err := tikvrpc.GenRegionErrorResp(req, &errorpb.Error{ServerIsBusy: &errorpb.ServerIsBusy{Reason: "injected"}})
		return resp, err == nil
	case noRegion:
		resp, err := tikvrpc.GenRegionErrorResp(req, &errorpb.Error{RegionNotFound: &errorpb.RegionNotFound{RegionId: req.RegionId}})
		return resp, err == nil
	case conflict:
		if p, ok := req.Req.(*kvrpcpb.PrewriteRequest); ok {
			k := p.Mutations[0].Key
			return &tikvrpc.Response{Resp: &kvrpcpb.PrewriteResponse{Errors: []*kvrpcpb.KeyError{{Conflict: &kvrpcpb.WriteConflict{
				StartTs: p.StartVersion, ConflictTs: p.StartVersion + 1, ConflictCommitTs: p.StartVersion + 2, Key: k, Primary: p.PrimaryLock,
			}}}}}, true
		}
	case deadlockAll:
		if p, ok := req.Req.(*kvrpcpb.PessimisticLockRequest); ok {
			return &tikvrpc.Response{Resp: &kvrpcpb.PessimisticLockResponse{Errors: []*kvrpcpb.KeyError{{Deadlock: &kvrpcpb.Deadlock{
				LockTs: p.StartVersion + 1, LockKey: p.Mutations[0].Key, DeadlockKeyHash: 1,
			}}}}}, true
		}
	}
	return nil, false
}

func (fc *faultClient) SendRequest(ctx context.Context, addr string, req *tikvrpc.Request, timeout time.Duration) (*tikvrpc.Response, error) {
	if resp, ok := fc.inject(req); ok {
		return resp, nil
	}
	return fc.Client.SendRequest(ctx, addr, req, timeout)
}

func (fc *faultClient) SendRequestAsync(ctx context.Context, addr string, req *tikvrpc.Request, cb async.Callback[*tikvrpc.Response]) {
	if resp, ok := fc.inject(req); ok {
		cb.Invoke(resp, nil)
		return
	}
	fc.Client.SendRequestAsync(ctx, addr, req, cb)
}

// TestClassify makes a mock cluster fail in each way client-go gives up
// on, and checks the class of the error a Store call returns. client-go's
// backoff sleeps are skipped (its fastBackoffBySkipSleep failpoint), so its
// budgets run out at once; the test is not parallel, so the process-wide
// failpoint reaches no other test.
func TestClassify(t *testing.T) {
	if err := failpoint.Enable("tikvclient/fastBackoffBySkipSleep", "return"); err != nil {
		t.Fatal(err)
	}
	defer failpoint.Disable("tikvclient/fastBackoffBySkipSleep")

	var f atomic.Int64
	c, err := NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.open(context.Background(), Options{}, func(cl tikv.Client) tikv.Client { return &faultClient{Client: cl, fault: &f} })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	key := []byte("k")
	put := func() error {
		return s.Update(ctx, [][]byte{key}, func(txn kv.Txn) error { return txn.Set(key, []byte("v")) })
	}
	get := func() error { _, err := s.Get(ctx, key); return err }
	if err := put(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		fault fault
		call  func() error
		want  Class
	}{
		// The mock has one replica: when it is busy past the backoff,
		// client-go's replica selector has no other to try and gives the
		// region up as unavailable. ClassBusy is for client-go's
		// ErrTiKVServerBusy (TestClassifyClientGoErrors).
		{"get, server busy", busy, get, ClassUnavailable},
		{"put, server busy", busy, put, ClassUnavailable},
		{"get, region unavailable", noRegion, get, ClassUnavailable},
		{"put, region unavailable", noRegion, put, ClassUnavailable},
		{"put, write conflict at every prewrite", conflict, put, ClassConflict},
		{"put, deadlock at every lock", deadlockAll, put, ClassConflict},
	} {
		f.Store(int64(tc.fault))
		err := tc.call()
		f.Store(int64(noFault))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if got := Classify(err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tc.name, err, got, tc.want)
		}
		// The store works again once the fault is gone.
		if err := put(); err != nil {
			t.Fatalf("%s: put after the fault: %v", tc.name, err)
		}
		if err := get(); err != nil {
			t.Fatalf("%s: get after the fault: %v", tc.name, err)
		}
	}
}

// TestClassifyClientGoErrors classifies the errors client-go returns when
// its backoff runs out, wrapped as it and this package wrap them.
func TestClassifyClientGoErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Class
	}{
		{tikverr.ErrTiKVServerBusy, ClassBusy},
		{&tikverr.ErrTokenLimit{StoreID: 1}, ClassBusy},
		{tikverr.ErrRegionUnavailable, ClassUnavailable},
		{tikverr.ErrTiKVServerTimeout, ClassUnavailable},
		{tikverr.NewErrPDServerTimeout("pd"), ClassUnavailable},
		{tikverr.ErrLockWaitTimeout, ClassConflict},
		{tikverr.ErrResolveLockTimeout, ClassConflict},
		{&tikverr.ErrDeadlock{Deadlock: &kvrpcpb.Deadlock{}}, ClassConflict},
		{tikverr.NewErrWriteConflictWithArgs(1, 2, 3, []byte("k"), kvrpcpb.WriteConflict_Optimistic), ClassConflict},
		{tikverr.ErrResultUndetermined, ClassOther},
		{tikverr.ErrTiKVDiskFull, ClassOther},
	} {
		err := fmt.Errorf("kv/tikv: commit: %w", pkgerrors.WithStack(tc.err))
		if got := Classify(err); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	for _, err := range []error{nil, kv.ErrNotFound, kv.ErrClosed, context.Canceled, errors.New("fn's own")} {
		if got := Classify(err); got != ClassOther {
			t.Errorf("Classify(%v) = %v, want other", err, got)
		}
	}
}
