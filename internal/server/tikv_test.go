//go:build tikv

package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestServeTiKVMock serves from the mock cluster through the SDK, and
// leaves DataDir alone.
func TestServeTiKVMock(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Start(ctx, Config{Port: 0, TiKV: TiKVMock, DataDir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	c := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("kv_table"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("k"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("k"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	key := map[string]types.AttributeValue{"k": &types.AttributeValueMemberS{Value: "a"}}
	item := map[string]types.AttributeValue{"k": key["k"], "v": &types.AttributeValueMemberN{Value: "7"}}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("kv_table"), Item: item}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("kv_table"), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := out.Item["v"].(*types.AttributeValueMemberN); !ok || v.Value != "7" {
		t.Errorf("GetItem: %#v, want v=7", out.Item)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("data directory: %v, want it not created", err)
	}
}

func TestServeTiKVBadPD(t *testing.T) {
	if _, err := Open(context.Background(), Config{TiKV: "pd1:2379,,", Logger: quietLogger()}); err == nil {
		t.Fatal("Open with an empty PD endpoint succeeded")
	}
}
