//go:build tikv

package server

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynago/dynago/internal/kv/tikv"
	"github.com/dynago/dynago/internal/sdkhttp"
)

// TestTiKVFaultsThroughTheSDK serves from a mock cluster whose requests
// fail as a failing cluster's would (tikv.MockFaults), and checks what an
// SDK client, retrying nothing, is answered: TiKV's errors, after
// client-go's own retries, as DynamoDB's. Not parallel: MockFaults skips
// client-go's backoff sleeps process-wide.
func TestTiKVFaultsThroughTheSDK(t *testing.T) {
	ctx := context.Background()
	c, err := tikv.NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var faults tikv.MockFaults
	st, err := c.OpenWithFaults(ctx, tikv.Options{}, &faults)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s, err := Start(ctx, Config{Port: 0, Store: st, TTLInterval: -1, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	db := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Client(),
	})
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("faults"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	item := func(k string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: k}}
	}
	put := func() error {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("faults"), Item: item("a")})
		return err
	}
	get := func() error {
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("faults"), Key: item("a")})
		return err
	}
	transact := func() error {
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("faults"), Item: item("a")}},
			{Put: &types.Put{TableName: aws.String("faults"), Item: item("b")}},
		}})
		return err
	}
	for _, tc := range []struct {
		name  string
		fault tikv.Fault
		call  func() error
		check func(error) bool
	}{
		{"GetItem, region unavailable", tikv.FaultRegionUnavailable, get, isCode("InternalServerError")},
		{"PutItem, TiKV busy", tikv.FaultBusy, put, isCode("InternalServerError")}, // one replica: unavailable
		{"GetItem, TiKV not answering", tikv.FaultTimeout, get, isCode("InternalServerError")},
		{"PutItem, TiKV not answering", tikv.FaultTimeout, put, isCode("InternalServerError")},
		{"GetItem, PD's TSO stalled", tikv.FaultTSOStall, get, isCode("InternalServerError")},
		{"PutItem, PD's TSO stalled", tikv.FaultTSOStall, put, isCode("InternalServerError")},
		{"PutItem, write conflicts", tikv.FaultWriteConflict, put, func(err error) bool {
			var e *types.TransactionConflictException
			return errors.As(err, &e) && aws.ToString(e.Message) == "Transaction is ongoing for the item"
		}},
		{"PutItem, deadlocks", tikv.FaultDeadlock, put, func(err error) bool {
			var e *types.TransactionConflictException
			return errors.As(err, &e)
		}},
		{"TransactWriteItems, write conflicts", tikv.FaultWriteConflict, transact, func(err error) bool {
			var e *types.TransactionCanceledException
			if !errors.As(err, &e) || len(e.CancellationReasons) != 2 {
				return false
			}
			for _, r := range e.CancellationReasons {
				if aws.ToString(r.Code) != "TransactionConflict" {
					return false
				}
			}
			return true
		}},
	} {
		if err := faults.Set(tc.fault); err != nil {
			t.Fatal(err)
		}
		err := tc.call()
		if err := faults.Set(tikv.NoFault); err != nil {
			t.Fatal(err)
		}
		if err == nil || !tc.check(err) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err := put(); err != nil {
			t.Fatalf("%s: PutItem once the fault is gone: %v", tc.name, err)
		}
	}
}

// isCode reports whether an SDK error carries the DynamoDB error code.
func isCode(code string) func(error) bool {
	return func(err error) bool {
		var ae smithy.APIError
		return errors.As(err, &ae) && ae.ErrorCode() == code
	}
}
