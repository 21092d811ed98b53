package engine

// The TTL job: every TTLInterval it scans each table with TTL enabled and
// deletes the items whose TTL attribute is a Number of epoch seconds in the
// past. Each deletion takes the normal write path (lock the key, re-read
// the item, check it is still expired, db.writeItem), so index entries and
// stream records follow, and an item rewritten meanwhile with a later
// expiry survives. Until the job reaches an expired item, reads still
// return it, as DynamoDB's do.
//
// A pass over a table records how far it got at j/ttl/<table id> with each
// batch of deletions, so a pass interrupted by a shutdown or crash resumes
// there at the next start instead of rescanning the table from its
// beginning.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

const (
	// defaultTTLInterval is how often the TTL job runs unless
	// Options.TTLInterval says otherwise.
	defaultTTLInterval = 10 * time.Second

	// ttlBatch is how many expired items one commit deletes.
	ttlBatch = 100

	// ttlMaxAge is how far in the past a TTL value may lie and still
	// expire its item: DynamoDB ignores values more than five years old
	// (most likely milliseconds mistaken for seconds, or a bug).
	ttlMaxAge = 5 * 365 * 24 * time.Hour

	// ttlCursorPrefix keys the progress of a TTL pass per table.
	ttlCursorPrefix = "j/ttl/" // j/ttl/<table id, 16 hex digits> → the last item key scanned
)

// ttlJob is the running TTL job.
type ttlJob struct {
	interval time.Duration
	cancel   context.CancelFunc
	wake     chan struct{}
	done     chan struct{}
}

func ttlCursorKey(id uint64) []byte { return fmt.Appendf(nil, "%s%016x", ttlCursorPrefix, id) }

// startTTL starts the TTL job unless it is turned off.
func (db *DB) startTTL() {
	interval := db.opts.TTLInterval
	if interval == 0 {
		interval = defaultTTLInterval
	}
	if interval < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	j := &ttlJob{interval: interval, cancel: cancel, wake: make(chan struct{}, 1), done: make(chan struct{})}
	db.ttl = j
	go func() {
		defer close(j.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-j.wake:
			}
			if err := db.expireAll(ctx); err != nil && ctx.Err() == nil {
				db.opts.Logger.Error("TTL pass failed; retried at the next interval", "err", err)
			}
		}
	}()
}

// stopTTL stops the TTL job and waits for it. A pass it interrupts resumes
// at the next start.
func (db *DB) stopTTL() {
	if db.ttl == nil {
		return
	}
	db.ttl.cancel()
	<-db.ttl.done
}

// wakeTTL starts a pass now (UpdateTimeToLive calls it on enabling), so
// that a table whose items already expired need not wait a full interval.
func (db *DB) wakeTTL() {
	if db.ttl == nil {
		return
	}
	select {
	case db.ttl.wake <- struct{}{}:
	default:
	}
}

// expireAll runs one pass over every table with TTL enabled.
func (db *DB) expireAll(ctx context.Context) error {
	var errs []error
	for _, name := range db.cat.names() {
		e := db.cat.get(name)
		if e == nil {
			continue
		}
		a := e.ttlAttribute()
		if a == "" {
			continue
		}
		n, err := db.expireTable(ctx, e.table, a)
		if n > 0 {
			db.opts.Observer.TTLDeleted(e.table.Name, n)
			db.opts.Logger.Debug("TTL deleted expired items", "table", e.table.Name, "items", n)
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, fmt.Errorf("table %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// expireTable deletes t's expired items, resuming from the stored cursor,
// and returns how many it deleted.
func (db *DB) expireTable(ctx context.Context, t *Table, attrName string) (int, error) {
	cursorKey := ttlCursorKey(t.ID)
	p := itemsPrefix(t.ID)
	start := p
	hadCursor := false
	switch b, err := db.store.Get(ctx, cursorKey); {
	case err == nil:
		start, hadCursor = keySuccessor(b), true
	case !errors.Is(err, kv.ErrNotFound):
		return 0, err
	}
	now := db.opts.Now()
	deleted := 0
	for {
		keys, last, err := db.findExpired(ctx, start, prefixEnd(p), attrName, now)
		if err != nil {
			return deleted, err
		}
		if len(keys) > 0 || last != nil || hadCursor {
			n, err := db.deleteExpired(ctx, t, keys, attrName, now, cursorKey, last)
			deleted += n
			if err != nil {
				return deleted, err
			}
		}
		hadCursor = last != nil
		if last == nil { // the pass is complete
			return deleted, nil
		}
		start = keySuccessor(last)
	}
}

// findExpired returns up to ttlBatch keys of expired items from [start,
// end), and the key to resume after (nil when the range is exhausted).
func (db *DB) findExpired(ctx context.Context, start, end []byte, attrName string, now time.Time) (keys [][]byte, last []byte, err error) {
	snap, err := db.store.NewSnapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer snap.Close()
	it, err := snap.Iter(ctx, start, end, false)
	if err != nil {
		return nil, nil, err
	}
	defer it.Close()
	for it.Next() {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		item, err := decodeItem(it.Value())
		if err != nil {
			return nil, nil, err
		}
		if expired(item, attrName, now) {
			keys = append(keys, append([]byte(nil), it.Key()...))
			if len(keys) == ttlBatch {
				return keys, keys[len(keys)-1], it.Err()
			}
		}
	}
	return keys, nil, it.Err()
}

// deleteExpired deletes the items at keys that are still expired, through
// the normal write path, and records the pass's progress (cursor at last,
// or removed when last is nil) in the same commit.
func (db *DB) deleteExpired(ctx context.Context, t *Table, keys [][]byte, attrName string, now time.Time, cursorKey, last []byte) (int, error) {
	n := 0
	lock := append(append([][]byte(nil), keys...), cursorKey)
	err := db.store.Update(ctx, lock, func(txn kv.Txn) error {
		n = 0
		for _, k := range keys {
			old, err := readItem(ctx, txn, k)
			if err != nil {
				return err
			}
			if old == nil || !expired(old, attrName, now) {
				continue // deleted or rewritten since the scan
			}
			if err := db.writeItem(txn, t, k, &oldImage{item: old}, nil, fromTTL); err != nil {
				return err
			}
			n++
		}
		if last == nil {
			return txn.Delete(cursorKey)
		}
		return txn.Set(cursorKey, last)
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// expired reports whether item's TTL attribute is a Number of epoch seconds
// at or before now (and not more than ttlMaxAge before it). Any other type,
// or a missing attribute, never expires.
func expired(item attr.Item, attrName string, now time.Time) bool {
	v, ok := item[attrName]
	if !ok || v.Type != attr.TypeN {
		return false
	}
	secs, err := strconv.ParseFloat(v.S, 64)
	if err != nil || math.IsInf(secs, 0) {
		return false
	}
	nowSecs := float64(now.Unix())
	return secs <= nowSecs && secs >= nowSecs-ttlMaxAge.Seconds()
}
