package tikv

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/tikv/client-go/v2/oracle"
	"github.com/tikv/client-go/v2/tikv"
	"github.com/tikv/client-go/v2/tikvrpc"
	"github.com/tikv/client-go/v2/util/async"
)

// tsoName is the key under which rpcCounter counts timestamps taken from PD.
const tsoName = "TSO"

// rpcCounter counts the requests a mock store sends to its TiKV, by
// command, and the timestamps it takes from PD, so that tests and
// benchmarks can state round trips per operation. Requests a real cluster
// would send in one gRPC batch are counted one by one.
type rpcCounter struct {
	mu sync.Mutex
	n  map[string]int64
}

func newRPCCounter() *rpcCounter { return &rpcCounter{n: make(map[string]int64)} }

func (c *rpcCounter) add(name string) {
	c.mu.Lock()
	c.n[name]++
	c.mu.Unlock()
}

// take returns the counts so far and starts again from zero.
func (c *rpcCounter) take() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := maps.Clone(c.n)
	clear(c.n)
	return out
}

// TakeRPCCounts returns the RPCs the Store sent to TiKV, by command
// ("PessimisticLock", "Prewrite", "Get", ...), and the timestamps it took
// from PD (under "TSO"), since it was opened or last asked, and starts
// counting again from zero. It returns nil for a Store opened without
// Options.CountRPCs. Requests a real cluster would send in one gRPC batch
// are counted one by one.
func (s *Store) TakeRPCCounts() map[string]int64 {
	if s.rpcs == nil {
		return nil
	}
	return s.rpcs.take()
}

func (c *rpcCounter) wrapClient(inner tikv.Client) tikv.Client {
	return &countingClient{Client: inner, c: c}
}

func (c *rpcCounter) wrapOracle(inner oracle.Oracle) oracle.Oracle {
	return &countingOracle{Oracle: inner, c: c}
}

// countingClient counts each request before passing it on.
type countingClient struct {
	tikv.Client
	c *rpcCounter
}

func (cc *countingClient) SendRequest(ctx context.Context, addr string, req *tikvrpc.Request, timeout time.Duration) (*tikvrpc.Response, error) {
	cc.c.add(req.Type.String())
	return cc.Client.SendRequest(ctx, addr, req, timeout)
}

func (cc *countingClient) SendRequestAsync(ctx context.Context, addr string, req *tikvrpc.Request, cb async.Callback[*tikvrpc.Response]) {
	cc.c.add(req.Type.String())
	cc.Client.SendRequestAsync(ctx, addr, req, cb)
}

// countingOracle counts the timestamps taken from PD.
type countingOracle struct {
	oracle.Oracle
	c *rpcCounter
}

func (co *countingOracle) GetTimestamp(ctx context.Context, opt *oracle.Option) (uint64, error) {
	co.c.add(tsoName)
	return co.Oracle.GetTimestamp(ctx, opt)
}

func (co *countingOracle) GetTimestampAsync(ctx context.Context, opt *oracle.Option) oracle.Future {
	co.c.add(tsoName)
	return co.Oracle.GetTimestampAsync(ctx, opt)
}
