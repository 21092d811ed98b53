package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkMixedDurable serves an on-disk store over HTTP and measures
// GetItem and Query (ConsistentRead, one 10-item partition) while durable
// PutItems of the same items run: 8 writer clients, and the benchmark's
// readers (4 per CPU, each with one request in flight). It reports the
// readers' throughput (ns/op), their p50 and p99, and the writers'
// throughput, which is what reads that wait for durability cost
// (internal/kv/pebble/visibility.go). keys=100 makes a read of an item
// being written common; keys=10000 rare. Requests go over plain net/http
// with fixed bodies, so the client costs little of the two cores.
func BenchmarkMixedDurable(b *testing.B) {
	for _, keys := range []int{10_000, 100} {
		for _, op := range []string{"GetItem", "Query"} {
			b.Run(fmt.Sprintf("%s/keys=%d", op, keys), func(b *testing.B) { benchMixed(b, op, keys) })
		}
	}
}

func benchMixed(b *testing.B, readOp string, keys int) {
	const writers = 8
	ctx := context.Background()
	s, err := Start(ctx, Config{DataDir: b.TempDir(), TTLInterval: -1, NoThrottle: true, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	call := func(op string, body []byte) error {
		req, err := http.NewRequest("POST", s.URL(), bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+op)
		req.Header.Set("X-Amz-Date", "20260101T000000Z")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=s")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d %s", op, resp.StatusCode, out)
		}
		return nil
	}
	create := `{"TableName":"mixed","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],` +
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}`
	if err := call("CreateTable", []byte(create)); err != nil {
		b.Fatal(err)
	}
	pad := bytes.Repeat([]byte("v"), 200)
	putBody := func(i int) []byte {
		return fmt.Appendf(nil, `{"TableName":"mixed","Item":{"pk":{"S":"p%d"},"sk":{"N":"%d"},"v":{"S":"%s"}}}`, i/10, i%10, pad)
	}
	readBody := func(i int) []byte {
		if readOp == "GetItem" {
			return fmt.Appendf(nil, `{"TableName":"mixed","ConsistentRead":true,"Key":{"pk":{"S":"p%d"},"sk":{"N":"%d"}}}`, i/10, i%10)
		}
		return fmt.Appendf(nil, `{"TableName":"mixed","ConsistentRead":true,"KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p%d"}}}`, i/10)
	}
	puts := make([][]byte, keys)
	reads := make([][]byte, keys)
	for i := range keys {
		puts[i], reads[i] = putBody(i), readBody(i)
	}
	var load sync.WaitGroup
	for w := range 16 {
		load.Add(1)
		go func() {
			defer load.Done()
			for i := w; i < keys; i += 16 {
				if err := call("PutItem", puts[i]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	load.Wait()

	var stop atomic.Bool
	var writes atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 3))
			for !stop.Load() {
				if err := call("PutItem", puts[rng.IntN(keys)]); err != nil {
					b.Error(err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	var mu sync.Mutex
	var lat []time.Duration
	var seed atomic.Uint64
	w0 := writes.Load()
	began := time.Now()
	b.ResetTimer()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(seed.Add(1), 5))
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := call(readOp, reads[rng.IntN(keys)]); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	elapsed := time.Since(began)
	stop.Store(true)
	wg.Wait()
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "read-p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "read-p99-µs")
	}
	b.ReportMetric(float64(writes.Load()-w0)/elapsed.Seconds(), "writes/s")
}
