package crashloop

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/reliability/harness"
)

var (
	cycles    = flag.Int("crashloop.cycles", 5, "kill -9 cycles")
	itemW     = flag.Int("crashloop.writers", 6, "item writers")
	txW       = flag.Int("crashloop.tx", 2, "transaction writers")
	minRun    = flag.Duration("crashloop.min", 300*time.Millisecond, "shortest load before a kill")
	maxRun    = flag.Duration("crashloop.max", 1500*time.Millisecond, "longest load before a kill")
	keysPerW  = flag.Int("crashloop.keys", 150, "distinct items each item writer cycles through")
	reqTimout = 10 * time.Second
)

const (
	table      = "loop"
	accounts   = 10
	startFunds = 1000
	ttlPrefix  = "ttl-"
)

// counters is what the loop reports at the end.
type counters struct {
	acked, unacked, lost, divergences, partialTx, txAcked, ttlWritten int
	ttlGone, streamRecords, streamMismatches                          int
}

func TestCrashLoop(t *testing.T) {
	bin := harness.Build(t)
	dir := t.TempDir()
	dataDir, logPath := filepath.Join(dir, "data"), filepath.Join(dir, "dynago.log")
	t.Cleanup(func() {
		// The server's log goes with the test's directory: a failure keeps
		// its last lines, for the cause.
		if t.Failed() {
			l := harness.ReadLog(logPath)
			t.Logf("the server's log, last 4 KB:\n%s", l[max(0, len(l)-4096):])
		}
	})
	serveArgs := []string{"--ttl-interval", "1s"}
	p := harness.Start(t, bin, dataDir, logPath, serveArgs...)
	setup(t, harness.Client(p.URL, 3))
	setupBackups(t, harness.Client(p.URL, 3))
	bk := newBackupper()

	writers := make([]*itemWriter, *itemW)
	for i := range writers {
		writers[i] = &itemWriter{id: i, state: map[string]itemState{}, events: map[string][]string{}}
	}
	txs := make([]*txWriter, *txW)
	for i := range txs {
		txs[i] = &txWriter{}
	}
	var tot counters
	ttlSeq := 0
	start := time.Now()
	for cycle := 1; cycle <= *cycles; cycle++ {
		client := harness.Client(p.URL, 1)
		runFor := *minRun + time.Duration(rand.Int64N(int64(*maxRun-*minRun)+1))
		var stop atomic.Bool
		var wg sync.WaitGroup
		for _, w := range writers {
			wg.Add(1)
			go func() { defer wg.Done(); w.run(client, cycle, &stop) }()
		}
		wg.Add(1)
		go func() { defer wg.Done(); bk.run(client, cycle, &stop) }()
		for i := range txs {
			txs[i].rng = rand.New(rand.NewPCG(uint64(cycle), uint64(i)))
			wg.Add(1)
			go func() { defer wg.Done(); txs[i].run(client, &stop) }()
		}
		// Items that expired an hour ago: TTL must delete them, and nothing else.
		for range 20 {
			ttlSeq++
			ctx, cancel := harness.WaitCtx(reqTimout)
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
				"pk": s(fmt.Sprintf("%s%06d", ttlPrefix, ttlSeq)), "sk": n(0), "exp": n(time.Now().Add(-time.Hour).Unix()),
			}})
			cancel()
			if err == nil {
				tot.ttlWritten++
			}
		}
		time.Sleep(runFor)
		p.Kill()
		stop.Store(true)
		wg.Wait()

		out, code := harness.Check(t, bin, dataDir)
		div := divergences(out)
		if code != 0 {
			t.Errorf("cycle %d: dynago check exited %d: %s", cycle, code, out)
			if div == 0 {
				div = 1
			}
		}
		tot.divergences += div

		p = harness.Start(t, bin, dataDir, logPath, serveArgs...)
		items := scan(t, harness.Client(p.URL, 3))
		var lost, acked, unacked int
		for _, w := range writers {
			l, a, u := w.verify(t, items)
			lost, acked, unacked = lost+l, acked+a, unacked+u
		}
		txAcked := 0
		for _, tx := range txs {
			txAcked += tx.acked
		}
		partial := verifyAccounts(t, items, txs)
		events, records := readStream(t, harness.Client(p.URL, 3), streamClient(p.URL))
		mismatches, compared := verifyStream(t, events, writers)
		bkFaults := bk.verify(t, harness.Client(p.URL, 3))
		ttlLeft := 0
		for k := range items {
			if len(k.pk) > len(ttlPrefix) && k.pk[:len(ttlPrefix)] == ttlPrefix {
				ttlLeft++
			}
		}
		tot.acked += acked
		tot.unacked += unacked
		tot.lost += lost
		tot.partialTx += partial
		tot.txAcked += txAcked
		tot.streamRecords = records
		tot.streamMismatches += mismatches
		tot.ttlGone = tot.ttlWritten - ttlLeft
		t.Logf("crashloop cycle %d: ran %s; item writes acknowledged %d (in flight at kill %d), transactions acknowledged %d; lost %d, index divergences %d, partial or lost transactions %d; expired items deleted by TTL %d/%d; stream records %d (%d of writer items), items whose records differ from their acknowledged writes %d; backups %d, restores compared %d, failed cleanly %d, backup faults %d; check: %s",
			cycle, runFor.Round(time.Millisecond), acked, unacked, txAcked, lost, div, partial, tot.ttlGone, tot.ttlWritten, records, compared, mismatches, bk.created, bk.restoresChecked, bk.restoresFailedClean, bkFaults, out)
		if lost > 0 || div > 0 || partial > 0 || mismatches > 0 || bkFaults > 0 {
			t.Fatalf("cycle %d: %d acknowledged writes lost, %d index divergences, %d partial transactions, %d items whose stream differs, %d backup faults; log: %s", cycle, lost, div, partial, mismatches, bkFaults, logPath)
		}
	}
	t.Logf("crashloop summary: %d kill -9 cycles in %s; item writes acknowledged %d, in flight at kills %d, transactions acknowledged %d; acknowledged writes lost %d, index divergences %d, partial or lost transactions %d; expired items deleted by TTL %d of %d; stream records %d, items whose records differ from their acknowledged writes %d; backups created %d, restored tables equal to their backup %d, restores in flight that left no table %d, backup faults %d",
		*cycles, time.Since(start).Round(time.Second), tot.acked, tot.unacked, tot.txAcked, tot.lost, tot.divergences, tot.partialTx, tot.ttlGone, tot.ttlWritten, tot.streamRecords, tot.streamMismatches, bk.created, bk.restoresChecked, bk.restoresFailedClean, bk.faults)
	if tot.acked == 0 || tot.txAcked == 0 || bk.created == 0 || bk.restoresChecked == 0 {
		t.Errorf("the load did nothing: %d item writes, %d transactions, %d backups and %d restores", tot.acked, tot.txAcked, bk.created, bk.restoresChecked)
	}
}

