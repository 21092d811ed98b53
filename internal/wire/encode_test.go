package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// benchItem returns a ~250-byte item like the load tool's.
func benchItem(i int) attr.Item {
	return attr.Item{
		"pk":      attr.String(fmt.Sprintf("p%d", i/10)),
		"sk":      attr.Value{Type: attr.TypeN, S: fmt.Sprint(i % 10)},
		"cnt":     attr.Value{Type: attr.TypeN, S: "17"},
		"payload": attr.String(string(bytes.Repeat([]byte("x"), 200))),
	}
}

func capacity() *api.ConsumedCapacity {
	return &api.ConsumedCapacity{TableName: api.Ptr("t"), CapacityUnits: api.Ptr(0.5),
		Table: &api.Capacity{CapacityUnits: api.Ptr(0.5)}}
}

// TestAppendOutputMatchesEncodingJSON checks that the hand-written
// encoders produce exactly encoding/json's bytes for every member
// combination.
func TestAppendOutputMatchesEncodingJSON(t *testing.T) {
	page := []attr.Item{benchItem(1), benchItem(2), {}, nil}
	nested := attr.Item{"m": attr.Map(attr.Item{"l": attr.List(attr.Null(), attr.Bool(true)),
		"ss": attr.StringSet("a", "b"), "b": attr.Binary([]byte{0, 1, 2})}), "s": attr.String("é\"\\\n\x01")}
	icm := &api.ItemCollectionMetrics{ItemCollectionKey: attr.Item{"pk": attr.String("a")}, SizeEstimateRangeGB: []float64{0, 1}}
	for i, out := range []any{
		&api.GetItemOutput{},
		&api.GetItemOutput{Item: benchItem(3)},
		&api.GetItemOutput{Item: attr.Item{}},
		&api.GetItemOutput{Item: nested, ConsumedCapacity: capacity()},
		&api.GetItemOutput{ConsumedCapacity: &api.ConsumedCapacity{}},
		&api.QueryOutput{},
		&api.QueryOutput{Count: api.Ptr[int64](0), ScannedCount: api.Ptr[int64](0), Items: []attr.Item{}},
		&api.QueryOutput{Count: api.Ptr[int64](4), ScannedCount: api.Ptr[int64](9), Items: page,
			LastEvaluatedKey: attr.Item{"pk": attr.String("p0"), "sk": attr.Value{Type: attr.TypeN, S: "1"}}, ConsumedCapacity: capacity()},
		&api.QueryOutput{Count: api.Ptr[int64](7), ScannedCount: api.Ptr[int64](7)},
		&api.ScanOutput{Count: api.Ptr[int64](1), ScannedCount: api.Ptr[int64](-3), Items: []attr.Item{nested}},
		&api.ScanOutput{},
		&api.PutItemOutput{},
		&api.PutItemOutput{Attributes: nested, ConsumedCapacity: capacity(), ItemCollectionMetrics: icm},
		&api.UpdateItemOutput{Attributes: attr.Item{}},
		&api.UpdateItemOutput{ItemCollectionMetrics: icm},
		&api.DeleteItemOutput{Attributes: benchItem(5), ConsumedCapacity: capacity()},
		&api.ExecuteStatementOutput{},
		&api.ExecuteStatementOutput{Items: []attr.Item{}},
		&api.ExecuteStatementOutput{Items: page, ConsumedCapacity: capacity(), NextToken: api.Ptr("tok\"en"),
			LastEvaluatedKey: attr.Item{"pk": attr.String("p0")}},
		&api.ExecuteStatementOutput{Items: []attr.Item{nested}, NextToken: api.Ptr("")},
		&api.BatchGetItemOutput{},
		&api.BatchGetItemOutput{Responses: map[string][]attr.Item{}, UnprocessedKeys: map[string]api.KeysAndAttributes{}},
		&api.BatchGetItemOutput{Responses: map[string][]attr.Item{"t2": page, "t1": {nested}, "t0": {}, "t3": nil},
			ConsumedCapacity: []api.ConsumedCapacity{*capacity()},
			UnprocessedKeys:  map[string]api.KeysAndAttributes{"t1": {Keys: []attr.Item{{"pk": attr.String("a")}}}}},
		&api.ListTablesOutput{TableNames: []string{"a", "b"}},
		struct{}{},
	} {
		t.Run(fmt.Sprintf("%d_%T", i, out), func(t *testing.T) {
			want, err := json.Marshal(out)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendOutput([]byte("prefix"), out)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := bytes.CutPrefix(got, []byte("prefix"))
			if !ok || !bytes.Equal(got, want) {
				t.Errorf("appendOutput:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestAppendOutputHTMLCharacters checks the one documented difference from
// encoding/json: '<', '>' and '&' (and U+2028 in an item) are written as
// they are, by the hand-written encoders and by marshalJSON alike, so an
// item comes back as the same bytes from every operation and in an error;
// the JSON value is the same as encoding/json's.
func TestAppendOutputHTMLCharacters(t *testing.T) {
	it := attr.Item{"a<b": attr.String("x&y>z\u2028")}
	const raw = "{\"a<b\":{\"S\":\"x&y>z\u2028\"}}"
	for _, tc := range []struct {
		out  any
		want string
	}{
		{&api.GetItemOutput{Item: it}, `{"Item":` + raw + `}`},
		{&api.ExecuteStatementOutput{Items: []attr.Item{it}}, `{"Items":[` + raw + `]}`},
		{&api.BatchGetItemOutput{Responses: map[string][]attr.Item{"t": {it}}}, `{"Responses":{"t":[` + raw + `]}}`},
		{&api.TransactGetItemsOutput{Responses: []api.ItemResponse{{Item: it}}}, `{"Responses":[{"Item":` + raw + `}]}`},
		{&api.DescribeTableOutput{Table: &api.TableDescription{TableName: api.Ptr("a<b")}}, `{"Table":{"TableName":"a<b"}}`},
	} {
		got, err := appendOutput(nil, tc.out)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%T: got %s, want %s", tc.out, got, tc.want)
		}
		want, _ := json.Marshal(tc.out)
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%T: values differ: %v vs %v", tc.out, g, w)
		}
	}
	e := apierr.New(apierr.ConditionalCheckFailedException, "The conditional request failed")
	e.Item = it
	if _, body := errorBody(e); !bytes.Contains(body, []byte(`"Item":`+raw)) {
		t.Errorf("error body %s does not hold the item %s", body, raw)
	}
	if _, body := errorBody(apierr.Validation("Value 'a<b>&' at 'x'")); !bytes.Contains(body, []byte(`"message":"Value 'a<b>&' at 'x'"`)) {
		t.Errorf("error body %s escapes the message", body)
	}
}

// TestBufferPoolDropsLargeBuffers checks that a buffer grown by a large
// page is not kept.
func TestBufferPoolDropsLargeBuffers(t *testing.T) {
	var bp bufferPool
	b := bp.get()
	if len(*b) != 0 || cap(*b) < initialBufferSize {
		t.Fatalf("fresh buffer len %d cap %d", len(*b), cap(*b))
	}
	*b = append(*b, make([]byte, maxPooledBuffer+1)...)
	bp.put(b) // dropped; nothing observable but no panic
	b2 := bp.get()
	*b2 = append(*b2, 'x')
	bp.put(b2)
	if b3 := bp.get(); len(*b3) != 0 {
		t.Errorf("reused buffer not reset: len %d", len(*b3))
	}
}

// BenchmarkEncodeOutput compares the hand-written encoders with
// encoding/json on the load tool's shapes: one ~250-byte item, and a
// 10-item Query page.
func BenchmarkEncodeOutput(b *testing.B) {
	items := make([]attr.Item, 10)
	for i := range items {
		items[i] = benchItem(i)
	}
	for _, bm := range []struct {
		name string
		out  any
	}{
		{"GetItem", &api.GetItemOutput{Item: benchItem(1)}},
		{"Query10", &api.QueryOutput{Count: api.Ptr[int64](10), ScannedCount: api.Ptr[int64](10), Items: items}},
		{"BatchGet10", &api.BatchGetItemOutput{Responses: map[string][]attr.Item{"t": items}, UnprocessedKeys: map[string]api.KeysAndAttributes{}}},
		{"Statement10", &api.ExecuteStatementOutput{Items: items}},
	} {
		b.Run(bm.name+"/json.Marshal", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := json.Marshal(bm.out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bm.name+"/appendOutput", func(b *testing.B) {
			var bp bufferPool
			b.ReportAllocs()
			for b.Loop() {
				buf := bp.get()
				var err error
				if *buf, err = appendOutput(*buf, bm.out); err != nil {
					b.Fatal(err)
				}
				bp.put(buf)
			}
		})
	}
}
