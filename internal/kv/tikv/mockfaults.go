package tikv

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/pingcap/failpoint"
	"github.com/pingcap/kvproto/pkg/errorpb"
	"github.com/pingcap/kvproto/pkg/kvrpcpb"
	"github.com/tikv/client-go/v2/tikv"
	"github.com/tikv/client-go/v2/tikvrpc"
	"github.com/tikv/client-go/v2/util/async"
)

// Fault is a way MockFaults makes a mock cluster fail.
type Fault int

// The faults MockFaults injects.
const (
	NoFault Fault = iota
	// FaultBusy answers every request with ServerIsBusy. With the mock's
	// one replica, client-go's replica selector then gives the region up
	// as unavailable.
	FaultBusy
	// FaultRegionUnavailable answers every request with RegionNotFound, as
	// for a region with no leader (a TiKV node lost, an election).
	FaultRegionUnavailable
	// FaultWriteConflict answers every prewrite with a write conflict.
	FaultWriteConflict
	// FaultDeadlock answers every pessimistic lock with a deadlock.
	FaultDeadlock
)

// fastBackoff is client-go's failpoint that skips its backoff sleeps.
const fastBackoff = "tikvclient/fastBackoffBySkipSleep"

// MockFaults makes the requests of Stores opened with
// MockCluster.OpenWithFaults fail, while a fault is set, as a failing
// cluster's would: the errors come back through client-go's own retries
// and backoff. It is for tests of what a client sees (tikv.Classify, the
// server's answers). The zero value injects nothing.
//
// While a fault is set, client-go's backoff sleeps are skipped (its
// fastBackoffBySkipSleep failpoint), so its budgets run out at once
// instead of after up to 40 s; that failpoint is process-wide, so a test
// setting a fault must not run in parallel with others.
type MockFaults struct{ f atomic.Int64 }

// Set injects f from now on; NoFault stops injecting.
func (m *MockFaults) Set(f Fault) error {
	if err := pinLiveness(); err != nil { // enables client-go's failpoints
		return err
	}
	var err error
	if f == NoFault {
		err = failpoint.Disable(fastBackoff)
	} else {
		err = failpoint.Enable(fastBackoff, "return")
	}
	if err != nil {
		return err
	}
	m.f.Store(int64(f))
	return nil
}

// OpenWithFaults opens a Store on the cluster whose requests meet the
// faults m sets.
func (c *MockCluster) OpenWithFaults(ctx context.Context, opts Options, m *MockFaults) (*Store, error) {
	return c.open(ctx, opts, func(cl tikv.Client) tikv.Client { return &faultClient{Client: cl, m: m} })
}

// faultClient answers requests with the fault of m while one is set, and
// passes them on otherwise.
type faultClient struct {
	tikv.Client
	m *MockFaults
}

func (fc *faultClient) inject(req *tikvrpc.Request) (*tikvrpc.Response, bool) {
	switch Fault(fc.m.f.Load()) {
	case FaultBusy:
		resp, err := tikvrpc.GenRegionErrorResp(req, &errorpb.Error{ServerIsBusy: &errorpb.ServerIsBusy{Reason: "injected"}})
		return resp, err == nil
	case FaultRegionUnavailable:
		resp, err := tikvrpc.GenRegionErrorResp(req, &errorpb.Error{RegionNotFound: &errorpb.RegionNotFound{RegionId: req.RegionId}})
		return resp, err == nil
	case FaultWriteConflict:
		if p, ok := req.Req.(*kvrpcpb.PrewriteRequest); ok {
			return &tikvrpc.Response{Resp: &kvrpcpb.PrewriteResponse{Errors: []*kvrpcpb.KeyError{{Conflict: &kvrpcpb.WriteConflict{
				StartTs: p.StartVersion, ConflictTs: p.StartVersion + 1, ConflictCommitTs: p.StartVersion + 2,
				Key: p.Mutations[0].Key, Primary: p.PrimaryLock,
			}}}}}, true
		}
	case FaultDeadlock:
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
