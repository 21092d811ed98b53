package linearize

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynago/dynago/reliability/harness"
)

var (
	rounds    = flag.Int("lin.rounds", 3, "kill -9 rounds in one history")
	clients   = flag.Int("lin.clients", 8, "concurrent clients")
	roundTime = flag.Duration("lin.round", 800*time.Millisecond, "how long clients run before each kill")
	checkTime = flag.Duration("lin.check", 3*time.Minute, "how long porcupine may take to decide one piece (one round)")
	// wholeMax: a short history is also checked whole, and the verdict
	// must be the pieces' (CheckRounds), which tests the split itself. A
	// long one is too big for porcupine whole (20 rounds outgrew 24 GB).
	wholeMax = flag.Int("lin.whole-max", 5, "also check the history whole when it has at most this many rounds")
	// kill9 ends each round with kill -9, the harder test: a read may not
	// return a write that the kill then erases (reads wait for the commits
	// they touch to be durable, internal/kv/pebble/visibility.go; before
	// that fix this campaign found such reads). -lin.kill9=false stops
	// dynago with SIGTERM instead, which cuts requests off at the shutdown.
	kill9 = flag.Bool("lin.kill9", true, "end each round with kill -9 (false: SIGTERM)")
)

const (
	table     = "lin"
	partition = "p"
	opTimeout = 10 * time.Second
)

// recorder collects a history from many clients on one clock, one round
// at a time (see CheckRounds).
type recorder struct {
	base   time.Time
	mu     sync.Mutex
	ops    []porcupine.Operation // the current round's
	rounds [][]porcupine.Operation
	snaps  []porcupine.Operation
}

// endRound files the operations recorded since the last call as a round.
func (r *recorder) endRound() {
	r.mu.Lock()
	r.rounds = append(r.rounds, r.ops)
	r.ops = nil
	r.mu.Unlock()
}

// snapshot reads the whole state with w, alone (no client may be running),
// and files the read as the snapshot between two rounds.
func (r *recorder) snapshot(t *testing.T, w *worker) {
	t.Helper()
	before := len(r.ops)
	w.query()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.ops) != before+1 {
		t.Fatalf("snapshot %d: the Query of the whole partition failed", len(r.snaps))
	}
	r.snaps = append(r.snaps, r.ops[before])
	r.ops = r.ops[:before]
}

func (r *recorder) now() int64 { return int64(time.Since(r.base)) }

func (r *recorder) add(client int, call int64, in Input, out Output) {
	ret := r.now()
	r.mu.Lock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: in, Output: out})
	r.mu.Unlock()
}

// TestLinearizableAcrossKills records one history of mixed strongly
// consistent operations over -lin.rounds stop (kill -9, or SIGTERM with
// -lin.kill9=false) and restart cycles, and
// checks it against Model. A failing history is written with porcupine's
// visualisation under harness.ArtifactDir.
func TestLinearizableAcrossKills(t *testing.T) {
	bin := harness.Build(t)
	dir := t.TempDir()
	dataDir, logPath := filepath.Join(dir, "data"), filepath.Join(dir, "dynago.log")
	p := harness.Start(t, bin, dataDir, logPath)
	createTable(t, harness.Client(p.URL, 3))

	rec := &recorder{base: time.Now()}
	var seq atomic.Int64
	var unexpected atomic.Int64
	// snapshotter is the client reading the state alone between rounds
	// (its own lane in a visualisation, after the rounds' clients).
	snapshotter := func(url string) *worker {
		return &worker{id: *rounds * *clients, client: harness.Client(url, 3), rec: rec, rng: rand.New(rand.NewPCG(0, 0)), seq: &seq, unexpected: &unexpected, t: t}
	}
	rec.snapshot(t, snapshotter(p.URL))
	for round := 1; round <= *rounds; round++ {
		client := harness.Client(p.URL, 1)
		var stop atomic.Bool
		var wg sync.WaitGroup
		for c := range *clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(round), uint64(c)))
				w := worker{id: c + (round-1)**clients, client: client, rec: rec, rng: rng, seq: &seq, unexpected: &unexpected, t: t}
				for !stop.Load() && !w.down {
					w.one()
				}
			}()
		}
		time.Sleep(*roundTime)
		if *kill9 {
			p.Kill()
		} else if err := p.Stop(30 * time.Second); err != nil {
			t.Errorf("round %d: dynago did not stop cleanly on SIGTERM: %v", round, err)
		}
		stop.Store(true)
		wg.Wait()
		rec.endRound()
		p = harness.Start(t, bin, dataDir, logPath)
		rec.snapshot(t, snapshotter(p.URL))
	}
	if unexpected.Load() > 0 {
		t.Errorf("%d requests failed with an unexpected error while the server was up", unexpected.Load())
	}
	checkHistory(t, rec)
}

