package engine

// Counting the stream records writes make, for the records-written metric.
// A record counts only once its write commits, so the count comes from the
// store's Update: when the Observer wants it (StreamWriteObserver), the
// engine's store is wrapped so that each Update hands its body a
// countingTxn, appendChange notes each stream record in it, and the notes
// are reported after the commit (a failed or retried attempt reports
// nothing). Markers and the records of a PITR-only log are not stream
// records and are not counted.

import (
	"context"

	"github.com/dynago/dynago/internal/kv"
)

// StreamWriteObserver is an Observer that also wants the stream records
// committed writes made (internal/metrics' records-written counter).
type StreamWriteObserver interface {
	// StreamRecordsWritten reports n stream records that committed writes
	// added to table's stream.
	StreamRecordsWritten(table string, n int)
}

// countingStore counts the stream records of committed Updates.
type countingStore struct {
	kv.Store
	obs StreamWriteObserver
}

// countingTxn is the Txn a countingStore's Update body gets.
type countingTxn struct {
	kv.Txn
	table string // the table of the records noted (most updates have one)
	n     int
	more  map[string]int // records of other tables
}

func (s countingStore) Update(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error {
	var c countingTxn
	err := s.Store.Update(ctx, lockKeys, func(txn kv.Txn) error {
		c = countingTxn{Txn: txn}
		return fn(&c)
	})
	if err == nil && c.n > 0 {
		s.obs.StreamRecordsWritten(c.table, c.n)
		for table, n := range c.more {
			s.obs.StreamRecordsWritten(table, n)
		}
	}
	return err
}

// noteStreamRecord counts a stream record of table appended in txn, if
// txn counts.
func noteStreamRecord(txn kv.Txn, table string) {
	c, ok := txn.(*countingTxn)
	if !ok {
		return
	}
	switch {
	case c.n == 0 || c.table == table:
		c.table = table
		c.n++
	default:
		if c.more == nil {
			c.more = map[string]int{}
		}
		c.more[table]++
	}
}

// streaming reports whether t has an enabled stream (its change-log records
// are stream records).
func (db *DB) streaming(t *Table) bool {
	e := db.cat.get(t.Name)
	return e != nil && e.table.ID == t.ID && e.rec.Stream != nil && e.rec.Stream.enabled()
}

// countStreamWrites wraps db's store when its observer counts stream
// writes.
func (db *DB) countStreamWrites() {
	if obs, ok := db.opts.Observer.(StreamWriteObserver); ok {
		db.store = countingStore{Store: db.store, obs: obs}
	}
}
