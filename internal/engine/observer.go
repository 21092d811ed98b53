package engine

import "time"

// Observer receives the engine's measurements that only the engine can
// make: capacity consumed per table and index, throttling decisions, TTL
// deletions and transaction conflicts. internal/metrics implements it over
// Prometheus; the engine itself never imports a metrics library. Methods
// are called on the request path and must be cheap and safe for concurrent
// use.
type Observer interface {
	// ConsumedCapacity reports the read and write units one request
	// consumed on a table (index "") or one of its indexes.
	ConsumedCapacity(table, index string, read, write float64)
	// Throttled reports a request refused because the table's (index "")
	// or an index's read or write budget was exhausted.
	Throttled(table, index string, write bool)
	// TTLDeleted reports n items the TTL job deleted from table.
	TTLDeleted(table string, n int)
	// TransactionConflict reports a transaction that was cancelled because
	// another request was changing one of its items.
	TransactionConflict(table string)
	// StreamRecordsRead reports a GetRecords call on table's stream that
	// returned n records, the last of them made age ago (the iterator
	// age, as Lambda's IteratorAge; zero when n is 0).
	StreamRecordsRead(table string, n int, age time.Duration)
	// TableDeleted reports that DeleteTable removed table from the
	// catalog: the observer may drop what it keeps for it.
	TableDeleted(table string)
}

// nopObserver is the Observer of a DB opened without one.
type nopObserver struct{}

func (nopObserver) ConsumedCapacity(string, string, float64, float64) {}
func (nopObserver) Throttled(string, string, bool)                    {}
func (nopObserver) TTLDeleted(string, int)                            {}
func (nopObserver) TransactionConflict(string)                        {}
func (nopObserver) StreamRecordsRead(string, int, time.Duration)      {}
func (nopObserver) TableDeleted(string)                               {}
