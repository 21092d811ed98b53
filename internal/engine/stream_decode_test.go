package engine

import (
	"context"
	"reflect"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// The fast decoder reads what encoding/json reads, and leaves what is not
// in appendChange's shape to it.
func TestDecodeStreamChange(t *testing.T) {
	for _, s := range []string{
		`{"t":1733300000000000,"o":1,"e":1,"k":{"id":{"S":"a"}},"new":{"id":{"S":"a"},"v":{"N":"1"}}}`,
		`{"t":5,"o":3,"e":3,"k":{"id":{"S":"x"}},"old":{"id":{"S":"x"},"old":{"M":{"new":{"S":"}\"{"}}},"l":{"L":[{"S":"]"}]}}}`,
		`{"t":5,"o":2,"e":2,"k":{"id":{"S":"q\\"}},"old":{"id":{"S":"q\\"}},"new":{"id":{"S":"q\\"},"b":{"B":"AAE="}}}`,
		`{"t":-7,"o":1,"e":1,"k":{"id":{"N":"1"}}}`,
		`{"t":1,"m":"2026-01-01T00:00:00.000/0"}`,
		`{"e":1,"t":1,"o":1,"k":{}}`,
	} {
		want, err := decodeChange([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeStreamChange([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		norm := func(r *changeRecord) changeRecord {
			c := *r
			for _, p := range []*[]byte{(*[]byte)(&c.Keys), (*[]byte)(&c.Old), (*[]byte)(&c.New)} {
				if len(*p) == 0 {
					*p = nil
				}
			}
			return c
		}
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Errorf("%s:\n got %+v\nwant %+v", s, got, want)
		}
	}
	if _, ok := parseChange([]byte(`{"t":1,"o":1,"e":1,"k":{"id":{"S":"a"}},"new":{"id":`)); ok {
		t.Error("a truncated record parsed")
	}
	if _, ok := parseChange([]byte(`{"t":1,"o":1,"e":1,"k":{"id":{"S":"a"}},"x":{}}`)); ok {
		t.Error("an unknown member parsed")
	}
}

// Records as the engine writes them take the fast path.
func TestDecodeStreamChangeOfWrites(t *testing.T) {
	db, _ := openRecorded(t, Options{})
	streamTable(t, db, "fast", api.StreamViewTypeNewAndOldImages)
	ctx := context.Background()
	for _, v := range []string{"1", "2"} {
		item := attr.Item{"id": attr.String("a"), "v": attr.String(v), "m": attr.Map(attr.Item{"old": attr.String(`"}`)})}
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("fast"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := db.store.ReadLog(ctx, changeLogName(db.lookup("fast").table.ID, 0), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range recs {
		if isMarker(r.Value) {
			continue
		}
		n++
		if _, ok := parseChange(r.Value); !ok {
			t.Errorf("record %s takes the slow path", r.Value)
		}
	}
	if n != 2 {
		t.Errorf("%d records", n)
	}
}
