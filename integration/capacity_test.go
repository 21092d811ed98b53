package integration

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// noRetry makes one call see a throttling error instead of the SDK
// retrying it away.
func noRetry(o *dynamodb.Options) { o.Retryer = aws.NopRetryer{} }

// provisionedTable creates a PROVISIONED table keyed by string "pk".
func provisionedTable(t *testing.T, c *dynamodb.Client, name string, rcu, wcu int64) {
	t.Helper()
	in := createTableInput(name, hashS)
	in.BillingMode = types.BillingModeProvisioned
	in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(rcu), WriteCapacityUnits: aws.Int64(wcu)}
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	waitActive(t, c, name)
}

// sized returns an item of exactly size bytes by DynamoDB's measure:
// attribute names plus values ("pk"+pk, "data"+filler).
func sized(pk string, size int) item {
	return item{"pk": S(pk), "data": S(strings.Repeat("x", size-len("pk")-len(pk)-len("data")))}
}

// isThrottled reports whether err is ProvisionedThroughputExceededException.
func isThrottled(err error) bool {
	var pte *types.ProvisionedThroughputExceededException
	return errors.As(err, &pte)
}

// TestConsumedCapacityDocumentedExamples checks ConsumedCapacity against
// the examples of the DynamoDB Developer Guide ("Read/write capacity
// mode", "Managing settings on DynamoDB provisioned capacity tables"):
// reads in 4 KB units, halved when eventually consistent; writes in 1 KB
// units of the larger of the old and new item; BatchGetItem rounds each
// item; Query rounds the sum; transactions cost double.
func TestConsumedCapacityDocumentedExamples(t *testing.T) {
	c := dynagotest.New(t).Client()
	ctx := context.Background()
	provisionedTable(t, c, "capacity", 1000, 1000)
	tbl := aws.String("capacity")
	total := types.ReturnConsumedCapacityTotal

	units := func(cc *types.ConsumedCapacity) float64 {
		t.Helper()
		if cc == nil {
			t.Fatal("no ConsumedCapacity in the answer")
		}
		if aws.ToString(cc.TableName) != "capacity" {
			t.Errorf("ConsumedCapacity.TableName = %q", aws.ToString(cc.TableName))
		}
		return aws.ToFloat64(cc.CapacityUnits)
	}
	check := func(what string, got, want float64) {
		t.Helper()
		if got != want {
			t.Errorf("%s consumed %v units, want %v", what, got, want)
		}
	}
	putUnits := func(it item) float64 {
		t.Helper()
		out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: it, ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		return units(out.ConsumedCapacity)
	}
	getUnits := func(pk string, consistent bool) float64 {
		t.Helper()
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S(pk)}, ConsistentRead: aws.Bool(consistent), ReturnConsumedCapacity: total})
		if err != nil {
			t.Fatal(err)
		}
		return units(out.ConsumedCapacity)
	}

	check("PutItem of a 1.5 KB item", putUnits(sized("a", 1536)), 2)
	check("PutItem of a 3.5 KB item", putUnits(sized("b", 3584)), 4)
	check("PutItem of a 10 KB item", putUnits(sized("c", 10240)), 10)
	check("PutItem of a 500-byte item", putUnits(sized("d", 500)), 1)
	check("strongly consistent GetItem of 3.5 KB", getUnits("b", true), 1)
	check("eventually consistent GetItem of 3.5 KB", getUnits("b", false), 0.5)
	check("strongly consistent GetItem of 10 KB", getUnits("c", true), 3)
	check("eventually consistent GetItem of 10 KB", getUnits("c", false), 1.5)
	check("GetItem of a missing item", getUnits("missing", true), 1)
	// Replacing 3.5 KB by 1 KB costs the larger of the two.
	check("PutItem replacing 3.5 KB by 1 KB", putUnits(sized("b", 1024)), 4)

	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"pk": S("a")}, ReturnConsumedCapacity: total})
	if err != nil {
		t.Fatal(err)
	}
	check("DeleteItem of a 1.5 KB item", units(del.ConsumedCapacity), 2)

	// BatchGetItem: a 1.5 KB and a 6.5 KB item count as 4 KB + 8 KB.
	putUnits(sized("a", 1536))
	putUnits(sized("e", 6656))
	bg, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{"capacity": {
			Keys: []map[string]types.AttributeValue{{"pk": S("a")}, {"pk": S("e")}}, ConsistentRead: aws.Bool(true)}},
		ReturnConsumedCapacity: total,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(bg.ConsumedCapacity) != 1 {
		t.Fatalf("BatchGetItem ConsumedCapacity = %+v", bg.ConsumedCapacity)
	}
	check("BatchGetItem of 1.5 KB + 6.5 KB", units(&bg.ConsumedCapacity[0]), 3)

	// TOTAL carries no per-table breakdown; INDEXES does; NONE carries
	// nothing at all.
	if bg.ConsumedCapacity[0].Table != nil {
		t.Errorf("TOTAL answered a Table breakdown: %+v", bg.ConsumedCapacity[0].Table)
	}
	gi, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("c")}, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if gi.ConsumedCapacity == nil || gi.ConsumedCapacity.Table == nil || aws.ToFloat64(gi.ConsumedCapacity.Table.CapacityUnits) != 3 {
		t.Errorf("INDEXES GetItem ConsumedCapacity = %+v, want Table.CapacityUnits 3", gi.ConsumedCapacity)
	}
	gn, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("c")}})
	if err != nil {
		t.Fatal(err)
	}
	if gn.ConsumedCapacity != nil {
		t.Errorf("GetItem without ReturnConsumedCapacity answered %+v", gn.ConsumedCapacity)
	}
}

