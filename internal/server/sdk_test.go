package server

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"
)

// TestSDKReadsTheWire checks the protocol through aws-sdk-go-v2, which
// verifies x-amz-crc32 and parses the error envelope: what an application
// sees must be DynamoDB's code and message.
func TestSDKReadsTheWire(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Port: 0, InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
	if _, err := client.ListTables(ctx, &dynamodb.ListTablesInput{}); err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	_, err = client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("a;b")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("DescribeTable: %v, want an API error", err)
	}
	want := "1 validation error detected: Value 'a;b' at 'tableName' failed to satisfy constraint: " +
		"Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
	if apiErr.ErrorCode() != "ValidationException" || apiErr.ErrorMessage() != want {
		t.Errorf("got %s: %s\nwant ValidationException: %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), want)
	}
}
