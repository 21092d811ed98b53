//go:build tikv

package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/tikv"
)

// The two-node tests of nodes_test.go with each node on a TiKV client of
// its own over one mock cluster: separate latches, region caches and
// timestamps, so a lock held by one node is waited for inside TiKV by the
// other, as between two processes.

// tikvNodes is a nodeStore giving each node a Store of its own on one mock
// TiKV cluster, closed when the test ends (after the node's engine).
func tikvNodes(t *testing.T) nodeStore {
	c, err := tikv.NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return func(t *testing.T) kv.Store {
		st, err := c.Open(context.Background(), tikv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
}

func TestTiKVTwoNodesShareTheCatalog(t *testing.T) { testTwoNodesShareTheCatalog(t, tikvNodes(t)) }

func TestTiKVTwoNodesMaintainANewIndex(t *testing.T) {
	testTwoNodesMaintainANewIndex(t, tikvNodes(t))
}

func TestTiKVJobTakenOverByTheOtherNode(t *testing.T) {
	testJobTakenOverByTheOtherNode(t, tikvNodes(t))
}

func TestTiKVTTLRunsOnce(t *testing.T) { testTTLRunsOnce(t, tikvNodes(t)) }

func TestTiKVTwoNodesShareItemCollectionSizes(t *testing.T) {
	testTwoNodesShareItemCollectionSizes(t, tikvNodes(t))
}

func TestTiKVTwoNodesShareTableStats(t *testing.T) { testTwoNodesShareTableStats(t, tikvNodes(t)) }

func TestTiKVTTLPassKilledMidway(t *testing.T) { testTTLPassKilledMidway(t, tikvNodes(t)) }

func TestTiKVTableDropKilledMidway(t *testing.T) { testTableDropKilledMidway(t, tikvNodes(t)) }

func TestTiKVExportKilledMidway(t *testing.T) { testExportKilledMidway(t, tikvNodes(t)) }

func TestTiKVBackupSnapshotHoldsOtherNodesWrite(t *testing.T) {
	testBackupSnapshotHoldsOtherNodesWrite(t, tikvNodes(t))
}
