package engine

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// writeCounter is an Observer that counts stream writes.
type writeCounter struct {
	nopObserver
	mu sync.Mutex
	n  map[string]int
}

func (w *writeCounter) StreamRecordsWritten(table string, n int) {
	w.mu.Lock()
	w.n[table] += n
	w.mu.Unlock()
}

func openCounted(tb testing.TB, obs Observer) *DB {
	tb.Helper()
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		tb.Fatal(err)
	}
	db, err := Open(context.Background(), st, Options{Observer: obs, TTLInterval: -1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		db.Close()
		st.Close()
	})
	return db
}

// BenchmarkPutItemCounted is PutItem on a streamed table with and without
// an observer that counts stream writes (which wraps every Update): the
// cost of the records-written metric.
func BenchmarkPutItemCounted(b *testing.B) {
	for _, counted := range []bool{false, true} {
		b.Run(fmt.Sprintf("counted=%v", counted), func(b *testing.B) {
			var obs Observer = nopObserver{}
			if counted {
				obs = &writeCounter{n: map[string]int{}}
			}
			db := openCounted(b, obs)
			in := hashTable("writes", 0)
			in.StreamSpecification = &api.StreamSpecification{StreamEnabled: api.Ptr(true), StreamViewType: api.Ptr(api.StreamViewTypeKeysOnly)}
			mustCreate(b, db, in)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("writes"), Item: attr.Item{"id": attr.String(fmt.Sprint(i % 1000)), "v": attr.NumberFromInt(int64(i))}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The count is of committed records, per table.
func TestStreamRecordsWrittenCount(t *testing.T) {
	obs := &writeCounter{n: map[string]int{}}
	db := openCounted(t, obs)
	streamTable(t, db, "one", api.StreamViewTypeKeysOnly)
	mustCreate(t, db, hashTable("two", 0))
	for _, id := range []string{"a", "b", "a"} {
		putV(t, db, "one", id)
		putV(t, db, "two", id)
	}
	if obs.n["one"] != 2 || obs.n["two"] != 0 {
		t.Errorf("counted %v, want one:2", obs.n)
	}
}
