// Package jobs runs Dynago's background work — TTL deletion, index
// backfills and drops, table drops, and later stream trimming, backups,
// exports and imports — as leased, cancellable, resumable jobs over a
// kv.Store, so that when several API nodes share one store each job runs on
// exactly one of them at a time and another takes it over when that node
// dies.
//
// A job is one record in the store, at q/<kind>/<id>: its immutable spec,
// the progress its body last checkpointed, and a lease (an owner and an
// expiry). A Runner polls the records, claims each one whose lease is free
// or expired in a store transaction, runs the body registered for its kind
// under a context that is cancelled when the lease is lost or the Runner
// closes, renews the lease while the body runs, and deletes the record
// when the body finishes. A body that checkpoints progress does it in its
// own data transaction through Job.Checkpoint, which also fences it: the
// commit fails if another runner has taken the job over meanwhile, so a
// stalled owner can never write after its successor.
//
// Leases are wall-clock expiries: nodes' clocks must agree to well within
// a lease (seconds), which NTP gives. The body of a job must be idempotent
// from its last checkpoint: after a crash the next owner starts it again
// from there.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dynago/dynago/internal/kv"
)

// Key layout: q/<kind>/<id> → record (JSON).
const prefix = "q/"

// Defaults of Options.
const (
	DefaultLease        = 10 * time.Second
	DefaultPollInterval = time.Second
	DefaultConcurrency  = 4
)

// ErrLeaseLost is returned by Checkpoint, and makes a body's context end,
// when another runner owns the job now.
var ErrLeaseLost = errors.New("jobs: lease lost to another runner")

// Body runs a job. It returns nil when the job is finished (its record is
// then deleted), Again to run it again later (periodic jobs, such as the TTL
// pass), or an error to retry it after a backoff. It must return promptly
// once ctx ends.
type Body func(ctx context.Context, j *Job) error

// Again is returned by a Body whose job is to run again at At (its record
// stays, with its lease released, so any runner may take the next turn).
type Again struct{ At time.Time }

func (a *Again) Error() string { return "jobs: run again at " + a.At.Format(time.RFC3339Nano) }

// Options configure a Runner.
type Options struct {
	// Lease is how long a claim lasts without renewal; a runner renews
	// every Lease/3. Zero means DefaultLease.
	Lease time.Duration
	// PollInterval is how often the runner looks for jobs to claim,
	// besides when Wake is called. Zero means DefaultPollInterval.
	PollInterval time.Duration
	// Concurrency bounds the jobs one runner runs at once. Zero means
	// DefaultConcurrency.
	Concurrency int
	// Now is the lease clock; nil means time.Now.
	Now func() time.Time
	// Logger receives job failures; nil discards them.
	Logger *slog.Logger
	// Owner names the runner in leases; empty means a random id.
	Owner string
}

