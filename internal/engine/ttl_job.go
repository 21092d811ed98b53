package engine

// The TTL job (jobs.go): every TTLInterval it scans each table with TTL
// enabled and deletes the items whose TTL attribute is a Number of epoch
// seconds in the past. It is one leased job, so with several engines over
// one store one of them runs each pass. Each deletion takes the normal write path (lock the key, re-read
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
	"github.com/dynago/dynago/internal/jobs"
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

	// ttlLogEvery is how often a long TTL pass over one table logs its
	// progress.
	ttlLogEvery = 5 * time.Second

	// ttlCursorPrefix keys the progress of a TTL pass per table.
	ttlCursorPrefix = "j/ttl/" // j/ttl/<table id, 16 hex digits> → the last item key scanned
)

func ttlCursorKey(id uint64) []byte { return fmt.Appendf(nil, "%s%016x", ttlCursorPrefix, id) }

// ttlInterval is how often the TTL pass runs: Options.TTLInterval, its
// default, or 0 when TTL deletion is off.
func (db *DB) ttlInterval() time.Duration {
	switch d := db.opts.TTLInterval; {
	case d < 0:
		return 0
	case d == 0:
		return defaultTTLInterval
	default:
		return d
	}
}

// runTTL is the ttl job: one pass over every table with TTL enabled, then
// the next pass an interval later (on whichever node takes it then).
func (db *DB) runTTL(ctx context.Context, j *jobs.Job) error {
	if err := db.expireAll(ctx, j); err != nil {
		return err
	}
	return &jobs.Again{At: time.Now().Add(db.ttlInterval())}
}

// wakeTTL starts a pass now (UpdateTimeToLive calls it on enabling), so
// that a table whose items already expired need not wait a full interval.
func (db *DB) wakeTTL(ctx context.Context) {
	if db.jobs == nil || db.ttlInterval() == 0 {
		return
	}
	if err := db.jobs.RunSoon(ctx, jobTTL, ttlJobID); err != nil {
		db.opts.Logger.Warn("scheduling a TTL pass", "err", err)
	}
}

// expireAll runs one pass over every table with TTL enabled, as job j.
func (db *DB) expireAll(ctx context.Context, j *jobs.Job) error {
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return err
	}
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
		start := time.Now()
		n, scanned, err := db.expireTable(ctx, j, e.table, a)
		if n > 0 {
			db.opts.Observer.TTLDeleted(e.table.Name, n)
			db.opts.Logger.Info("TTL deleted expired items", "table", e.table.Name, "items", n, "scanned", scanned, "took", time.Since(start).Round(time.Millisecond))
		} else {
			db.opts.Logger.Debug("TTL pass found nothing expired", "table", e.table.Name, "scanned", scanned)
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
// and returns how many it deleted and how many items it read. A pass
// longer than ttlLogEvery logs its progress.
func (db *DB) expireTable(ctx context.Context, j *jobs.Job, t *Table, attrName string) (deleted, scanned int, err error) {
	cursorKey := ttlCursorKey(t.ID)
	p := itemsPrefix(t.ID)
	start := p
	hadCursor := false
	switch b, err := db.store.Get(ctx, cursorKey); {
	case err == nil:
		start, hadCursor = keySuccessor(b), true
	case !errors.Is(err, kv.ErrNotFound):
		return 0, 0, err
	}
	now := db.opts.Now()
	lastLog := time.Now()
	for {
		keys, last, n, err := db.findExpired(ctx, start, prefixEnd(p), attrName, now)
		scanned += n
		if err != nil {
			return deleted, scanned, err
		}
		if len(keys) > 0 || last != nil || hadCursor {
			n, err := db.deleteExpired(ctx, j, t, keys, attrName, now, cursorKey, last)
			deleted += n
			if err != nil {
				return deleted, scanned, err
			}
		}
		hadCursor = last != nil
		if last == nil { // the pass is complete
			return deleted, scanned, nil
		}
		if time.Since(lastLog) >= ttlLogEvery {
			db.opts.Logger.Info("TTL pass in progress", "table", t.Name, "deleted", deleted, "scanned", scanned)
			lastLog = time.Now()
		}
		start = keySuccessor(last)
	}
}

// findExpired returns up to ttlBatch keys of expired items from [start,
// end), the key to resume after (nil when the range is exhausted) and how
// many items it read.
func (db *DB) findExpired(ctx context.Context, start, end []byte, attrName string, now time.Time) (keys [][]byte, last []byte, scanned int, err error) {
	snap, err := db.store.NewSnapshot(ctx)
	if err != nil {
		return nil, nil, 0, err
	}
	defer snap.Close()
	it, err := snap.Iter(ctx, start, end, false)
	if err != nil {
		return nil, nil, 0, err
	}
	defer it.Close()
	for it.Next() {
		if err := ctx.Err(); err != nil {
			return nil, nil, scanned, err
		}
		item, err := decodeItem(it.Value())
		if err != nil {
			return nil, nil, scanned, err
		}
		scanned++
		if expired(item, attrName, now) {
			keys = append(keys, append([]byte(nil), it.Key()...))
			if len(keys) == ttlBatch {
				return keys, keys[len(keys)-1], scanned, it.Err()
			}
		}
	}
	return keys, nil, scanned, it.Err()
}

// deleteExpired deletes the items at keys that are still expired, through
// the normal write path, and records the pass's progress (cursor at last,
// or removed when last is nil) in the same commit.
func (db *DB) deleteExpired(ctx context.Context, j *jobs.Job, t *Table, keys [][]byte, attrName string, now time.Time, cursorKey, last []byte) (int, error) {
	n := 0
	lock := append(append([][]byte(nil), keys...), cursorKey)
	if j != nil {
		lock = append(lock, j.Key())
	}
	err := db.updateItems(ctx, lock, func(txn kv.Txn) error {
		n = 0
		if j != nil { // nil: a test calling a pass directly
			if err := j.Fence(ctx, txn); err != nil {
				return err
			}
		}
		if err := db.syncWrite(ctx, txn, t); err != nil {
			return err
		}
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
