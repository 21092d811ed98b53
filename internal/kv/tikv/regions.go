package tikv

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tikv/client-go/v2/tikv"

	"github.com/dynago/dynago/internal/kv"
)

// regionScanMaxBackoff is how long Regions may back off in all, in ms as
// client-go counts: 5 s.
const regionScanMaxBackoff = 5000

// SplitRegions splits regions so that each key starts one; a key that
// already starts a region is left alone. The engine calls it at table and
// index boundaries (engine.RegionSplitter), so that a table's keys are
// regions of their own that split further and move as DynamoDB partitions
// do.
func (s *Store) SplitRegions(ctx context.Context, keys [][]byte) error {
	if !s.gate.enter() {
		return kv.ErrClosed
	}
	defer s.gate.leave()
	if _, err := s.kvs.SplitRegions(ctx, keys, false, nil); err != nil {
		return fmt.Errorf("kv/tikv: split regions: %w", err)
	}
	return nil
}

// Regions returns the first key of every region that overlaps [start,
// end), in order, as PD knows them (a nil end means the end of the key
// space). The first is start itself when a region starts there. It is
// for tests, diagnostics and the scale plan: nothing on the request path
// needs it.
func (s *Store) Regions(ctx context.Context, start, end []byte) ([][]byte, error) {
	if !s.gate.enter() {
		return nil, kv.ErrClosed
	}
	defer s.gate.leave()
	bo := tikv.NewBackofferWithVars(ctx, regionScanMaxBackoff, nil)
	rs, err := s.kvs.GetRegionCache().LoadRegionsInKeyRange(bo, start, end)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("kv/tikv: scan regions: %w", err)
	}
	out := make([][]byte, 0, len(rs))
	for _, r := range rs {
		out = append(out, bytes.Clone(r.StartKey()))
	}
	return out, nil
}
