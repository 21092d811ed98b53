//go:build tikv

package integration

// Two API nodes over one TiKV cluster (client-go's mock), each a server
// with a TiKV client of its own on its own port, as two dynago processes
// behind a load balancer: what one node does, a client of the other sees.

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynago/dynago/dynagotest"
)

// twoNodes starts two servers on one new mock TiKV cluster.
func twoNodes(t *testing.T, opts ...dynagotest.Option) (a, b *dynagotest.Server) {
	t.Helper()
	cluster := dynagotest.NewTiKVCluster(t)
	opts = append(opts, dynagotest.WithTiKVCluster(cluster))
	return dynagotest.New(t, opts...), dynagotest.New(t, opts...)
}

// addIndexG adds a KEYS_ONLY GSI "byG" on string attribute g to table.
func addIndexG(t *testing.T, c *dynamodb.Client, table string) {
	t.Helper()
	_, err := c.UpdateTable(context.Background(), &dynamodb.UpdateTableInput{TableName: aws.String(table),
		AttributeDefinitions: adefs("g", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("byG"), KeySchema: ks("g", ""), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}}})
	if err != nil {
		t.Fatal(err)
	}
}

// waitIndexActive waits until every GSI of table is ACTIVE, as c sees it.
func waitIndexActive(t *testing.T, c *dynamodb.Client, table string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		active := true
		for _, g := range d.Table.GlobalSecondaryIndexes {
			active = active && g.IndexStatus == types.IndexStatusActive
		}
		if active {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the indexes of %s are not ACTIVE after 30 s: %+v", table, d.Table.GlobalSecondaryIndexes)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countG counts byG's entries under g through c.
func countG(t *testing.T, c *dynamodb.Client, table, g string) int32 {
	t.Helper()
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": S(g)}, Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return out.Count
}

// A table created through one node is written and read through the other;
// a GSI created through one is maintained by the other's writes, those
// racing its backfill included.
func TestTiKVNodesCatalogAndIndex(t *testing.T) {
	a, b := twoNodes(t)
	ca, cb := a.Client(), b.Client()
	makeTable(t, ca, "songs", hashS)
	for i := range 300 {
		put(t, ca, "songs", item{"pk": S(strconv.Itoa(i)), "g": S(strconv.Itoa(i % 3))})
	}
	if it := get(t, cb, "songs", item{"pk": S("7")}); it == nil || sval(t, it["g"]) != "1" {
		t.Fatalf("node b reads node a's write: %v", it)
	}
	addIndexG(t, ca, "songs")
	for i := range 100 { // node b moves a third of the items, and adds 50
		put(t, cb, "songs", item{"pk": S(strconv.Itoa(i * 3)), "g": S("moved")})
		if i < 50 {
			put(t, cb, "songs", item{"pk": S("new-" + strconv.Itoa(i)), "g": S("new")})
		}
	}
	waitIndexActive(t, cb, "songs")
	for _, c := range []*dynamodb.Client{ca, cb} {
		for g, want := range map[string]int32{"0": 0, "1": 100, "2": 100, "moved": 100, "new": 50} {
			if n := countG(t, c, "songs", g); n != want {
				t.Errorf("byG %q: %d entries, want %d", g, n, want)
			}
		}
	}
	if _, err := cb.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String("songs")}); err != nil {
		t.Fatal(err)
	}
	_, err := ca.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("songs"), Key: item{"pk": S("1")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
}

// The bank-transfer isolation test with the transfers and the summing
// reads spread over both nodes: no money is lost or made, and no read sees
// half a transfer, with the locks of one node's transactions met by the
// other's inside TiKV.
func TestTiKVNodesBankTransfer(t *testing.T) {
	a, b := twoNodes(t)
	bankTransfer(t, a.Client(), b.Client())
}

// Writes through both nodes land in one stream, each key's records in
// the order they were written, with sequence numbers rising along its one
// shard, read through either node.
func TestTiKVNodesStreams(t *testing.T) {
	a, b := twoNodes(t)
	ca, cb := a.Client(), b.Client()
	desc := createStreamTable(t, ca, "events", types.StreamViewTypeNewImage)
	waitActive(t, cb, "events")
	const keys = 40
	for round := range 3 {
		for k := range keys {
			c := ca
			if (k+round)%2 == 1 {
				c = cb
			}
			put(t, c, "events", item{"pk": S(fmt.Sprint(k)), "round": N(strconv.Itoa(round))})
		}
	}
	for _, s := range []*dynagotest.Server{a, b} {
		sc := dynamodbstreams.New(dynamodbstreams.Options{BaseEndpoint: aws.String(s.URL()), Region: dynagotest.Region,
			Credentials: credentials.NewStaticCredentialsProvider("dynago", "dynago", "")})
		recs := readAll(t, sc, aws.ToString(desc.LatestStreamArn))
		if len(recs) != 3*keys {
			t.Fatalf("%d stream records, want %d", len(recs), 3*keys)
		}
		next := map[string]int{} // key → the round its next record must carry
		var lastSeq string
		for _, r := range recs {
			k := r.Dynamodb.Keys["pk"].(*stypes.AttributeValueMemberS).Value
			round, _ := strconv.Atoi(r.Dynamodb.NewImage["round"].(*stypes.AttributeValueMemberN).Value)
			if round != next[k] {
				t.Fatalf("key %s: record of round %d, want round %d", k, round, next[k])
			}
			next[k]++
			want := stypes.OperationTypeModify
			if round == 0 {
				want = stypes.OperationTypeInsert
			}
			if r.EventName != want {
				t.Errorf("key %s round %d: %s, want %s", k, round, r.EventName, want)
			}
			seq := aws.ToString(r.Dynamodb.SequenceNumber)
			if len(seq) < len(lastSeq) || (len(seq) == len(lastSeq) && seq <= lastSeq) {
				t.Fatalf("sequence number %s after %s", seq, lastSeq)
			}
			lastSeq = seq
		}
	}
}

// A node's jobs go on without it: a GSI backfill started through node a,
// which then stops, is finished by node b, and b's TTL pass deletes what
// expires afterwards. (The index stays CREATING at least 200 ms, so node
// a almost always stops holding the job; the log says whether it did. The
// engine's TestTiKVJobTakenOverByTheOtherNode shows a takeover
// deterministically, waiting for a checkpoint before killing the node.)
func TestTiKVNodesJobsTakenOver(t *testing.T) {
	a, b := twoNodes(t, dynagotest.WithTTLInterval(200*time.Millisecond))
	ca, cb := a.Client(), b.Client()
	makeTable(t, ca, "big", hashS)
	for i := range 600 {
		put(t, ca, "big", item{"pk": S(strconv.Itoa(i)), "g": S(strconv.Itoa(i % 2))})
	}
	addIndexG(t, ca, "big")
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	d, err := cb.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("big")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("index %s when node a had stopped", d.Table.GlobalSecondaryIndexes[0].IndexStatus)
	waitIndexActive(t, cb, "big")
	for _, g := range []string{"0", "1"} {
		if n := countG(t, cb, "big", g); n != 300 {
			t.Errorf("byG %q after node a stopped: %d entries, want 300", g, n)
		}
	}

	enableTTL(t, cb, "big", "exp")
	put(t, cb, "big", item{"pk": S("expired"), "g": S("0"), "exp": epoch(time.Now().Add(-time.Hour))})
	deadline := time.Now().Add(10 * time.Second)
	for get(t, cb, "big", item{"pk": S("expired")}) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the expired item is still there 10 s after node a stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := countG(t, cb, "big", "0"); n != 300 {
		t.Errorf("byG \"0\" after the TTL deletion: %d entries, want 300", n)
	}
}
