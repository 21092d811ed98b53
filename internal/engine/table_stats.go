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
	c := &db.cat.stats
	now := db.opts.Now()
	c.mu.Lock()
	e, ok := c.m[t.ID]
	cacheAbove := c.cacheAbove
	c.mu.Unlock()
	if ok && now.Sub(e.at) < statsTTL && !now.Before(e.at) {
		return e.items, e.size, nil
	}
	start := time.Now() // the scan's real duration, whatever Options.Now says
	items, size, err = db.tableStats(ctx, t)
	if err != nil {
		return 0, 0, err
	}
	if time.Since(start) >= cacheAbove {
		c.set(t.ID, items, size, now)
	} else if ok {
		c.forget(t.ID)
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
