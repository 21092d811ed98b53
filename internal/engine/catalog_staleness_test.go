package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// versionCounter counts the reads of the catalog version outside
// transactions: the check each request makes (run).
type versionCounter struct {
	kv.Store
	n atomic.Int64
}

func (s *versionCounter) Get(ctx context.Context, key []byte) ([]byte, error) {
	if string(key) == catalogVersionKey {
		s.n.Add(1)
	}
	return s.Store.Get(ctx, key)
}

// TestCatalogStaleness runs node b with a catalog staleness longer than
// the test, beside node a over the same store: b's reads stop checking the
// catalog version, still find a table and an index created through a, see
// a table deleted through a late, and b's writes still check.
func TestCatalogStaleness(t *testing.T) {
	ctx := context.Background()
	shared := newTablesStore(t)
	counted := &versionCounter{Store: shared}
	a := openNode(t, shared, Options{})
	// b runs no background jobs, whose catalog checks would be counted.
	b := openNode(t, counted, Options{CatalogStaleness: time.Hour, NoIndexJobs: true})

	// A table and an item created through a are read through b: the
	// ResourceNotFoundException on b's cached catalog makes it check.
	mustCreate(t, a, hashTable("stale", 0))
	key := attr.Item{"id": attr.String("1")}
	if _, err := a.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("stale"), Item: attr.Item{"id": attr.String("1"), "g": attr.String("x")}}); err != nil {
		t.Fatal(err)
	}
	get := func() (*api.GetItemOutput, error) {
		return b.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("stale"), Key: key})
	}
	if out, err := get(); err != nil || out.Item == nil {
		t.Fatalf("GetItem through b of a table created through a: %v, %v", out, err)
	}

	// Later reads do not check.
	before := counted.n.Load()
	for range 10 {
		if _, err := get(); err != nil {
			t.Fatal(err)
		}
	}
	if n := counted.n.Load() - before; n != 0 {
		t.Fatalf("10 GetItems read the catalog version %d times, want 0", n)
	}

	// An index created through a is queried through b: the
	// ValidationException (no such index) on b's cached catalog makes it
	// check.
	if _, err := a.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("stale"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")}},
		GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{Create: &api.CreateGlobalSecondaryIndexAction{
			IndexName: api.Ptr("byG"), KeySchema: []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
			Projection: &api.Projection{ProjectionType: api.Ptr("ALL")}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := a.waitIndexesActive(ctx, "stale"); err != nil {
		t.Fatal(err)
	}
	q, err := b.Query(ctx, &api.QueryInput{TableName: api.Ptr("stale"), IndexName: api.Ptr("byG"),
		KeyConditionExpression:    api.Ptr("g = :g"),
		ExpressionAttributeValues: attr.Item{":g": attr.String("x")}})
	if err != nil || len(q.Items) != 1 {
		t.Fatalf("Query through b of an index created through a: %v, %v", q, err)
	}

	// A table deleted through a is still read through b (the staleness
	// allowed), but not written: writes check.
	if _, err := a.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("stale")}); err != nil {
		t.Fatal(err)
	}
	if _, err := get(); err != nil {
		t.Fatalf("GetItem through b within the staleness of a deletion: %v", err)
	}
	_, err = b.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("stale"), Item: key})
	if !errors.Is(err, apierr.ResourceNotFoundException) {
		t.Fatalf("PutItem through b of a deleted table: %v, want ResourceNotFoundException", err)
	}
	// The write checked, so the next read knows.
	if _, err := get(); !errors.Is(err, apierr.ResourceNotFoundException) {
		t.Fatalf("GetItem through b after its write checked: %v, want ResourceNotFoundException", err)
	}
}

// TestCatalogCheckedEveryRequest is the default: every read checks.
func TestCatalogCheckedEveryRequest(t *testing.T) {
	ctx := context.Background()
	counted := &versionCounter{Store: newTablesStore(t)}
	db := openNode(t, counted, Options{NoIndexJobs: true}) // no job's checks counted
	mustCreate(t, db, hashTable("fresh", 0))
	before := counted.n.Load()
	for range 10 {
		if _, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("fresh"), Key: attr.Item{"id": attr.String("1")}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := counted.n.Load() - before; n != 10 {
		t.Fatalf("10 GetItems read the catalog version %d times, want 10", n)
	}
}
