package tikv

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pingcap/failpoint"
	"github.com/pingcap/kvproto/pkg/errorpb"
	"github.com/pingcap/kvproto/pkg/kvrpcpb"
	pkgerrors "github.com/pkg/errors"
	"github.com/tikv/client-go/v2/oracle"
	"github.com/tikv/client-go/v2/tikv"
	"github.com/tikv/client-go/v2/tikvrpc"
	"github.com/tikv/client-go/v2/util/async"
	pderrs "github.com/tikv/pd/client/errs"
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
	// FaultTimeout fails every request to send with a deadline exceeded,
	// as for a TiKV node that stopped answering (a partition, a hung
	// process): client-go retries it against the store, then gives up.
	FaultTimeout
	// FaultTSOStall makes PD's timestamp oracle stop answering: a request
	// for a timestamp waits, as pd's client does for a stalled TSO stream
	// (a PD leader change, a PD partition), until the stall ends, its
	// context ends, or TSOStallTimeout passes, when it fails as pd's client
	// fails it (ErrClientGetTSO). Nothing else is injected, and client-go's
	// backoff sleeps are not skipped.
	FaultTSOStall
	// FaultDeadAfterPrewrite lets requests through until a prewrite
	// succeeds, then fails every later one as FaultTimeout does: a node
	// that died between the two phases of a commit, leaving its locks
	// (primary included) uncommitted for other nodes to meet. They
	// expire with their TTL, as nothing renews them.
	FaultDeadAfterPrewrite
)

// TSOStallTimeout is how long a timestamp request waits in a TSO stall
// before it fails: pd's client's default timeout of a TSO request
// (opt.Option.Timeout).
const TSOStallTimeout = 3 * time.Second

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
type MockFaults struct {
	f       atomic.Int64
	dead    atomic.Bool // FaultDeadAfterPrewrite: a prewrite went through
	mu      sync.Mutex
	unstall chan struct{} // closed when a TSO stall ends
}

// Set injects f from now on; NoFault stops injecting.
func (m *MockFaults) Set(f Fault) error {
	if err := pinLiveness(); err != nil { // enables client-go's failpoints
		return err
	}
	var err error
	if f == NoFault || f == FaultTSOStall {
		err = failpoint.Disable(fastBackoff)
	} else {
		err = failpoint.Enable(fastBackoff, "return")
	}
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if Fault(m.f.Load()) == FaultTSOStall && f != FaultTSOStall {
		close(m.unstall) // the stall ends: waiting timestamp requests go on
	}
	if f == FaultTSOStall && Fault(m.f.Load()) != FaultTSOStall {
		m.unstall = make(chan struct{})
	}
	m.dead.Store(false)
	m.f.Store(int64(f))
	return nil
}

// stall returns the channel closed when the current TSO stall ends, or nil
// when there is none.
func (m *MockFaults) stall() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if Fault(m.f.Load()) != FaultTSOStall {
		return nil
	}
	return m.unstall
}

// OpenWithFaults opens a Store on the cluster whose requests meet the
// faults m sets.
func (c *MockCluster) OpenWithFaults(ctx context.Context, opts Options, m *MockFaults) (*Store, error) {
	return c.open(ctx, opts, func(cl tikv.Client) tikv.Client { return &faultClient{Client: cl, m: m} },
		func(o oracle.Oracle) oracle.Oracle { return &faultOracle{Oracle: o, m: m} })
}

// faultOracle is PD's timestamp oracle stalling while m says so.
type faultOracle struct {
	oracle.Oracle
	m *MockFaults
}

// wait waits out a TSO stall, failing after TSOStallTimeout as pd's
// client does.
func (fo *faultOracle) wait(ctx context.Context) error {
	unstall := fo.m.stall()
	if unstall == nil {
		return nil
	}
	timer := time.NewTimer(TSOStallTimeout)
	defer timer.Stop()
	select {
	case <-unstall:
		return nil
	case <-ctx.Done():
		return pkgerrors.WithStack(ctx.Err())
	case <-timer.C:
		return pkgerrors.WithStack(pderrs.ErrClientGetTSO.FastGenByArgs("tso request timed out (injected TSO stall)"))
	}
}

func (fo *faultOracle) GetTimestamp(ctx context.Context, opt *oracle.Option) (uint64, error) {
	if err := fo.wait(ctx); err != nil {
		return 0, err
	}
	return fo.Oracle.GetTimestamp(ctx, opt)
}

func (fo *faultOracle) GetTimestampAsync(ctx context.Context, opt *oracle.Option) oracle.Future {
	return stalledFuture{fo: fo, ctx: ctx, opt: opt}
}

// stalledFuture is a timestamp requested asynchronously during a stall.
type stalledFuture struct {
	fo  *faultOracle
	ctx context.Context
	opt *oracle.Option
}

func (f stalledFuture) Wait() (uint64, error) { return f.fo.GetTimestamp(f.ctx, f.opt) }

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
	case FaultTimeout:
		return nil, true
	case FaultDeadAfterPrewrite:
		return nil, fc.m.dead.Load()
	case FaultDeadlock:
		if p, ok := req.Req.(*kvrpcpb.PessimisticLockRequest); ok {
			return &tikvrpc.Response{Resp: &kvrpcpb.PessimisticLockResponse{Errors: []*kvrpcpb.KeyError{{Deadlock: &kvrpcpb.Deadlock{
				LockTs: p.StartVersion + 1, LockKey: p.Mutations[0].Key, DeadlockKeyHash: 1,
			}}}}}, true
		}
	}
	return nil, false
}

// errInjectedTimeout is what a send meets under FaultTimeout: gRPC's
// answer to a request whose deadline passed.
var errInjectedTimeout = pkgerrors.WithStack(context.DeadlineExceeded)

func (fc *faultClient) SendRequest(ctx context.Context, addr string, req *tikvrpc.Request, timeout time.Duration) (*tikvrpc.Response, error) {
	if resp, ok := fc.inject(req); ok {
		if resp == nil {
			return nil, errInjectedTimeout
		}
		return resp, nil
	}
	resp, err := fc.Client.SendRequest(ctx, addr, req, timeout)
	fc.passed(req, resp, err)
	return resp, err
}

// passed notes a prewrite that went through under FaultDeadAfterPrewrite.
func (fc *faultClient) passed(req *tikvrpc.Request, resp *tikvrpc.Response, err error) {
	if Fault(fc.m.f.Load()) != FaultDeadAfterPrewrite || err != nil || req.Type != tikvrpc.CmdPrewrite {
		return
	}
	if p, ok := resp.Resp.(*kvrpcpb.PrewriteResponse); ok && p.RegionError == nil && len(p.Errors) == 0 {
		fc.m.dead.Store(true)
	}
}

func (fc *faultClient) SendRequestAsync(ctx context.Context, addr string, req *tikvrpc.Request, cb async.Callback[*tikvrpc.Response]) {
	if resp, ok := fc.inject(req); ok {
		if resp == nil {
			cb.Invoke(nil, errInjectedTimeout)
			return
		}
		cb.Invoke(resp, nil)
		return
	}
	cb.Inject(func(resp *tikvrpc.Response, err error) (*tikvrpc.Response, error) {
		fc.passed(req, resp, err)
		return resp, err
	})
	fc.Client.SendRequestAsync(ctx, addr, req, cb)
}