var divergenceCount = regexp.MustCompile(`(\d+) divergences`)

func divergences(checkOut string) int {
	m := divergenceCount.FindStringSubmatch(checkOut)
	if m == nil {
		return 0
	}
	v, _ := strconv.Atoi(m[1])
	return v
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func setup(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("gs"), AttributeType: types.ScalarAttributeTypeN},
			{AttributeName: aws.String("ls"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("gs"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{
			IndexName:  aws.String("byLS"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("ls"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
		BillingMode:         types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	if _, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)},
	}); err != nil {
		t.Fatalf("UpdateTimeToLive: %v", err)
	}
	for i := range accounts {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"pk": s(accountKey(i)), "sk": n(0), "bal": n(startFunds), "g": s("acct"), "gs": n(int64(i)),
		}}); err != nil {
			t.Fatalf("PutItem account: %v", err)
		}
	}
}

func accountKey(i int) string { return fmt.Sprintf("acct-%02d", i) }

type itemKey struct {
	pk string
	sk int64
}

// scan reads every item as pk, sk -> v (or bal for accounts).
func scan(t *testing.T, c *dynamodb.Client) map[itemKey]map[string]types.AttributeValue {
	t.Helper()
	got := map[itemKey]map[string]types.AttributeValue{}
	harness.ScanEach(t, c, table, func(it map[string]types.AttributeValue) {
		pk, _ := it["pk"].(*types.AttributeValueMemberS)
		sk, _ := it["sk"].(*types.AttributeValueMemberN)
		if pk == nil || sk == nil {
			t.Fatalf("malformed item: %v", it)
		}
		skv, _ := strconv.ParseInt(sk.Value, 10, 64)
		got[itemKey{pk.Value, skv}] = it
	})
	return got
}

