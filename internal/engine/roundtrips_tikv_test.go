//go:build tikv

package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv/tikv"
)

// TestTiKVRoundTripsPerOperation counts, on the mock cluster, the PD
// timestamps and TiKV RPCs of each item operation as a node over TiKV makes
// it (catalog checked every request, item collection sizes shared), over
// tables on regions of their own, and holds them to the figures
// docs/scale-out.md states ("Round trips per operation"), within a tenth.
func TestTiKVRoundTripsPerOperation(t *testing.T) {
	ctx := context.Background()
	st, err := tikv.OpenMock(ctx, tikv.Options{CountRPCs: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, st, Options{NoIndexJobs: true, TTLInterval: -1, NoThrottle: true, SharedCollections: true, SharedStats: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		db.Close()
		st.Close()
	}()
	plain := &api.CreateTableInput{TableName: api.Ptr("plain"), BillingMode: api.Ptr(api.BillingModePayPerRequest),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("pk"), AttributeType: api.Ptr("S")}, {AttributeName: api.Ptr("sk"), AttributeType: api.Ptr("N")}},
		KeySchema:            []api.KeySchemaElement{{AttributeName: api.Ptr("pk"), KeyType: api.Ptr("HASH")}, {AttributeName: api.Ptr("sk"), KeyType: api.Ptr("RANGE")}}}
	mustCreate(t, db, plain)
	streamed := *plain
	streamed.TableName = api.Ptr("streamed")
	streamed.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(api.StreamViewTypeNewImage)}
	mustCreate(t, db, &streamed)
	var music api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &music); err != nil {
		t.Fatal(err)
	}
	music.GlobalSecondaryIndexes = nil // the LSI alone
	var defs []api.AttributeDefinition
	for _, d := range music.AttributeDefinitions {
		if n := api.Str(d.AttributeName); n != "Genre" && n != "Album" {
			defs = append(defs, d)
		}
	}
	music.AttributeDefinitions = defs
	mustCreate(t, db, &music)

	// Every write changes its item (so a streamed table logs it), and
	// each put to the LSI table adds an item (so its collection grows).
	seq := 0
	item := func(i int) attr.Item {
		seq++
		return attr.Item{"pk": s("p"), "sk": n(fmt.Sprint(i % 50)), "v": s(fmt.Sprint(seq, strings.Repeat("x", 200)))}
	}
	ops := []struct {
		name string
		tso  int64 // at most, per operation
		rpcs int64
		run  func(i int) error
	}{
		{"GetItem", 2, 2, func(i int) error {
			_, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("plain"), Key: attr.Item{"pk": s("p"), "sk": n(fmt.Sprint(i % 50))}})
			return err
		}},
		{"Query (10 items)", 2, 2, func(i int) error {
			_, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr("plain"), Limit: api.Ptr[int64](10),
				KeyConditionExpression: api.Ptr("pk = :p"), ExpressionAttributeValues: attr.Item{":p": s("p")}})
			return err
		}},
		{"PutItem", 4, 5, func(i int) error {
			_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("plain"), Item: item(i)})
			return err
		}},
		{"PutItem, streamed table", 5, 9, func(i int) error {
			_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("streamed"), Item: item(i)})
			return err
		}},
		{"PutItem, table with an LSI", 4, 7, func(i int) error {
			seq++
			_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: song("Beatles", fmt.Sprint("song ", seq), "Rock", 1965, "")})
			return err
		}},
		{"PutItem, LSI, sizes per node", 4, 7, func(i int) error {
			// As on a single node: the collection's size remembered in
			// memory, no record locked.
			db.opts.SharedCollections = false
			defer func() { db.opts.SharedCollections = true }()
			seq++
			_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: song("Beatles", fmt.Sprint("song ", seq), "Rock", 1965, "")})
			return err
		}},
		{"TransactWriteItems (2 puts)", 4, 5, func(i int) error {
			_, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
				{Put: &api.Put{TableName: api.Ptr("plain"), Item: item(i)}},
				{Put: &api.Put{TableName: api.Ptr("plain"), Item: item(i + 1)}}}})
			return err
		}},
	}
	const rounds = 50
	for _, op := range ops {
		for i := range rounds { // warm: items exist, regions are cached
			if err := op.run(i); err != nil {
				t.Fatal(err)
			}
		}
		st.TakeRPCCounts()
		for i := range rounds {
			if err := op.run(i); err != nil {
				t.Fatal(err)
			}
		}
		counts := st.TakeRPCCounts()
		var rpcs int64
		var names []string
		for name, c := range counts {
			if name != "TSO" {
				rpcs += c
				names = append(names, fmt.Sprintf("%s %.2f", name, float64(c)/rounds))
			}
		}
		sort.Strings(names)
		tso := float64(counts["TSO"]) / rounds
		perOp := float64(rpcs) / rounds
		t.Logf("%-28s %.2f timestamps, %.2f RPCs (%s)", op.name, tso, perOp, strings.Join(names, ", "))
		// A tenth of slack: now and then a commit is sent twice (a
		// secondary's background commit racing the region cache).
		if tso > float64(op.tso)+0.1 || perOp > float64(op.rpcs)+0.1 {
			t.Errorf("%s: %.2f timestamps and %.2f RPCs per operation, more than the %d and %d stated", op.name, tso, perOp, op.tso, op.rpcs)
		}
	}
}
