package engine

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

func TestExpired(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	num := func(s string) attr.Value { v, _ := attr.Number(s); return v }
	tests := []struct {
		name string
		v    *attr.Value
		want bool
	}{
		{"missing", nil, false},
		{"a second ago", ptr(num("1799999999")), true},
		{"now", ptr(num("1800000000")), true},
		{"fractional past", ptr(num("1799999999.5")), true},
		{"a second ahead", ptr(num("1800000001")), false},
		{"more than five years ago", ptr(num("1600000000")), false},
		{"milliseconds", ptr(num("1800000000000")), false},
		{"a string", ptr(attr.String("1")), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := attr.Item{"id": attr.String("x")}
			if tc.v != nil {
				it["exp"] = *tc.v
			}
			if got := expired(it, "exp", now); got != tc.want {
				t.Errorf("expired = %v, want %v", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestTTLPassResumesFromCursor: a pass that finds a cursor left by an
// interrupted pass starts after it, and a complete pass removes the cursor.
func TestTTLPassResumesFromCursor(t *testing.T) {
	ctx := context.Background()
	clock := &tblClock{t: tblEpoch}
	// The background job is off: this test runs the passes itself.
	db, err := Open(ctx, newTablesStore(t), Options{Now: clock.now, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustCreate(t, db, hashTable("stories", 0))
	if _, err := db.UpdateTimeToLive(ctx, &api.UpdateTimeToLiveInput{TableName: api.Ptr("stories"),
		TimeToLiveSpecification: &api.TimeToLiveSpecification{AttributeName: api.Ptr("exp"), Enabled: api.Ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	past, _ := attr.Number(strconv.FormatInt(clock.now().Add(-time.Hour).Unix(), 10))
	const n = 250 // more than two batches
	for i := range n {
		put(t, db, "stories", attr.Item{"id": attr.String("k" + strconv.Itoa(i)), "exp": past})
	}
	e := db.lookup("stories")

	// Pretend an earlier pass got as far as the 100th item in key order.
	keys := tableKeys(t, db, e.table)
	cursor := keys[99]
	if err := db.store.Update(ctx, [][]byte{ttlCursorKey(e.table.ID)}, func(txn kv.Txn) error {
		return txn.Set(ttlCursorKey(e.table.ID), cursor)
	}); err != nil {
		t.Fatal(err)
	}
	deleted, scanned, err := db.expireTable(ctx, nil, e.table, "exp")
	if err != nil {
		t.Fatal(err)
	}
	if deleted != n-100 || scanned != n-100 {
		t.Errorf("resumed pass deleted %d of %d read, want %d of %d", deleted, scanned, n-100, n-100)
	}
	if left := tableKeys(t, db, e.table); len(left) != 100 {
		t.Errorf("%d items left, want the 100 before the cursor", len(left))
	}
	if _, err := db.store.Get(ctx, ttlCursorKey(e.table.ID)); err != kv.ErrNotFound {
		t.Errorf("cursor after a complete pass: %v, want it removed", err)
	}
	// The next pass starts from the beginning.
	if deleted, scanned, err := db.expireTable(ctx, nil, e.table, "exp"); err != nil || deleted != 100 || scanned != 100 {
		t.Errorf("second pass deleted %d of %d read (%v), want 100 of 100", deleted, scanned, err)
	}
}

func tableKeys(t *testing.T, db *DB, tbl *Table) [][]byte {
	t.Helper()
	var keys [][]byte
	p := itemsPrefix(tbl.ID)
	if err := scanPrefix(context.Background(), db.store, string(p), func(k, _ []byte) error {
		keys = append(keys, append([]byte(nil), k...))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}
