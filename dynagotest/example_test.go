package dynagotest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// This is how a test in your own package uses dynagotest: New starts a
// server for the test and stops it when the test ends; Client is an
// aws-sdk-go-v2 client already pointed at it.
func ExampleNew() {
	TestUserStore := func(t *testing.T) {
		db := dynagotest.New(t)
		client := db.Client()
		ctx := context.Background()

		_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String("Users"),
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
			BillingMode:          types.BillingModePayPerRequest,
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("Users"),
			Item: map[string]types.AttributeValue{
				"id":   &types.AttributeValueMemberS{Value: "u1"},
				"name": &types.AttributeValueMemberS{Value: "Ada"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String("Users"),
			Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "u1"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if name := out.Item["name"].(*types.AttributeValueMemberS).Value; name != "Ada" {
			t.Errorf("name = %q, want Ada", name)
		}
	}
	_ = TestUserStore // in your code this is a top-level func TestUserStore(t *testing.T)
}

// Code outside the aws-sdk-go-v2 client (boto3 in a subprocess, the AWS
// CLI, raw HTTP) reaches the same server through URL.
func ExampleServer_URL() {
	TestWithCLI := func(t *testing.T) {
		db := dynagotest.New(t)
		t.Logf("aws dynamodb list-tables --endpoint-url %s", db.URL())
	}
	_ = TestWithCLI
}
