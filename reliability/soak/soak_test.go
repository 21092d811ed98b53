package soak

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynago/dynago/reliability/harness"
)

var (
	duration = flag.Duration("soak.duration", 75*time.Second, "how long the workload runs")
	every    = flag.Duration("soak.every", 15*time.Second, "how often resources and latencies are sampled")
	clients  = flag.Int("soak.clients", 8, "concurrent clients of the item workload")
)

const (
	mainTable = "soak"
	keySpace  = 2000 // items per table: bounded, so the data set stops growing
	reqTime   = 30 * time.Second
)

// Flatness bounds: how much a resource may grow from the first sample
// after warm-up to the median of the last third of the run. They are
// loose on purpose, since caches and memtables fill as the run goes on;
// a leak proportional to requests served exceeds them within minutes.
const (
	rssGrowthFactor = 1.5
	rssGrowthSlack  = 48 << 20 // 48 MB: Pebble's block cache and memtables filling up
	goroutineSlack  = 32
	openFileSlack   = 24 // sstables come and go with compactions
	goroutineFactor = 1.5
)

type sample struct {
	at    time.Duration
	stats harness.Stats
	n     int
	p50   time.Duration
	p99   time.Duration
	errs  int64
}

func TestSoak(t *testing.T) {
	bin := harness.Build(t)
	dir := t.TempDir()
	p := harness.Start(t, bin, filepath.Join(dir, "data"), filepath.Join(dir, "dynago.log"), "--ttl-interval", "2s")
	admin := harness.Client(p.URL, 5)
	ctx := context.Background()
	createTable(t, admin, mainTable, true)

	var lat harness.Latencies
	var errCount, opCount, churns atomic.Int64
	totalErrs := int64(0)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for c := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &worker{c: harness.Client(p.URL, 3), rng: rand.New(rand.NewPCG(7, uint64(c))), lat: &lat, errs: &errCount, ops: &opCount, t: t}
			for !stop.Load() {
				w.one(ctx, mainTable, true)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ch := &worker{c: harness.Client(p.URL, 5), rng: rand.New(rand.NewPCG(8, 0)), lat: &lat, errs: &errCount, ops: &opCount, t: t}
		for i := 0; !stop.Load(); i++ {
			ch.churn(ctx, fmt.Sprintf("churn%d", i%3), &stop)
			churns.Add(1)
		}
	}()

	var samples []sample
	start := time.Now()
	tick := time.NewTicker(*every)
	for time.Since(start) < *duration && !p.Exited() {
		<-tick.C
		st, err := harness.Sample(ctx, p)
		if err != nil {
			t.Errorf("sampling: %v", err)
			continue
		}
		n, p50, p99 := lat.Window()
		s := sample{at: time.Since(start), stats: st, n: n, p50: p50, p99: p99, errs: errCount.Swap(0)}
		totalErrs += s.errs
		samples = append(samples, s)
		t.Logf("soak %6s: rss %6.1f MB heap %6.1f MB goroutines %4d open files %3d | %6d requests (%5.0f/s), p50 %6s p99 %7s, errors %d, table churns %d",
			s.at.Round(time.Second), mb(st.RSSBytes), mb(st.HeapBytes), st.Goroutines, st.OpenFiles, n, float64(n)/every.Seconds(),
			p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond), s.errs, churns.Load())
	}
	tick.Stop()
	stop.Store(true)
	wg.Wait()
	if p.Exited() {
		t.Fatalf("dynago exited during the soak; log:\n%s", harness.ReadLog(p.LogPath))
	}
	// After the load: goroutines and files must come back down too.
	time.Sleep(2 * time.Second)
	idle, err := harness.Sample(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("soak idle after load: rss %.1f MB goroutines %d open files %d; %d requests, %d table churns in %s",
		mb(idle.RSSBytes), idle.Goroutines, idle.OpenFiles, opCount.Load(), churns.Load(), time.Since(start).Round(time.Second))
	if err := p.Stop(30 * time.Second); err != nil {
		t.Errorf("dynago did not stop cleanly: %v", err)
	}
	checkFlat(t, samples, idle)
	if totalErrs += errCount.Load(); totalErrs > 0 {
		t.Errorf("%d requests failed with errors the workload does not provoke", totalErrs)
	}
	if opCount.Load() == 0 || churns.Load() == 0 {
		t.Errorf("the workload did nothing: %d requests, %d churns", opCount.Load(), churns.Load())
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// checkFlat compares the first sample after warm-up (the second) with the
// median of the last third of the samples.
func checkFlat(t *testing.T, samples []sample, idle harness.Stats) {
	t.Helper()
	if len(samples) < 3 {
		t.Fatalf("only %d samples: run longer than 3 intervals", len(samples))
	}
	base := samples[1].stats
	tail := samples[len(samples)*2/3:]
	med := func(get func(harness.Stats) int64) int64 {
		var v []int64
		for _, s := range tail {
			v = append(v, get(s.stats))
		}
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		return v[len(v)/2]
	}
	rss := med(func(s harness.Stats) int64 { return s.RSSBytes })
	gor := med(func(s harness.Stats) int64 { return int64(s.Goroutines) })
	fds := med(func(s harness.Stats) int64 { return int64(s.OpenFiles) })
	if limit := int64(float64(base.RSSBytes)*rssGrowthFactor) + rssGrowthSlack; rss > limit {
		t.Errorf("resident memory grew from %.1f MB to %.1f MB (limit %.1f MB): a leak", mb(base.RSSBytes), mb(rss), mb(limit))
	}
	if limit := int64(float64(base.Goroutines)*goroutineFactor) + goroutineSlack; gor > limit {
		t.Errorf("goroutines grew from %d to %d (limit %d): a leak", base.Goroutines, gor, limit)
	}
	if limit := int64(base.OpenFiles) + openFileSlack; fds > limit {
		t.Errorf("open files grew from %d to %d (limit %d): a leak", base.OpenFiles, fds, limit)
	}
	if limit := base.Goroutines + goroutineSlack; idle.Goroutines > limit {
		t.Errorf("%d goroutines once idle, %d under load at the start: requests leave goroutines behind", idle.Goroutines, base.Goroutines)
	}
	t.Logf("soak flatness: rss %.1f -> %.1f MB, goroutines %d -> %d, open files %d -> %d (first sample after warm-up -> median of the last third)",
		mb(base.RSSBytes), mb(rss), base.Goroutines, gor, base.OpenFiles, fds)
}

func createTable(t *testing.T, c *dynamodb.Client, name string, withGSI bool) {
	t.Helper()
	if err := createTableErr(context.Background(), c, name, withGSI); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
}

func createTableErr(ctx context.Context, c *dynamodb.Client, name string, withGSI bool) error {
	in := &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		BillingMode: types.BillingModePayPerRequest,
	}
	if withGSI {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
		in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byG"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}}
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		return err
	}
	_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(true)},
	})
	return err
}

