package main

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// av is an AttributeValue as decoded from a request body.
type av map[string]any

func mustEncoder(t testing.TB, items int) *Encoder {
	t.Helper()
	enc, err := NewEncoder("bench_t", defaultItemSize, Keyspace{Items: items})
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// itemSize computes DynamoDB's item size for an item of S and N values:
// attribute name bytes plus string bytes, numbers at one byte per two
// significant digits plus one.
func itemSize(t *testing.T, item map[string]av) int {
	t.Helper()
	n := 0
	for name, v := range item {
		n += len(name)
		switch {
		case v["S"] != nil:
			n += len(v["S"].(string))
		case v["N"] != nil:
			n += (len(v["N"].(string))+1)/2 + 1
		default:
			t.Fatalf("attribute %s: unexpected value %v", name, v)
		}
	}
	return n
}

func checkKey(t *testing.T, key map[string]av, item int) {
	t.Helper()
	if len(key) != 2 || key["pk"]["S"] != partitionKey(item) || key["sk"]["N"] != strconv.Itoa(sortOf(item)) {
		t.Errorf("key = %v, want pk %s sk %d", key, partitionKey(item), sortOf(item))
	}
}

func TestBodiesAreTheDynamoDBRequests(t *testing.T) {
	enc := mustEncoder(t, 1000)
	const item = 437 // partition 43, sort 7
	decode := func(kind OpKind, v any) {
		t.Helper()
		body := enc.AppendBody(nil, Op{Kind: kind, Item: item})
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s body is not JSON: %v\n%s", kind.Target(), err, body)
		}
	}

	var get struct {
		TableName string
		Key       map[string]av
	}
	decode(OpGet, &get)
	if get.TableName != "bench_t" {
		t.Errorf("GetItem TableName = %q", get.TableName)
	}
	checkKey(t, get.Key, item)

	var put struct {
		TableName string
		Item      map[string]av
	}
	decode(OpPut, &put)
	checkKey(t, map[string]av{"pk": put.Item["pk"], "sk": put.Item["sk"]}, item)
	if size := itemSize(t, put.Item); size < defaultItemSize-2 || size > defaultItemSize+2 {
		t.Errorf("PutItem item is %d bytes, want about %d", size, defaultItemSize)
	}
	if put.Item["cnt"]["N"] != "0" {
		t.Errorf("PutItem cnt = %v, want N 0", put.Item["cnt"])
	}

	var upd struct {
		TableName                 string
		Key                       map[string]av
		UpdateExpression          string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues map[string]av
	}
	decode(OpUpdate, &upd)
	checkKey(t, upd.Key, item)
	if upd.UpdateExpression != "SET #t = :t ADD #c :one" || upd.ExpressionAttributeNames["#c"] != "cnt" ||
		upd.ExpressionAttributeValues[":one"]["N"] != "1" {
		t.Errorf("UpdateItem is not a counter increment: %+v", upd)
	}

	var q struct {
		TableName                 string
		KeyConditionExpression    string
		ExpressionAttributeNames  map[string]string
		ExpressionAttributeValues map[string]av
	}
	decode(OpQuery, &q)
	if q.KeyConditionExpression != "#p = :p" || q.ExpressionAttributeNames["#p"] != "pk" ||
		q.ExpressionAttributeValues[":p"]["S"] != "p43" {
		t.Errorf("Query does not select partition p43: %+v", q)
	}

	var bw struct {
		RequestItems map[string][]struct {
			PutRequest struct{ Item map[string]av }
		}
	}
	decode(OpBatchWrite, &bw)
	reqs := bw.RequestItems["bench_t"]
	if len(bw.RequestItems) != 1 || len(reqs) != batchSize {
		t.Fatalf("BatchWriteItem has %d tables and %d requests, want 1 and %d", len(bw.RequestItems), len(reqs), batchSize)
	}
	for j, r := range reqs {
		want := BatchItems(item, enc.ks)[j]
		checkKey(t, map[string]av{"pk": r.PutRequest.Item["pk"], "sk": r.PutRequest.Item["sk"]}, want)
	}

	var tw struct {
		TransactItems []struct {
			Put struct {
				TableName string
				Item      map[string]av
			}
		}
	}
	decode(OpTransactWrite, &tw)
	if len(tw.TransactItems) != transactSize {
		t.Fatalf("TransactWriteItems has %d items, want %d", len(tw.TransactItems), transactSize)
	}
	for j, ti := range tw.TransactItems {
		if ti.Put.TableName != "bench_t" {
			t.Errorf("TransactWriteItems put %d on table %q", j, ti.Put.TableName)
		}
		checkKey(t, map[string]av{"pk": ti.Put.Item["pk"], "sk": ti.Put.Item["sk"]}, TransactItems(item, enc.ks)[j])
	}

	var bg struct {
		RequestItems map[string]struct{ Keys []map[string]av }
	}
	decode(OpBatchGet, &bg)
	keys := bg.RequestItems["bench_t"].Keys
	if len(bg.RequestItems) != 1 || len(keys) != batchGetSize {
		t.Fatalf("BatchGetItem has %d tables and %d keys, want 1 and %d", len(bg.RequestItems), len(keys), batchGetSize)
	}
	for j, k := range keys {
		checkKey(t, k, BatchGetItems(item, enc.ks)[j])
	}

	var scan struct {
		TableName         string
		Limit             int
		ExclusiveStartKey map[string]av
	}
	decode(OpScan, &scan)
	if scan.Limit != scanLimit {
		t.Errorf("Scan Limit = %d, want %d", scan.Limit, scanLimit)
	}
	checkKey(t, scan.ExclusiveStartKey, item)

	var pq struct {
		Statement  string
		Parameters []av
	}
	decode(OpPartiQLGet, &pq)
	if pq.Statement != `SELECT * FROM "bench_t" WHERE pk = ? AND sk = ?` || len(pq.Parameters) != 2 {
		t.Fatalf("ExecuteStatement = %+v", pq)
	}
	checkKey(t, map[string]av{"pk": pq.Parameters[0], "sk": pq.Parameters[1]}, item)
}

