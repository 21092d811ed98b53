package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv/pebble"
)

func TestCheckCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	// A table with a GSI, written through the engine, then closed.
	store, err := pebble.Open(dir, pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(ctx, store, engine.Options{TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateTable(ctx, &api.CreateTableInput{
		TableName:   api.Ptr("tbl"),
		BillingMode: api.Ptr(api.BillingModePayPerRequest),
		AttributeDefinitions: []api.AttributeDefinition{
			{AttributeName: api.Ptr("id"), AttributeType: api.Ptr("S")}, {AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")}},
		KeySchema: []api.KeySchemaElement{{AttributeName: api.Ptr("id"), KeyType: api.Ptr("HASH")}},
		GlobalSecondaryIndexes: []api.GlobalSecondaryIndex{{IndexName: api.Ptr("byG"),
			KeySchema:  []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
			Projection: &api.Projection{ProjectionType: api.Ptr("KEYS_ONLY")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b", "c"} {
		item := attr.Item{"id": attr.String(id)}
		if id != "c" {
			item["g"] = attr.String("G")
		}
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("tbl"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	store.Close()

	var out, errOut bytes.Buffer
	code := run(ctx, []string{"check", "--data-dir", dir}, func(string) string { return "" }, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "checked 1 tables, 1 indexes (0 skipped while building or dropping): 3 items, 2 index entries, 0 divergences") {
		t.Fatalf("dynago check = %d\nstdout: %s\nstderr: %s", code, out.String(), errOut.String())
	}
}
