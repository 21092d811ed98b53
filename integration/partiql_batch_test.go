package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestPartiQLBatchExecuteStatement(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Bat", hashS)
	put(t, c, "Bat", item{"pk": S("old"), "v": N("1")})

	// Writes: each member answers on its own, in request order.
	out, err := c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
		Statements: []types.BatchStatementRequest{
			{Statement: aws.String(`INSERT INTO Bat VALUE {'pk': 'a', 'v': 1}`)},
			{Statement: aws.String(`INSERT INTO Bat VALUE {'pk': 'old'}`)},
			{Statement: aws.String(`UPDATE Bat SET v = v + 1 WHERE pk = ?`), Parameters: []types.AttributeValue{S("old")}},
			{Statement: aws.String(`DELETE FROM Bat WHERE pk = 'old' AND v = 99`)},
			{Statement: aws.String(`INSERT INTO Bat VALUE {'pk': 'b'`)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 5 {
		t.Fatalf("%d responses, want 5", len(out.Responses))
	}
	wantCodes := []types.BatchStatementErrorCodeEnum{"", "DuplicateItem", "", "ConditionalCheckFailed", "ValidationError"}
	for i, r := range out.Responses {
		var code types.BatchStatementErrorCodeEnum
		if r.Error != nil {
			code = r.Error.Code
		}
		if code != wantCodes[i] {
			t.Errorf("response %d: error code %q, want %q", i, code, wantCodes[i])
		}
	}
	if msg := aws.ToString(out.Responses[1].Error.Message); msg != "Duplicate primary key exists in table" {
		t.Errorf("DuplicateItem message %q", msg)
	}
	if len(out.ConsumedCapacity) != 1 || aws.ToString(out.ConsumedCapacity[0].TableName) != "Bat" || aws.ToFloat64(out.ConsumedCapacity[0].CapacityUnits) < 2 {
		t.Errorf("ConsumedCapacity %+v", out.ConsumedCapacity)
	}
	wantItem(t, get(t, c, "Bat", item{"pk": S("old")}), item{"pk": S("old"), "v": N("2")})

	// Reads: full-key SELECTs, one item (or none) each, as GetItem gives.
	out, err = c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		{Statement: aws.String(`SELECT * FROM Bat WHERE pk = 'a'`)},
		{Statement: aws.String(`SELECT v FROM Bat WHERE pk = 'missing'`)},
		{Statement: aws.String(`SELECT * FROM Bat WHERE v = 1`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Responses[0].Item, get(t, c, "Bat", item{"pk": S("a")}))
	if out.Responses[1].Item != nil || out.Responses[1].Error != nil {
		t.Errorf("missing item: %+v", out.Responses[1])
	}
	if e := out.Responses[2].Error; e == nil || e.Code != "ValidationError" ||
		aws.ToString(e.Message) != "Select statements within BatchExecuteStatement must specify the primary key in the where clause." {
		t.Errorf("scan in a batch: %+v", e)
	}

	// A mix of reads and writes is refused whole.
	_, err = c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		{Statement: aws.String(`SELECT * FROM Bat WHERE pk = 'a'`)},
		{Statement: aws.String(`DELETE FROM Bat WHERE pk = 'a'`)},
	}})
	wantAPIError(t, err, "ValidationException", "Read and write requests together in the same batch is not supported.")
}
