package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// updateCounter is a store that counts Update calls.
type updateCounter struct {
	kv.Store
	n atomic.Int64
}

func (c *updateCounter) Update(ctx context.Context, keys [][]byte, fn func(kv.Txn) error) error {
	c.n.Add(1)
	return c.Store.Update(ctx, keys, fn)
}

// TestSubmitPeriodicJobsOneCommit: start-up records the stream, PITR,
// stream-push and TTL jobs in one commit (a fresh durable store waited
// for a WAL sync per job before the first answer), and doing it again
// (a restart) keeps the records as they are.
func TestSubmitPeriodicJobsOneCommit(t *testing.T) {
	ctx := context.Background()
	st := &updateCounter{Store: newTablesStore(t)}
	db := &DB{store: st, opts: Options{TTLInterval: time.Hour, StreamWebhook: "http://127.0.0.1:1/"}}
	bodies := map[string]jobs.Body{}
	pushKey := db.addStreamPush(bodies)
	if pushKey == nil || bodies[jobStreamPush] == nil {
		t.Fatalf("stream push not registered: key %q", pushKey)
	}
	keys := [][]byte{jobs.JobKey(jobStream, streamJobID), jobs.JobKey(jobPITRBase, pitrJobID), pushKey, jobs.JobKey(jobTTL, ttlJobID)}
	read := func() [][]byte {
		var vs [][]byte
		for _, k := range keys {
			v, err := st.Get(ctx, k)
			if err != nil {
				t.Fatalf("job %q: %v", k, err)
			}
			vs = append(vs, v)
		}
		return vs
	}
	if err := db.submitPeriodicJobs(ctx, pushKey, true); err != nil {
		t.Fatal(err)
	}
	if n := st.n.Load(); n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
	first := read()
	if err := db.submitPeriodicJobs(ctx, pushKey, true); err != nil {
		t.Fatal(err)
	}
	for i, v := range read() {
		if string(v) != string(first[i]) {
			t.Errorf("job %q changed on the second submit: %q → %q", keys[i], first[i], v)
		}
	}
}

// TestSubmitPeriodicJobsWithoutPushOrTTL: without a webhook and with TTL
// off, only the stream and PITR jobs are recorded.
func TestSubmitPeriodicJobsWithoutPushOrTTL(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	db := &DB{store: st, opts: Options{TTLInterval: -1}}
	if key := db.addStreamPush(map[string]jobs.Body{}); key != nil {
		t.Fatalf("stream push key %q without a webhook", key)
	}
	if err := db.submitPeriodicJobs(ctx, nil, false); err != nil {
		t.Fatal(err)
	}
	for _, k := range [][]byte{jobs.JobKey(jobStream, streamJobID), jobs.JobKey(jobPITRBase, pitrJobID)} {
		if _, err := st.Get(ctx, k); err != nil {
			t.Errorf("job %q: %v", k, err)
		}
	}
	for _, k := range [][]byte{jobs.JobKey(jobStreamPush, streamPushJobID), jobs.JobKey(jobTTL, ttlJobID)} {
		if _, err := st.Get(ctx, k); err != kv.ErrNotFound {
			t.Errorf("job %q: %v, want not found", k, err)
		}
	}
}