// checkHistory checks the history round by round (CheckRounds) and, when
// it is short enough, whole too, requiring the same verdict. It fails the
// test, keeping the failing history and its visualisation, unless the
// history is proved linearizable.
func checkHistory(t *testing.T, rec *recorder) {
	t.Helper()
	counts := map[Kind]int{}
	unknown := 0
	var whole []porcupine.Operation
	for r, ops := range rec.rounds {
		whole = append(whole, rec.snaps[r])
		whole = append(whole, ops...)
	}
	whole = append(whole, rec.snaps[len(rec.rounds)])
	for _, o := range whole {
		counts[o.Input.(Input).Kind]++
		if o.Output.(Output).Result == Unknown {
			unknown++
		}
	}
	t.Logf("history: %d operations (get %d, put %d, delete %d, cas %d, txwrite %d, txget %d, query %d; %d of unknown outcome), %d clients, %d restarts (kill -9: %v)",
		len(whole), counts[Get], counts[Put], counts[Delete], counts[CAS], counts[TxWrite], counts[TxGet], counts[QueryAll], unknown,
		*clients, *rounds, *kill9)

	start := time.Now()
	pieces, err := CheckRounds(rec.snaps, rec.rounds, *checkTime)
	if err != nil {
		t.Fatalf("splitting the history: %v", err)
	}
	verdict := porcupine.Ok
	var longest time.Duration
	for _, p := range pieces {
		longest = max(longest, p.Took)
		if p.Result != porcupine.Ok {
			verdict = p.Result
		}
	}
	if len(pieces) < len(rec.rounds) && verdict == porcupine.Ok {
		t.Fatalf("%d of %d rounds checked", len(pieces), len(rec.rounds))
	}
	t.Logf("linearizability: round by round %s (%d of %d pieces checked in %s, the longest %s; checker peak RSS %s)",
		verdict, len(pieces), len(rec.rounds), time.Since(start).Round(time.Millisecond), longest.Round(time.Millisecond), peakRSS())
	if verdict != porcupine.Ok {
		p := pieces[len(pieces)-1]
		keep(t, p.Info, p.History, p.Init)
		t.Fatalf("round %d (%d operations, %d of unknown outcome, from state %v) is %s (not proved linearizable)", p.Round, p.Ops, p.Unknown, p.Init, p.Result)
	}

	if len(rec.rounds) > *wholeMax {
		return
	}
	start = time.Now()
	res, info := porcupine.CheckOperationsVerbose(Model(), whole, *checkTime*time.Duration(len(rec.rounds)))
	t.Logf("linearizability: whole history %s in %s", res, time.Since(start).Round(time.Millisecond))
	switch res {
	case porcupine.Ok:
	case porcupine.Illegal:
		keep(t, info, whole, State{})
		t.Fatalf("the whole history is not linearizable but every round is: the split is unsound")
	default:
		t.Logf("the whole history was not decided in time; the rounds' verdict stands")
	}
}

