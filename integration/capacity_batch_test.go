package integration

// Throttling of the multi-item operations and the capacity of
// transactions and failed conditions, through aws-sdk-go-v2.

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// wantThrottlingReason checks that err is ProvisionedThroughputExceededException
// naming reason and a resource ARN ending in resourceSuffix.
func wantThrottlingReason(t *testing.T, err error, reason, resourceSuffix string) {
	t.Helper()
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) {
		t.Fatalf("got %v, want ProvisionedThroughputExceededException", err)
	}
	if len(pte.ThrottlingReasons) != 1 {
		t.Fatalf("ThrottlingReasons = %+v, want one", pte.ThrottlingReasons)
	}
	r := pte.ThrottlingReasons[0]
	if aws.ToString(r.Reason) != reason || !strings.HasPrefix(aws.ToString(r.Resource), "arn:aws:dynamodb:") ||
		!strings.HasSuffix(aws.ToString(r.Resource), resourceSuffix) {
		t.Errorf("ThrottlingReason = %q %q, want %q and an ARN ending %q",
			aws.ToString(r.Reason), aws.ToString(r.Resource), reason, resourceSuffix)
	}
}

// drainWrites spends a 1-WCU table's 300 units of burst but about one, with
// a single 299 KB write.
func drainWrites(t *testing.T, c *dynamodb.Client, table string) {
	t.Helper()
	put(t, c, table, sized("drain", 299*1024))
}

// TestBatchWriteThrottledPartially: a BatchWriteItem on a table with
// almost no capacity left writes what the capacity allows and returns the
// rest in UnprocessedItems; once no item at all can be written the answer
// is ProvisionedThroughputExceededException with its ThrottlingReasons.
func TestBatchWriteThrottledPartially(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithThrottling()).Client()
	ctx := context.Background()
	provisionedTable(t, c, "low", 100, 1)
	provisionedTable(t, c, "roomy", 100, 100)
	drainWrites(t, c, "low")

	var reqs []types.WriteRequest
	for i := range 20 {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: sized("k"+strconv.Itoa(i), 1000)}})
	}
	out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"low":   reqs,
		"roomy": reqs[:5],
	}}, noRetry)
	if err != nil {
		t.Fatalf("BatchWriteItem with capacity for some items: %v", err)
	}
	held := out.UnprocessedItems["low"]
	written := len(reqs) - len(held)
	if written < 1 || written > 5 || len(out.UnprocessedItems["roomy"]) != 0 {
		t.Fatalf("wrote %d of 20 on the drained table (want 1..5), %d unprocessed on the roomy one",
			written, len(out.UnprocessedItems["roomy"]))
	}
	// The unprocessed items are the request's tail, exactly as sent.
	for i, r := range held {
		if want := "k" + strconv.Itoa(written+i); sval(t, r.PutRequest.Item["pk"]) != want {
			t.Fatalf("UnprocessedItems[%d] = %s, want %s", i, sval(t, r.PutRequest.Item["pk"]), want)
		}
	}
	for i := range 20 {
		got := get(t, c, "low", item{"pk": S("k" + strconv.Itoa(i))})
		if (got != nil) != (i < written) {
			t.Errorf("item k%d present = %v, want %v", i, got != nil, i < written)
		}
	}

	// Nothing left: every item is refused, so the whole request is.
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"low": held}}, noRetry)
	wantThrottlingReason(t, err, "TableWriteProvisionedThroughputExceeded", ":table/low")

	// Two tables refusing: one reason each, in table-name order.
	provisionedTable(t, c, "low2", 100, 1)
	put(t, c, "low2", sized("drain", 305*1024)) // 5 units of debt
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"low": held, "low2": held[:1],
	}}, noRetry)
	var pte *types.ProvisionedThroughputExceededException
	if !errors.As(err, &pte) || len(pte.ThrottlingReasons) != 2 ||
		!strings.HasSuffix(aws.ToString(pte.ThrottlingReasons[0].Resource), ":table/low") ||
		!strings.HasSuffix(aws.ToString(pte.ThrottlingReasons[1].Resource), ":table/low2") {
		t.Fatalf("batch on two throttled tables: %v, want two ThrottlingReasons", err)
	}
}

// TestBatchGetThrottledPartially is the BatchGetItem counterpart: keys
// beyond the read capacity come back in UnprocessedKeys.
func TestBatchGetThrottledPartially(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithThrottling()).Client()
	ctx := context.Background()
	provisionedTable(t, c, "reads", 1, 1000)
	put(t, c, "reads", sized("big", 392*1024)) // 98 RCU per consistent read
	for range 3 {                              // 294 of the 300 units of burst
		// No SDK retries: a retried read would be charged twice and
		// leave nothing for the batch below.
		if _, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("reads"), Key: item{"pk": S("big")}, ConsistentRead: aws.Bool(true)}, noRetry); err != nil {
			t.Fatal(err)
		}
	}
	var keys []map[string]types.AttributeValue
	for i := range 100 {
		keys = append(keys, item{"pk": S("missing" + strconv.Itoa(i))})
	}
	out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"reads": {Keys: keys, ConsistentRead: aws.Bool(true)},
	}}, noRetry)
	if err != nil {
		t.Fatalf("BatchGetItem with capacity for some keys: %v", err)
	}
	held := out.UnprocessedKeys["reads"].Keys
	read := len(keys) - len(held)
	if read < 1 || read > 15 {
		t.Fatalf("read %d of 100 keys (want 1..15), %d unprocessed", read, len(held))
	}
	if !aws.ToBool(out.UnprocessedKeys["reads"].ConsistentRead) {
		t.Error("UnprocessedKeys lost the table's ConsistentRead")
	}
	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"reads": {Keys: held, ConsistentRead: aws.Bool(true)},
	}}, noRetry)
	wantThrottlingReason(t, err, "TableReadProvisionedThroughputExceeded", ":table/reads")
}