// TestThrottlingOneWCU: a 1-WCU table accepts a burst of 1 KB writes up to
// its 300 seconds of burst capacity, then refuses them with
// ProvisionedThroughputExceededException, and accepts them again once a
// second's worth of capacity has refilled. The timings are logged.
func TestThrottlingOneWCU(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithThrottling()).Client()
	ctx := context.Background()
	provisionedTable(t, c, "slow", 1, 1)
	write := func(i int) error {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("slow"), Item: sized("k"+strconv.Itoa(i), 1024)}, noRetry)
		return err
	}
	start := time.Now()
	accepted := 0
	var err error
	for ; accepted < 1000; accepted++ {
		if err = write(accepted); err != nil {
			break
		}
	}
	burst := time.Since(start)
	if !isThrottled(err) {
		t.Fatalf("after %d writes: %v, want ProvisionedThroughputExceededException", accepted, err)
	}
	wantAPIError(t, err, "ProvisionedThroughputExceededException",
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	t.Logf("1-WCU table accepted %d 1 KB writes in %v, then throttled", accepted, burst)
	// 300 s of burst, plus what refills during the burst itself.
	if maxOK := 300 + int(burst.Seconds()) + 1; accepted < 300 || accepted > maxOK {
		t.Errorf("accepted %d writes before throttling, want 300..%d", accepted, maxOK)
	}

	throttledAt := time.Now()
	throttled := 0
	for i := 0; ; i++ {
		err := write(10000 + i)
		if err == nil {
			break
		}
		if !isThrottled(err) {
			t.Fatal(err)
		}
		throttled++
		if time.Since(throttledAt) > 3*time.Second {
			t.Fatal("still throttled 3 s after the burst; 1 WCU refills a write per second")
		}
		time.Sleep(20 * time.Millisecond)
	}
	refill := time.Since(throttledAt)
	t.Logf("accepted again %v after the first throttle (%d throttled attempts, polling every 20ms)", refill, throttled)
	if refill > 1500*time.Millisecond {
		t.Errorf("refill took %v, want about a second at most", refill)
	}

	// UpdateTable takes effect at once.
	for write(20000) == nil {
	}
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("slow"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1000)}}); err != nil {
		t.Fatal(err)
	}
	// 60 ms at 1000 WCU refills 60 writes; at the old 1 WCU it would
	// refill 0.06.
	time.Sleep(60 * time.Millisecond)
	for i := range 50 {
		if err := write(30000 + i); err != nil {
			t.Fatalf("write %d after raising to 1000 WCU: %v", i, err)
		}
	}
}

