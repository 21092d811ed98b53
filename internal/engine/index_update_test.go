package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func updateTable(t *testing.T, db *DB, js string) (*api.UpdateTableOutput, error) {
	t.Helper()
	var in api.UpdateTableInput
	if err := json.Unmarshal([]byte(js), &in); err != nil {
		t.Fatal(err)
	}
	return db.UpdateTable(context.Background(), &in)
}

func waitIndexes(t *testing.T, db *DB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.waitIndexesActive(ctx, name); err != nil {
		t.Fatal(err)
	}
}

func TestIndexOnlineCreateAndDelete(t *testing.T) {
	needExpr(t)
	db := newMusicDB(t)
	ctx := context.Background()
	for i := 0; i < 250; i++ { // more than two backfill batches
		it := song(fmt.Sprintf("A%d", i%7), fmt.Sprintf("S%03d", i), "Pop", 1990+i%20, "")
		if i%5 != 0 {
			it["Label"] = s(fmt.Sprintf("L%d", i%3))
		}
		put(t, db, "Music", it)
	}
	out, err := updateTable(t, db, `{"TableName": "Music",
	  "AttributeDefinitions": [{"AttributeName": "Label", "AttributeType": "S"}, {"AttributeName": "Song", "AttributeType": "S"}],
	  "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "LabelIndex",
	    "KeySchema": [{"AttributeName": "Label", "KeyType": "HASH"}, {"AttributeName": "Song", "KeyType": "RANGE"}],
	    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["Year"]},
	    "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	g := out.TableDescription.GlobalSecondaryIndexes[2]
	if api.Str(g.IndexStatus) != "CREATING" || !api.Bool(g.Backfilling) || api.Str(out.TableDescription.TableStatus) != "UPDATING" {
		t.Fatalf("new index described as %s backfilling=%v, table %s", api.Str(g.IndexStatus), api.Bool(g.Backfilling), api.Str(out.TableDescription.TableStatus))
	}
	q := &api.QueryInput{TableName: api.Ptr("Music"), IndexName: api.Ptr("LabelIndex"),
		KeyConditionExpression: api.Ptr("Label = :l"), ExpressionAttributeValues: attr.Item{":l": s("L1")}}
	_, err = db.Query(ctx, q)
	checkErr(t, err, apierr.ValidationException, "Cannot read from backfilling global secondary index: LabelIndex")
	// Writes during the backfill are indexed too.
	put(t, db, "Music", attr.Item{"Artist": s("New"), "Song": s("S999"), "Label": s("L1")})
	waitIndexes(t, db, "Music")
	res, err := db.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if c := api.Int(res.Count, 0); c != 68 { // i%3==1 and i%5!=0: 67, plus the new item
		t.Errorf("LabelIndex L1 count = %d, want 68", c)
	}
	checkClean(t, db)
	d := mustDescribe(t, db, "Music")
	if g := d.GlobalSecondaryIndexes[2]; api.Str(g.IndexStatus) != "ACTIVE" || g.Backfilling != nil || api.Int(g.ItemCount, 0) != 201 {
		t.Errorf("after backfill: %s backfilling=%v items=%d", api.Str(g.IndexStatus), g.Backfilling, api.Int(g.ItemCount, 0))
	}
	if len(d.AttributeDefinitions) != 6 {
		t.Errorf("attribute definitions = %d, want 6", len(d.AttributeDefinitions))
	}
	if pending, err := db.pendingJobs(ctx); err != nil || hasJob(pending, jobIndexBackfill) {
		t.Errorf("backfill job left behind: %v %v", pending, err)
	}

	// A type the new index refuses.
	_, err = db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: attr.Item{"Artist": s("x"), "Song": s("y"), "Label": n("1")}})
	checkErr(t, err, apierr.ValidationException, "One or more parameter values were invalid: Type mismatch for Index Key Label Expected: S Actual: N IndexName: LabelIndex")

	// Delete: DELETING, unreadable, then gone with its entries and its
	// unused attribute definition.
	tbl := db.lookup("Music").table
	old := tbl.index("LabelIndex")
	out, err = updateTable(t, db, `{"TableName": "Music", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "LabelIndex"}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if st := api.Str(out.TableDescription.GlobalSecondaryIndexes[2].IndexStatus); st != "DELETING" {
		t.Errorf("deleted index status = %s", st)
	}
	_, err = db.Query(ctx, q)
	checkErr(t, err, apierr.ValidationException, "The table does not have the specified index: LabelIndex")
	waitIndexes(t, db, "Music")
	d = mustDescribe(t, db, "Music")
	if len(d.GlobalSecondaryIndexes) != 2 || len(d.AttributeDefinitions) != 5 {
		t.Errorf("after delete: %d GSIs, %d attribute definitions", len(d.GlobalSecondaryIndexes), len(d.AttributeDefinitions))
	}
	if n, _, err := db.indexStats(ctx, tbl, old); err != nil || n != 0 {
		t.Errorf("entries left after drop: %d, %v", n, err)
	}
	checkClean(t, db)
}

func TestIndexUpdateErrors(t *testing.T) {
	db := newMusicDB(t)
	tests := []struct{ name, in, code, msg string }{
		{"two actions in one update", `{"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "AlbumIndex"}, "Update": {"IndexName": "AlbumIndex", "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}}]}`,
			"ValidationException", "One or more parameter values were invalid: Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object"},
		{"two updates of one index", `{"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "AlbumIndex"}}, {"Update": {"IndexName": "AlbumIndex", "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}}]}`,
			"ValidationException", "One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: AlbumIndex"},
		{"create an existing index", `{"AttributeDefinitions": [{"AttributeName": "Album", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "AlbumIndex", "KeySchema": [{"AttributeName": "Album", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}`,
			"ValidationException", "Attempting to create an index which already exists"},
		{"create without attribute definitions", `{"GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "New", "KeySchema": [{"AttributeName": "X", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}`,
			"ValidationException", "One or more parameter values were invalid: AttributeDefinitions is not specified for index: New"},
		{"create without throughput on a provisioned table", `{"AttributeDefinitions": [{"AttributeName": "X", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "New", "KeySchema": [{"AttributeName": "X", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]}`,
			"ValidationException", "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: New"},
		{"two creates", `{"AttributeDefinitions": [{"AttributeName": "X", "AttributeType": "S"}], "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "New", "KeySchema": [{"AttributeName": "X", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}, {"Create": {"IndexName": "New2", "KeySchema": [{"AttributeName": "X", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}}]}`,
			"LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"},
		{"delete an LSI", `{"GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "ArtistYearIndex"}}]}`,
			"ResourceNotFoundException", "Requested resource not found: Index ArtistYearIndex for table Music"},
		{"create with table throughput", `{"ProvisionedThroughput": {"ReadCapacityUnits": 9, "WriteCapacityUnits": 9}, "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "AlbumIndex"}}]}`,
			"ValidationException", "One or more parameter values were invalid: You cannot create or delete index while updating table IOPS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in api.UpdateTableInput
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			in.TableName = api.Ptr("Music")
			_, err := db.UpdateTable(context.Background(), &in)
			wantAPIErr(t, err, apierr.Code(tc.code), tc.msg)
		})
	}
	// Update changes a GSI's throughput at once.
	if _, err := updateTable(t, db, `{"TableName": "Music", "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "AlbumIndex", "ProvisionedThroughput": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 8}}}]}`); err != nil {
		t.Fatal(err)
	}
	g := mustDescribe(t, db, "Music").GlobalSecondaryIndexes[1]
	if api.Int(g.ProvisionedThroughput.ReadCapacityUnits, 0) != 7 || api.Str(g.IndexStatus) != "ACTIVE" {
		t.Errorf("updated index = %+v", g.ProvisionedThroughput)
	}
}