// TestBodiesGoToTheirTable checks that an op's Table names the table in
// every body that names one.
func TestBodiesGoToTheirTable(t *testing.T) {
	enc := mustEncoder(t, 1000)
	want := map[TableKind]string{TableMain: "bench_t", TableStream: "bench_t_stream", TablePITR: "bench_t_pitr"}
	for k, name := range want {
		if enc.TableName(k) != name {
			t.Errorf("TableName(%d) = %q, want %q", k, enc.TableName(k), name)
		}
		for _, kind := range []OpKind{OpGet, OpPut, OpUpdate, OpQuery, OpBatchWrite, OpScan, OpBatchGet, OpTransactWrite, OpPartiQLGet} {
			body := string(enc.AppendBody(nil, Op{Kind: kind, Item: 5, Table: k}))
			quoted := `"` + name + `"`
			if kind == OpPartiQLGet {
				quoted = `\"` + name + `\"`
			}
			if !strings.Contains(body, quoted) {
				t.Errorf("%s on table %d: body does not name %s: %s", kind.Target(), k, name, body)
			}
			for other, otherName := range want {
				if other != k && strings.Contains(body, `"`+otherName+`"`) {
					t.Errorf("%s on table %d names %s", kind.Target(), k, otherName)
				}
			}
		}
	}
	if _, err := NewEncoder(strings.Repeat("t", 250), defaultItemSize, Keyspace{Items: 100}); err == nil {
		t.Error("a table name with no room for the _stream suffix was accepted")
	}
}

func TestStreamBodies(t *testing.T) {
	enc := mustEncoder(t, 1000)
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/bench_t_stream/stream/2026-12-07T00:00:00.000"
	enc.SetStream(StreamInfo{ARN: arn, Shards: []string{"shardId-a", "shardId-b"}})
	for n, shard := range map[int]string{0: "shardId-a", 1: "shardId-b", 7: "shardId-b"} {
		var gi struct{ StreamArn, ShardId, ShardIteratorType string }
		if err := json.Unmarshal(enc.AppendGetShardIterator(nil, n), &gi); err != nil {
			t.Fatal(err)
		}
		if gi.StreamArn != arn || gi.ShardId != shard || gi.ShardIteratorType != "TRIM_HORIZON" {
			t.Errorf("GetShardIterator(%d) = %+v, want shard %s", n, gi, shard)
		}
	}
	// An iterator is sent back exactly, even one that would need escaping.
	for _, it := range []string{arn + "|1|AbC-_9", "a\"b\\c\x01"} {
		var gr struct {
			ShardIterator string
			Limit         int
		}
		if err := json.Unmarshal(enc.AppendGetRecords(nil, []byte(it)), &gr); err != nil {
			t.Fatal(err)
		}
		if gr.ShardIterator != it || gr.Limit != getRecordsLimit {
			t.Errorf("GetRecords(%q) = %+v", it, gr)
		}
	}
}

func TestJSONStringField(t *testing.T) {
	tests := []struct {
		body, key, want string
		ok              bool
	}{
		{`{"Records":[],"NextShardIterator":"arn:x|1|AbC"}`, `"NextShardIterator":`, "arn:x|1|AbC", true},
		{`{"NextShardIterator": "sp"}`, `"NextShardIterator":`, "sp", true},
		{`{"NextShardIterator":"a\"b\u0041"}`, `"NextShardIterator":`, `a"bA`, true},
		{`{"Records":[]}`, `"NextShardIterator":`, "", false},
		{`{"NextShardIterator":null}`, `"NextShardIterator":`, "", false},
		{`{"NextShardIterator":"cut`, `"NextShardIterator":`, "", false},
	}
	for _, tt := range tests {
		got, ok := jsonStringField([]byte(tt.body), tt.key)
		if ok != tt.ok || string(got) != tt.want {
			t.Errorf("jsonStringField(%s) = %q, %v; want %q, %v", tt.body, got, ok, tt.want, tt.ok)
		}
	}
}

