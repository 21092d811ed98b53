package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// Backoff of a failing job: doubled per consecutive failure, capped.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = time.Minute
)

// loop polls for claimable jobs until the runner closes: a scan of every
// job record every PollInterval (or sooner, when a job it saw or one this
// runner scheduled becomes due) and at Wake, and a claim of only the jobs
// named at WakeFor. The named claims leave the next scan where it was, so
// that however often they come, jobs of other runners' lapsed leases are
// still found within a PollInterval.
func (r *Runner) loop() {
	defer close(r.done)
	t := time.NewTimer(0) // a first look at once
	defer t.Stop()
	var scanAt time.Time // when the timer fires
	for {
		full := false
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			full = true
		case <-r.wake:
		}
		r.mu.Lock()
		full = full || r.scanAll
		named, due := r.named, r.dueAt
		r.scanAll, r.named, r.dueAt = false, nil, 0
		r.mu.Unlock()
		if full {
			next, err := r.poll(r.ctx)
			if err != nil && r.ctx.Err() == nil {
				r.log.Error("looking for background jobs", "err", err)
			}
			scanAt = time.Now().Add(r.opts.PollInterval)
			if !next.IsZero() && next.Before(scanAt) {
				scanAt = next
			}
		} else {
			r.claimNamed(r.ctx, named)
		}
		if due != 0 && time.Unix(0, due).Before(scanAt) {
			scanAt = time.Unix(0, due)
		}
		t.Reset(max(time.Until(scanAt), time.Millisecond))
	}
}

// claimNamed claims and starts the jobs at keys that are claimable.
func (r *Runner) claimNamed(ctx context.Context, keys map[string]struct{}) {
	for k := range keys {
		key := []byte(k)
		if _, ok := r.bodies[kindOf(key)]; !ok || r.isRunning(key) {
			continue
		}
		if r.runningCount() >= r.opts.Concurrency {
			r.setBusy()
			return
		}
		job, err := r.claim(ctx, key)
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("claiming a background job", "job", k, "err", err)
			}
			continue
		}
		if job != nil {
			r.start(job)
		}
	}
}

// setBusy records that claimable jobs were left for lack of room, so that
// the next job to finish makes the runner scan for them.
func (r *Runner) setBusy() {
	r.mu.Lock()
	r.busy = true
	r.mu.Unlock()
}

// candidate is a job record seen by poll; claim reads it again.
type candidate struct {
	key []byte
}

// poll claims and starts every job it can, up to the concurrency bound. It
// returns the earliest time a job it skipped becomes due (zero for none),
// so that the loop looks again then rather than a poll interval later.
func (r *Runner) poll(ctx context.Context) (next time.Time, err error) {
	now := r.opts.Now().UnixNano()
	var found []candidate
	start := []byte(prefix)
	it, err := r.store.Iter(ctx, start, prefixEnd(start), false)
	if err != nil {
		return time.Time{}, err
	}
	earliest := int64(0)
	for it.Next() {
		rec, err := decodeLease(it.Value())
		if err != nil {
			r.log.Error("skipping an unreadable job record", "key", string(it.Key()), "err", err)
			continue
		}
		if _, ok := r.bodies[kindOf(it.Key())]; !ok {
			continue // a kind another (newer) node runs
		}
		if r.isRunning(it.Key()) {
			continue
		}
		if !claimable(rec, r.opts.Owner, now) {
			due := max(rec.NotUntil, rec.Expires)
			if earliest == 0 || due < earliest {
				earliest = due
			}
			continue
		}
		found = append(found, candidate{key: bytes.Clone(it.Key())})
	}
	if err := it.Err(); err != nil {
		it.Close()
		return time.Time{}, err
	}
	it.Close()
	if earliest != 0 {
		next = time.Unix(0, earliest)
	}
	for _, c := range found {
		if r.runningCount() >= r.opts.Concurrency {
			r.setBusy()
			return next, nil
		}
		job, err := r.claim(ctx, c.key)
		if err != nil {
			if ctx.Err() != nil {
				return next, ctx.Err()
			}
			r.log.Error("claiming a background job", "job", string(c.key), "err", err)
			continue
		}
		if job != nil {
			r.start(job)
		}
	}
	return next, nil
}

// claimable reports whether a runner named owner may claim rec at now.
func claimable(rec lease, owner string, now int64) bool {
	if rec.NotUntil > now {
		return false
	}
	return rec.Owner == "" || rec.Owner == owner || rec.Expires <= now
}

// claim takes the lease of the job at key, or returns nil when another
// runner holds it after all.
func (r *Runner) claim(ctx context.Context, key []byte) (*Job, error) {
	var job *Job
	err := r.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		job = nil
		rec, err := getRecord(ctx, txn, key)
		if errors.Is(err, kv.ErrNotFound) {
			return nil // finished meanwhile
		}
		if err != nil {
			return err
		}
		now := r.opts.Now()
		if !claimable(lease{Owner: rec.Owner, Expires: rec.Expires, NotUntil: rec.NotUntil}, r.opts.Owner, now.UnixNano()) {
			return nil
		}
		rec.Owner = r.opts.Owner
		rec.Expires = now.Add(r.opts.Lease).UnixNano()
		if err := putRecord(txn, key, rec); err != nil {
			return err
		}
		job = &Job{Kind: kindOf(key), ID: idOf(key), Spec: rec.Spec, Progress: rec.Progress, r: r, key: key}
		return nil
	})
	return job, err
}

