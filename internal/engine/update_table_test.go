package engine

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

func TestUpdateTableErrors(t *testing.T) {
	db, _ := newTablesDB(t)
	mustCreate(t, db, hashTable("prov", 5))
	mustCreate(t, db, hashTable("ondemand", 0))
	before := jsonOf(t, []*api.TableDescription{mustDescribe(t, db, "prov"), mustDescribe(t, db, "ondemand")})
	for _, tc := range loadErrorCases(t, "update_table_errors.json") {
		t.Run(tc.Name, func(t *testing.T) {
			var in api.UpdateTableInput
			if err := json.Unmarshal(tc.In, &in); err != nil {
				t.Fatal(err)
			}
			_, err := db.UpdateTable(context.Background(), &in)
			wantAPIErr(t, err, tc.Code, tc.Msg)
		})
	}
	after := jsonOf(t, []*api.TableDescription{mustDescribe(t, db, "prov"), mustDescribe(t, db, "ondemand")})
	if after != before {
		t.Fatalf("refused updates changed the tables:\n%s\nwas:\n%s", after, before)
	}
}

// updateInPlace runs an UpdateTable of deletion protection or encryption
// alone, which leaves the table ACTIVE (DDB-TABLE-017).
func updateInPlace(t *testing.T, db *DB, in *api.UpdateTableInput) *api.TableDescription {
	t.Helper()
	out, err := db.UpdateTable(context.Background(), in)
	if err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	if s := api.Str(out.TableDescription.TableStatus); s != api.TableStatusActive {
		t.Fatalf("UpdateTable status = %s, want ACTIVE", s)
	}
	return out.TableDescription
}

func update(t *testing.T, db *DB, in *api.UpdateTableInput) *api.TableDescription {
	t.Helper()
	out, err := db.UpdateTable(context.Background(), in)
	if err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	if s := api.Str(out.TableDescription.TableStatus); s != api.TableStatusUpdating {
		t.Fatalf("UpdateTable status = %s, want UPDATING", s)
	}
	return out.TableDescription
}

func throughput(r, w int64) *api.ProvisionedThroughput {
	return &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr(r), WriteCapacityUnits: api.Ptr(w)}
}

func TestUpdateTableThroughput(t *testing.T) {
	db, clock := newTablesDB(t)
	mustCreate(t, db, hashTable("tpt", 5))
	t0 := api.NewTime(clock.now())

	// An increase: the response still shows the old units, as DynamoDB's
	// does while it provisions; DescribeTable shows the new ones.
	clock.advance(time.Minute)
	t1 := api.NewTime(clock.now())
	got := update(t, db, &api.UpdateTableInput{TableName: api.Ptr("tpt"), ProvisionedThroughput: throughput(15, 15)})
	pt := got.ProvisionedThroughput
	if api.Int(pt.ReadCapacityUnits, 0) != 5 || api.Int(pt.WriteCapacityUnits, 0) != 5 || pt.LastIncreaseDateTime == nil || *pt.LastIncreaseDateTime != t1 {
		t.Fatalf("UpdateTable response throughput = %s", jsonOf(t, pt))
	}
	d := mustDescribe(t, db, "tpt")
	if s := api.Str(d.TableStatus); s != api.TableStatusActive {
		t.Fatalf("status after update = %s", s)
	}
	want := &api.ProvisionedThroughputDescription{LastIncreaseDateTime: &t1, NumberOfDecreasesToday: api.Ptr[int64](0),
		ReadCapacityUnits: api.Ptr[int64](15), WriteCapacityUnits: api.Ptr[int64](15)}
	if g, w := jsonOf(t, d.ProvisionedThroughput), jsonOf(t, want); g != w {
		t.Fatalf("throughput after increase:\n%s\nwant:\n%s", g, w)
	}
	if *d.CreationDateTime != t0 {
		t.Fatalf("CreationDateTime changed: %v", *d.CreationDateTime)
	}

	// Two decreases today, then a new UTC day resets the count.
	clock.advance(time.Minute)
	t2 := api.NewTime(clock.now())
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("tpt"), ProvisionedThroughput: throughput(10, 15)})
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("tpt"), ProvisionedThroughput: throughput(10, 20)}) // increase only
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("tpt"), ProvisionedThroughput: throughput(5, 30)})  // a decrease and an increase
	d = mustDescribe(t, db, "tpt")
	want = &api.ProvisionedThroughputDescription{LastDecreaseDateTime: &t2, LastIncreaseDateTime: &t2, NumberOfDecreasesToday: api.Ptr[int64](2),
		ReadCapacityUnits: api.Ptr[int64](5), WriteCapacityUnits: api.Ptr[int64](30)}
	if g, w := jsonOf(t, d.ProvisionedThroughput), jsonOf(t, want); g != w {
		t.Fatalf("throughput after decreases:\n%s\nwant:\n%s", g, w)
	}
	clock.advance(24 * time.Hour)
	if n := api.Int(mustDescribe(t, db, "tpt").ProvisionedThroughput.NumberOfDecreasesToday, -1); n != 0 {
		t.Fatalf("NumberOfDecreasesToday on the next day = %d, want 0", n)
	}
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("tpt"), ProvisionedThroughput: throughput(4, 30)})
	if n := api.Int(mustDescribe(t, db, "tpt").ProvisionedThroughput.NumberOfDecreasesToday, -1); n != 1 {
		t.Fatalf("NumberOfDecreasesToday after a decrease on a new day = %d, want 1", n)
	}
}

