package jobs

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
)

func newStore(t *testing.T) kv.Store {
	t.Helper()
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func submit(t *testing.T, st kv.Store, kind, id, spec string) {
	t.Helper()
	err := st.Update(context.Background(), [][]byte{JobKey(kind, id)}, func(txn kv.Txn) error {
		return Submit(context.Background(), txn, kind, id, []byte(spec))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fastOpts(owner string) Options {
	return Options{Lease: 300 * time.Millisecond, PollInterval: 10 * time.Millisecond, Owner: owner}
}

// waitFor polls cond until it holds or the test's deadline nears.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exists(t *testing.T, st kv.Store, kind, id string) bool {
	ok, err := Exists(context.Background(), st, kind, id)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// A submitted job runs once, with its spec, on one of two runners sharing
// the store, and its record is gone afterwards.
func TestJobRunsOnceAcrossRunners(t *testing.T) {
	st := newStore(t)
	var runs atomic.Int32
	var mu sync.Mutex
	var specs []string
	body := func(ctx context.Context, j *Job) error {
		runs.Add(1)
		mu.Lock()
		specs = append(specs, string(j.Spec))
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // long enough for the other runner to poll
		return nil
	}
	a := NewRunner(st, map[string]Body{"work": body}, fastOpts("a"))
	b := NewRunner(st, map[string]Body{"work": body}, fastOpts("b"))
	a.Start()
	b.Start()
	defer a.Close()
	defer b.Close()
	for i := range 10 {
		submit(t, st, "work", strconv.Itoa(i), "spec-"+strconv.Itoa(i))
	}
	a.Wake()
	b.Wake()
	waitFor(t, "every job to finish", func() bool {
		for i := range 10 {
			if exists(t, st, "work", strconv.Itoa(i)) {
				return false
			}
		}
		return true
	})
	if n := runs.Load(); n != 10 {
		t.Errorf("%d runs of 10 jobs", n)
	}
	if len(specs) != 10 {
		t.Errorf("specs seen: %v", specs)
	}
}

// A runner that dies mid-job (Abandon) leaves its lease to expire; another
// runner then takes the job over from its last checkpoint, and the dead
// owner can no longer checkpoint.
func TestJobTakenOverAfterLeaseExpiry(t *testing.T) {
	st := newStore(t)
	const total = 200
	var steps atomic.Int32
	stale := make(chan *Job, 1)
	body := func(ctx context.Context, j *Job) error {
		done := 0
		if j.Progress != nil {
			done, _ = strconv.Atoi(string(j.Progress))
		}
		for done < total {
			if err := ctx.Err(); err != nil {
				select {
				case stale <- j:
				default:
				}
				return err
			}
			done++
			steps.Add(1)
			err := st.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
				return j.Checkpoint(ctx, txn, []byte(strconv.Itoa(done)))
			})
			if err != nil {
				return err
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	}
	a := NewRunner(st, map[string]Body{"long": body}, fastOpts("a"))
	submit(t, st, "long", "1", "")
	a.Start()
	waitFor(t, "the job to start on a", func() bool { return steps.Load() > 20 })
	a.Abandon()
	stoppedAt := steps.Load()
	if stoppedAt >= total {
		t.Fatalf("the job finished (%d steps) before it could be abandoned", stoppedAt)
	}

	b := NewRunner(st, map[string]Body{"long": body}, fastOpts("b"))
	b.Start()
	defer b.Close()
	waitFor(t, "b to finish the job", func() bool { return !exists(t, st, "long", "1") })
	// b resumed from a's checkpoint rather than from the start: the steps
	// of both together are the job's, plus at most the one a was in.
	if got := steps.Load(); got > total+1 {
		t.Errorf("%d steps in all for a %d-step job: b did not resume", got, total)
	}
	// a's body, were it still alive, could not write any more.
	submit(t, st, "long", "1", "") // a fresh record, owned by nobody
	j := <-stale
	err := st.Update(context.Background(), [][]byte{j.Key()}, func(txn kv.Txn) error {
		return j.Checkpoint(context.Background(), txn, []byte("999"))
	})
	if !errors.Is(err, ErrLeaseLost) {
		t.Errorf("a checkpoint by the dead owner: %v, want ErrLeaseLost", err)
	}
}

// Close cancels a long job at once instead of waiting for it, releases its
// lease, and leaves its record (with its progress) for the next start.
func TestCloseCancelsRunningJobs(t *testing.T) {
	st := newStore(t)
	started := make(chan struct{})
	body := func(ctx context.Context, j *Job) error {
		for i := 0; ; i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := st.Update(ctx, [][]byte{j.Key()}, func(txn kv.Txn) error {
				return j.Checkpoint(ctx, txn, []byte(strconv.Itoa(i)))
			})
			if err != nil {
				return err
			}
			if i == 0 {
				// Running, with progress to keep: a Close before the
				// first checkpoint had none (the test raced it).
				close(started)
			}
		}
	}
	r := NewRunner(st, map[string]Body{"forever": body}, fastOpts("r"))
	submit(t, st, "forever", "1", "")
	r.Start()
	<-started
	begin := time.Now()
	r.Close()
	t.Logf("Close returned %v after cancelling a running job", time.Since(begin))
	rec, err := getRecord(context.Background(), st, JobKey("forever", "1"))
	if err != nil {
		t.Fatalf("the job's record: %v", err)
	}
	if rec.Owner != "" {
		t.Errorf("lease still held by %q after Close", rec.Owner)
	}
	if len(rec.Progress) == 0 {
		t.Error("no progress recorded")
	}
}

// A body returning Again runs again after its time, and one returning an
// error is retried.
func TestAgainAndRetry(t *testing.T) {
	st := newStore(t)
	var periodic, flaky atomic.Int32
	bodies := map[string]Body{
		"periodic": func(ctx context.Context, j *Job) error {
			if periodic.Add(1) >= 3 {
				return nil
			}
			return &Again{At: time.Now().Add(20 * time.Millisecond)}
		},
		"flaky": func(ctx context.Context, j *Job) error {
			if flaky.Add(1) < 3 {
				return errors.New("not yet")
			}
			return nil
		},
	}
	r := NewRunner(st, bodies, fastOpts("r"))
	submit(t, st, "periodic", "p", "")
	submit(t, st, "flaky", "f", "")
	r.Start()
	defer r.Close()
	waitFor(t, "both jobs to finish", func() bool {
		return !exists(t, st, "periodic", "p") && !exists(t, st, "flaky", "f")
	})
	if periodic.Load() != 3 || flaky.Load() != 3 {
		t.Errorf("periodic ran %d times, flaky %d; want 3 each", periodic.Load(), flaky.Load())
	}
}

// Submit keeps an existing job as it is.
func TestSubmitIsIdempotent(t *testing.T) {
	st := newStore(t)
	submit(t, st, "k", "1", "first")
	submit(t, st, "k", "1", "second")
	rec, err := getRecord(context.Background(), st, JobKey("k", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if string(rec.Spec) != "first" {
		t.Errorf("spec %q, want the first submission's", rec.Spec)
	}
}
