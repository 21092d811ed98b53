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

// TestNamespacesReopenAtStart: a restarted server with --auth opens every
// namespace that holds data before any request, so their background
// jobs run, and each still sees its own tables.
func TestNamespacesReopenAtStart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	authFile := filepath.Join(dir, "auth.json")
	const file = `{"accounts": {
  "111111111111": {"users": {"a": {"accessKeys": [{"id": "AKIANSA", "secret": "sa"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}},
  "222222222222": {"users": {"b": {"accessKeys": [{"id": "AKIANSB", "secret": "sb"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}}}}`
	if err := os.WriteFile(authFile, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: filepath.Join(dir, "data"), Logger: quietLogger(), AuthFile: authFile, TTLInterval: -1}
	client := func(s *Server, key, secret, region string) *dynamodb.Client {
		return dynamodb.New(dynamodb.Options{Region: region, BaseEndpoint: aws.String(s.URL()),
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), RetryMaxAttempts: 1})
	}
	s, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	create := func(c *dynamodb.Client, name string) {
		t.Helper()
		if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String(name),
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
			BillingMode:          types.BillingModePayPerRequest}); err != nil {
			t.Fatal(err)
		}
	}
	create(client(s, "AKIANSA", "sa", "us-east-1"), "a-east")
	create(client(s, "AKIANSA", "sa", "eu-west-1"), "a-west")
	create(client(s, "AKIANSB", "sb", "us-east-1"), "b-east")
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}

	s, err = Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	if s.ns.count != 3 {
		t.Fatalf("%d namespaces open after a restart, want 3", s.ns.count)
	}
	for _, c := range []struct{ key, secret, region, table string }{
		{"AKIANSA", "sa", "us-east-1", "a-east"}, {"AKIANSA", "sa", "eu-west-1", "a-west"}, {"AKIANSB", "sb", "us-east-1", "b-east"},
	} {
		out, err := client(s, c.key, c.secret, c.region).ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil || len(out.TableNames) != 1 || out.TableNames[0] != c.table {
			t.Errorf("%s in %s lists %v (%v), want [%s]", c.key, c.region, out, err, c.table)
		}
	}
}