// TestTransactionsThrottled: a transaction touching a table out of
// capacity is cancelled, the reason naming the throttled actions.
func TestTransactionsThrottled(t *testing.T) {
	c := dynagotest.New(t, dynagotest.WithThrottling()).Client()
	ctx := context.Background()
	provisionedTable(t, c, "low", 1, 1)
	provisionedTable(t, c, "roomy", 100, 100)
	drainWrites(t, c, "low")
	put(t, c, "low", sized("one-more", 5*1024)) // spends the last unit and 4 more

	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("roomy"), Item: item{"pk": S("a")}}},
		{Put: &types.Put{TableName: aws.String("low"), Item: item{"pk": S("b")}}},
	}}, noRetry)
	wantCancellation(t, err, []string{"None", "ProvisionedThroughputExceeded"},
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	if got := get(t, c, "roomy", item{"pk": S("a")}); got != nil {
		t.Error("the cancelled transaction wrote its other action")
	}

	// Reads: consistent reads of the 299 KB item take 75 RCU each; read
	// until the 300 units of burst are gone.
	for i := 0; ; i++ {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("low"), Key: item{"pk": S("drain")}, ConsistentRead: aws.Bool(true)}, noRetry)
		if isThrottled(err) {
			break
		}
		if i > 10 {
			t.Fatalf("read %d: %v; want throttled by now", i, err)
		}
		// Any other error is a transport hiccup of a 299 KB answer under
		// -race, read again; the reads are only there to spend capacity.
	}
	_, err = c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("low"), Key: item{"pk": S("drain")}}},
		{Get: &types.Get{TableName: aws.String("roomy"), Key: item{"pk": S("a")}}},
	}}, noRetry)
	wantCancellation(t, err, []string{"ProvisionedThroughputExceeded", "None"}, "")
}

// wantCancellation checks a TransactionCanceledException's reason codes,
// and the message of the first non-None reason when msg is not "".
func wantCancellation(t *testing.T, err error, codes []string, msg string) {
	t.Helper()
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("got %v, want TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != len(codes) {
		t.Fatalf("CancellationReasons = %+v, want codes %v", tce.CancellationReasons, codes)
	}
	for i, r := range tce.CancellationReasons {
		if aws.ToString(r.Code) != codes[i] {
			t.Errorf("reason %d = %s, want %s", i, aws.ToString(r.Code), codes[i])
		}
		if codes[i] != "None" && msg != "" && aws.ToString(r.Message) != msg {
			t.Errorf("reason %d message = %q, want %q", i, aws.ToString(r.Message), msg)
		}
	}
	if want := "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"; tce.ErrorMessage() != want {
		t.Errorf("message = %q, want %q", tce.ErrorMessage(), want)
	}
}

// TestTransactWriteIndexCapacity: a transactional write's index writes
// are charged, doubled, and reported under INDEXES.
func TestTransactWriteIndexCapacity(t *testing.T) {
	c := dynagotest.New(t).Client()
	ctx := context.Background()
	in := createTableInput("txidx", hashS)
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
	in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
		IndexName:  aws.String("by-g"),
		KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
		Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
	}}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "txidx")
	out, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("txidx"), Item: item{"pk": S("a"), "g": S("x"), "data": S(strings.Repeat("d", 1500))}}}, // 2×2 + 2×2
			{Put: &types.Put{TableName: aws.String("txidx"), Item: item{"pk": S("b")}}},                                                    // 2×1 + 0
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ConsumedCapacity) != 1 {
		t.Fatalf("ConsumedCapacity = %+v", out.ConsumedCapacity)
	}
	cc := out.ConsumedCapacity[0]
	if aws.ToFloat64(cc.CapacityUnits) != 10 || aws.ToFloat64(cc.WriteCapacityUnits) != 10 ||
		cc.Table == nil || aws.ToFloat64(cc.Table.WriteCapacityUnits) != 6 ||
		aws.ToFloat64(cc.GlobalSecondaryIndexes["by-g"].CapacityUnits) != 4 {
		t.Errorf("TransactWriteItems INDEXES = total %v write %v table %+v indexes %+v, want 10, 10, table 6, by-g 4",
			aws.ToFloat64(cc.CapacityUnits), aws.ToFloat64(cc.WriteCapacityUnits), cc.Table, cc.GlobalSecondaryIndexes)
	}
	total, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String("txidx"), Item: item{"pk": S("c"), "g": S("y")}}}, // 2 + 2
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	if cc := total.ConsumedCapacity[0]; aws.ToFloat64(cc.CapacityUnits) != 4 || cc.Table != nil || cc.GlobalSecondaryIndexes != nil {
		t.Errorf("TransactWriteItems TOTAL = %v, table %+v, indexes %+v; want 4 and no breakdown",
			aws.ToFloat64(cc.CapacityUnits), cc.Table, cc.GlobalSecondaryIndexes)
	}
}
