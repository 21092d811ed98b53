//go:build tikv

package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/kv/tikv"
)

// TestTiKVRegionsAtTableAndIndexBoundaries creates a table with an LSI, a
// GSI and provisioned throughput worth three DynamoDB partitions, then adds
// a GSI, and reads the region boundaries back from the mock cluster's PD:
// the table and each index start regions of their own, and the table's
// items start on three ranges of partition hashes.
func TestTiKVRegionsAtTableAndIndexBoundaries(t *testing.T) {
	ctx := context.Background()
	st, err := tikv.OpenMock(ctx, tikv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	db := openNode(t, st, Options{})

	s := func(n string) *string { return api.Ptr(n) }
	in := &api.CreateTableInput{
		TableName: s("regions"),
		AttributeDefinitions: []api.AttributeDefinition{
			{AttributeName: s("pk"), AttributeType: s("S")}, {AttributeName: s("sk"), AttributeType: s("S")},
			{AttributeName: s("l"), AttributeType: s("S")}, {AttributeName: s("g"), AttributeType: s("S")}},
		KeySchema: []api.KeySchemaElement{{AttributeName: s("pk"), KeyType: s("HASH")}, {AttributeName: s("sk"), KeyType: s("RANGE")}},
		LocalSecondaryIndexes: []api.LocalSecondaryIndex{{IndexName: s("byL"),
			KeySchema:  []api.KeySchemaElement{{AttributeName: s("pk"), KeyType: s("HASH")}, {AttributeName: s("l"), KeyType: s("RANGE")}},
			Projection: &api.Projection{ProjectionType: s("KEYS_ONLY")}}},
		GlobalSecondaryIndexes: []api.GlobalSecondaryIndex{{IndexName: s("byG"),
			KeySchema:             []api.KeySchemaElement{{AttributeName: s("g"), KeyType: s("HASH")}},
			Projection:            &api.Projection{ProjectionType: s("ALL")},
			ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr[int64](5), WriteCapacityUnits: api.Ptr[int64](5)}}},
		// ⌈3000/3000 + 2000/1000⌉ = 3 partitions.
		ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr[int64](3000), WriteCapacityUnits: api.Ptr[int64](2000)},
	}
	mustCreate(t, db, in)
	tbl, err := db.table(ctx, "regions")
	if err != nil {
		t.Fatal(err)
	}
	id := tbl.ID
	ixID := func(name string) uint64 {
		t.Helper()
		ix := tbl.index(name)
		if ix == nil {
			t.Fatalf("no index %s", name)
		}
		return ix.ID
	}
	hashAt := func(i, n uint64) []byte {
		return binary.BigEndian.AppendUint64(itemsPrefix(id), segmentStart(i, n))
	}
	want := [][]byte{
		tablePrefix(id), hashAt(1, 3), hashAt(2, 3),
		indexPrefix(id, ixID("byG")), prefixEnd(indexPrefix(id, ixID("byG"))),
		indexPrefix(id, ixID("byL")), prefixEnd(indexPrefix(id, ixID("byL"))),
		prefixEnd(tablePrefix(id)),
	}
	slices.SortFunc(want, bytes.Compare)
	checkRegions(t, st, id, want)

	_, err = db.UpdateTable(ctx, &api.UpdateTableInput{TableName: s("regions"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: s("h"), AttributeType: s("S")}},
		GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{Create: &api.CreateGlobalSecondaryIndexAction{
			IndexName: s("byH"), KeySchema: []api.KeySchemaElement{{AttributeName: s("h"), KeyType: s("HASH")}},
			Projection:            &api.Projection{ProjectionType: s("KEYS_ONLY")},
			ProvisionedThroughput: &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr[int64](5), WriteCapacityUnits: api.Ptr[int64](5)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if tbl, err = db.table(ctx, "regions"); err != nil {
		t.Fatal(err)
	}
	want = append(want, indexPrefix(id, ixID("byH")), prefixEnd(indexPrefix(id, ixID("byH"))))
	slices.SortFunc(want, bytes.Compare)
	checkRegions(t, st, id, want)

	// A second, on-demand table starts on onDemandPartitions hash ranges.
	mustCreate(t, db, hashTable("ondemand", 0))
	od, err := db.table(ctx, "ondemand")
	if err != nil {
		t.Fatal(err)
	}
	want = [][]byte{tablePrefix(od.ID)}
	for i := uint64(1); i < onDemandPartitions; i++ {
		want = append(want, binary.BigEndian.AppendUint64(itemsPrefix(od.ID), segmentStart(i, onDemandPartitions)))
	}
	want = append(want, prefixEnd(tablePrefix(od.ID)))
	checkRegions(t, st, od.ID, want)
}

// checkRegions compares the regions starting inside table id's key range,
// and the one starting right after it, with want.
func checkRegions(t *testing.T, st *tikv.Store, id uint64, want [][]byte) {
	t.Helper()
	got, err := st.Regions(context.Background(), tablePrefix(id), keySuccessor(prefixEnd(tablePrefix(id))))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Fatalf("table %d: regions start at\n%q\nwant\n%q", id, got, want)
	}
}
