package engine

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/api"
)

func TestInitialPartitions(t *testing.T) {
	prov := func(r, w int64) *api.TableDescription {
		return &api.TableDescription{ProvisionedThroughput: &api.ProvisionedThroughputDescription{ReadCapacityUnits: api.Ptr(r), WriteCapacityUnits: api.Ptr(w)}}
	}
	onDemand := &api.TableDescription{BillingModeSummary: &api.BillingModeSummary{BillingMode: api.Ptr(api.BillingModePayPerRequest)}}
	for _, tc := range []struct {
		d    *api.TableDescription
		want int
	}{
		{prov(5, 5), 1},
		{prov(3000, 1000), 2},
		{prov(3001, 0), 2},
		{prov(3000, 2000), 3},
		{prov(0, 0), 1},
		{prov(1_000_000, 1_000_000), maxInitialPartitions},
		{onDemand, onDemandPartitions},
	} {
		if got := initialPartitions(tc.d); got != tc.want {
			t.Errorf("initialPartitions(%s) = %d, want %d", jsonOf(t, tc.d), got, tc.want)
		}
	}
}

// TestRegionBoundaries: a new table gets its own bounds, its partitions'
// and its indexes'; a change adding an index adds that index's only; a
// change adding none adds nothing.
func TestRegionBoundaries(t *testing.T) {
	rec := &tableRecord{ID: 7, IndexIDs: map[string]uint64{"a": 1},
		Desc: api.TableDescription{ProvisionedThroughput: &api.ProvisionedThroughputDescription{
			ReadCapacityUnits: api.Ptr[int64](1), WriteCapacityUnits: api.Ptr[int64](1500)}}}
	keys := regionBoundaries(nil, rec)
	want := [][]byte{tablePrefix(7), append(itemsPrefix(7), 0x80, 0, 0, 0, 0, 0, 0, 0),
		indexPrefix(7, 1), prefixEnd(indexPrefix(7, 1)), prefixEnd(tablePrefix(7))}
	if fmt.Sprintf("%q", keys) != fmt.Sprintf("%q", want) {
		t.Fatalf("new table: %q\nwant %q", keys, want)
	}
	for i := 1; i < len(keys); i++ {
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Fatalf("not sorted: %q", keys)
		}
	}
	before := &tableRecord{ID: 7, IndexIDs: map[string]uint64{"a": 1}}
	after := &tableRecord{ID: 7, IndexIDs: map[string]uint64{"a": 1, "b": 2}}
	if got, want := fmt.Sprintf("%q", regionBoundaries(before, after)), fmt.Sprintf("%q", [][]byte{indexPrefix(7, 2), prefixEnd(indexPrefix(7, 2))}); got != want {
		t.Fatalf("index added: %s, want %s", got, want)
	}
	if got := regionBoundaries(before, before); len(got) != 0 {
		t.Fatalf("no change: %q, want none", got)
	}
	if got := regionBoundaries(before, nil); len(got) != 0 {
		t.Fatalf("table deleted: %q, want none", got)
	}
}
