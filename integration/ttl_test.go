package integration

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// epoch renders a time as a TTL attribute: a Number of epoch seconds.
func epoch(t time.Time) types.AttributeValue { return N(strconv.FormatInt(t.Unix(), 10)) }

func enableTTL(t *testing.T, c *dynamodb.Client, table, attrName string) {
	t.Helper()
	out, err := c.UpdateTimeToLive(context.Background(), &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attrName), Enabled: aws.Bool(true)},
	})
	if err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	if s := out.TimeToLiveSpecification; aws.ToString(s.AttributeName) != attrName || !aws.ToBool(s.Enabled) {
		t.Errorf("UpdateTimeToLive answered %+v", s)
	}
}

func ttlStatus(t *testing.T, c *dynamodb.Client, table string) (types.TimeToLiveStatus, string) {
	t.Helper()
	out, err := c.DescribeTimeToLive(context.Background(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTimeToLive: %v", err)
	}
	return out.TimeToLiveDescription.TimeToLiveStatus, aws.ToString(out.TimeToLiveDescription.AttributeName)
}

func TestTTLSettings(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "stories", hashS)
	if st, _ := ttlStatus(t, c, "stories"); st != types.TimeToLiveStatusDisabled {
		t.Errorf("new table TTL status %s, want DISABLED", st)
	}
	update := func(name string, enabled bool) error {
		_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String("stories"),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(name), Enabled: aws.Bool(enabled)},
		})
		return err
	}
	wantAPIError(t, update("expires", false), "ValidationException", "TimeToLive is already disabled")
	enableTTL(t, c, "stories", "expires")
	if st, a := ttlStatus(t, c, "stories"); st != types.TimeToLiveStatusEnabled || a != "expires" {
		t.Errorf("after enabling: %s %q, want ENABLED \"expires\"", st, a)
	}
	wantAPIError(t, update("expires", true), "ValidationException", "TimeToLive is already enabled")
	wantAPIError(t, update("other", false), "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is expires")
	if err := update("expires", false); err != nil {
		t.Fatalf("disabling: %v", err)
	}
	if st, _ := ttlStatus(t, c, "stories"); st != types.TimeToLiveStatusDisabled {
		t.Errorf("after disabling: %s, want DISABLED", st)
	}
	_, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("nope")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nope not found")
}

// TestTTLExpiry measures how long an expired item survives: it must be gone
// within one TTL interval, while items without the attribute, with a
// future expiry or with a non-Number value stay.
func TestTTLExpiry(t *testing.T) {
	const interval = 200 * time.Millisecond
	c := dynagotest.New(t, dynagotest.WithTTLInterval(interval)).Client()
	makeTable(t, c, "stories", hashS)
	enableTTL(t, c, "stories", "expires")
	now := time.Now()
	put(t, c, "stories", item{"pk": S("expired"), "expires": epoch(now.Add(-time.Hour))})
	put(t, c, "stories", item{"pk": S("no-ttl")})
	put(t, c, "stories", item{"pk": S("future"), "expires": epoch(now.Add(time.Hour))})
	put(t, c, "stories", item{"pk": S("string-ttl"), "expires": S("0")})
	put(t, c, "stories", item{"pk": S("ancient"), "expires": N("1")}) // more than 5 years ago: ignored, as by DynamoDB
	written := time.Now()

	// Expiry takes about one interval; the generous deadline only bounds
	// a test that would otherwise wait for ever (speed is measured by
	// benchmarks, not asserted here).
	deadline := written.Add(interval + 20*time.Second)
	for get(t, c, "stories", item{"pk": S("expired")}) != nil {
		if time.Now().After(deadline) {
			t.Fatalf("expired item still there %v after it was written (interval %v)", time.Since(written), interval)
		}
		time.Sleep(5 * time.Millisecond)
	}
	took := time.Since(written)
	t.Logf("expired item deleted %v after it was written (TTL interval %v)", took, interval)
	time.Sleep(2 * interval) // one more pass must not touch the rest
	for _, pk := range []string{"no-ttl", "future", "string-ttl", "ancient"} {
		if get(t, c, "stories", item{"pk": S(pk)}) == nil {
			t.Errorf("item %s was deleted, want it kept", pk)
		}
	}
}

