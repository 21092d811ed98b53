package jobs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// scanCounter counts the iterators opened over a store: the runner opens
// one per scan of the job records.
type scanCounter struct {
	kv.Store
	iters atomic.Int32
}

func (s *scanCounter) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	s.iters.Add(1)
	return s.Store.Iter(ctx, start, end, reverse)
}

// WakeFor claims and runs the job it names without scanning the job
// records (the scan is what grows with the jobs finished lately).
func TestWakeForClaimsWithoutScan(t *testing.T) {
	st := &scanCounter{Store: newStore(t)}
	var runs atomic.Int32
	r := NewRunner(st, map[string]Body{"work": func(context.Context, *Job) error {
		runs.Add(1)
		return nil
	}}, Options{PollInterval: time.Hour, Owner: "a"})
	r.Start()
	defer r.Close()
	waitFor(t, "the first scan", func() bool { return st.iters.Load() == 1 })
	for i := range 3 {
		submit(t, st, "work", "named", "")
		r.WakeFor("work", "named")
		waitFor(t, "the named job to finish", func() bool { return runs.Load() == int32(i+1) && !exists(t, st, "work", "named") })
	}
	if n := st.iters.Load(); n != 1 {
		t.Errorf("%d scans; want only the first one", n)
	}
}

// WakeFor, however often it comes, does not postpone the periodic scan
// that finds jobs submitted elsewhere (or whose lease lapsed).
func TestWakeForKeepsThePeriodicScan(t *testing.T) {
	st := newStore(t)
	var runs atomic.Int32
	r := NewRunner(st, map[string]Body{"work": func(context.Context, *Job) error {
		runs.Add(1)
		return nil
	}}, Options{PollInterval: 30 * time.Millisecond, Owner: "a"})
	r.Start()
	defer r.Close()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				r.WakeFor("work", "absent")
			}
		}
	}()
	submit(t, st, "work", "unannounced", "")
	waitFor(t, "the unannounced job", func() bool { return runs.Load() == 1 })
}

// A job that returns Again runs again when due, not at the next scan an
// hour later.
func TestAgainRunsWhenDueBetweenScans(t *testing.T) {
	st := &scanCounter{Store: newStore(t)}
	var runs atomic.Int32
	r := NewRunner(st, map[string]Body{"tick": func(context.Context, *Job) error {
		if runs.Add(1) == 1 {
			return &Again{At: time.Now().Add(20 * time.Millisecond)}
		}
		return nil
	}}, Options{PollInterval: time.Hour, Owner: "a"})
	submit(t, st, "tick", "1", "")
	r.Start()
	defer r.Close()
	waitFor(t, "the second run", func() bool { return runs.Load() == 2 && !exists(t, st, "tick", "1") })
}

// A RunSoon that arrives while the job runs is not lost: the body, which
// decided before it to sleep an hour, runs again at once.
func TestRunSoonWhileRunning(t *testing.T) {
	st := newStore(t)
	var runs atomic.Int32
	inBody := make(chan struct{})
	proceed := make(chan struct{})
	r := NewRunner(st, map[string]Body{"watch": func(context.Context, *Job) error {
		if runs.Add(1) == 1 {
			close(inBody)
			<-proceed
			return &Again{At: time.Now().Add(time.Hour)}
		}
		return nil
	}}, Options{PollInterval: time.Hour, Owner: "a"})
	submit(t, st, "watch", "1", "")
	r.Start()
	defer r.Close()
	<-inBody
	if err := r.RunSoon(context.Background(), "watch", "1"); err != nil {
		t.Fatal(err)
	}
	close(proceed)
	waitFor(t, "the run RunSoon asked for", func() bool { return runs.Load() == 2 && !exists(t, st, "watch", "1") })
}
