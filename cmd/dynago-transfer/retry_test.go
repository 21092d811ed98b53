package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// stingyProxy stands between the import and Dynago as a busy DynamoDB
// would: it answers some BatchWriteItem calls with
// ProvisionedThroughputExceededException and writes only half of others,
// returning the rest as UnprocessedItems.
type stingyProxy struct {
	target *url.URL
	proxy  *httputil.ReverseProxy

	mu                 sync.Mutex
	calls              int
	throttled, partial int
	unprocessed        int // items handed back unwritten
}

func newStingyProxy(t *testing.T, target string) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &stingyProxy{target: u, proxy: httputil.NewSingleHostReverseProxy(u)}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		t.Logf("%d BatchWriteItem calls: %d throttled, %d half written (%d items handed back)", p.calls, p.throttled, p.partial, p.unprocessed)
		if p.throttled == 0 || p.partial == 0 {
			t.Errorf("the proxy throttled %d and cut %d calls: the test exercised no retry", p.throttled, p.partial)
		}
	})
	return srv
}

func (p *stingyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".BatchWriteItem") {
		p.proxy.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.calls++
	k := p.calls
	p.mu.Unlock()
	switch {
	case k%7 == 3 && k < 40:
		// A few throttled calls (the SDK's retries and the import's
		// backoff absorb them).
		p.mu.Lock()
		p.throttled++
		p.mu.Unlock()
		answer(w, http.StatusBadRequest, []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}`))
	case k%3 == 1:
		p.half(w, r, body)
	default:
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.proxy.ServeHTTP(w, r)
	}
}

// half forwards the first half of each table's write requests and answers
// the server's response with the second half added to UnprocessedItems.
func (p *stingyProxy) half(w http.ResponseWriter, r *http.Request, body []byte) {
	var in struct {
		RequestItems map[string][]json.RawMessage
	}
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	held := map[string][]json.RawMessage{}
	sent := map[string][]json.RawMessage{}
	n := 0
	for table, reqs := range in.RequestItems {
		cut := len(reqs) / 2
		if cut == 0 {
			sent[table] = reqs
			continue
		}
		sent[table], held[table] = reqs[:cut], reqs[cut:]
		n += len(reqs) - cut
	}
	fwd, _ := json.Marshal(map[string]any{"RequestItems": sent})
	req, _ := http.NewRequest(http.MethodPost, p.target.String()+"/", bytes.NewReader(fwd))
	req.Header = r.Header.Clone()
	// The proxy re-signs nothing: Dynago without --auth checks only that a
	// signature is there.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		answer(w, resp.StatusCode, out)
		return
	}
	var fields map[string]json.RawMessage
	var unprocessed map[string][]json.RawMessage
	if err := json.Unmarshal(out, &fields); err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if raw, ok := fields["UnprocessedItems"]; ok {
		json.Unmarshal(raw, &unprocessed)
	}
	if unprocessed == nil {
		unprocessed = map[string][]json.RawMessage{}
	}
	for table, reqs := range held {
		unprocessed[table] = append(unprocessed[table], reqs...)
	}
	fields["UnprocessedItems"], _ = json.Marshal(unprocessed)
	merged, _ := json.Marshal(fields)
	p.mu.Lock()
	p.partial++
	p.unprocessed += n
	p.mu.Unlock()
	answer(w, http.StatusOK, merged)
}

// answer writes a DynamoDB response, with the CRC32 the SDK checks.
func answer(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	w.WriteHeader(status)
	w.Write(body)
}

// TestImportRetries imports through a proxy that throttles some
// BatchWriteItem calls and leaves half of others unprocessed: every item
// arrives, once, and the exit status is 0.
func TestImportRetries(t *testing.T) {
	const n = 3000
	db := newTestTable(t, "users")
	proxy := newStingyProxy(t, db.URL())
	in := writeTestFile(t, t.TempDir(), "users.json", dataio.FormatDynamoDBJSON, dataio.CompressionNone, 0, n)
	code, out := cli(t, proxy.URL, "import", "--table", "users", "--progress", "none", in)
	if code != exitOK {
		t.Fatalf("import exit %d:\n%s", code, out)
	}
	if !strings.Contains(out, fmt.Sprintf("imported %d items", n)) {
		t.Errorf("summary:\n%s", out)
	}
	table := scanAll(t, db.Client(), "users")
	if len(table) != n {
		t.Fatalf("table holds %d items, want %d", len(table), n)
	}
	for i := range n {
		want := testItem(i)
		if got := table[want["pk"].S]; !attr.ItemsEqual(got, want) {
			t.Fatalf("item %d: got %s", i, attr.AppendItemJSON(nil, got))
		}
	}
}
