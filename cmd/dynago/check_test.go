package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/sdkhttp"
	"github.com/dynago/dynago/internal/server"
)

// openEngine opens a durable store in dir and an engine on it, as a
// server would, for a test to write tables below the API.
func openEngine(t *testing.T, dir string) (kv.Store, *engine.DB) {
	t.Helper()
	store, err := pebble.Open(dir, pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db, err := engine.Open(context.Background(), store, engine.Options{TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	return store, db
}

// runCheck runs `dynago check --data-dir dir` and returns its exit code
// and output.
func runCheck(ctx context.Context, dir string) (code int, out, errOut string) {
	var o, e bytes.Buffer
	code = run(ctx, []string{"check", "--data-dir", dir}, func(string) string { return "" }, &o, &e)
	return code, o.String(), e.String()
}

func TestCheckCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	// A table with a GSI, written through the engine, then closed.
	store, db := openEngine(t, dir)
	_, err := db.CreateTable(ctx, &api.CreateTableInput{
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

	code, out, errOut := runCheck(ctx, dir)
	if code != 0 || !strings.Contains(out, "checked 1 tables, 1 indexes (0 skipped while building or dropping): 3 items, 2 index entries, 0 divergences") {
		t.Fatalf("dynago check = %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestCheckNamespaces: check covers every account and region of a data
// directory written by a server with --auth, one line each, besides the
// default namespace.
func TestCheckNamespaces(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	authFile := filepath.Join(dir, "auth.json")
	const file = `{"accounts": {
  "111111111111": {"users": {"a": {"accessKeys": [{"id": "AKIACHKA", "secret": "sa"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}},
  "222222222222": {"users": {"b": {"accessKeys": [{"id": "AKIACHKB", "secret": "sb"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}}}}`
	if err := os.WriteFile(authFile, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	s, err := server.Start(ctx, server.Config{DataDir: data, AuthFile: authFile, TTLInterval: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range []struct{ key, secret, region string }{{"AKIACHKA", "sa", "us-east-1"}, {"AKIACHKA", "sa", "eu-west-1"}, {"AKIACHKB", "sb", "us-east-1"}} {
		ddb := dynamodb.New(dynamodb.Options{Region: c.region, BaseEndpoint: aws.String(s.URL()),
			Credentials: credentials.NewStaticCredentialsProvider(c.key, c.secret, ""), RetryMaxAttempts: 1, HTTPClient: sdkhttp.Client()})
		if _, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("tbl"),
			BillingMode:          types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
				KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		}); err != nil {
			t.Fatal(err)
		}
		for j := range i + 1 { // 1, 2 and 3 items: each namespace's own count
			if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: map[string]types.AttributeValue{
				"id": &types.AttributeValueMemberS{Value: strconv.Itoa(j)}, "g": &types.AttributeValueMemberS{Value: "G"}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCheck(ctx, data)
	want := []string{
		"checked 0 tables, 0 indexes (0 skipped while building or dropping): 0 items, 0 index entries, 0 divergences",
		"account 111111111111 region eu-west-1: checked 1 tables, 1 indexes (0 skipped while building or dropping): 2 items, 2 index entries, 0 divergences",
		"account 111111111111 region us-east-1: checked 1 tables, 1 indexes (0 skipped while building or dropping): 1 items, 1 index entries, 0 divergences",
		"account 222222222222 region us-east-1: checked 1 tables, 1 indexes (0 skipped while building or dropping): 3 items, 3 index entries, 0 divergences",
	}
	if code != 0 || strings.TrimSpace(out) != strings.Join(want, "\n") {
		t.Fatalf("dynago check = %d\nstdout: %s\nwant: %s\nstderr: %s", code, out, strings.Join(want, "\n"), errOut)
	}
}

// TestCheckReportsBadItems: items an older build could store (bug 4 in
// docs/reliability.md), written into the store below the engine's
// validation, one nested past DynamoDB's 32 levels and one past what the
// reader takes, in a table without indexes: check names both and exits 1
// instead of failing or passing.
func TestCheckReportsBadItems(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()
	store, db := openEngine(t, dir)
	_, err := db.CreateTable(ctx, &api.CreateTableInput{
		TableName: api.Ptr("tbl"), BillingMode: api.Ptr(api.BillingModePayPerRequest),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("id"), AttributeType: api.Ptr("S")}},
		KeySchema:            []api.KeySchemaElement{{AttributeName: api.Ptr("id"), KeyType: api.Ptr("HASH")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	nested := func(levels int) attr.Value {
		v := attr.String("x")
		for range levels {
			v = attr.Map(attr.Item{"m": v})
		}
		return v
	}
	depth := map[string]int{"fine": 3, "deep": attr.MaxNestingDepth + 8, "deeper": 150}
	for id := range depth {
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("tbl"), Item: attr.Item{"id": attr.String(id), "m": nested(3)}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	// Rewrite the stored values of deep and deeper (keys "t/<8-byte table
	// id>/i/...", values the items' JSON) as they would have been stored.
	it, err := store.Iter(ctx, []byte("t/"), []byte("t0"), false)
	if err != nil {
		t.Fatal(err)
	}
	rewrite := map[string][]byte{}
	for it.Next() {
		k, v := it.Key(), it.Value()
		if len(k) < 13 || string(k[11:13]) != "i/" {
			continue
		}
		for id, levels := range depth {
			if id != "fine" && bytes.Contains(v, []byte(`"id":{"S":"`+id+`"}`)) {
				rewrite[string(k)] = attr.AppendItemJSON(nil, attr.Item{"id": attr.String(id), "m": nested(levels)})
			}
		}
	}
	it.Close()
	if len(rewrite) != 2 {
		t.Fatalf("found %d of the 2 items to rewrite", len(rewrite))
	}
	if err := store.Update(ctx, nil, func(txn kv.Txn) error {
		for k, v := range rewrite {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	code, out, errOut := runCheck(ctx, dir)
	for _, want := range []string{
		"checked 1 tables, 0 indexes (0 skipped while building or dropping): 3 items, 0 index entries, 0 divergences\n",
		"2 stored items or index entries nested deeper than DynamoDB allows or unreadable\n",
		`table tbl item {"id":{"S":"deep"}}: nested deeper than DynamoDB's 32 levels` + "\n",
		`table tbl item {"id":{"S":"deeper"}}: engine: corrupt stored item: `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if code != 1 || t.Failed() {
		t.Fatalf("dynago check = %d, want 1\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}