func TestItemSizeFollowsFlag(t *testing.T) {
	for _, size := range []int{100, 250, 1000, 4000} {
		enc, err := NewEncoder("bench_t", size, Keyspace{Items: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range []int{0, 9, 99_999} {
			var put struct{ Item map[string]av }
			if err := json.Unmarshal(enc.AppendBody(nil, Op{Kind: OpPut, Item: item}), &put); err != nil {
				t.Fatal(err)
			}
			if got := itemSize(t, put.Item); got < size-2 || got > size+2 {
				t.Errorf("item-size %d, item %d: got %d bytes", size, item, got)
			}
		}
	}
}

func TestEncoderRejectsBadInput(t *testing.T) {
	if _, err := NewEncoder("a\"b", 250, Keyspace{Items: 100}); err == nil {
		t.Error("a table name needing JSON escaping was accepted")
	}
	if _, err := NewEncoder("ok_table", 250, Keyspace{Items: batchSize - 1}); err == nil {
		t.Error("a keyspace smaller than one batch was accepted")
	}
}

func TestAppendBodyReusesBuffer(t *testing.T) {
	enc := mustEncoder(t, 10_000)
	buf := make([]byte, 0, 8<<10)
	rng := rand.New(rand.NewPCG(1, 1))
	w, _ := LookupWorkload("mixed")
	allocs := testing.AllocsPerRun(1000, func() {
		buf = enc.AppendBody(buf[:0], w.Next(rng, enc.ks))
		if !utf8.Valid(buf) {
			t.Fatal("body is not UTF-8")
		}
	})
	if allocs != 0 {
		t.Errorf("AppendBody allocates %.1f times per body, want 0", allocs)
	}
}

func TestResponseItems(t *testing.T) {
	tests := []struct {
		kind OpKind
		body string
		want int
	}{
		{OpGet, `{"Item":{"pk":{"S":"p1"}}}`, 1},
		{OpGet, `{}`, 0},
		{OpQuery, `{"Count":10,"Items":[],"ScannedCount":10}`, 10},
		{OpScan, `{"Items":[],"ScannedCount":100,"Count":97,"LastEvaluatedKey":{}}`, 97},
		{OpQuery, `{"Count":0,"Items":[],"ScannedCount":0}`, 0},
		{OpBatchWrite, `{"UnprocessedItems":{}}`, 25},
		{OpBatchWrite, `{"UnprocessedItems":{"t":[{"PutRequest":{"Item":{}}},{"PutRequest":{"Item":{}}}]}}`, 23},
		{OpBatchGet, `{"Responses":{"t":[{"pk":{"S":"p1"},"payload":{"S":"x"}},{"payload":{"S":"y"},"pk":{"S":"p2"}}]},"UnprocessedKeys":{"t":{"Keys":[{"pk":{"S":"p3"}}]}}}`, 2},
		{OpBatchGet, `{"Responses":{"t":[]},"UnprocessedKeys":{}}`, 0},
		{OpTransactWrite, `{}`, transactSize},
		{OpPut, `{}`, 1},
		{OpUpdate, `{}`, 1},
		{OpPartiQLGet, `{"Items":[{"pk":{"S":"p1"},"payload":{"S":"x"}}]}`, 1},
		{OpPartiQLGet, `{"Items":[]}`, 0},
		{OpGetRecords, `{"Records":[{"eventID":"1","dynamodb":{}},{"eventID":"2","dynamodb":{}}],"NextShardIterator":"i"}`, 2},
		{OpGetRecords, `{"Records":[],"NextShardIterator":"i"}`, 0},
	}
	for _, tt := range tests {
		if got := responseItems(tt.kind, []byte(tt.body)); got != tt.want {
			t.Errorf("responseItems(%s, %s) = %d, want %d", tt.kind.Target(), tt.body, got, tt.want)
		}
	}
}

func TestDecodeAPIError(t *testing.T) {
	e := decodeAPIError(400, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`))
	if e.Type != "ResourceNotFoundException" || e.Message != "Requested resource not found" || e.Status != 400 {
		t.Errorf("decodeAPIError = %+v", e)
	}
	e = decodeAPIError(400, []byte(`{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"}`))
	if e.Type != "ValidationException" || e.Message != "bad" {
		t.Errorf("decodeAPIError capitalised Message = %+v", e)
	}
}

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8000", true},
		{"http://127.3.4.5:8000", true},
		{"http://localhost:8000", true},
		{"http://[::1]:8000", true},
		{"http://10.0.0.1:8000", false},
		{"http://192.168.1.1:8000", false},
		{"http://dynamodb.us-east-1.amazonaws.com", false},
		{"https://127.0.0.1:8000", false},
		{"127.0.0.1:8000", false},
	}
	for _, tt := range tests {
		if _, err := CheckLoopback(tt.url); (err == nil) != tt.ok {
			t.Errorf("CheckLoopback(%q) error = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
}

func BenchmarkAppendBodyPut(b *testing.B) {
	enc := mustEncoder(b, 10_000)
	buf := make([]byte, 0, 4<<10)
	for i := 0; b.Loop(); i++ {
		buf = enc.AppendBody(buf[:0], Op{Kind: OpPut, Item: i % 10_000})
	}
}
