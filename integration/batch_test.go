package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// batchWriteAll sends a BatchWriteItem and resends UnprocessedItems until
// none are left, as the SDK documentation tells applications to.
func batchWriteAll(t *testing.T, c *dynamodb.Client, reqs map[string][]types.WriteRequest) {
	t.Helper()
	for attempt := 0; len(reqs) > 0; attempt++ {
		if attempt == 10 {
			t.Fatalf("BatchWriteItem: still unprocessed after 10 attempts: %v", reqs)
		}
		out, err := c.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: reqs})
		if err != nil {
			t.Fatalf("BatchWriteItem: %v", err)
		}
		reqs = out.UnprocessedItems
		if len(reqs) > 0 {
			time.Sleep(time.Duration(attempt+1) * 10 * time.Millisecond)
		}
	}
}

func TestBatchWriteItem25(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Products", hashS)
	makeTable(t, c, "Other", hashRangeN)
	put(t, c, "Products", item{"pk": S("old")})

	var reqs []types.WriteRequest
	for i := 1; i <= 24; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": S(fmt.Sprint(i)), "price": N(fmt.Sprint(100 + i))}}})
	}
	reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: item{"pk": S("old")}}})
	out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Products": reqs}})
	if err != nil {
		t.Fatalf("BatchWriteItem of 25: %v", err)
	}
	if len(out.UnprocessedItems) != 0 {
		t.Errorf("UnprocessedItems = %v", out.UnprocessedItems)
	}
	for i := 1; i <= 24; i++ {
		wantItem(t, get(t, c, "Products", item{"pk": S(fmt.Sprint(i))}), item{"pk": S(fmt.Sprint(i)), "price": N(fmt.Sprint(100 + i))})
	}
	if got := get(t, c, "Products", item{"pk": S("old")}); got != nil {
		t.Errorf("batch delete left %s", showItem(got))
	}

	// Two tables in one batch.
	batchWriteAll(t, c, map[string][]types.WriteRequest{
		"Products": {{PutRequest: &types.PutRequest{Item: item{"pk": S("x")}}}},
		"Other":    {{PutRequest: &types.PutRequest{Item: item{"pk": S("y"), "sk": N("1")}}}},
	})
	if get(t, c, "Other", item{"pk": S("y"), "sk": N("1")}) == nil || get(t, c, "Products", item{"pk": S("x")}) == nil {
		t.Error("two-table batch lost a write")
	}
}

func TestBatchWriteItemErrors(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Batch", hashS)

	var reqs []types.WriteRequest
	for i := 0; i < 26; i++ {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: item{"pk": S(fmt.Sprint(i))}}})
	}
	_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Batch": reqs}})
	wantAPIErrorPrefix(t, err, "ValidationException", "1 validation error detected: Value ")
	wantAPIErrorContains(t, err, "Member must have length less than or equal to 25")
	if get(t, c, "Batch", item{"pk": S("0")}) != nil {
		t.Error("a refused batch wrote an item")
	}

	dup := []types.WriteRequest{
		{PutRequest: &types.PutRequest{Item: item{"pk": S("d")}}},
		{DeleteRequest: &types.DeleteRequest{Key: item{"pk": S("d")}}},
	}
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Batch": dup}})
	wantAPIError(t, err, "ValidationException", "Provided list of item keys contains duplicates")

	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"Nope": reqs[:1]}})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
}