// TestNoThrottlingModes: on-demand tables and servers started without
// throttling accept what a 1-WCU table would refuse.
func TestNoThrottlingModes(t *testing.T) {
	ctx := context.Background()
	t.Run("on-demand", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithThrottling()).Client()
		makeTable(t, c, "fast", hashS)
		for i := range 400 {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("fast"), Item: sized("k"+strconv.Itoa(i), 1024)}, noRetry); err != nil {
				t.Fatalf("write %d to an on-demand table: %v", i, err)
			}
		}
	})
	t.Run("without throttling", func(t *testing.T) {
		c := dynagotest.New(t, dynagotest.WithoutThrottling()).Client()
		provisionedTable(t, c, "slow", 1, 1)
		for i := range 400 {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("slow"), Item: sized("k"+strconv.Itoa(i), 1024)}, noRetry); err != nil {
				t.Fatalf("write %d with throttling off: %v", i, err)
			}
		}
	})
}

func TestDescribeLimits(t *testing.T) {
	c := client(t)
	out, err := c.DescribeLimits(context.Background(), &dynamodb.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(out.TableMaxReadCapacityUnits) != 40000 || aws.ToInt64(out.TableMaxWriteCapacityUnits) != 40000 ||
		aws.ToInt64(out.AccountMaxReadCapacityUnits) != 80000 || aws.ToInt64(out.AccountMaxWriteCapacityUnits) != 80000 {
		t.Errorf("DescribeLimits = %+v, want DynamoDB's defaults 80000/80000 account, 40000/40000 table", out)
	}
}

// TestTableSettingsAndOnDemandMaximum: the settings DynamoDB describes back
// are kept, deletion protection is enforced, and an on-demand table's
// MaxWriteRequestUnits throttles it.
func TestTableSettingsAndOnDemandMaximum(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithThrottling()).Client()
	ctx := context.Background()
	in := createTableInput("settings", hashS)
	in.DeletionProtectionEnabled = aws.Bool(true)
	in.TableClass = types.TableClassStandardInfrequentAccess
	in.SSESpecification = &types.SSESpecification{Enabled: aws.Bool(true)}
	in.OnDemandThroughput = &types.OnDemandThroughput{MaxWriteRequestUnits: aws.Int64(1)}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("settings")})
	if err != nil {
		t.Fatal(err)
	}
	tb := d.Table
	if !aws.ToBool(tb.DeletionProtectionEnabled) || tb.TableClassSummary == nil || tb.TableClassSummary.TableClass != types.TableClassStandardInfrequentAccess ||
		tb.SSEDescription == nil || tb.SSEDescription.Status != types.SSEStatusEnabled || tb.SSEDescription.SSEType != types.SSETypeKms ||
		tb.OnDemandThroughput == nil || aws.ToInt64(tb.OnDemandThroughput.MaxWriteRequestUnits) != 1 {
		t.Errorf("DescribeTable lost a setting: protection %v class %+v sse %+v on-demand %+v",
			aws.ToBool(tb.DeletionProtectionEnabled), tb.TableClassSummary, tb.SSEDescription, tb.OnDemandThroughput)
	}
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("settings")})
	wantAPIError(t, err, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")

	// One write request unit per second, one second of burst.
	throttled := 0
	for i := range 5 {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("settings"), Item: sized("k"+strconv.Itoa(i), 1024)}, noRetry)
		if isThrottled(err) {
			throttled++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if throttled < 3 {
		t.Errorf("%d of 5 back-to-back writes throttled at MaxWriteRequestUnits 1, want at least 3", throttled)
	}

	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("settings"), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("settings")}); err != nil {
		t.Errorf("DeleteTable after disabling protection: %v", err)
	}
}

