package engine

// Item writes of other engines over the same store, and the snapshots that
// must hold them.
//
// The write barrier (write_barrier.go) makes a copy's snapshot wait for
// the writes in flight in its own engine that may have read a catalog
// older than the one that turned the copy's logging on. Engines over one
// shared store (API nodes over TiKV) do not see each other's writes in
// flight, and the store has no shared lock that item writes could hold on
// the catalog version and a catalog change take exclusively (TiKV has
// none). So the engines say it through the store instead: with
// Options.SharedWrites, each one that runs jobs keeps a node record (m/node/<its job runner's owner>) with a
// lease, as job claims have, and the catalog version it has drained: every
// one of its item writes that read an older version has ended. It polls
// the store's catalog version (nodeDrainPoll); when it sees a newer one it
// waits for its own writes in flight (the write barrier) and records that
// version. A copy, before its snapshot, waits until every other live node
// has drained the catalog version the store holds then, or its lease has
// lapsed: a node that stopped renewing is taken as dead, as a job's owner
// is. (Unlike a job's batches, its item writes are not fenced by the
// lease: a node alive but cut off from the store for a whole lease, whose
// write then commits, is not covered; docs/backups.md, "Left to do".) A
// node that closes removes its record.
//
// A node that registers after a copy read the node records read the
// catalog after the copy's catalog change committed, so its writes log as
// the copy needs. Item writes pay nothing: only the copy waits, for one
// poll and one commit of each node.

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
)

// nodePrefix holds the node records: m/node/<owner> → nodeRecord (JSON).
const nodePrefix = "m/node/"

// nodeDrainPoll is how often a node looks at the store's catalog version
// (one Get); a copy's snapshot waits up to about that long for each other
// node.
const nodeDrainPoll = 50 * time.Millisecond

// nodeRecord is what a node says of itself in the store.
type nodeRecord struct {
	// Expires is when the record lapses unless renewed (unix ns, wall
	// clock, as job leases).
	Expires int64 `json:"expires"`
	// Drained is a catalog version: every item write of the node that
	// read an older one has ended.
	Drained uint64 `json:"drained"`
}

// nodeDrain is an engine's node record and the loop that keeps it.
type nodeDrain struct {
	key     []byte
	lease   time.Duration
	drained uint64    // the version last recorded
	renewed time.Time // when the record was last written
	cancel  context.CancelFunc
	done    chan struct{}
}

// startNodeDrain writes the engine's node record, under the name owner,
// and starts the loop that keeps it. version is a catalog version read
// before the engine's first write: every write reads it or a later one, so
// the engine has drained every older one. Open calls it with the job
// runner's owner; engines that run no jobs (dynago check) write no record.
func (db *DB) startNodeDrain(ctx context.Context, owner string, version uint64) error {
	lease := db.opts.JobLease
	if lease <= 0 {
		lease = jobs.DefaultLease
	}
	n := &nodeDrain{key: []byte(nodePrefix + owner), lease: lease, done: make(chan struct{})}
	if err := db.writeNodeRecord(ctx, n, version); err != nil {
		return err
	}
	loopCtx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	db.node = n
	go db.nodeDrainLoop(loopCtx, n)
	return nil
}

// stopNodeDrain ends the loop and removes the record: the engine writes
// nothing more.
func (db *DB) stopNodeDrain() {
	n := db.node
	if n == nil {
		return
	}
	n.cancel()
	<-n.done
	err := db.store.Update(context.Background(), [][]byte{n.key}, func(txn kv.Txn) error { return txn.Delete(n.key) })
	if err != nil && !errors.Is(err, kv.ErrClosed) {
		db.opts.Logger.Warn("removing the node record", "err", err)
	}
}

// writeNodeRecord records that n has drained version, renewing its lease.
func (db *DB) writeNodeRecord(ctx context.Context, n *nodeDrain, version uint64) error {
	now := time.Now()
	b, err := json.Marshal(&nodeRecord{Expires: now.Add(n.lease).UnixNano(), Drained: version})
	if err != nil {
		return err
	}
	if err := db.store.Update(ctx, [][]byte{n.key}, func(txn kv.Txn) error { return txn.Set(n.key, b) }); err != nil {
		return err
	}
	n.drained, n.renewed = version, now
	return nil
}

// nodeDrainLoop keeps n: it records each newer catalog version once the
// writes that may have read an older one have ended, and renews the lease
// every third of it.
func (db *DB) nodeDrainLoop(ctx context.Context, n *nodeDrain) {
	defer close(n.done)
	t := time.NewTicker(nodeDrainPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := db.drainOnce(ctx, n)
		switch {
		case err == nil, ctx.Err() != nil:
		case errors.Is(err, kv.ErrClosed):
			return // the store closed under an engine not closed first (tests)
		default:
			db.opts.Logger.Warn("keeping the node record", "err", err)
		}
	}
}

// drainOnce is one pass of nodeDrainLoop.
func (db *DB) drainOnce(ctx context.Context, n *nodeDrain) error {
	v, err := readVersionAt(ctx, db.store, db.versionKey)
	if err != nil {
		return err
	}
	// The lease is renewed before the wait below too, which lasts as long
	// as the writes in flight.
	if time.Since(n.renewed) >= n.lease/3 {
		if err := db.writeNodeRecord(ctx, n, n.drained); err != nil {
			return err
		}
	}
	if v <= n.drained {
		return nil
	}
	// Every write begun after v was read reads v or a later version in its
	// transaction; the wait is for those begun before.
	if err := db.writes.wait(ctx); err != nil {
		return err
	}
	return db.writeNodeRecord(ctx, n, v)
}

// waitNodesDrained returns once every other live node over the store has
// drained the store's current catalog version, or with ctx's error. The
// caller has waited for its own engine's writes.
func (db *DB) waitNodesDrained(ctx context.Context) error {
	if !db.opts.SharedWrites {
		return nil // no other engine writes to the store
	}
	v, err := readVersionAt(ctx, db.store, db.versionKey)
	if err != nil {
		return err
	}
	var self []byte
	if db.node != nil {
		self = db.node.key
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
		pending, err := db.nodesBehind(ctx, v, self)
		if err != nil || !pending {
			return err
		}
		if db.onNodesBehind != nil {
			db.onNodesBehind()
		}
		t.Reset(nodeDrainPoll / 2)
	}
}

// nodesBehind reports whether a live node other than self has not yet
// drained version v.
func (db *DB) nodesBehind(ctx context.Context, v uint64, self []byte) (bool, error) {
	p := []byte(nodePrefix)
	it, err := db.store.Iter(ctx, p, prefixEnd(p), false)
	if err != nil {
		return false, err
	}
	defer it.Close()
	now := time.Now().UnixNano()
	for it.Next() {
		if string(it.Key()) == string(self) {
			continue
		}
		var rec nodeRecord
		if err := json.Unmarshal(it.Value(), &rec); err != nil {
			return false, err
		}
		if rec.Expires > now && rec.Drained < v {
			return true, nil
		}
	}
	return false, it.Err()
}
