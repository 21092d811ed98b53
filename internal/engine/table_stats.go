package engine

import (
	"context"
	"sync"
	"time"
)

// A table's ItemCount and TableSizeBytes come from a scan (tableStats).
// DynamoDB refreshes these figures about every six hours; DynamoDB Local
// computes them live. Dynago computes them live while that is cheap, so a
// test that writes and then describes sees its items counted, and for a
// table whose scan takes longer than statsCacheAbove it reuses the figures
// for statsTTL, so DescribeTable stays cheap under polling (the SDK waiters,
// boto3's Table resource).
const (
	statsTTL        = 5 * time.Second
	statsCacheAbove = 10 * time.Millisecond
)

// statsCache remembers the last computed statistics of each table, by
// table id (ids are never reused, so a stale entry can never describe a
// newer table).
type statsCache struct {
	mu sync.Mutex
	m  map[uint64]tableStatsEntry

	// cacheAbove is the scan duration from which figures are cached:
	// statsCacheAbove, or 0 in tests that exercise the cache.
	cacheAbove time.Duration
}

type tableStatsEntry struct {
	items, size int64
	at          time.Time
}

// cachedTableStats returns a table's item count and size: live for a table
// that scans quickly, otherwise scanned at most once per statsTTL.
func (db *DB) cachedTableStats(ctx context.Context, t *Table) (items, size int64, err error) {
	return db.cachedStats(ctx, &db.cat.stats, t.ID, statsRecordKey(t, nil), func(ctx context.Context) (int64, int64, error) {
		return db.tableStats(ctx, t)
	})
}

// cachedStats returns the figures scan computes, cached under key in c
// when the scan is slow: in c itself, or with Options.SharedStats in the
// store at rec, so that every node reuses one node's figures
// (stats_shared.go).
func (db *DB) cachedStats(ctx context.Context, c *statsCache, key uint64, rec []byte, scan func(context.Context) (int64, int64, error)) (items, size int64, err error) {
	now := db.opts.Now()
	var e tableStatsEntry
	var ok bool
	if db.opts.SharedStats {
		e, ok = db.readStatsRecord(ctx, rec)
	} else {
		c.mu.Lock()
		e, ok = c.m[key]
		c.mu.Unlock()
	}
	c.mu.Lock()
	cacheAbove := c.cacheAbove
	c.mu.Unlock()
	if ok && now.Sub(e.at) < statsTTL && !now.Before(e.at) {
		return e.items, e.size, nil
	}
	start := time.Now() // the scan's real duration, whatever Options.Now says
	items, size, err = scan(ctx)
	if err != nil {
		return 0, 0, err
	}
	switch {
	case time.Since(start) < cacheAbove:
		if ok && !db.opts.SharedStats {
			c.forget(key)
		}
	case db.opts.SharedStats:
		db.writeStatsRecord(ctx, rec, tableStatsEntry{items: items, size: size, at: now})
	default:
		c.set(key, items, size, now)
	}
	return items, size, nil
}

func (c *statsCache) set(id uint64, items, size int64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[uint64]tableStatsEntry)
	}
	c.m[id] = tableStatsEntry{items: items, size: size, at: at}
}

func (c *statsCache) forget(id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
