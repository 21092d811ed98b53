package crashtest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/reliability/harness"
)

// The backup, restore, export and import crash tests share one item shape:
// a table keyed by pk (S) and sk (N) with a GSI on gk (S), and a payload v
// (S) whose prefix says which round of writes put it.

// putItems writes the items sk = from..to-1 of table with BatchWriteItem,
// 25 a request: pk and gk spread the items over 97 partitions and 13 index
// groups, and v is version followed by up to 79 bytes of padding.
func putItems(t *testing.T, client *dynamodb.Client, table string, from, to int, version string) {
	t.Helper()
	ctx := context.Background()
	for i := from; i < to; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < min(i+25, to); j++ {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", j%97)},
				"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(j)},
				"gk": &types.AttributeValueMemberS{Value: fmt.Sprintf("g%d", j%13)},
				"v":  &types.AttributeValueMemberS{Value: version + strings.Repeat("x", j%80)},
			}}})
		}
		if _, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}}); err != nil {
			t.Fatalf("BatchWriteItem: %v", err)
		}
	}
}

// tableState reads every item of a table as "pk|sk" -> "gk|v".
func tableState(t *testing.T, client *dynamodb.Client, table string) map[string]string {
	t.Helper()
	got := map[string]string{}
	harness.ScanEach(t, client, table, func(it map[string]types.AttributeValue) {
		pk, sk := it["pk"].(*types.AttributeValueMemberS), it["sk"].(*types.AttributeValueMemberN)
		gk, v := it["gk"].(*types.AttributeValueMemberS), it["v"].(*types.AttributeValueMemberS)
		got[pk.Value+"|"+sk.Value] = gk.Value + "|" + v.Value
	})
	return got
}

// sameState reports whether two table states hold the same items.
func sameState(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
