package integration

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestTransactUpdateChecksIndexKeys: a transaction's Update action obeys
// the same index-key rules as UpdateItem: a plainly wrong type is refused
// before the item is read (a ValidationException), and one that only the
// applied update reveals cancels the transaction with a ValidationError
// reason. Neither changes the item.
func TestTransactUpdateChecksIndexKeys(t *testing.T) {
	c := makeMusic(t)
	ctx := context.Background()
	key := item{"Artist": S("a"), "Song": S("b")}
	orig := item{"Artist": S("a"), "Song": S("b"), "Genre": S("Rock"), "Year": N("1968")}
	put(t, c, "MusicCollection", orig)
	update := func(expr string, values item) error {
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{
			Update: &types.Update{
				TableName:                 aws.String("MusicCollection"),
				Key:                       key,
				UpdateExpression:          aws.String(expr),
				ExpressionAttributeNames:  map[string]string{"#y": "Year"},
				ExpressionAttributeValues: values,
			},
		}}})
		return err
	}

	wantAPIError(t, update("SET #y = :s", item{":s": S("x")}), "ValidationException",
		"One or more parameter values were invalid: Type mismatch for Index Key Year Expected: N Actual: S IndexName: GenreYearIndex")

	err := update("SET #y = Genre", nil)
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("SET Year = Genre in a transaction: got %v, want TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != 1 || aws.ToString(tce.CancellationReasons[0].Code) != "ValidationError" ||
		aws.ToString(tce.CancellationReasons[0].Message) != "The update expression attempted to update the secondary index key to unsupported type" {
		t.Fatalf("cancellation reasons: %+v", tce.CancellationReasons)
	}
	wantItem(t, get(t, c, "MusicCollection", key), orig)
}
