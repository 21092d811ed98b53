package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// tblClock is a settable clock for the table tests.
type tblClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tblClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *tblClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// tblEpoch is the tests' starting time: 2026-11-21T05:00:00.123Z.
var tblEpoch = time.Date(2026, 11, 21, 5, 0, 0, 123_000_000, time.UTC)

// newTablesStore opens an in-memory Pebble store closed with the test.
func newTablesStore(tb testing.TB) kv.Store {
	tb.Helper()
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// openTablesDB opens a DB over st whose clock is c.
func openTablesDB(tb testing.TB, st kv.Store, c *tblClock) *DB {
	tb.Helper()
	db, err := Open(context.Background(), st, Options{Now: c.now})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.waitJobs(tb)
		db.Close()
	})
	return db
}

// waitJobs waits until every background job but the periodic ones (TTL,
// stream, PITR base, backup expiry, kinesis) has finished.
func (db *DB) waitJobs(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pending, err := db.pendingJobs(context.Background())
		if err != nil {
			tb.Fatal(err)
		}
		busy := false
		for _, j := range pending {
			busy = busy || !(strings.HasPrefix(j, jobTTL+"/") || strings.HasPrefix(j, jobStream+"/") || strings.HasPrefix(j, jobPITRBase+"/") ||
				strings.HasPrefix(j, jobBackupExpire+"/") || strings.HasPrefix(j, jobKinesis+"/"))
		}
		if !busy {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("background jobs still pending: %v", pending)
		}
		db.wakeJobs()
		time.Sleep(5 * time.Millisecond)
	}
}

// hasJob reports whether pending (kind/id) holds a job of kind.
func hasJob(pending []string, kind string) bool {
	for _, j := range pending {
		if strings.HasPrefix(j, kind+"/") {
			return true
		}
	}
	return false
}

// newTablesDB opens a DB over a fresh in-memory store.
func newTablesDB(tb testing.TB) (*DB, *tblClock) {
	tb.Helper()
	c := &tblClock{t: tblEpoch}
	return openTablesDB(tb, newTablesStore(tb), c), c
}

// hashTable returns a CreateTable request for a table keyed by a string
// "id", provisioned with the given capacity (0 means on-demand).
func hashTable(name string, capacity int64) *api.CreateTableInput {
	in := &api.CreateTableInput{
		TableName:            api.Ptr(name),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("id"), AttributeType: api.Ptr("S")}},
		KeySchema:            []api.KeySchemaElement{{AttributeName: api.Ptr("id"), KeyType: api.Ptr("HASH")}},
	}
	if capacity == 0 {
		in.BillingMode = api.Ptr(api.BillingModePayPerRequest)
	} else {
		in.ProvisionedThroughput = &api.ProvisionedThroughput{ReadCapacityUnits: api.Ptr(capacity), WriteCapacityUnits: api.Ptr(capacity)}
	}
	return in
}

func mustCreate(tb testing.TB, db *DB, in *api.CreateTableInput) *api.TableDescription {
	tb.Helper()
	out, err := db.CreateTable(context.Background(), in)
	if err != nil {
		tb.Fatalf("CreateTable %s: %v", api.Str(in.TableName), err)
	}
	return out.TableDescription
}

func mustDescribe(tb testing.TB, db *DB, name string) *api.TableDescription {
	tb.Helper()
	out, err := db.DescribeTable(context.Background(), &api.DescribeTableInput{TableName: api.Ptr(name)})
	if err != nil {
		tb.Fatalf("DescribeTable %s: %v", name, err)
	}
	return out.Table
}

// wantAPIErr asserts that err is DynamoDB's error code with message msg.
func wantAPIErr(tb testing.TB, err error, code apierr.Code, msg string) {
	tb.Helper()
	e := apierr.As(err)
	if e == nil {
		tb.Fatalf("got error %v, want %s: %q", err, code, msg)
	}
	if e.Code != code || e.Message != msg {
		tb.Fatalf("got  %s: %q\nwant %s: %q", e.Code, e.Message, code, msg)
	}
}

// errorCase is one line of a testdata/*_errors.json behaviour table: a
// request and the error DynamoDB answers it with.
type errorCase struct {
	Name string          `json:"name"`
	In   json.RawMessage `json:"in"`
	Code apierr.Code     `json:"code"`
	Msg  string          `json:"msg"`
}

func loadErrorCases(tb testing.TB, file string) []errorCase {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	var cases []errorCase
	if err := json.Unmarshal(b, &cases); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	if len(cases) == 0 {
		tb.Fatalf("%s: no cases", file)
	}
	return cases
}

// jsonOf renders v as indented JSON, for comparing descriptions.
func jsonOf(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}