func TestUpdateTableBillingMode(t *testing.T) {
	db, clock := newTablesDB(t)
	mustCreate(t, db, hashTable("bmt", 5))

	clock.advance(time.Hour)
	t1 := api.NewTime(clock.now())
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("bmt"), BillingMode: api.Ptr(api.BillingModePayPerRequest),
		OnDemandThroughput: &api.OnDemandThroughput{MaxReadRequestUnits: api.Ptr[int64](50), MaxWriteRequestUnits: api.Ptr[int64](60)}})
	d := mustDescribe(t, db, "bmt")
	wantBMS := &api.BillingModeSummary{BillingMode: api.Ptr(api.BillingModePayPerRequest), LastUpdateToPayPerRequestDateTime: &t1}
	if g, w := jsonOf(t, d.BillingModeSummary), jsonOf(t, wantBMS); g != w {
		t.Fatalf("BillingModeSummary:\n%s\nwant:\n%s", g, w)
	}
	if api.Int(d.ProvisionedThroughput.ReadCapacityUnits, -1) != 0 || api.Int(d.ProvisionedThroughput.WriteCapacityUnits, -1) != 0 {
		t.Fatalf("on-demand throughput = %s, want zeros", jsonOf(t, d.ProvisionedThroughput))
	}

	// -1 removes one maximum; the other stays.
	updateInPlace(t, db, &api.UpdateTableInput{TableName: api.Ptr("bmt"), OnDemandThroughput: &api.OnDemandThroughput{MaxReadRequestUnits: api.Ptr[int64](-1)}})
	if g, w := jsonOf(t, mustDescribe(t, db, "bmt").OnDemandThroughput), `{
  "MaxWriteRequestUnits": 60
}`; g != w {
		t.Fatalf("OnDemandThroughput = %s, want %s", g, w)
	}

	// Back to provisioned: the summary keeps the last on-demand time and
	// the on-demand maximums go.
	clock.advance(time.Hour)
	t2 := api.NewTime(clock.now())
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("bmt"), BillingMode: api.Ptr(api.BillingModeProvisioned), ProvisionedThroughput: throughput(3, 4)})
	d = mustDescribe(t, db, "bmt")
	wantBMS.BillingMode = api.Ptr(api.BillingModeProvisioned)
	if g, w := jsonOf(t, d.BillingModeSummary), jsonOf(t, wantBMS); g != w {
		t.Fatalf("BillingModeSummary:\n%s\nwant:\n%s", g, w)
	}
	if d.OnDemandThroughput != nil {
		t.Fatalf("OnDemandThroughput kept after switching to PROVISIONED: %s", jsonOf(t, d.OnDemandThroughput))
	}
	want := &api.ProvisionedThroughputDescription{LastIncreaseDateTime: &t2, NumberOfDecreasesToday: api.Ptr[int64](0),
		ReadCapacityUnits: api.Ptr[int64](3), WriteCapacityUnits: api.Ptr[int64](4)}
	if g, w := jsonOf(t, d.ProvisionedThroughput), jsonOf(t, want); g != w {
		t.Fatalf("throughput:\n%s\nwant:\n%s", g, w)
	}
}