// start runs job's body in its own goroutine, renewing its lease.
func (r *Runner) start(job *Job) {
	ctx, cancel := context.WithCancel(r.ctx)
	k := string(job.key)
	r.mu.Lock()
	r.running[k] = cancel
	r.mu.Unlock()
	r.wg.Add(2)
	renewed := make(chan struct{})
	go func() {
		defer r.wg.Done()
		defer close(renewed)
		r.renew(ctx, cancel, job.key)
	}()
	go func() {
		defer r.wg.Done()
		defer func() {
			cancel()
			<-renewed
			r.mu.Lock()
			delete(r.running, k)
			r.mu.Unlock()
		}()
		err := r.bodies[job.Kind](ctx, job)
		r.finish(job, err)
	}()
}

// renew extends the lease every Lease/3 until ctx ends, cancelling the
// body (cancel) when the lease turns out to be lost.
func (r *Runner) renew(ctx context.Context, cancel context.CancelFunc, key []byte) {
	t := time.NewTicker(r.opts.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := r.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
			rec, err := r.fence(ctx, txn, key)
			if err != nil {
				return err
			}
			rec.Expires = r.opts.Now().Add(r.opts.Lease).UnixNano()
			return putRecord(txn, key, rec)
		})
		if errors.Is(err, ErrLeaseLost) {
			r.log.Warn("background job taken over by another node", "job", string(key))
			cancel()
			return
		}
		if err != nil && ctx.Err() == nil {
			r.log.Error("renewing a background job's lease", "job", string(key), "err", err)
		}
	}
}

// finish records the outcome of a body: deletes the record of a finished
// job, schedules the next run of one that returned Again, or the retry of
// one that failed. Nothing is recorded when the runner is closing (the
// lease is released by Close) or the lease was lost.
func (r *Runner) finish(job *Job, bodyErr error) {
	if r.ctx.Err() != nil && bodyErr != nil {
		return
	}
	ctx := context.WithoutCancel(r.ctx)
	var again *Again
	err := r.store.Update(ctx, [][]byte{job.key}, func(txn kv.Txn) error {
		rec, err := r.fence(ctx, txn, job.key)
		if err != nil {
			return err
		}
		switch {
		case bodyErr == nil:
			return txn.Delete(job.key)
		case errors.As(bodyErr, &again):
			rec.NotUntil = again.At.UnixNano()
			if rec.Soon {
				// RunSoon while it ran: now, not when the body said.
				again = &Again{At: r.opts.Now()}
				rec.NotUntil = again.At.UnixNano()
			}
			rec.Failures, rec.LastErr = 0, ""
		default:
			rec.Failures++
			rec.LastErr = bodyErr.Error()
			rec.NotUntil = r.opts.Now().Add(backoff(rec.Failures)).UnixNano()
		}
		rec.Owner, rec.Expires, rec.Soon = "", 0, false
		return putRecord(txn, job.key, rec)
	})
	if bodyErr != nil && again == nil && !errors.Is(bodyErr, ErrLeaseLost) && !errors.Is(bodyErr, context.Canceled) {
		r.log.Error("background job failed; retried", "job", string(job.key), "err", bodyErr)
	}
	if err != nil && !errors.Is(err, ErrLeaseLost) {
		r.log.Error("recording a background job's outcome", "job", string(job.key), "err", err)
	}
	r.finished(job, bodyErr == nil && err == nil, again)
}

// finished wakes the loop after a body returned: to scan, when a scan
// left claimable jobs for lack of room that this one has now made; or to
// look again when the job next becomes due (Again, or the retry of a
// failure), sooner than its next scan.
func (r *Runner) finished(job *Job, done bool, again *Again) {
	due := int64(0)
	switch {
	case done:
	case again != nil:
		due = again.At.UnixNano()
	default:
		if rec, err := getRecord(context.Background(), r.store, job.key); err == nil && rec.Owner == "" {
			due = rec.NotUntil
		}
	}
	r.mu.Lock()
	wake := r.busy
	r.busy = false
	r.scanAll = r.scanAll || wake
	if due != 0 && (r.dueAt == 0 || due < r.dueAt) {
		r.dueAt = due
		wake = true
	}
	r.mu.Unlock()
	if wake {
		r.signal()
	}
}

func backoff(failures int) time.Duration {
	d := minBackoff
	for i := 1; i < failures && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// releaseAll clears this runner's leases, so that another runner need not
// wait for them to expire.
func (r *Runner) releaseAll() {
	ctx := context.Background()
	start := []byte(prefix)
	it, err := r.store.Iter(ctx, start, prefixEnd(start), false)
	if err != nil {
		return
	}
	var mine [][]byte
	for it.Next() {
		rec := new(record)
		if json.Unmarshal(it.Value(), rec) == nil && rec.Owner == r.opts.Owner {
			mine = append(mine, bytes.Clone(it.Key()))
		}
	}
	it.Close()
	for _, key := range mine {
		_ = r.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
			rec, err := r.fence(ctx, txn, key)
			if err != nil {
				return nil
			}
			rec.Owner, rec.Expires = "", 0
			return putRecord(txn, key, rec)
		})
	}
}

func (r *Runner) isRunning(key []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.running[string(key)]
	return ok
}

func (r *Runner) runningCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.running)
}

// kindOf and idOf split a record key q/<kind>/<id>.
func kindOf(key []byte) string {
	k, _, _ := strings.Cut(strings.TrimPrefix(string(key), prefix), "/")
	return k
}

func idOf(key []byte) string {
	_, id, _ := strings.Cut(strings.TrimPrefix(string(key), prefix), "/")
	return id
}

// prefixEnd returns the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
