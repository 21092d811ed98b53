//go:build tikv

package engine

import "testing"

func TestTiKVStreamSplitWhileAnotherNodeWrites(t *testing.T) {
	testStreamSplitWhileAnotherNodeWrites(t, tikvNodes(t))
}
