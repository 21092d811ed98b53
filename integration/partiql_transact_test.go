package integration

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func pstmt(s string, params ...types.AttributeValue) types.ParameterizedStatement {
	return types.ParameterizedStatement{Statement: aws.String(s), Parameters: params}
}

func TestPartiQLExecuteTransaction(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Txn", hashS)
	put(t, c, "Txn", item{"pk": S("acct"), "bal": N("10")})
	put(t, c, "Txn", item{"pk": S("open")})

	// All writes commit together.
	_, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		pstmt(`UPDATE Txn SET bal = bal - 3 WHERE pk = 'acct' AND bal >= 3`),
		pstmt(`INSERT INTO Txn VALUE {'pk': ?, 'amt': 3}`, S("t1")),
		pstmt(`EXISTS(SELECT * FROM Txn WHERE pk = 'open')`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, get(t, c, "Txn", item{"pk": S("acct")}), item{"pk": S("acct"), "bal": N("7")})
	wantItem(t, get(t, c, "Txn", item{"pk": S("t1")}), item{"pk": S("t1"), "amt": N("3")})

	// One failing member cancels all, with a reason per statement.
	_, err = c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		pstmt(`UPDATE Txn SET bal = bal - 100 WHERE pk = 'acct' AND bal >= 100`),
		pstmt(`DELETE FROM Txn WHERE pk = 't1'`),
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("err = %v, want TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != 2 || aws.ToString(tce.CancellationReasons[0].Code) != "ConditionalCheckFailed" ||
		aws.ToString(tce.CancellationReasons[1].Code) != "None" {
		t.Fatalf("reasons %+v", tce.CancellationReasons)
	}
	if get(t, c, "Txn", item{"pk": S("t1")}) == nil {
		t.Fatal("a cancelled transaction deleted an item")
	}

	// All reads: one response per statement, as TransactGetItems answers.
	out, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		pstmt(`SELECT bal FROM Txn WHERE pk = 'acct'`),
		pstmt(`SELECT * FROM Txn WHERE pk = 'none'`),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 2 {
		t.Fatalf("%d responses", len(out.Responses))
	}
	wantItem(t, out.Responses[0].Item, item{"bal": N("7")})
	if out.Responses[1].Item != nil {
		t.Errorf("missing item returned %v", out.Responses[1].Item)
	}

	_, err = c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		pstmt(`SELECT * FROM Txn WHERE bal = 7`)}})
	wantAPIError(t, err, "ValidationException",
		"Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause.")
}

// An INSERT of an existing key cancels the transaction with the reason
// DuplicateItem, as ExecuteStatement answers DuplicateItemException.
func TestPartiQLTransactionDuplicateItem(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "TxDup", hashS)
	put(t, c, "TxDup", item{"pk": S("taken")})
	_, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		pstmt(`INSERT INTO TxDup VALUE {'pk': 'new'}`),
		pstmt(`INSERT INTO TxDup VALUE {'pk': ?}`, S("taken")),
		pstmt(`UPDATE TxDup SET v = 1 WHERE pk = 'absent'`),
	}})
	wantAPIError(t, err, "TransactionCanceledException",
		"Transaction cancelled, please refer cancellation reasons for specific reasons [None, DuplicateItem, ConditionalCheckFailed]")
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) || len(tce.CancellationReasons) != 3 {
		t.Fatalf("err = %v", err)
	}
	if r := tce.CancellationReasons[1]; aws.ToString(r.Code) != "DuplicateItem" || aws.ToString(r.Message) != "Duplicate primary key exists in table" {
		t.Errorf("reason %+v", r)
	}
	if get(t, c, "TxDup", item{"pk": S("new")}) != nil {
		t.Error("a cancelled transaction inserted an item")
	}
}

// ClientRequestToken: a retry of the same statements and parameters
// succeeds without applying them again; the same token with other
// parameters is IdempotentParameterMismatchException.
func TestPartiQLTransactionIdempotency(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "TxTok", hashS)
	put(t, c, "TxTok", item{"pk": S("n"), "v": N("0")})
	run := func(by string) error {
		_, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{ClientRequestToken: aws.String("tok-1"),
			TransactStatements: []types.ParameterizedStatement{pstmt(`UPDATE TxTok SET v = v + ? WHERE pk = 'n'`, N(by))}})
		return err
	}
	for range 2 {
		if err := run("1"); err != nil {
			t.Fatal(err)
		}
	}
	wantItem(t, get(t, c, "TxTok", item{"pk": S("n")}), item{"pk": S("n"), "v": N("1")})
	wantAPIError(t, run("2"), "IdempotentParameterMismatchException",
		"DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used.")
	wantItem(t, get(t, c, "TxTok", item{"pk": S("n")}), item{"pk": S("n"), "v": N("1")})
}

// EXISTS runs only in a write transaction; a transaction mixing reads and
// writes is refused whole; an EXISTS member of a batch is that member's
// error (DynamoDB Local's messages).
func TestPartiQLStatementKindsRefused(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Kinds", hashS)
	put(t, c, "Kinds", item{"pk": S("a"), "v": N("1")})
	const exists = `EXISTS(SELECT * FROM Kinds WHERE pk = 'a' AND v = 1)`
	wantAPIError(t, stmtErr(c, exists), "ValidationException", "EXISTS can only be used in ExecuteTransaction write requests.")

	_, err := c.ExecuteTransaction(ctx, &dynamodb.ExecuteTransactionInput{TransactStatements: []types.ParameterizedStatement{
		pstmt(`SELECT * FROM Kinds WHERE pk = 'a'`),
		pstmt(`UPDATE Kinds SET v = 2 WHERE pk = 'a'`),
	}})
	wantAPIError(t, err, "ValidationException", "ExecuteTransaction API does not support both read and write operations in the same request.")
	wantItem(t, get(t, c, "Kinds", item{"pk": S("a")}), item{"pk": S("a"), "v": N("1")})

	out, err := c.BatchExecuteStatement(ctx, &dynamodb.BatchExecuteStatementInput{Statements: []types.BatchStatementRequest{
		{Statement: aws.String(exists)},
		{Statement: aws.String(`UPDATE Kinds SET v = 3 WHERE pk = 'a'`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if e := out.Responses[0].Error; e == nil || e.Code != "ValidationError" || aws.ToString(e.Message) != "EXISTS can only be used in ExecuteTransaction write requests." {
		t.Errorf("EXISTS in a batch: %+v", e)
	}
	if out.Responses[1].Error != nil {
		t.Errorf("the batch's UPDATE: %+v", out.Responses[1].Error)
	}
	wantItem(t, get(t, c, "Kinds", item{"pk": S("a")}), item{"pk": S("a"), "v": N("3")})
}