// verifyAccounts returns 1 unless every account's balance is its start
// plus the moves of every acknowledged transaction and of some of those in
// flight at the kill (whole moves only). A transaction applied in part, or
// an acknowledged one lost, breaks that.
func verifyAccounts(t *testing.T, items map[itemKey]map[string]types.AttributeValue, txs []*txWriter) int {
	t.Helper()
	var got, want [accounts]int64
	for i := range accounts {
		it, ok := items[itemKey{accountKey(i), 0}]
		if !ok {
			t.Errorf("account %d is gone", i)
			return 1
		}
		b, _ := it["bal"].(*types.AttributeValueMemberN)
		got[i], _ = strconv.ParseInt(b.Value, 10, 64)
		want[i] = startFunds
	}
	var pending []*move
	for _, tx := range txs {
		for i := range accounts {
			want[i] += tx.applied[i]
		}
		if tx.pending != nil {
			pending = append(pending, tx.pending)
			tx.pending = nil
		}
	}
	for subset := 0; subset < 1<<len(pending); subset++ {
		w := want
		for j, m := range pending {
			if subset&(1<<j) != 0 {
				w[m.from] -= m.amount
				w[m.to] += m.amount
			}
		}
		if w == got {
			for j, m := range pending {
				if subset&(1<<j) != 0 {
					m.owner.apply(*m) // it made it before the kill: later cycles must keep it
				}
			}
			return 0
		}
	}
	t.Errorf("balances %v; want %v plus whole moves of some of the %d transactions in flight", got, want, len(pending))
	return 1
}

// itemState is what a writer last made of one item: present with v, or
// deleted.
type itemState struct {
	exists bool
	v      string
}

// itemWriter owns its items (no one else writes them) and writes them one
// request at a time, so after a crash each item must hold the writer's
// last acknowledged state, or the one request in flight at the kill.
type itemWriter struct {
	id             int
	state          map[string]itemState
	events         map[string][]string // per item, the stream records its acknowledged writes left
	pending        *pendingWrite
	acked, unacked int
}

// pendingWrite is the write in flight at the kill: the state it makes and
// the stream record it leaves ("" for none).
type pendingWrite struct {
	key   string
	st    itemState
	event string
}

// ack records a write as made: its state and its stream record.
func (w *itemWriter) ack(k string, st itemState, event string) {
	w.state[k] = st
	if event != "" {
		w.events[k] = append(w.events[k], event)
	}
}

func (w *itemWriter) key(i int) string { return fmt.Sprintf("w%02d-%04d", w.id, i) }

