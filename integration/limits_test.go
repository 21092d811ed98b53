package integration

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// maxItemSize is DynamoDB's item size limit: 400 KB, counting attribute
// names and values.
const maxItemSize = 400 * 1024

const (
	msgItemTooBig   = "Item size has exceeded the maximum allowed size"
	msgHashTooBig   = "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
	msgRangeTooBig  = "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
	msgKeyMismatch  = "The provided key element does not match the schema"
	msgEmptyKeyPart = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: "
)

// TestPutItemLimits puts items at and just past each of DynamoDB's limits
// and checks the exact error (the messages are DynamoDB's own, including
// its missing space in "limit of2048"). A refused put stores nothing.
func TestPutItemLimits(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Lim", hashRangeS)
	// {pk: "k", sk: "s", data: x} weighs 2+1 + 2+1 + 4+len(x) bytes.
	dataFor := func(size int) string { return strings.Repeat("d", size-10) }
	euro := "€" // 3 bytes in UTF-8

	cases := []struct {
		name    string
		item    item
		wantMsg string // "" means the put succeeds
	}{
		{"item of exactly 400 KB", item{"pk": S("k"), "sk": S("s"), "data": S(dataFor(maxItemSize))}, ""},
		{"item one byte over 400 KB", item{"pk": S("k"), "sk": S("t"), "data": S(dataFor(maxItemSize + 1))}, msgItemTooBig},
		{"item far over 400 KB in a map", item{"pk": S("k"), "sk": S("u"), "m": M(item{"a": S(strings.Repeat("x", 300*1024)), "b": S(strings.Repeat("y", 300*1024))})}, msgItemTooBig},
		{"partition key of 2048 bytes", item{"pk": S(strings.Repeat("p", 2048)), "sk": S("s")}, ""},
		{"partition key of 2049 bytes", item{"pk": S(strings.Repeat("p", 2049)), "sk": S("s")}, msgHashTooBig},
		{"partition key of 683 three-byte runes", item{"pk": S(strings.Repeat(euro, 683)), "sk": S("s")}, msgHashTooBig},
		{"sort key of 1024 bytes", item{"pk": S("k"), "sk": S(strings.Repeat("s", 1024))}, ""},
		{"sort key of 1025 bytes", item{"pk": S("k"), "sk": S(strings.Repeat("s", 1025))}, msgRangeTooBig},
		{"sort key of 342 three-byte runes", item{"pk": S("k"), "sk": S(strings.Repeat(euro, 342))}, msgRangeTooBig},
		{"missing sort key", item{"pk": S("k")}, "One or more parameter values were invalid: Missing the key sk in the item"},
		{"missing partition key", item{"sk": S("k")}, "One or more parameter values were invalid: Missing the key pk in the item"},
		{"number partition key", item{"pk": N("1"), "sk": S("s")}, "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"},
		{"string set sort key", item{"pk": S("k"), "sk": SS("s")}, "One or more parameter values were invalid: Type mismatch for key sk expected: S actual: SS"},
		{"empty partition key", item{"pk": S(""), "sk": S("s")}, msgEmptyKeyPart + "pk"},
		{"empty sort key", item{"pk": S("k"), "sk": S("")}, msgEmptyKeyPart + "sk"},
		{"empty string set", item{"pk": S("k"), "sk": S("v"), "ss": SS()}, "One or more parameter values were invalid: An string set  may not be empty"},
		{"duplicate in string set", item{"pk": S("k"), "sk": S("v"), "ss": SS("a", "a")}, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
	}
	stored := 0
	for _, tc := range cases {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("Lim"), Item: tc.item})
		if tc.wantMsg == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			stored++
			continue
		}
		t.Run(tc.name, func(t *testing.T) { wantAPIError(t, err, "ValidationException", tc.wantMsg) })
	}
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("Lim"), Select: types.SelectCount})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	if int(out.Count) != stored {
		t.Errorf("table holds %d items after the refused puts, want %d", out.Count, stored)
	}
}

// Keys are checked on reads and deletes too.
func TestKeyLimitsOnReads(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "LimR", hashRangeS)
	long := strings.Repeat("p", 2049)
	cases := []struct {
		name string
		key  item
		msg  string
	}{
		{"partition key of 2049 bytes", item{"pk": S(long), "sk": S("s")}, msgHashTooBig},
		{"sort key of 1025 bytes", item{"pk": S("k"), "sk": S(long[:1025])}, msgRangeTooBig},
		{"no sort key", item{"pk": S("k")}, msgKeyMismatch},
		{"extra attribute", item{"pk": S("k"), "sk": S("s"), "x": S("y")}, msgKeyMismatch},
		{"wrong key type", item{"pk": S("k"), "sk": N("1")}, msgKeyMismatch},
	}
	for _, tc := range cases {
		_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("LimR"), Key: tc.key})
		t.Run("GetItem "+tc.name, func(t *testing.T) { wantAPIError(t, err, "ValidationException", tc.msg) })
		_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("LimR"), Key: tc.key})
		t.Run("DeleteItem "+tc.name, func(t *testing.T) { wantAPIError(t, err, "ValidationException", tc.msg) })
	}
}

// An update that would grow an item past 400 KB is refused and leaves the
// item as it was.
func TestUpdateItemSizeLimit(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "LimU", hashS)
	put(t, c, "LimU", item{"pk": S("k"), "a": S(strings.Repeat("a", 300*1024))})
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("LimU"), Key: item{"pk": S("k")}, AttributeUpdates: map[string]types.AttributeValueUpdate{
		"b": {Action: types.AttributeActionPut, Value: S(strings.Repeat("b", 200*1024))},
	}})
	wantAPIError(t, err, "ValidationException", "Item size to update has exceeded the maximum allowed size")
	if got := get(t, c, "LimU", item{"pk": S("k")}); got["b"] != nil {
		t.Error("refused update was applied")
	}
}