// worker issues the workload's requests.
type worker struct {
	c    *dynamodb.Client
	rng  *rand.Rand
	lat  *harness.Latencies
	errs *atomic.Int64
	ops  *atomic.Int64
	t    *testing.T
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func (w *worker) key() map[string]types.AttributeValue {
	i := w.rng.IntN(keySpace)
	return map[string]types.AttributeValue{"pk": s(fmt.Sprintf("p%03d", i/20)), "sk": n(int64(i % 20))}
}

func keyID(k map[string]types.AttributeValue) string {
	return k["pk"].(*types.AttributeValueMemberS).Value + "/" + k["sk"].(*types.AttributeValueMemberN).Value
}

func (w *worker) item() map[string]types.AttributeValue {
	it := w.key()
	it["g"] = s(fmt.Sprintf("g%d", w.rng.IntN(50)))
	it["v"] = s(string(make([]byte, 10+w.rng.IntN(400))))
	it["cnt"] = n(int64(w.rng.IntN(1000)))
	if w.rng.IntN(10) == 0 {
		it["exp"] = n(time.Now().Add(-time.Minute).Unix()) // TTL deletes it
	}
	return it
}

// do times one request and counts errors other than the ones the workload
// provokes on purpose (failed conditions, cancelled transactions).
func (w *worker) do(f func(ctx context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), reqTime)
	defer cancel()
	start := time.Now()
	err := f(ctx)
	w.lat.Add(time.Since(start))
	w.ops.Add(1)
	var ccf *types.ConditionalCheckFailedException
	var tce *types.TransactionCanceledException
	if err != nil && !errors.As(err, &ccf) && !errors.As(err, &tce) {
		w.errs.Add(1)
		var api smithy.APIError
		if errors.As(err, &api) && w.errs.Load() < 20 {
			w.t.Logf("soak: %v", err)
		}
	}
}