// TestIndexWriteCapacity: a write costs each global secondary index it
// touches (one write to add or remove an entry, two to move it to a new
// index key, none when no projected attribute changes), reported per index
// under INDEXES and summed under TOTAL; a GSI whose write capacity runs out
// throttles the table's writes with DynamoDB's index message.
func TestIndexWriteCapacity(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithThrottling()).Client()
	ctx := context.Background()
	in := createTableInput("indexed", hashS)
	in.BillingMode = types.BillingModeProvisioned
	in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1000), WriteCapacityUnits: aws.Int64(1000)}
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
	in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
		IndexName:             aws.String("by-g"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
		Projection:            &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
	}}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "indexed")
	write := func(it item) *types.ConsumedCapacity {
		t.Helper()
		out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("indexed"), Item: it, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes}, noRetry)
		if err != nil {
			t.Fatal(err)
		}
		return out.ConsumedCapacity
	}
	gsiUnits := func(cc *types.ConsumedCapacity) float64 {
		if g, ok := cc.GlobalSecondaryIndexes["by-g"]; ok {
			return aws.ToFloat64(g.CapacityUnits)
		}
		return 0
	}
	tests := []struct {
		name       string
		it         item
		table, gsi float64
	}{
		{"add an entry", item{"pk": S("a"), "g": S("x"), "data": S(strings.Repeat("d", 1500))}, 2, 1},
		{"change an unprojected attribute", item{"pk": S("a"), "g": S("x"), "data": S("short")}, 2, 0},
		{"move to a new index key", item{"pk": S("a"), "g": S("y")}, 1, 2},
		{"remove the entry", item{"pk": S("a")}, 1, 1},
		{"not in the index", item{"pk": S("b")}, 1, 0},
	}
	for _, tc := range tests {
		cc := write(tc.it)
		if got := aws.ToFloat64(cc.Table.CapacityUnits); got != tc.table {
			t.Errorf("%s: table units %v, want %v", tc.name, got, tc.table)
		}
		if got := gsiUnits(cc); got != tc.gsi {
			t.Errorf("%s: index units %v, want %v", tc.name, got, tc.gsi)
		}
		if got := aws.ToFloat64(cc.CapacityUnits); got != tc.table+tc.gsi {
			t.Errorf("%s: total %v, want %v", tc.name, got, tc.table+tc.gsi)
		}
	}

	// The index has 1 WCU (300 of burst, 5 already used): writes that
	// touch it are throttled long before the table's 1000 WCU run out.
	var err error
	n := 0
	for ; n < 1000 && err == nil; n++ {
		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("indexed"), Item: item{"pk": S("k" + strconv.Itoa(n)), "g": S("v")}}, noRetry)
	}
	wantAPIError(t, err, "ProvisionedThroughputExceededException",
		"The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API")
	t.Logf("1-WCU index throttled its 1000-WCU table after %d writes", n-1)
	if n > 310 {
		t.Errorf("index throttled only after %d writes, want about 295", n-1)
	}
}

// TestBatchWriteIndexCapacity: BatchWriteItem reports index writes per
// table under INDEXES, as PutItem does.
func TestBatchWriteIndexCapacity(t *testing.T) {
	c := dynagotest.New(t).Client()
	ctx := context.Background()
	in := createTableInput("batched", hashS)
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
	in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
		IndexName:  aws.String("by-g"),
		KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
	}}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "batched")
	out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{"batched": {
			{PutRequest: &types.PutRequest{Item: item{"pk": S("a"), "g": S("x"), "data": S(strings.Repeat("d", 1500))}}}, // 2 + 2
			{PutRequest: &types.PutRequest{Item: item{"pk": S("b")}}},                                                    // 1 + 0
		}},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConsumedCapacity) != 1 {
		t.Fatalf("ConsumedCapacity = %+v", out.ConsumedCapacity)
	}
	cc := out.ConsumedCapacity[0]
	if aws.ToFloat64(cc.CapacityUnits) != 5 || cc.Table == nil || aws.ToFloat64(cc.Table.CapacityUnits) != 3 ||
		aws.ToFloat64(cc.GlobalSecondaryIndexes["by-g"].CapacityUnits) != 2 {
		t.Errorf("BatchWriteItem INDEXES = total %v table %+v indexes %+v, want 5, 3, by-g 2",
			aws.ToFloat64(cc.CapacityUnits), cc.Table, cc.GlobalSecondaryIndexes)
	}
}