// keep writes a failing history and porcupine's visualisation of it under
// harness.ArtifactDir.
func keep(t *testing.T, info porcupine.LinearizationInfo, ops []porcupine.Operation, init State) {
	t.Helper()
	dir := harness.ArtifactDir(t)
	if err := porcupine.VisualizePath(ModelFrom(init), info, filepath.Join(dir, "history.html")); err != nil {
		t.Errorf("visualising: %v", err)
	}
	if b, err := json.MarshalIndent(struct {
		Init State
		Ops  []porcupine.Operation
	}{init, ops}, "", " "); err == nil {
		_ = os.WriteFile(filepath.Join(dir, "history.json"), b, 0o644)
	}
	t.Logf("failing history kept in %s", dir)
}

// peakRSS is this process's peak resident memory (the checker's), from
// /proc/self/status VmHWM.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func createTable(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

// worker is one client issuing random operations.
type worker struct {
	id         int
	client     *dynamodb.Client
	rec        *recorder
	rng        *rand.Rand
	seq        *atomic.Int64
	unexpected *atomic.Int64
	seen       State // the last value this client saw per key, to aim CAS at
	// down is set once a request failed without an answer: the server is
	// gone, and the client stops until the next round.
	down bool
	t    *testing.T
}

func itemKey(k int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: partition},
		"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(k)},
	}
}

func item(k int, v int64) map[string]types.AttributeValue {
	it := itemKey(k)
	it["v"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	return it
}

func numV(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

// valueOf reads v from an item; 0 for no item.
func (w *worker) valueOf(it map[string]types.AttributeValue) int64 {
	if len(it) == 0 {
		return 0
	}
	n, ok := it["v"].(*types.AttributeValueMemberN)
	if !ok {
		w.t.Errorf("item without a numeric v: %v", it)
		return -1
	}
	v, err := strconv.ParseInt(n.Value, 10, 64)
	if err != nil {
		w.t.Errorf("v = %q: %v", n.Value, err)
	}
	return v
}

// condition renders "the old value is old" as a condition expression.
func condition(old int64) (string, map[string]types.AttributeValue) {
	if old == 0 {
		return "attribute_not_exists(v)", nil
	}
	return "v = :o", map[string]types.AttributeValue{":o": numV(old)}
}

func (w *worker) one() {
	switch r := w.rng.IntN(100); {
	case r < 20:
		w.get()
	case r < 35:
		w.put()
	case r < 40:
		w.delete()
	case r < 60:
		w.cas()
	case r < 72:
		w.txWrite()
	case r < 84:
		w.txGet()
	default:
		w.query()
	}
}

func (w *worker) next() int64 { return w.seq.Add(1) }

// classify turns a write's error into its Result.
func (w *worker) classify(err error) Result {
	var ccf *types.ConditionalCheckFailedException
	var tce *types.TransactionCanceledException
	var conflict *types.TransactionConflictException
	switch {
	case err == nil:
		return OK
	case errors.As(err, &ccf):
		return CondFailed
	case errors.As(err, &conflict):
		return NoEffect
	case errors.As(err, &tce):
		res := NoEffect
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				return CondFailed
			case "None", "TransactionConflict":
			default:
				res = Unknown
			}
		}
		return res
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		w.down = true
		return NoEffect // never sent: the server was already gone
	}
	w.noteUnexpected(err)
	w.down = true
	return Unknown
}

// noteUnexpected counts an API error the server sent (a 4xx or 5xx while it
// was up), as opposed to a connection that died with the server.
func (w *worker) noteUnexpected(err error) {
	var api smithy.APIError
	if errors.As(err, &api) {
		w.unexpected.Add(1)
		w.t.Logf("client %d: unexpected %v", w.id, err)
		return
	}
	w.down = true
}

func (w *worker) get() {
	k := w.rng.IntN(Keys)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.rec.now()
	out, err := w.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: itemKey(k), ConsistentRead: aws.Bool(true)})
	if err != nil {
		w.noteUnexpected(err)
		return // a read that failed constrains nothing
	}
	v := w.valueOf(out.Item)
	w.seen[k] = v
	w.rec.add(w.id, call, Input{Kind: Get, Key: k}, Output{Values: []int64{v}})
}