func TestBatchGetItem(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	seedScan(t, c, 150)
	makeTable(t, c, "Table2", hashRangeN)
	put(t, c, "Table2", item{"pk": S("a"), "sk": N("1"), "v": S("x")})

	var keys []item
	for i := 0; i < 99; i++ {
		keys = append(keys, item{"pk": S(fmt.Sprintf("item-%03d", i*7%150))})
	}
	keys[98] = item{"pk": S("absent")}
	in := &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"ScanT":  {Keys: keys, ConsistentRead: aws.Bool(true)},
		"Table2": {Keys: []item{{"pk": S("a"), "sk": N("1")}}, AttributesToGet: []string{"v"}},
	}}
	got := map[string]int{}
	var t2 []item
	p := dynamodb.NewBatchGetItemPaginator(c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("BatchGetItem: %v", err)
		}
		for _, it := range page.Responses["ScanT"] {
			got[sval(t, it["pk"])]++
		}
		t2 = append(t2, page.Responses["Table2"]...)
	}
	if len(got) != 98 {
		t.Errorf("BatchGetItem returned %d distinct items from S, want 98", len(got))
	}
	for k, n := range got {
		if n != 1 || !strings.HasPrefix(k, "item-") {
			t.Errorf("%s returned %d times", k, n)
		}
	}
	if len(t2) != 1 {
		t.Fatalf("T2 returned %d items, want 1", len(t2))
	}
	wantItem(t, t2[0], item{"v": S("x")})

	// 100 keys is the most one call may ask for, counted over all tables.
	var hundred []item
	for i := 0; i < 100; i++ {
		hundred = append(hundred, item{"pk": S(fmt.Sprint(i))})
	}
	_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"ScanT":  {Keys: hundred},
		"Table2": {Keys: []item{{"pk": S("a"), "sk": N("1")}}},
	}})
	wantAPIError(t, err, "ValidationException", "Too many items requested for the BatchGetItem call")

	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"ScanT": {Keys: []item{{"pk": S("a")}, {"pk": S("a")}}}}})
	wantAPIError(t, err, "ValidationException", "Provided list of item keys contains duplicates")
}

// BatchGetItem returns at most 16 MB; the rest comes back as
// UnprocessedKeys, which the SDK's paginator follows.
func TestBatchGetItemSixteenMegabytes(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Large", hashS)
	blob := strings.Repeat("b", 300*1024)
	const n = 60 // 60 x 300 KB = 18 MB
	var keys []item
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("big-%02d", i)
		put(t, c, "Large", item{"pk": S(k), "blob": S(blob)})
		keys = append(keys, item{"pk": S(k)})
	}
	first, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"Large": {Keys: keys}}})
	if err != nil {
		t.Fatalf("BatchGetItem: %v", err)
	}
	got, unprocessed := len(first.Responses["Large"]), len(first.UnprocessedKeys["Large"].Keys)
	if got > 16*1024/300 || unprocessed == 0 || got+unprocessed != n {
		t.Errorf("first response: %d items, %d unprocessed keys; want at most %d items (16 MB) and the rest unprocessed", got, unprocessed, 16*1024/300)
	}
	seen := map[string]bool{}
	p := dynamodb.NewBatchGetItemPaginator(c, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"Large": {Keys: keys}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("BatchGetItem page: %v", err)
		}
		for _, it := range page.Responses["Large"] {
			seen[sval(t, it["pk"])] = true
		}
	}
	if len(seen) != n {
		t.Errorf("paginator fetched %d distinct items, want %d", len(seen), n)
	}
}

// Batch operations report capacity per table.
func TestBatchConsumedCapacity(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "BatchCap", hashS)
	w, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{"BatchCap": {
			{PutRequest: &types.PutRequest{Item: item{"pk": S("a")}}},
			{PutRequest: &types.PutRequest{Item: item{"pk": S("b"), "d": S(strings.Repeat("x", 1500))}}}, // 2 KB started: 2 units
		}},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatalf("BatchWriteItem: %v", err)
	}
	if len(w.ConsumedCapacity) != 1 || aws.ToString(w.ConsumedCapacity[0].TableName) != "BatchCap" || aws.ToFloat64(w.ConsumedCapacity[0].CapacityUnits) != 3 {
		t.Errorf("BatchWriteItem ConsumedCapacity = %s, want BatchCap 3", showCapacity(w.ConsumedCapacity))
	}
	g, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
		RequestItems:           map[string]types.KeysAndAttributes{"BatchCap": {Keys: []item{{"pk": S("a")}, {"pk": S("b")}}}},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatalf("BatchGetItem: %v", err)
	}
	if len(g.ConsumedCapacity) != 1 || aws.ToFloat64(g.ConsumedCapacity[0].CapacityUnits) != 1 {
		t.Errorf("BatchGetItem ConsumedCapacity = %s, want BatchCap 1 (two eventually consistent reads)", showCapacity(g.ConsumedCapacity))
	}
}

func showCapacity(cc []types.ConsumedCapacity) string {
	s := "["
	for _, c := range cc {
		s += fmt.Sprintf(" %s:%v", aws.ToString(c.TableName), aws.ToFloat64(c.CapacityUnits))
	}
	return s + " ]"
}
