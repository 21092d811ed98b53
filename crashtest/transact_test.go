package crashtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/reliability/harness"
)

var txWriters = flag.Int("crash.txwriters", 8, "concurrent TransactWriteItems writers")

// Transaction crash figures: accounts, their starting balance, and how
// many marker items each transaction writes beside its transfer.
const (
	txAccounts = 20
	txStart    = 1000
	txMarkers  = 3
)

func txAccount(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("acct-%02d", i)}}
}

// txInput is one transaction: move 1 unit from account a to account b,
// and write txMarkers marker items named after the transaction id.
func txInput(id string, a, b int) *dynamodb.TransactWriteItemsInput {
	one := map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}}
	items := []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(table), Key: txAccount(a),
			UpdateExpression: aws.String("SET balance = balance - :one"), ConditionExpression: aws.String("balance >= :one"), ExpressionAttributeValues: one}},
		{Update: &types.Update{TableName: aws.String(table), Key: txAccount(b),
			UpdateExpression: aws.String("SET balance = balance + :one"), ExpressionAttributeValues: one}},
	}
	for m := range txMarkers {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("m-%s-%d", id, m)},
			"tx": &types.AttributeValueMemberS{Value: id},
		}}})
	}
	return &dynamodb.TransactWriteItemsInput{TransactItems: items}
}

// txRound is what one round of transactions saw.
type txRound struct {
	acked, failed []string // transaction ids
	inFlight      int64
}

// transactUntilKilled runs the writers against c, kills c runFor after
// the first acknowledgement,
// and returns which transactions were acknowledged. mk makes transaction
// id's input, moving a unit from account a to account b.
func transactUntilKilled(t *testing.T, c *child, round, nWriters int, runFor time.Duration, mk func(id string, a, b int) *dynamodb.TransactWriteItemsInput) txRound {
	t.Helper()
	client := newClient(c.url)
	var (
		mu       sync.Mutex
		res      txRound
		inFlight atomic.Int64
		stop     atomic.Bool
		wg       sync.WaitGroup
		first    = newFirstAck()
	)
	for w := range nWriters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(round), uint64(w)))
			for seq := 0; !stop.Load(); seq++ {
				id := fmt.Sprintf("r%02d-w%02d-%06d", round, w, seq)
				a := rng.IntN(txAccounts)
				b := (a + 1 + rng.IntN(txAccounts-1)) % txAccounts
				inFlight.Add(1)
				_, err := client.TransactWriteItems(context.Background(), mk(id, a, b))
				inFlight.Add(-1)
				var tc *types.TransactionCanceledException
				if errors.As(err, &tc) {
					t.Errorf("transaction %s cancelled: %s", id, aws.ToString(tc.Message))
					return
				}
				mu.Lock()
				if err == nil {
					res.acked = append(res.acked, id)
					first.acked()
				} else {
					res.failed = append(res.failed, id)
				}
				mu.Unlock()
				if err != nil {
					return // the server is gone
				}
			}
		}()
	}
	res.inFlight = first.runThenKill(c, runFor, &inFlight)
	stop.Store(true)
	wg.Wait()
	return res
}

// txState is the table after a restart: the balances' sum and, per
// transaction id, how many of its markers are present.
type txState struct {
	sum     int
	markers map[string]int
}

func readTxState(t *testing.T, client *dynamodb.Client) txState {
	t.Helper()
	st := txState{markers: map[string]int{}}
	accounts := 0
	harness.ScanEach(t, client, table, func(it map[string]types.AttributeValue) {
		pk := it["pk"].(*types.AttributeValueMemberS).Value
		if strings.HasPrefix(pk, "acct-") {
			n, err := strconv.Atoi(it["balance"].(*types.AttributeValueMemberN).Value)
			if err != nil {
				t.Fatalf("balance of %s: %v", pk, err)
			}
			st.sum += n
			accounts++
			return
		}
		st.markers[it["tx"].(*types.AttributeValueMemberS).Value]++
	})
	if accounts != txAccounts {
		t.Fatalf("%d accounts after restart, want %d", accounts, txAccounts)
	}
	return st
}

// TestCrashTransactionsAllOrNothing SIGKILLs dynago while writers run
// transactions that each move 1 unit between two accounts and write 3
// marker items, restarts it, and checks that every transaction is all or
// nothing: the balances still sum to the total, each transaction has all
// of its markers or none, and every acknowledged transaction has all.
func TestCrashTransactionsAllOrNothing(t *testing.T) {
	bin, dataDir, logPath := crashDirs(t)

	c := start(t, bin, dataDir, logPath)
	client := newClient(c.url)
	createItemTable(t, client)
	for i := range txAccounts {
		it := txAccount(i)
		it["balance"] = &types.AttributeValueMemberN{Value: strconv.Itoa(txStart)}
		if _, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	const total = txAccounts * txStart

	acked := map[string]bool{}
	var totalAcked, totalFailed, totalApplied, totalInFlight int
	for round := 1; round <= *rounds; round++ {
		runFor := *minRun + time.Duration(rand.Int64N(int64(*maxRun-*minRun)+1))
		res := transactUntilKilled(t, c, round, *txWriters, runFor, txInput)
		if len(res.acked) == 0 {
			t.Fatalf("round %d: no transaction was acknowledged in %s; log:\n%s", round, ackWait, readLog(logPath))
		}
		for _, id := range res.acked {
			acked[id] = true
		}

		c = start(t, bin, dataDir, logPath)
		st := readTxState(t, newClient(c.url))
		if st.sum != total {
			t.Errorf("round %d: balances sum to %d after restart, want %d", round, st.sum, total)
		}
		partial := 0
		for id, n := range st.markers {
			if n != txMarkers {
				partial++
				t.Errorf("round %d: transaction %s has %d of its %d markers", round, id, n, txMarkers)
			}
		}
		lost := 0
		for id := range acked {
			if st.markers[id] != txMarkers {
				lost++
				if lost <= 10 {
					t.Errorf("round %d: acknowledged transaction %s lost", round, id)
				}
			}
		}
		failedApplied := 0
		for _, id := range res.failed {
			if st.markers[id] == txMarkers {
				failedApplied++
				acked[id] = true // durable now: later rounds must keep it
			}
		}
		t.Logf("tx crash round %d: ran %s, transactions acknowledged %d, in flight at kill %d (failed %d, of which applied %d), transactions in store %d, partial %d, sum %d/%d",
			round, runFor.Round(time.Millisecond), len(res.acked), res.inFlight, len(res.failed), failedApplied, len(st.markers), partial, st.sum, total)
		if lost > 0 || partial > 0 || st.sum != total {
			t.Fatalf("round %d: %d acknowledged transactions lost, %d partial", round, lost, partial)
		}
		totalAcked += len(res.acked)
		totalFailed += len(res.failed)
		totalApplied += failedApplied
		totalInFlight += int(res.inFlight)
	}
	t.Logf("tx crash summary: %d rounds, %d writers, %d actions per transaction: acknowledged %d, failed at kills %d (of which applied all-or-nothing %d), partial 0, acknowledged lost 0, sum invariant held",
		*rounds, *txWriters, 2+txMarkers, totalAcked, totalFailed, totalApplied)
}
