package server

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/sdkhttp"
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
			Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), RetryMaxAttempts: 1, HTTPClient: sdkhttp.Client()})
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

// TestNamespacesMetrics: with --auth, /metrics labels each namespace's
// tables with their ARNs, so two accounts' (and two regions') tables of
// one name are series of their own: requests, consumed capacity (what a
// namespace's engine reports) and the provisioned gauges.
func TestNamespacesMetrics(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	authFile := filepath.Join(dir, "auth.json")
	if err := os.WriteFile(authFile, []byte(nsAuthFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Start(ctx, Config{InMemory: true, Logger: quietLogger(), AuthFile: authFile, TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	clients := []*dynamodb.Client{nsClient(s, "AKIANSA", "sa", "us-east-1"), nsClient(s, "AKIANSA", "sa", "eu-west-1"), nsClient(s, "AKIANSB", "sb", "us-east-1")}
	for i, c := range clients {
		nsCreate(t, c, "same")
		for range i + 1 { // 1, 2 and 3 writes: each namespace's own count
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("same"),
				Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Account B reads account A's table by ARN: the series is A's table's.
	const aEast = "arn:aws:dynamodb:us-east-1:111111111111:table/same"
	if _, err := clients[2].GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(aEast),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}}); err == nil {
		t.Fatal("account B read account A's table without a resource policy")
	}
	body := scrape(t, s)
	for _, want := range []string{
		`dynago_requests_total{operation="PutItem",table="arn:aws:dynamodb:us-east-1:111111111111:table/same"} 1`,
		`dynago_requests_total{operation="PutItem",table="arn:aws:dynamodb:eu-west-1:111111111111:table/same"} 2`,
		`dynago_requests_total{operation="PutItem",table="arn:aws:dynamodb:us-east-1:222222222222:table/same"} 3`,
		`dynago_requests_total{operation="GetItem",table="arn:aws:dynamodb:us-east-1:111111111111:table/same"} 1`,
		`dynago_user_errors_total{code="AccessDeniedException",operation="GetItem",table="arn:aws:dynamodb:us-east-1:111111111111:table/same"} 1`,
		`dynago_consumed_write_capacity_units_total{index="",table="arn:aws:dynamodb:us-east-1:111111111111:table/same"} 1`,
		`dynago_consumed_write_capacity_units_total{index="",table="arn:aws:dynamodb:eu-west-1:111111111111:table/same"} 2`,
		`dynago_consumed_write_capacity_units_total{index="",table="arn:aws:dynamodb:us-east-1:222222222222:table/same"} 3`,
		`dynago_provisioned_read_capacity_units{billing_mode="PAY_PER_REQUEST",index="",table="arn:aws:dynamodb:us-east-1:222222222222:table/same"} 0`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, `table="same"`) {
		t.Error(`/metrics has a series labelled table="same", which names no one namespace's table`)
	}
	// Deleting one namespace's table drops its series, and only its.
	if _, err := clients[1].DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("same")}); err != nil {
		t.Fatal(err)
	}
	body = scrape(t, s)
	if strings.Contains(body, `table="arn:aws:dynamodb:eu-west-1:111111111111:table/same"`) {
		t.Error("/metrics still has series of the table deleted in eu-west-1")
	}
	if !strings.Contains(body, `dynago_consumed_write_capacity_units_total{index="",table="arn:aws:dynamodb:us-east-1:111111111111:table/same"} 1`+"\n") {
		t.Error("deleting eu-west-1's table dropped us-east-1's series too")
	}
}

// nsAuthFile has two accounts whose users may do anything in their own.
const nsAuthFile = `{"accounts": {
  "111111111111": {"users": {"a": {"accessKeys": [{"id": "AKIANSA", "secret": "sa"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}},
  "222222222222": {"users": {"b": {"accessKeys": [{"id": "AKIANSB", "secret": "sb"}],
    "policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}]}}}}}`

func nsClient(s *Server, key, secret, region string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{Region: region, BaseEndpoint: aws.String(s.URL()),
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, ""), RetryMaxAttempts: 1, HTTPClient: sdkhttp.Client()})
}

func nsCreate(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	if _, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{TableName: aws.String(name),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest}); err != nil {
		t.Fatal(err)
	}
}

// scrape returns the server's /metrics page.
func scrape(t *testing.T, s *Server) string {
	t.Helper()
	resp, err := http.Get(s.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", resp.StatusCode, err)
	}
	return string(b)
}