func TestIndexBillingModeSwitch(t *testing.T) {
	db := newMusicDB(t)
	if _, err := updateTable(t, db, `{"TableName": "Music", "BillingMode": "PAY_PER_REQUEST"}`); err != nil {
		t.Fatal(err)
	}
	g := mustDescribe(t, db, "Music").GlobalSecondaryIndexes[0]
	if api.Int(g.ProvisionedThroughput.ReadCapacityUnits, -1) != 0 || api.Int(g.ProvisionedThroughput.WriteCapacityUnits, -1) != 0 {
		t.Errorf("on-demand GSI throughput = %+v", g.ProvisionedThroughput)
	}
	_, err := updateTable(t, db, `{"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 3}}`)
	wantAPIErr(t, err, apierr.ValidationException, "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: GenreYearIndex,AlbumIndex")
	_, err = updateTable(t, db, `{"TableName": "Music", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 3},
	  "GlobalSecondaryIndexUpdates": [{"Update": {"IndexName": "GenreYearIndex", "ProvisionedThroughput": {"ReadCapacityUnits": 4, "WriteCapacityUnits": 4}}},
	    {"Update": {"IndexName": "AlbumIndex", "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 2}}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	if g := mustDescribe(t, db, "Music").GlobalSecondaryIndexes[1]; api.Int(g.ProvisionedThroughput.ReadCapacityUnits, 0) != 2 {
		t.Errorf("GSI throughput after switching back = %+v", g.ProvisionedThroughput)
	}
}