func (w *itemWriter) run(c *dynamodb.Client, cycle int, stop *atomic.Bool) {
	rng := rand.New(rand.NewPCG(uint64(cycle), uint64(w.id)+100))
	w.acked, w.unacked = 0, 0
	for seq := 0; !stop.Load(); seq++ {
		k := w.key(rng.IntN(*keysPerW))
		v := fmt.Sprintf("c%d-s%d-%s", cycle, seq, string(make([]byte, rng.IntN(200))))
		st := itemState{exists: true, v: v}
		event := putEvent(v)
		key := map[string]types.AttributeValue{"pk": s(k), "sk": n(1)}
		ctx, cancel := harness.WaitCtx(reqTimout)
		var err error
		switch r := rng.IntN(10); {
		case r < 5:
			item := map[string]types.AttributeValue{"pk": s(k), "sk": n(1), "v": s(v), "g": s(fmt.Sprintf("g%d", rng.IntN(8))), "gs": n(int64(seq)), "ls": s(v[:min(len(v), 12)])}
			if rng.IntN(4) == 0 {
				item["exp"] = n(time.Now().Add(24 * time.Hour).Unix()) // not expired: TTL must leave it
			}
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
		case r < 8:
			_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: aws.String(table), Key: key,
				UpdateExpression:          aws.String("SET v = :v, g = :g, gs = :gs REMOVE ls"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": s(v), ":g": s(fmt.Sprintf("g%d", rng.IntN(8))), ":gs": n(int64(seq))},
			})
		default:
			st, event = itemState{}, delEvent(w.state[k])
			_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key})
		}
		cancel()
		if err != nil {
			w.pending = &pendingWrite{k, st, event}
			w.unacked++
			return // the server is gone
		}
		w.ack(k, st, event)
		w.acked++
	}
}

// verify compares the writer's items with what the restarted server holds
// and returns lost, acknowledged and unacknowledged counts for the cycle.
func (w *itemWriter) verify(t *testing.T, items map[itemKey]map[string]types.AttributeValue) (lost, acked, unacked int) {
	t.Helper()
	got := func(k string) itemState {
		it, ok := items[itemKey{k, 1}]
		if !ok {
			return itemState{}
		}
		v, _ := it["v"].(*types.AttributeValueMemberS)
		if v == nil {
			t.Errorf("item %s has no v: %v", k, it)
			return itemState{exists: true}
		}
		return itemState{exists: true, v: v.Value}
	}
	if p := w.pending; p != nil {
		if g := got(p.key); g == p.st {
			w.ack(p.key, g, p.event) // the write in flight made it; later cycles must keep it
		}
		w.pending = nil
	}
	for i := range *keysPerW {
		k := w.key(i)
		if want, g := w.state[k], got(k); want != g {
			if lost < 5 {
				t.Errorf("item %s: acknowledged state %+v, after restart %+v", k, short(want), short(g))
			}
			lost++
		}
	}
	return lost, w.acked, w.unacked
}

func short(st itemState) string {
	if !st.exists {
		return "deleted"
	}
	return fmt.Sprintf("%.24q", st.v)
}

// txWriter moves money between accounts with TransactWriteItems and keeps
// the sum of its acknowledged moves per account.
type txWriter struct {
	rng     *rand.Rand
	acked   int // this cycle
	applied [accounts]int64
	pending *move // in flight at the kill
}

type move struct {
	owner    *txWriter
	from, to int
	amount   int64
}

func (w *txWriter) apply(m move) {
	w.applied[m.from] -= m.amount
	w.applied[m.to] += m.amount
}

func (w *txWriter) run(c *dynamodb.Client, stop *atomic.Bool) {
	w.acked = 0
	for !stop.Load() {
		a, b := w.rng.IntN(accounts), w.rng.IntN(accounts-1)
		if b >= a {
			b++
		}
		amt := int64(1 + w.rng.IntN(20))
		ctx, cancel := harness.WaitCtx(reqTimout)
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": s(accountKey(a)), "sk": n(0)},
				UpdateExpression: aws.String("SET bal = bal - :a"), ConditionExpression: aws.String("bal >= :a"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":a": n(amt)}}},
			{Update: &types.Update{TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": s(accountKey(b)), "sk": n(0)},
				UpdateExpression: aws.String("SET bal = bal + :a"), ExpressionAttributeValues: map[string]types.AttributeValue{":a": n(amt)}}},
		}})
		cancel()
		var tce *types.TransactionCanceledException
		switch {
		case err == nil:
			w.acked++
			w.apply(move{from: a, to: b, amount: amt})
		case errors.As(err, &tce):
			// cancelled by its condition or a conflict: nothing was written
		default:
			w.pending = &move{owner: w, from: a, to: b, amount: amt}
			return // the server is gone
		}
	}
}