// record is a job as stored.
type record struct {
	Spec     []byte `json:"spec,omitempty"`
	Progress []byte `json:"progress,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Expires  int64  `json:"expires,omitempty"`   // lease expiry, unix nanoseconds
	NotUntil int64  `json:"notUntil,omitempty"`  // do not run before, unix nanoseconds
	Failures int    `json:"failures,omitempty"`  // consecutive failed runs, for the backoff
	LastErr  string `json:"lastError,omitempty"` // the last failure, for operators
	// Soon records a RunSoon that came while the job ran: its Again then
	// makes it due at once instead of at the time the body chose, which
	// was chosen before the request that needs it (a Kinesis Enable while
	// the kinesis job finished a pass that found nothing to do).
	Soon bool `json:"soon,omitempty"`
}

// Job is one claimed job, handed to its Body.
type Job struct {
	Kind string
	ID   string
	// Spec is what Submit was given; Progress what the body last
	// checkpointed (nil before the first checkpoint).
	Spec     []byte
	Progress []byte

	r   *Runner
	key []byte
}

// Key returns the job's record key: a body that checkpoints names it among
// the keys its transaction locks.
func (j *Job) Key() []byte { return j.key }

// Checkpoint records progress in txn, the body's own transaction, which
// must have locked j.Key(). It fails with ErrLeaseLost, and so makes the
// whole transaction fail, if the runner no longer owns the job.
func (j *Job) Checkpoint(ctx context.Context, txn kv.Txn, progress []byte) error {
	rec, err := j.r.fence(ctx, txn, j.key)
	if err != nil {
		return err
	}
	rec.Progress = append([]byte(nil), progress...)
	j.Progress = progress
	return putRecord(txn, j.key, rec)
}

// Fence fails with ErrLeaseLost unless the runner still owns the job, as
// seen by txn (which must have locked j.Key()); for a body's transactions
// that change data without recording progress.
func (j *Job) Fence(ctx context.Context, txn kv.Txn) error {
	_, err := j.r.fence(ctx, txn, j.key)
	return err
}

// Runner claims and runs jobs. It is safe for concurrent use.
type Runner struct {
	store  kv.Store
	opts   Options
	log    *slog.Logger
	bodies map[string]Body

	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	started bool
	running map[string]context.CancelFunc // by record key
	wg      sync.WaitGroup
	// What the loop is to do when woken: scan every job record (Wake,
	// and when a finished job made room that a full scan found taken),
	// or only claim the jobs named (WakeFor); and the earliest time a
	// job this runner scheduled (Again, a retry) becomes due.
	scanAll bool
	named   map[string]struct{}
	dueAt   int64
	// busy is set when a scan left claimable jobs for lack of room.
	busy bool
}

// NewRunner returns a Runner over store running bodies by kind. Call Start
// to begin, Close to stop.
func NewRunner(store kv.Store, bodies map[string]Body, opts Options) *Runner {
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Owner == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		opts.Owner = hex.EncodeToString(b[:])
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{
		store: store, opts: opts, log: log, bodies: bodies,
		ctx: ctx, cancel: cancel,
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		running: map[string]context.CancelFunc{},
	}
}

// Owner is the name this runner claims leases under.
func (r *Runner) Owner() string { return r.opts.Owner }

// Start begins polling for jobs.
func (r *Runner) Start() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started || r.ctx.Err() != nil {
		return
	}
	r.started = true
	go r.loop()
}

// Wake makes the runner look for jobs now (after a Submit), rather than at
// its next poll, by scanning every job record.
func (r *Runner) Wake() {
	r.mu.Lock()
	r.scanAll = true
	r.mu.Unlock()
	r.signal()
}

// WakeFor makes the runner try to claim the job of kind and id now (after
// its Submit committed), without scanning the other job records: a scan
// steps over every version and deletion of every job record the store
// has not compacted yet, so it grows with the jobs finished lately
// (every DeleteTable's table drop). Jobs submitted elsewhere are found by
// the periodic poll.
func (r *Runner) WakeFor(kind, id string) {
	r.mu.Lock()
	if r.named == nil {
		r.named = map[string]struct{}{}
	}
	r.named[string(JobKey(kind, id))] = struct{}{}
	r.mu.Unlock()
	r.signal()
}

func (r *Runner) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Close cancels every running body, waits for them to return and stops
// polling. The leases of the jobs it was running are released, so another
// runner (or this node after a restart) takes them over at once.
func (r *Runner) Close() {
	r.stop(true)
}

// Abandon stops the runner as a crash would: bodies are cancelled but
// their leases are left to expire. Tests use it to show a job taken over.
func (r *Runner) Abandon() {
	r.stop(false)
}

func (r *Runner) stop(release bool) {
	r.mu.Lock()
	select {
	case <-r.ctx.Done():
		r.mu.Unlock()
		return // already stopped
	default:
	}
	r.cancel()
	r.mu.Unlock()
	<-r.doneOrNil()
	r.wg.Wait()
	if release {
		// Released after the bodies returned, so none can checkpoint
		// after the release. A failure leaves the lease to expire.
		r.releaseAll()
	}
}

// doneOrNil returns the loop's done channel, or a closed channel when the
// loop never started.
func (r *Runner) doneOrNil() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return r.done
	}
	c := make(chan struct{})
	close(c)
	return c
}

// Submit records a new job of kind with id and spec inside txn (so that it
// commits with whatever makes it necessary: a DeleteTable's catalog change
// and its table drop are one commit). A job with the same kind and id that
// already exists is left as it is. txn must have locked JobKey(kind, id),
// or the id must derive from a key it locked (a table's record, for the
// drop of that table's data). Call the Runner's Wake after the commit for
// the job to start at once.
func Submit(ctx context.Context, txn kv.Txn, kind, id string, spec []byte) error {
	return SubmitResumed(ctx, txn, kind, id, spec, nil)
}

// SubmitResumed is Submit for a job that starts from progress, as if its
// body had checkpointed it (work moved from an older record format).
func SubmitResumed(ctx context.Context, txn kv.Txn, kind, id string, spec, progress []byte) error {
	key := JobKey(kind, id)
	switch _, err := txn.Get(ctx, key); {
	case err == nil:
		return nil
	case !errors.Is(err, kv.ErrNotFound):
		return err
	}
	return putRecord(txn, key, &record{Spec: spec, Progress: progress})
}

// DueBy makes a job waiting to run again due no later than by, inside txn
// (which has locked JobKey(kind, id)): a node whose period for a periodic
// job is shorter than the one that scheduled it pulls the next run in.
func DueBy(ctx context.Context, txn kv.Txn, kind, id string, by time.Time) error {
	key := JobKey(kind, id)
	rec, err := getRecord(ctx, txn, key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil
	}
	if err != nil || rec.NotUntil <= by.UnixNano() {
		return err
	}
	rec.NotUntil = by.UnixNano()
	return putRecord(txn, key, rec)
}

// RunSoon makes a job waiting to run again (a Body returned Again) due now,
// and wakes the runner. A job running now runs again as soon as its body
// returns Again (record.Soon). A job not recorded is left alone.
func (r *Runner) RunSoon(ctx context.Context, kind, id string) error {
	key := JobKey(kind, id)
	now := r.opts.Now().UnixNano()
	err := r.store.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
		rec, err := getRecord(ctx, txn, key)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		switch {
		case err != nil:
			return err
		case rec.Owner != "" && rec.Expires > now: // running
			if rec.Soon {
				return nil
			}
			rec.Soon = true
		case rec.NotUntil == 0:
			return nil
		default:
			rec.NotUntil = 0
		}
		return putRecord(txn, key, rec)
	})
	r.WakeFor(kind, id)
	return err
}

// JobKey returns the record key of a job.
func JobKey(kind, id string) []byte { return []byte(prefix + kind + "/" + id) }

// Exists reports whether a job is recorded (pending, running or waiting to
// run again).
func Exists(ctx context.Context, rd kv.Reader, kind, id string) (bool, error) {
	_, err := rd.Get(ctx, JobKey(kind, id))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, kv.ErrNotFound):
		return false, nil
	}
	return false, err
}

func putRecord(txn kv.Txn, key []byte, rec *record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return txn.Set(key, b)
}

func getRecord(ctx context.Context, rd kv.Reader, key []byte) (*record, error) {
	b, err := rd.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	rec := new(record)
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, fmt.Errorf("jobs: record %q: %w", key, err)
	}
	return rec, nil
}

// fence reads the job's record in txn and checks this runner owns it.
func (r *Runner) fence(ctx context.Context, txn kv.Txn, key []byte) (*record, error) {
	rec, err := getRecord(ctx, txn, key)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, ErrLeaseLost
	}
	if err != nil {
		return nil, err
	}
	if rec.Owner != r.opts.Owner {
		return nil, ErrLeaseLost
	}
	return rec, nil
}
