package engine

import (
	"context"
	"encoding/json"
	"regexp"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

func TestCreateTableErrors(t *testing.T) {
	db, _ := newTablesDB(t)
	for _, tc := range loadErrorCases(t, "create_table_errors.json") {
		t.Run(tc.Name, func(t *testing.T) {
			var in api.CreateTableInput
			if err := json.Unmarshal(tc.In, &in); err != nil {
				t.Fatal(err)
			}
			_, err := db.CreateTable(context.Background(), &in)
			wantAPIErr(t, err, tc.Code, tc.Msg)
		})
	}
	// Nothing above may have created a table.
	out, err := db.ListTables(context.Background(), &api.ListTablesInput{})
	if err != nil || len(out.TableNames) != 0 {
		t.Fatalf("ListTables after refused creates = %v, %v; want none", out.TableNames, err)
	}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateTableDescription(t *testing.T) {
	tests := []struct {
		name string
		in   string // CreateTableInput
		want string // TableDescription, without TableId
	}{{
		name: "provisioned, hash and range",
		in: `{"TableName": "Music", "BillingMode": "PROVISIONED",
			"AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}, {"AttributeName": "SongTitle", "AttributeType": "S"}],
			"KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
			"ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 10}}`,
		want: `{"AttributeDefinitions": [{"AttributeName": "Artist", "AttributeType": "S"}, {"AttributeName": "SongTitle", "AttributeType": "S"}],
			"CreationDateTime": 1795237200.123, "DeletionProtectionEnabled": false, "ItemCount": 0,
			"KeySchema": [{"AttributeName": "Artist", "KeyType": "HASH"}, {"AttributeName": "SongTitle", "KeyType": "RANGE"}],
			"ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 5, "WriteCapacityUnits": 10},
			"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Music", "TableName": "Music", "TableSizeBytes": 0, "TableStatus": "CREATING",
			"WarmThroughput": {"ReadUnitsPerSecond": 12000, "Status": "CREATING", "WriteUnitsPerSecond": 4000}}`,
	}, {
		name: "on demand with settings",
		in: `{"TableName": "Events.v2", "BillingMode": "PAY_PER_REQUEST",
			"AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}],
			"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
			"DeletionProtectionEnabled": true, "TableClass": "STANDARD_INFREQUENT_ACCESS",
			"SSESpecification": {"Enabled": true, "SSEType": "KMS", "KMSMasterKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
			"OnDemandThroughput": {"MaxReadRequestUnits": 100}, "WarmThroughput": {"ReadUnitsPerSecond": 30000},
			"StreamSpecification": {"StreamEnabled": false}, "Tags": []}`,
		want: `{"AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "N"}],
			"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": 1795237200.123},
			"CreationDateTime": 1795237200.123, "DeletionProtectionEnabled": true, "ItemCount": 0,
			"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
			"OnDemandThroughput": {"MaxReadRequestUnits": 100},
			"ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
			"SSEDescription": {"KMSMasterKeyArn": "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab", "SSEType": "KMS", "Status": "ENABLED"},
			"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Events.v2",
			"TableClassSummary": {"TableClass": "STANDARD_INFREQUENT_ACCESS"},
			"TableName": "Events.v2", "TableSizeBytes": 0, "TableStatus": "CREATING",
			"WarmThroughput": {"ReadUnitsPerSecond": 30000, "Status": "CREATING", "WriteUnitsPerSecond": 4000}}`,
	}, {
		name: "created by ARN",
		in: `{"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/ByArn", "BillingMode": "PAY_PER_REQUEST",
			"AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "B"}], "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}]}`,
		want: `{"AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "B"}],
			"BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": 1795237200.123},
			"CreationDateTime": 1795237200.123, "DeletionProtectionEnabled": false, "ItemCount": 0,
			"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
			"ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 0, "WriteCapacityUnits": 0},
			"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/ByArn", "TableName": "ByArn", "TableSizeBytes": 0, "TableStatus": "CREATING",
			"WarmThroughput": {"ReadUnitsPerSecond": 12000, "Status": "CREATING", "WriteUnitsPerSecond": 4000}}`,
	}, {
		// Warm throughput below the starting values, as a provisioned
		// table may have it, raised where its capacity is higher.
		name: "provisioned, warm throughput set",
		in: `{"TableName": "Warm", "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
			"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
			"ProvisionedThroughput": {"ReadCapacityUnits": 50, "WriteCapacityUnits": 300},
			"WarmThroughput": {"ReadUnitsPerSecond": 100, "WriteUnitsPerSecond": 200}}`,
		want: `{"AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
			"CreationDateTime": 1795237200.123, "DeletionProtectionEnabled": false, "ItemCount": 0,
			"KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
			"ProvisionedThroughput": {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": 50, "WriteCapacityUnits": 300},
			"TableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/Warm", "TableName": "Warm", "TableSizeBytes": 0, "TableStatus": "CREATING",
			"WarmThroughput": {"ReadUnitsPerSecond": 100, "Status": "CREATING", "WriteUnitsPerSecond": 300}}`,
	}}
	db, _ := newTablesDB(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in api.CreateTableInput
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			got := mustCreate(t, db, &in)
			if !uuidPattern.MatchString(api.Str(got.TableId)) {
				t.Errorf("TableId = %q, want a v4 UUID", api.Str(got.TableId))
			}
			got.TableId = nil
			var want api.TableDescription
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if g, w := jsonOf(t, got), jsonOf(t, &want); g != w {
				t.Errorf("description:\n%s\nwant:\n%s", g, w)
			}

			// DescribeTable reports the same table, ACTIVE.
			d := mustDescribe(t, db, api.Str(want.TableName))
			d.TableId = nil
			want.TableStatus = api.Ptr(api.TableStatusActive)
			want.WarmThroughput.Status = api.Ptr(api.TableStatusActive)
			if g, w := jsonOf(t, d), jsonOf(t, &want); g != w {
				t.Errorf("DescribeTable:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

func TestCreateTableExists(t *testing.T) {
	db, _ := newTablesDB(t)
	first := mustCreate(t, db, hashTable("dup", 1))
	_, err := db.CreateTable(context.Background(), hashTable("dup", 0))
	wantAPIErr(t, err, apierr.ResourceInUseException, "Table already exists: dup")
	// The refused request changed nothing.
	d := mustDescribe(t, db, "dup")
	if api.Str(d.TableId) != api.Str(first.TableId) || d.BillingModeSummary != nil {
		t.Fatalf("table changed by a refused CreateTable: %s", jsonOf(t, d))
	}
}

func TestCreateTableIDs(t *testing.T) {
	db, _ := newTablesDB(t)
	var ids []uint64
	for _, name := range []string{"tb1", "tb2", "tb3"} {
		mustCreate(t, db, hashTable(name, 0))
		ids = append(ids, db.lookup(name).table.ID)
	}
	if ids[0] != firstTableID || ids[1] != ids[0]+1 || ids[2] != ids[1]+1 {
		t.Fatalf("table ids = %v, want consecutive from %d", ids, firstTableID)
	}
	if a, b := api.Str(mustDescribe(t, db, "tb1").TableId), api.Str(mustDescribe(t, db, "tb2").TableId); a == b {
		t.Fatalf("two tables share TableId %s", a)
	}
}

// TestCreateTableRace creates the same table from many goroutines: exactly
// one wins, the others get ResourceInUseException.
func TestCreateTableRace(t *testing.T) {
	db, _ := newTablesDB(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.CreateTable(context.Background(), hashTable("race", 0))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case apierr.As(err) == nil || apierr.As(err).Code != apierr.ResourceInUseException:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d CreateTable calls succeeded, want 1", won)
	}
}
