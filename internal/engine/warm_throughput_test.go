package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

func warmReq(r, w int64) *api.WarmThroughput {
	wt := &api.WarmThroughput{}
	if r > 0 {
		wt.ReadUnitsPerSecond = api.Ptr(r)
	}
	if w > 0 {
		wt.WriteUnitsPerSecond = api.Ptr(w)
	}
	return wt
}

func wantWarm(t *testing.T, what string, got *api.TableWarmThroughputDescription, r, w int64, status string) {
	t.Helper()
	if got == nil || api.Int(got.ReadUnitsPerSecond, 0) != r || api.Int(got.WriteUnitsPerSecond, 0) != w || api.Str(got.Status) != status {
		t.Fatalf("%s: WarmThroughput = %s, want %d/%d %s", what, jsonOf(t, got), r, w, status)
	}
}

// TestWarmThroughput follows a table's and a GSI's warm throughput from
// the starting values through increases, a refused decrease and the
// provisioned capacity rising past it.
func TestWarmThroughput(t *testing.T) {
	db, _ := newTablesDB(t)
	ctx := context.Background()
	in := hashTable("warm", 5)
	in.AttributeDefinitions = append(in.AttributeDefinitions, api.AttributeDefinition{AttributeName: api.Ptr("g"), AttributeType: api.Ptr("S")})
	in.GlobalSecondaryIndexes = []api.GlobalSecondaryIndex{{
		IndexName:             api.Ptr("byG"),
		KeySchema:             []api.KeySchemaElement{{AttributeName: api.Ptr("g"), KeyType: api.Ptr("HASH")}},
		Projection:            &api.Projection{ProjectionType: api.Ptr("ALL")},
		ProvisionedThroughput: throughput(5, 5),
		WarmThroughput:        warmReq(15000, 0),
	}}
	mustCreate(t, db, in)
	d := mustDescribe(t, db, "warm")
	wantWarm(t, "new table", d.WarmThroughput, 12000, 4000, api.TableStatusActive)
	g := d.GlobalSecondaryIndexes[0].WarmThroughput
	wantWarm(t, "new index", &api.TableWarmThroughputDescription{ReadUnitsPerSecond: g.ReadUnitsPerSecond, WriteUnitsPerSecond: g.WriteUnitsPerSecond, Status: g.Status},
		15000, 4000, api.IndexStatusActive)

	// An increase of one member keeps the other; the table stays ACTIVE.
	out := updateInPlace(t, db, &api.UpdateTableInput{TableName: api.Ptr("warm"), WarmThroughput: warmReq(0, 9000)})
	wantWarm(t, "UpdateTable response", out.WarmThroughput, 12000, 9000, api.TableStatusActive)
	wantWarm(t, "after an increase", mustDescribe(t, db, "warm").WarmThroughput, 12000, 9000, api.TableStatusActive)

	// The table's and the index's in one call.
	_, err := db.UpdateTable(ctx, &api.UpdateTableInput{
		TableName:      api.Ptr("warm"),
		WarmThroughput: warmReq(20000, 0),
		GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{
			Update: &api.UpdateGlobalSecondaryIndexAction{IndexName: api.Ptr("byG"), WarmThroughput: warmReq(16000, 5000)},
		}},
	})
	if err != nil {
		t.Fatalf("UpdateTable of the table's and the index's warm throughput: %v", err)
	}
	d = mustDescribe(t, db, "warm")
	wantWarm(t, "table after the joint update", d.WarmThroughput, 20000, 9000, api.TableStatusActive)
	if g := d.GlobalSecondaryIndexes[0].WarmThroughput; api.Int(g.ReadUnitsPerSecond, 0) != 16000 || api.Int(g.WriteUnitsPerSecond, 0) != 5000 {
		t.Fatalf("index after the joint update: %s", jsonOf(t, g))
	}

	// Lowering either refuses the request and changes nothing.
	before := jsonOf(t, mustDescribe(t, db, "warm"))
	_, err = db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("warm"), GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{
		Update: &api.UpdateGlobalSecondaryIndexAction{IndexName: api.Ptr("byG"), WarmThroughput: warmReq(15999, 0)},
	}}})
	wantAPIErr(t, err, apierr.ValidationException, "One or more parameter values were invalid: Requested ReadUnitsPerSecond for WarmThroughput for index : byG is lower than the current value (current: 16000, requested: 15999): decreasing WarmThroughput is not supported")
	if after := jsonOf(t, mustDescribe(t, db, "warm")); after != before {
		t.Fatalf("a refused decrease changed the table:\n%s\nwas:\n%s", after, before)
	}

	// Provisioning past the warm throughput raises it.
	update(t, db, &api.UpdateTableInput{TableName: api.Ptr("warm"), ProvisionedThroughput: throughput(25000, 100)})
	wantWarm(t, "after provisioning past it", mustDescribe(t, db, "warm").WarmThroughput, 25000, 9000, api.TableStatusActive)
}
