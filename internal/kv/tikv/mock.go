package tikv

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pingcap/failpoint"
	"github.com/tikv/client-go/v2/oracle"
	"github.com/tikv/client-go/v2/testutils"
	"github.com/tikv/client-go/v2/tikv"
	tikvutil "github.com/tikv/client-go/v2/util"
	pd "github.com/tikv/pd/client"
)

// MockCluster is client-go's in-process mock TiKV cluster (mocktikv): one
// TiKV store keeping MVCC data in an in-memory LevelDB, and a mock PD with a
// timestamp oracle. Several Stores opened on one MockCluster share its data
// and locks as API nodes share a real cluster; tests use that to check what
// one process alone cannot show (locks held by another node, log order
// across nodes).
//
// The mock imitates TiKV's server-side lock wait by sleeping 5 ms under the
// one mutex guarding all its data, so while an Update of one Store waits
// for a lock held through another Store, every request to the mock waits
// too. Updates through the same Store queue on its latches instead (see
// latches).
type MockCluster struct {
	client *testutils.MockClient
	pd     pd.Client
}

// NewMockCluster starts an empty mock cluster.
//
// It also pins client-go's store liveness to "reachable". When a request
// to a store fails to send (under the race detector on two cores, a mock
// request can outlive client-go's timeout), client-go probes the store's
// gRPC health endpoint; the mock store has none, so the probe always says
// unreachable, the health-check loop never clears it, and every later
// request to the cluster's one replica fails with "region unavailable".
// The mock lives in this process, so it is always reachable. The pin is
// client-go's own failpoint, which is process-wide: it is set only here,
// never for a real cluster.
func NewMockCluster() (*MockCluster, error) {
	if err := pinLiveness(); err != nil {
		return nil, fmt.Errorf("kv/tikv: mock cluster: pin store liveness: %w", err)
	}
	client, cluster, pdClient, err := testutils.NewMockTiKV("", nil)
	if err != nil {
		return nil, fmt.Errorf("kv/tikv: mock cluster: %w", err)
	}
	testutils.BootstrapWithSingleStore(cluster)
	return &MockCluster{client: client, pd: pdClient}, nil
}

// pinLiveness sets the liveness failpoint once per process: client-go
// reads its failpoint switch without synchronisation, so it must be written
// once, before the first mock client runs.
var pinLiveness = sync.OnceValue(func() error {
	tikvutil.EnableFailpoints()
	return failpoint.Enable("tikvclient/injectLiveness", `return("reachable")`)
})

// Open opens a Store on the cluster. Closing the Store leaves the cluster
// running; Close the cluster after its Stores.
func (c *MockCluster) Open(ctx context.Context, opts Options) (*Store, error) {
	return c.open(ctx, opts, nil, nil)
}

// open opens a Store whose requests go through wrap and whose timestamps
// come through wrapOracle (nil means none), for tests that inject faults.
func (c *MockCluster) open(ctx context.Context, opts Options, wrap func(tikv.Client) tikv.Client, wrapOracle func(oracle.Oracle) oracle.Oracle) (*Store, error) {
	if wrap == nil {
		wrap = func(cl tikv.Client) tikv.Client { return cl }
	}
	var rpcs *rpcCounter
	hijack := func(cl tikv.Client) tikv.Client { return wrap(unclosable{cl}) }
	if opts.CountRPCs {
		rpcs = newRPCCounter()
		hijack = func(cl tikv.Client) tikv.Client { return rpcs.wrapClient(wrap(unclosable{cl})) }
	}
	kvs, err := tikv.NewTestTiKVStore(c.client, c.pd, hijack, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("kv/tikv: mock store: %w", err)
	}
	if wrapOracle != nil {
		kvs.SetOracle(wrapOracle(kvs.GetOracle()))
	}
	if rpcs != nil {
		kvs.SetOracle(rpcs.wrapOracle(kvs.GetOracle()))
	}
	return newStore(ctx, kvs, opts, rpcs)
}

// Close stops the cluster and drops its data.
func (c *MockCluster) Close() error {
	if err := c.client.Close(); err != nil {
		return fmt.Errorf("kv/tikv: close mock cluster: %w", err)
	}
	return nil
}

// OpenMock starts a mock cluster of its own and opens a Store on it; the
// Store's Close stops the cluster. The data lives only in this process and
// only until Close.
func OpenMock(ctx context.Context, opts Options) (*Store, error) {
	c, err := NewMockCluster()
	if err != nil {
		return nil, err
	}
	s, err := c.Open(ctx, opts)
	if err != nil {
		return nil, errors.Join(err, c.Close())
	}
	s.onClose = c.Close
	return s, nil
}

// unclosable keeps a Store's Close from closing the mock client, which
// would close the cluster's data under the other Stores.
type unclosable struct{ tikv.Client }

func (unclosable) Close() error { return nil }