func TestUpdateTableSettings(t *testing.T) {
	db, clock := newTablesDB(t)
	mustCreate(t, db, hashTable("settings", 0))
	clock.advance(time.Second)
	t1 := api.NewTime(clock.now())
	// One change per call, as DynamoDB requires (update_table_rules.go).
	const arn = "arn:aws:dynamodb:us-east-1:000000000000:table/settings"
	updateInPlace(t, db, &api.UpdateTableInput{TableName: api.Ptr(arn), DeletionProtectionEnabled: api.Ptr(true)})
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr(arn), TableClass: api.Ptr(api.TableClassStandardInfrequentAccess)})
	got := updateInPlace(t, db, &api.UpdateTableInput{
		TableName:            api.Ptr(arn),
		SSESpecification:     &api.SSESpecification{Enabled: api.Ptr(true), SSEType: api.Ptr(api.SSETypeKms), KMSMasterKeyId: api.Ptr("alias/mine")},
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("id"), AttributeType: api.Ptr("S")}},
	})
	d := mustDescribe(t, db, "settings")
	got.TableStatus = d.TableStatus
	if g, w := jsonOf(t, got), jsonOf(t, d); g != w {
		t.Fatalf("UpdateTable response:\n%s\nDescribeTable:\n%s", g, w)
	}
	if !api.Bool(d.DeletionProtectionEnabled) {
		t.Fatal("DeletionProtectionEnabled not set")
	}
	wantClass := &api.TableClassSummary{TableClass: api.Ptr(api.TableClassStandardInfrequentAccess), LastUpdateDateTime: &t1}
	if g, w := jsonOf(t, d.TableClassSummary), jsonOf(t, wantClass); g != w {
		t.Fatalf("TableClassSummary = %s, want %s", g, w)
	}
	if k := api.Str(d.SSEDescription.KMSMasterKeyArn); k != "arn:aws:kms:us-east-1:000000000000:alias/mine" {
		t.Fatalf("KMSMasterKeyArn = %s", k)
	}
	updateInPlace(t, db, &api.UpdateTableInput{TableName: api.Ptr("settings"), SSESpecification: &api.SSESpecification{Enabled: api.Ptr(false)}})
	if d := mustDescribe(t, db, "settings"); d.SSEDescription != nil {
		t.Fatalf("SSEDescription after disabling = %s", jsonOf(t, d.SSEDescription))
	}
}

// TestUpdateTableInPlaceWhileUpdating: deletion protection and encryption
// are admitted while the table is UPDATING and leave its status as it is
// (ACTIVE on an idle table); other changes wait (DDB-TABLE-017, -119).
func TestUpdateTableInPlaceWhileUpdating(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	d := DefaultTransientDelays()
	db := openTransientDB(t, c, d)
	mustCreate(t, db, hashTable("Tbl", 5))
	c.advance(d.TableCreate)
	out, err := db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("Tbl"), DeletionProtectionEnabled: api.Ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if s := api.Str(out.TableDescription.TableStatus); s != api.TableStatusActive || tableStatus(t, db, "Tbl") != api.TableStatusActive {
		t.Fatalf("after deletion protection alone: response %s, DescribeTable %s, want ACTIVE", s, tableStatus(t, db, "Tbl"))
	}
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("Tbl"), ProvisionedThroughput: throughput(6, 6)})
	out, err = db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("Tbl"), DeletionProtectionEnabled: api.Ptr(false)})
	if err != nil {
		t.Fatalf("deletion protection while UPDATING: %v", err)
	}
	if s := api.Str(out.TableDescription.TableStatus); s != api.TableStatusUpdating {
		t.Errorf("deletion protection while UPDATING answered %s, want UPDATING", s)
	}
	if _, err := db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("Tbl"),
		SSESpecification: &api.SSESpecification{Enabled: api.Ptr(true)}}); err != nil {
		t.Fatalf("encryption while UPDATING: %v", err)
	}
	_, err = db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("Tbl"), TableClass: api.Ptr(api.TableClassStandardInfrequentAccess)})
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table is being updated: Tbl")
}

// TestDeleteTableWhileIndexCreating: DeleteTable is refused while a GSI is
// being created, though the table is ACTIVE (DDB-TABLE-150). The index is
// held CREATING for an hour, so the refusal does not depend on timing.
func TestDeleteTableWhileIndexCreating(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	db := openTransientDB(t, c, TransientDelays{IndexCreate: time.Hour})
	mustCreate(t, db, hashTable("Tbl", 0))
	if _, err := updateTable(t, db, `{"TableName": "Tbl",
	  "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
	  "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "Gsi",
	    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]}`); err != nil {
		t.Fatal(err)
	}
	if s := tableStatus(t, db, "Tbl"); s != api.TableStatusActive {
		t.Fatalf("table %s, want ACTIVE (no table delay)", s)
	}
	_, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("Tbl")})
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Cannot delete table while indexes are being created, updated, or deleted.")
	mustDescribe(t, db, "Tbl")
}