// one issues a random request on table; gsi says whether it has byG yet.
func (w *worker) one(ctx context.Context, table string, gsi bool) {
	tn := aws.String(table)
	r := w.rng.IntN(100)
	if !gsi && r >= 72 && r < 76 {
		r = 0
	}
	switch {
	case r < 25:
		w.do(func(ctx context.Context) error {
			_, err := w.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tn, Key: w.key(), ConsistentRead: aws.Bool(w.rng.IntN(2) == 0)})
			return err
		})
	case r < 45:
		w.do(func(ctx context.Context) error {
			_, err := w.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tn, Item: w.item()})
			return err
		})
	case r < 55:
		w.do(func(ctx context.Context) error {
			_, err := w.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tn, Key: w.key(),
				UpdateExpression: aws.String("ADD cnt :one SET g = :g"), ConditionExpression: aws.String("attribute_not_exists(cnt) OR cnt < :max"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1), ":g": s(fmt.Sprintf("g%d", w.rng.IntN(50))), ":max": n(900)},
				ReturnValues:              types.ReturnValueAllNew})
			return err
		})
	case r < 60:
		w.do(func(ctx context.Context) error {
			_, err := w.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tn, Key: w.key(), ReturnValues: types.ReturnValueAllOld})
			return err
		})
	case r < 72:
		w.do(func(ctx context.Context) error {
			_, err := w.c.Query(ctx, &dynamodb.QueryInput{TableName: tn, KeyConditionExpression: aws.String("pk = :p AND sk BETWEEN :a AND :b"),
				FilterExpression:          aws.String("cnt > :c"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": s(fmt.Sprintf("p%03d", w.rng.IntN(keySpace/20))), ":a": n(2), ":b": n(15), ":c": n(100)},
				Limit:                     aws.Int32(10)})
			return err
		})
	case r < 76:
		w.do(func(ctx context.Context) error {
			_, err := w.c.Query(ctx, &dynamodb.QueryInput{TableName: tn, IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":g": s(fmt.Sprintf("g%d", w.rng.IntN(50)))}, Limit: aws.Int32(20)})
			return err
		})
	case r < 79:
		w.do(func(ctx context.Context) error {
			seg := int32(w.rng.IntN(8))
			_, err := w.c.Scan(ctx, &dynamodb.ScanInput{TableName: tn, Segment: aws.Int32(seg), TotalSegments: aws.Int32(8), Limit: aws.Int32(50),
				ProjectionExpression: aws.String("pk, sk, cnt")})
			return err
		})
	case r < 85:
		w.do(func(ctx context.Context) error {
			var reqs []types.WriteRequest
			seen := map[string]bool{}
			for range 10 {
				it := w.item()
				k := it["pk"].(*types.AttributeValueMemberS).Value + it["sk"].(*types.AttributeValueMemberN).Value
				if seen[k] {
					continue
				}
				seen[k] = true
				reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
			}
			_, err := w.c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}})
			return err
		})
	case r < 90:
		w.do(func(ctx context.Context) error {
			var keys []map[string]types.AttributeValue
			seen := map[string]bool{}
			for range 20 {
				k := w.key()
				id := k["pk"].(*types.AttributeValueMemberS).Value + k["sk"].(*types.AttributeValueMemberN).Value
				if !seen[id] {
					seen[id] = true
					keys = append(keys, k)
				}
			}
			_, err := w.c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{table: {Keys: keys}}})
			return err
		})
	case r < 95:
		w.do(func(ctx context.Context) error {
			a, b := w.key(), w.key()
			if keyID(a) == keyID(b) {
				return nil // one transaction may not name an item twice
			}
			_, err := w.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: tn, Key: a, UpdateExpression: aws.String("ADD cnt :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1)}}},
				{ConditionCheck: &types.ConditionCheck{TableName: tn, Key: b, ConditionExpression: aws.String("attribute_exists(pk)")}},
			}})
			return err
		})
	default:
		w.do(func(ctx context.Context) error {
			a, b := w.key(), w.key()
			if keyID(a) == keyID(b) {
				return nil // one transaction may not name an item twice
			}
			_, err := w.c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
				{Get: &types.Get{TableName: tn, Key: a}}, {Get: &types.Get{TableName: tn, Key: b}},
			}})
			return err
		})
	}
}

// churn creates a table, fills it, adds a GSI (a backfill over the items
// already there), waits for it, queries it, and deletes the table.
func (w *worker) churn(ctx context.Context, name string, stop *atomic.Bool) {
	if err := createTableErr(ctx, w.c, name, false); err != nil {
		w.errs.Add(1)
		w.t.Logf("soak churn: %v", err)
		time.Sleep(time.Second)
		return
	}
	for range 300 {
		w.one(ctx, name, false)
	}
	w.do(func(ctx context.Context) error {
		_, err := w.c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(name),
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName: aws.String("byG"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}}}})
		return err
	})
	// Wait for the index whether or not the soak is ending: DynamoDB
	// refuses DeleteTable while an index is being created
	// (ResourceInUseException), and so does Dynago.
	active := false
	for deadline := time.Now().Add(time.Minute); !active && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out, err := w.c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		active = err == nil && len(out.Table.GlobalSecondaryIndexes) == 1 && out.Table.GlobalSecondaryIndexes[0].IndexStatus == types.IndexStatusActive
	}
	for i := 0; i < 50 && active && !stop.Load(); i++ {
		w.one(ctx, name, true)
	}
	w.do(func(ctx context.Context) error {
		_, err := w.c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		return err
	})
}
