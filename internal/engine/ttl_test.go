package engine

import (
	"context"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

func ttlSpec(table, attrName string, enabled bool) *api.UpdateTimeToLiveInput {
	return &api.UpdateTimeToLiveInput{TableName: api.Ptr(table),
		TimeToLiveSpecification: &api.TimeToLiveSpecification{AttributeName: api.Ptr(attrName), Enabled: api.Ptr(enabled)}}
}

// TestTTLAndPITRByTableState: with transient statuses, the sub-resource
// operations are admitted by table state as DynamoDB admits them
// (ack-api-quirks DDB-TABLE-115, -119): refused while CREATING, admitted
// while UPDATING, and DescribeTimeToLive refused while DELETING.
func TestTTLAndPITRByTableState(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	d := DefaultTransientDelays()
	db := openTransientDB(t, c, d)
	mustCreate(t, db, hashTable("Tbl", 5))

	_, err := db.UpdateTimeToLive(ctx, ttlSpec("Tbl", "exp", true))
	wantAPIErr(t, err, apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table Tbl is being created")
	_, err = db.DescribeTimeToLive(ctx, &api.DescribeTimeToLiveInput{TableName: api.Ptr("Tbl")})
	wantAPIErr(t, err, apierr.ValidationException, "Cannot describe time to live while table is in CREATING state: Current table state is CREATING")
	_, err = updatePITR(t, db, "Tbl", true, nil)
	wantAPIErr(t, err, apierr.ContinuousBackupsUnavailableException, "Backups are being enabled for the table: Tbl. Please retry later")
	if _, err := db.DescribeContinuousBackups(ctx, &api.DescribeContinuousBackupsInput{TableName: api.Ptr("Tbl")}); err != nil {
		t.Fatalf("DescribeContinuousBackups while CREATING: %v", err)
	}

	c.advance(d.TableCreate)
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("Tbl"), ProvisionedThroughput: throughput(6, 6)})
	if got := tableStatus(t, db, "Tbl"); got != api.TableStatusUpdating {
		t.Fatalf("after UpdateTable: %s, want UPDATING", got)
	}
	if _, err := db.UpdateTimeToLive(ctx, ttlSpec("Tbl", "exp", true)); err != nil {
		t.Fatalf("UpdateTimeToLive while UPDATING: %v", err)
	}
	if _, err := updatePITR(t, db, "Tbl", true, nil); err != nil {
		t.Fatalf("UpdateContinuousBackups while UPDATING: %v", err)
	}

	c.advance(d.TableUpdate)
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("Tbl")}); err != nil {
		t.Fatal(err)
	}
	_, err = db.DescribeTimeToLive(ctx, &api.DescribeTimeToLiveInput{TableName: api.Ptr("Tbl")})
	wantAPIErr(t, err, apierr.ValidationException, "Cannot describe time to live while table is in DELETING state: Current table state is DELETING")
	c.advance(d.TableDelete + time.Millisecond)
	_, err = db.DescribeTimeToLive(ctx, &api.DescribeTimeToLiveInput{TableName: api.Ptr("Tbl")})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, "Requested resource not found: Table: Tbl not found")
}

// TestRestoringTableSubresources: the target of a restore still CREATING is
// not found by its TTL, tag, policy, UpdateTable and continuous-backup
// operations, as DynamoDB answers them (DDB-TABLE-217). The table is held
// restoring by its record alone, with no job to finish it.
func TestRestoringTableSubresources(t *testing.T) {
	ctx := context.Background()
	db, _ := newTablesDB(t)
	mustCreate(t, db, hashTable("Tgt", 0))
	if _, err := db.changeCatalog(ctx, "Tgt", nil, func(_ kv.Txn, rec *tableRecord) (*tableRecord, error) {
		rec.Loading = &loadingState{Kind: "restore", Job: "none"}
		return rec, nil
	}); err != nil {
		t.Fatal(err)
	}
	const notFound = "Requested resource not found: Table: Tgt not found"
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/Tgt"
	_, err := db.UpdateTimeToLive(ctx, ttlSpec("Tgt", "exp", true))
	wantAPIErr(t, err, apierr.ResourceNotFoundException, notFound)
	_, err = db.DescribeTimeToLive(ctx, &api.DescribeTimeToLiveInput{TableName: api.Ptr("Tgt")})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, notFound)
	_, err = db.ListTagsOfResource(ctx, &api.ListTagsOfResourceInput{ResourceArn: api.Ptr(arn)})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, notFound)
	_, err = db.GetResourcePolicy(ctx, &api.GetResourcePolicyInput{ResourceArn: api.Ptr(arn)})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, notFound)
	_, err = db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("Tgt"), DeletionProtectionEnabled: api.Ptr(true)})
	wantAPIErr(t, err, apierr.ResourceNotFoundException, notFound)
	_, err = updatePITR(t, db, "Tgt", true, nil)
	wantAPIErr(t, err, apierr.TableNotFoundException, "Table not found: Tgt")
	_, err = db.DescribeContinuousBackups(ctx, &api.DescribeContinuousBackupsInput{TableName: api.Ptr("Tgt")})
	wantAPIErr(t, err, apierr.TableNotFoundException, "Table not found: Tgt")
	if s := tableStatus(t, db, "Tgt"); s != api.TableStatusCreating {
		t.Errorf("DescribeTable of the restoring table: %s, want CREATING", s)
	}
}