func (w *worker) put() {
	k, v := w.rng.IntN(Keys), w.next()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.rec.now()
	_, err := w.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item(k, v)})
	w.rec.add(w.id, call, Input{Kind: Put, Key: k, New: v}, Output{Result: w.classify(err)})
}

func (w *worker) delete() {
	k := w.rng.IntN(Keys)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.rec.now()
	_, err := w.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: itemKey(k)})
	w.rec.add(w.id, call, Input{Kind: Delete, Key: k}, Output{Result: w.classify(err)})
}

func (w *worker) cas() {
	k, v := w.rng.IntN(Keys), w.next()
	old := w.seen[k]
	cond, vals := condition(old)
	if vals == nil {
		vals = map[string]types.AttributeValue{}
	}
	vals[":n"] = numV(v)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.rec.now()
	_, err := w.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: itemKey(k),
		UpdateExpression: aws.String("SET v = :n"), ConditionExpression: aws.String(cond),
		ExpressionAttributeValues: vals,
	})
	res := w.classify(err)
	if res == OK {
		w.seen[k] = v
	}
	w.rec.add(w.id, call, Input{Kind: CAS, Key: k, Old: old, New: v}, Output{Result: res})
}

// distinctKeys picks n different keys.
func (w *worker) distinctKeys(n int) []int {
	return w.rng.Perm(Keys)[:n]
}

func (w *worker) txWrite() {
	keys := w.distinctKeys(2 + w.rng.IntN(2))
	var writes []Write
	var items []types.TransactWriteItem
	for _, k := range keys {
		wr := Write{Key: k}
		if w.rng.IntN(5) > 0 {
			wr.New = w.next()
		}
		var cond *string
		var vals map[string]types.AttributeValue
		if w.rng.IntN(2) == 0 {
			wr.Cond, wr.Old = true, w.seen[k]
			c, v := condition(wr.Old)
			cond, vals = aws.String(c), v
		}
		writes = append(writes, wr)
		if wr.New == 0 {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(table), Key: itemKey(k), ConditionExpression: cond, ExpressionAttributeValues: vals}})
		} else {
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: item(k, wr.New), ConditionExpression: cond, ExpressionAttributeValues: vals}})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.rec.now()
	_, err := w.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	res := w.classify(err)
	if res == OK {
		for _, wr := range writes {
			w.seen[wr.Key] = wr.New
		}
	}
	w.rec.add(w.id, call, Input{Kind: TxWrite, Writes: writes}, Output{Result: res})
}

func (w *worker) txGet() {
	keys := w.distinctKeys(2 + w.rng.IntN(Keys-1))
	var gets []types.TransactGetItem
	for _, k := range keys {
		gets = append(gets, types.TransactGetItem{Get: &types.Get{TableName: aws.String(table), Key: itemKey(k)}})
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.rec.now()
	out, err := w.client.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: gets})
	if err != nil {
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			w.noteUnexpected(err)
		}
		return
	}
	if len(out.Responses) != len(keys) {
		w.t.Errorf("TransactGetItems of %d items answered %d", len(keys), len(out.Responses))
		return
	}
	vals := make([]int64, len(keys))
	for i, r := range out.Responses {
		vals[i] = w.valueOf(r.Item)
		w.seen[keys[i]] = vals[i]
	}
	w.rec.add(w.id, call, Input{Kind: TxGet, Read: keys}, Output{Values: vals})
}

func (w *worker) query() {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	call := w.rec.now()
	out, err := w.client.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partition}},
	})
	if err != nil {
		w.noteUnexpected(err)
		return
	}
	vals := make([]int64, Keys)
	for _, it := range out.Items {
		n, _ := it["sk"].(*types.AttributeValueMemberN)
		k, err := strconv.Atoi(fmt.Sprint(n.Value))
		if n == nil || err != nil || k < 0 || k >= Keys {
			w.t.Errorf("Query returned an item of a key never written: %v", it)
			return
		}
		vals[k] = w.valueOf(it)
	}
	w.seen = State(vals)
	w.rec.add(w.id, call, Input{Kind: QueryAll}, Output{Values: vals})
}