// TestTTLVisibleUntilDeleted checks that an expired item stays readable
// (GetItem and Scan) until the TTL job reaches it, as in DynamoDB.
func TestTTLVisibleUntilDeleted(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithTTLInterval(time.Hour)).Client()
	makeTable(t, c, "stories", hashS)
	// Enabling TTL runs one pass at once; the next is an hour away. The
	// sentinel's deletion shows that first pass is over.
	put(t, c, "stories", item{"pk": S("sentinel"), "expires": epoch(time.Now().Add(-time.Minute))})
	enableTTL(t, c, "stories", "expires")
	for start := time.Now(); get(t, c, "stories", item{"pk": S("sentinel")}) != nil; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 20*time.Second { // a bound on waiting, not a speed check
			t.Fatal("enabling TTL did not run a pass")
		}
	}
	put(t, c, "stories", item{"pk": S("expired"), "expires": epoch(time.Now().Add(-time.Minute))})
	if get(t, c, "stories", item{"pk": S("expired")}) == nil {
		t.Fatal("an expired item vanished before the TTL job ran; DynamoDB keeps it readable until deleted")
	}
	out, err := c.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String("stories")})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("Scan before deletion: %v, %v; want the expired item", out, err)
	}
}

// TestTTLResumesAfterRestart: TTL enabled on one server is honoured by the
// next one on the same data directory.
func TestTTLResumesAfterRestart(t *testing.T) {
	dir := t.TempDir()
	t.Run("first", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithDataDir(dir), dynagotest.WithTTLInterval(time.Hour)).Client()
		makeTable(t, c, "stories", hashS)
		enableTTL(t, c, "stories", "expires")
		// The first server never deletes it: its pass on enabling may
		// run before or after this put, so the item expires only later
		// (in two seconds), and its next pass is an hour away.
		put(t, c, "stories", item{"pk": S("expired"), "expires": epoch(time.Now().Add(2 * time.Second))})
		put(t, c, "stories", item{"pk": S("kept")})
	})
	t.Run("second", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithDataDir(dir), dynagotest.WithTTLInterval(100*time.Millisecond)).Client()
		if st, a := ttlStatus(t, c, "stories"); st != types.TimeToLiveStatusEnabled || a != "expires" {
			t.Fatalf("after restart TTL is %s %q, want ENABLED \"expires\"", st, a)
		}
		start := time.Now()
		for get(t, c, "stories", item{"pk": S("expired")}) != nil {
			if time.Since(start) > 20*time.Second { // a bound on waiting, not a speed check
				t.Fatal("expired item not deleted after restart")
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("after restart, item expiring 2 s after its write deleted %v into the second server's life (interval 100ms)", time.Since(start))
		if get(t, c, "stories", item{"pk": S("kept")}) == nil {
			t.Error("item without TTL attribute deleted")
		}
	})
}

// TestTTLDeletesIndexEntries: TTL deletions take the normal write path, so
// the expired item leaves its global secondary index too.
func TestTTLDeletesIndexEntries(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithTTLInterval(50*time.Millisecond)).Client()
	ctx := context.Background()
	in := createTableInput("stories", hashS)
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("user"), AttributeType: types.ScalarAttributeTypeS})
	in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
		IndexName:  aws.String("by-user"),
		KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("user"), KeyType: types.KeyTypeHash}},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
	}}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "stories")
	enableTTL(t, c, "stories", "expires")
	put(t, c, "stories", item{"pk": S("old"), "user": S("ann"), "expires": epoch(time.Now().Add(-25 * time.Hour))})
	put(t, c, "stories", item{"pk": S("memory"), "user": S("ann")})
	query := func() int {
		out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("stories"), IndexName: aws.String("by-user"),
			KeyConditionExpression: aws.String("#u = :u"), ExpressionAttributeNames: map[string]string{"#u": "user"},
			ExpressionAttributeValues: item{":u": S("ann")}})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Items)
	}
	start := time.Now()
	for query() != 1 {
		if time.Since(start) > 20*time.Second { // a bound on waiting, not a speed check
			t.Fatal("the expired story is still in the index")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if get(t, c, "stories", item{"pk": S("old")}) != nil {
		t.Error("the expired story is gone from the index but not from the table")
	}
}
