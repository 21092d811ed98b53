package wire

import (
	"bytes"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// rawCase is one output with its items decoded and the same output as the
// engine answers it under api.WithRawItems.
type rawCase struct {
	name         string
	decoded, out any
	raw          *api.RawItems
}

func rawCases() []rawCase {
	items := make([]attr.Item, 10)
	raws := make([][]byte, 10)
	for i := range items {
		items[i] = benchItem(i)
		raws[i] = attr.AppendItemJSON(nil, items[i])
	}
	lek := attr.Item{"pk": attr.String("p1")}
	cc := &api.ConsumedCapacity{TableName: api.Ptr("t"), CapacityUnits: api.Ptr(1.5)}
	return []rawCase{
		{"GetItem", &api.GetItemOutput{Item: benchItem(1), ConsumedCapacity: cc},
			&api.GetItemOutput{Item: attr.Item{}, ConsumedCapacity: cc}, &api.RawItems{Item: attr.AppendItemJSON(nil, benchItem(1))}},
		{"GetItemMiss", &api.GetItemOutput{}, &api.GetItemOutput{}, &api.RawItems{}},
		{"Query10", &api.QueryOutput{Count: api.Ptr[int64](10), ScannedCount: api.Ptr[int64](10), Items: items, LastEvaluatedKey: lek},
			&api.QueryOutput{Count: api.Ptr[int64](10), ScannedCount: api.Ptr[int64](10), Items: make([]attr.Item, 10), LastEvaluatedKey: lek},
			&api.RawItems{Items: raws}},
		{"ScanEmpty", &api.ScanOutput{Count: api.Ptr[int64](0), ScannedCount: api.Ptr[int64](0), Items: []attr.Item{}},
			&api.ScanOutput{Count: api.Ptr[int64](0), ScannedCount: api.Ptr[int64](0), Items: []attr.Item{}}, &api.RawItems{Items: [][]byte{}}},
	}
}

// TestAppendOutputRaw checks that passed-through items produce the same
// bytes as encoding the decoded items.
func TestAppendOutputRaw(t *testing.T) {
	for _, tc := range rawCases() {
		want, err := appendOutput(nil, tc.decoded)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendOutputRaw(nil, tc.out, tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, want)
		}
	}
}

// BenchmarkEncodeOutputRaw is BenchmarkEncodeOutput's appendOutput case
// with the items passed through as stored bytes.
func BenchmarkEncodeOutputRaw(b *testing.B) {
	for _, tc := range rawCases() {
		b.Run(tc.name, func(b *testing.B) {
			var bp bufferPool
			b.ReportAllocs()
			for b.Loop() {
				buf := bp.get()
				var err error
				if *buf, err = appendOutputRaw(*buf, tc.out, tc.raw); err != nil {
					b.Fatal(err)
				}
				bp.put(buf)
			}
		})
	}
}
