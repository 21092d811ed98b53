package dynagotest_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

func createTable(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

func TestNewServesOnLoopback(t *testing.T) {
	db := dynagotest.New(t)
	if !strings.HasPrefix(db.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL() = %q, want http://127.0.0.1:<port>", db.URL())
	}
	if db.Client() != db.Client() {
		t.Error("Client() returned different clients")
	}
	out, err := db.Client().ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if len(out.TableNames) != 0 {
		t.Errorf("a new server has tables %v", out.TableNames)
	}
}

// Two servers in one test are independent: a table made on one is not
// seen on the other.
func TestServersAreIsolated(t *testing.T) {
	a, b := dynagotest.New(t), dynagotest.New(t)
	if a.URL() == b.URL() {
		t.Fatalf("two servers share %s", a.URL())
	}
	createTable(t, a.Client(), "OnlyOnA")
	out, err := b.Client().ListTables(context.Background(), &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if len(out.TableNames) != 0 {
		t.Errorf("server b sees %v", out.TableNames)
	}
}

// The server stops when the test that started it ends.
func TestCleanupStopsServer(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		url = dynagotest.New(t).URL()
	})
	resp, err := http.Get(url)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("server at %s still answers after its test ended", url)
	}
}

// WithDataDir keeps data across a restart on the same directory.
func TestWithDataDirSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	t.Run("write", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithDataDir(dir)).Client()
		createTable(t, c, "Kept")
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String("Kept"),
			Item:      map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k1"}},
		})
		if err != nil {
			t.Fatalf("PutItem: %v", err)
		}
	})
	c := dynagotest.New(t, dynagotest.WithDataDir(dir)).Client()
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String("Kept"),
		Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "k1"}},
	})
	if err != nil {
		t.Fatalf("GetItem after restart: %v", err)
	}
	if out.Item == nil {
		t.Fatal("item written before the restart is gone")
	}
}
