//go:build tikv

package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/kv/tikv"
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

// TestTiKVGCJob runs two servers on one mock cluster with a short GC
// interval: the GC safe point advances while both run, and again after the
// one running the job stops (or whichever held it: the other takes it over).
func TestTiKVGCJob(t *testing.T) {
	ctx := context.Background()
	c, err := tikv.NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	gc := TiKVGCConfig{Interval: 10 * time.Millisecond, Lifetime: -1, Lease: 300 * time.Millisecond, Poll: 10 * time.Millisecond}
	var stores []*tikv.Store
	var servers []*Server
	for range 2 {
		st, err := c.Open(ctx, tikv.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() }) // a second Close is harmless
		s, err := Open(ctx, Config{Store: st, InMemory: true, TTLInterval: -1, TiKVGC: gc, Logger: quietLogger()})
		if err != nil {
			t.Fatal(err)
		}
		stores, servers = append(stores, st), append(servers, s)
	}
	// advances waits until the safe point, read through st, passes from.
	advances := func(st *tikv.Store, from uint64) uint64 {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			sp, err := st.GCSafePoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if sp > from {
				return sp
			}
			if time.Now().After(deadline) {
				t.Fatalf("the GC safe point stayed at %d", sp)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	sp := advances(stores[1], 0)
	sp = advances(stores[1], sp)
	// The first node stops: its server, then its store (which removes
	// the store's service safe point; an open store would hold GC at
	// what it last published, for up to 10 s, until it published again).
	if err := servers[0].Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stores[0].Close(); err != nil {
		t.Fatal(err)
	}
	if sp, err = stores[1].GCSafePoint(ctx); err != nil {
		t.Fatal(err)
	}
	advances(stores[1], sp)
	if err := servers[1].Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := stores[1].Close(); err != nil {
		t.Fatal(err)
	}
}
