package integration

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Bank-transfer figures: accounts, starting balance, goroutines.
const (
	bankAccounts     = 32
	bankStart        = 100
	bankTransferers  = 16
	bankTransfersPer = 60 // transfers each transferer attempts
	bankSummers      = 4
)

func accountKey(i int) item { return item{"pk": S(fmt.Sprintf("acct-%02d", i))} }

// balanceOf reads the balance attribute of an account item.
func balanceOf(t *testing.T, it item) int {
	t.Helper()
	n, err := strconv.Atoi(nval(t, it["balance"]))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// transferInput moves amount from account a to account b, if a holds at
// least amount.
func transferInput(a, b, amount int) *dynamodb.TransactWriteItemsInput {
	amt := N(strconv.Itoa(amount))
	return &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                 aws.String("bank"),
			Key:                       accountKey(a),
			UpdateExpression:          aws.String("SET balance = balance - :amt"),
			ConditionExpression:       aws.String("balance >= :amt"),
			ExpressionAttributeValues: item{":amt": amt},
		}},
		{Update: &types.Update{
			TableName:                 aws.String("bank"),
			Key:                       accountKey(b),
			UpdateExpression:          aws.String("SET balance = balance + :amt"),
			ExpressionAttributeValues: item{":amt": amt},
		}},
	}}
}

// TestTransactBankTransfer is the isolation test: 16 goroutines move money
// between 32 accounts with TransactWriteItems, conditional on a sufficient
// balance, while 4 others sum every balance with TransactGetItems. Every
// sum must equal the total: a reader never sees half a transfer.
func TestTransactBankTransfer(t *testing.T) { bankTransfer(t, client(t)) }

// bankTransfer runs the bank-transfer test with each goroutine on one of
// clients in turn (one client per API node: nodes_tikv_test.go).
func bankTransfer(t *testing.T, clients ...*dynamodb.Client) {
	c := clients[0]
	makeTable(t, c, "bank", hashS)
	for i := range bankAccounts {
		put(t, c, "bank", item{"pk": accountKey(i)["pk"], "balance": N(strconv.Itoa(bankStart))})
	}
	const total = bankAccounts * bankStart
	ctx := context.Background()

	gets := make([]types.TransactGetItem, bankAccounts)
	for i := range gets {
		gets[i] = types.TransactGetItem{Get: &types.Get{TableName: aws.String("bank"), Key: accountKey(i)}}
	}

	var committed, cancelled, sums atomic.Int64
	var transfers, summers sync.WaitGroup
	done := make(chan struct{})
	errc := make(chan error, bankTransferers+bankSummers)
	for w := range bankTransferers {
		transfers.Add(1)
		c := clients[w%len(clients)]
		go func() {
			defer transfers.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for range bankTransfersPer {
				a := rng.IntN(bankAccounts)
				b := (a + 1 + rng.IntN(bankAccounts-1)) % bankAccounts
				// Up to 1.5 times the starting balance, so that some
				// transfers must be refused.
				_, err := c.TransactWriteItems(ctx, transferInput(a, b, 1+rng.IntN(bankStart*3/2)))
				var tc *types.TransactionCanceledException
				switch {
				case err == nil:
					committed.Add(1)
				case errors.As(err, &tc):
					if len(tc.CancellationReasons) != 2 || aws.ToString(tc.CancellationReasons[0].Code) != "ConditionalCheckFailed" || aws.ToString(tc.CancellationReasons[1].Code) != "None" {
						errc <- fmt.Errorf("unexpected cancellation: %s %+v", aws.ToString(tc.Message), tc.CancellationReasons)
						return
					}
					cancelled.Add(1)
				default:
					errc <- fmt.Errorf("transfer: %w", err)
					return
				}
			}
		}()
	}
	for w := range bankSummers {
		summers.Add(1)
		c := clients[(w+1)%len(clients)]
		go func() {
			defer summers.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				out, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: gets})
				if err != nil {
					errc <- fmt.Errorf("TransactGetItems: %w", err)
					return
				}
				sum := 0
				for _, r := range out.Responses {
					n, err := strconv.Atoi(r.Item["balance"].(*types.AttributeValueMemberN).Value)
					if err != nil || n < 0 {
						errc <- fmt.Errorf("balance %v: %v", r.Item["balance"], err)
						return
					}
					sum += n
				}
				if sum != total {
					errc <- fmt.Errorf("a TransactGetItems summed %d, want %d", sum, total)
					return
				}
				sums.Add(1)
			}
		}()
	}
	transfers.Wait()
	close(done)
	summers.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}

	final := 0
	for i := range bankAccounts {
		final += balanceOf(t, get(t, c, "bank", accountKey(i)))
	}
	if final != total {
		t.Errorf("final total %d, want %d", final, total)
	}
	if committed.Load() == 0 || cancelled.Load() == 0 || sums.Load() == 0 {
		t.Errorf("the test exercised too little: committed %d, cancelled %d, sums %d", committed.Load(), cancelled.Load(), sums.Load())
	}
	t.Logf("bank transfer: %d accounts, %d transferers x %d, %d summers: transfers committed %d, cancelled (insufficient balance) %d, TransactGetItems sums checked %d (all = %d)",
		bankAccounts, bankTransferers, bankTransfersPer, bankSummers, committed.Load(), cancelled.Load(), sums.Load(), total)
}

// TestConditionalCounter runs 64 concurrent increments of one counter,
// each an UpdateItem conditional on the value it read, retried on
// ConditionalCheckFailed: none may be lost.
func TestConditionalCounter(t *testing.T) {
	c := client(t)
	makeTable(t, c, "counter", hashS)
	key := item{"pk": S("c")}
	put(t, c, "counter", item{"pk": S("c"), "v": N("0")})
	const workers = 64
	ctx := context.Background()
	var retries atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("counter"), Key: key, ConsistentRead: aws.Bool(true)})
				if err != nil {
					errc <- err
					return
				}
				cur := out.Item["v"].(*types.AttributeValueMemberN).Value
				n, _ := strconv.Atoi(cur)
				_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
					TableName:                 aws.String("counter"),
					Key:                       key,
					UpdateExpression:          aws.String("SET v = :next"),
					ConditionExpression:       aws.String("v = :cur"),
					ExpressionAttributeValues: item{":cur": N(cur), ":next": N(strconv.Itoa(n + 1))},
				})
				var ccf *types.ConditionalCheckFailedException
				if errors.As(err, &ccf) {
					retries.Add(1)
					continue
				}
				if err != nil {
					errc <- err
				}
				return
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	got := nval(t, get(t, c, "counter", key)["v"])
	if got != strconv.Itoa(workers) {
		t.Errorf("counter = %s after %d increments", got, workers)
	}
	t.Logf("conditional counter: %d increments, final value %s, ConditionalCheckFailed retries %d", workers, got, retries.Load())
}
