package engine

// Provisioned-throughput enforcement: one token bucket per table and
// direction (read, write), and per global secondary index once indexes
// exist, refilled at the provisioned rate and holding up to 300 seconds of
// unused capacity, DynamoDB's burst capacity. A request is admitted while
// its buckets hold any capacity at all and is charged afterwards what it
// actually consumed, so a bucket may go into debt that later refills pay
// off: that is how DynamoDB itself can accept a 400 KB write on a 1-WCU
// table. A request arriving while a bucket is empty (or in debt) gets
// ProvisionedThroughputExceededException, which every SDK retries; batches
// and transactions are admitted item by item or cancelled instead
// (throttle_batch.go), and every refusal names its table or index in
// ThrottlingReasons (throttle_reasons.go).
//
// A new bucket starts full, as if the table had been idle for 300 seconds,
// so that tests and tools that create a small table and load a few hundred
// items are not throttled. Buckets are kept in memory: after a restart they
// start full again.
//
// PAY_PER_REQUEST tables are limited only by their OnDemandThroughput
// maximums, or else by DynamoDB's default per-table limits (40,000 read and
// 40,000 write request units per second), with one second of burst.

import (
	"context"
	"sync"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

const (
	// burstSeconds is how much unused capacity DynamoDB keeps for bursts.
	burstSeconds = 300

	// Default per-table throughput quotas of an account (DynamoDB
	// Developer Guide, "Service quotas"), in units per second; on-demand
	// tables are throttled beyond them, and DescribeLimits reports them.
	defaultTableMaxReadUnits    = 40000
	defaultTableMaxWriteUnits   = 40000
	defaultAccountMaxReadUnits  = 80000
	defaultAccountMaxWriteUnits = 80000
)

// DynamoDB's throttling messages.
var (
	errTableThroughputExceeded = apierr.New(apierr.ProvisionedThroughputExceededException,
		"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	errIndexThroughputExceeded = apierr.New(apierr.ProvisionedThroughputExceededException,
		"The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API")
	errTableQuotaExceeded = apierr.New(apierr.ProvisionedThroughputExceededException,
		"Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase")
	// DynamoDB flags this case with the MaxOnDemandThroughputExceeded
	// throttling reason; the message is Dynago's.
	errOnDemandMaxExceeded = apierr.New(apierr.ProvisionedThroughputExceededException,
		"Throughput exceeds the maximum OnDemandThroughput configured on the table or index. Consider increasing it with the UpdateTable API.")
)

// bucket is one token bucket. Its rate and size follow the table's current
// setting: an UpdateTable takes effect at the next request, forgiving any
// debt.
type bucket struct {
	mu     sync.Mutex
	direct bool    // shared capacity only: spends go to the store (throttle_shared.go)
	rate   float64 // units per second
	size   float64 // most units it holds
	tokens float64 // may be negative: debt from an expensive request
	last   time.Time
}

// refill brings b to now under a (possibly changed) rate and size.
func (b *bucket) refill(now time.Time, rate, size float64) {
	switch dt := now.Sub(b.last).Seconds(); {
	case b.last.IsZero():
		b.tokens = size
	case rate != b.rate:
		// UpdateTable takes effect at once: debt run up under the old
		// setting is forgiven, and the time since the last request
		// counts at the new rate.
		b.tokens = max(b.tokens, 0) + max(dt, 0)*rate
	case dt > 0:
		b.tokens += dt * rate
	}
	b.rate, b.size, b.last = rate, size, now
	if b.tokens > b.size {
		b.tokens = b.size
	}
}

// bucketKey names one bucket: a table (by id, so a recreated table starts
// afresh), an index ("" for the table) and a direction.
type bucketKey struct {
	table uint64
	index string
	write bool
}

// throttler holds every bucket. Every metered request looks its buckets up
// (twice: to admit, then to charge), so the lookups take no lock: a
// sync.Map, whose loads of existing keys are lock-free, holds each table's
// buckets under its id (a key hashed faster than a bucketKey), and each
// table's own sync.Map its indexes' buckets. Buckets are added on first
// use and a table's are dropped when it is deleted (forget): table ids are
// never reused, so nothing would read them again.
type throttler struct {
	tables sync.Map // table id → *tableBuckets

	// indexes points to "INDEXES", the ReturnConsumedCapacity Meter runs
	// operations with (throttle_meter.go): one string for every request
	// rather than one allocation each. Nothing writes through it.
	indexes *string
}

// tableBuckets are one table's buckets: read and write for the table and
// for each of its indexes. Each bucket is an allocation of its own, so
// that the reads and the writes of a table, served on different cores, do
// not share a cache line.
type tableBuckets struct {
	read, write *bucket
	indexes     sync.Map // index name → *[2]*bucket (read, write)
}

func newThrottler() *throttler { return &throttler{indexes: api.Ptr(capacityIndexes)} }

// forget drops the buckets of the table whose id is id. A test suite
// creates and deletes thousands of tables in one server; kept, their
// buckets were live heap that every GC cycle scanned.
func (th *throttler) forget(id uint64) { th.tables.Delete(id) }

func (th *throttler) get(k bucketKey) *bucket {
	v, ok := th.tables.Load(k.table)
	if !ok {
		v, _ = th.tables.LoadOrStore(k.table, &tableBuckets{read: &bucket{}, write: &bucket{}})
	}
	tb := v.(*tableBuckets)
	if k.index == "" {
		if k.write {
			return tb.write
		}
		return tb.read
	}
	v, ok = tb.indexes.Load(k.index)
	if !ok {
		v, _ = tb.indexes.LoadOrStore(k.index, &[2]*bucket{{}, {}})
	}
	ib := v.(*[2]*bucket)
	if k.write {
		return ib[1]
	}
	return ib[0]
}

// limit is the throughput a bucket enforces: its rate and size, and the
// error a request over it gets.
type limit struct {
	rate, size float64
	err        error
	kind       string // the LimitType of its ThrottlingReason (throttle_reasons.go)
}

// limitOf returns the limit of table e (index "" for the table itself) in
// one direction, or ok false when nothing limits it (an index Dynago does
// not know).
func limitOf(e *catalogEntry, index string, write bool) (l limit, ok bool) {
	d := &e.rec.Desc
	if isOnDemand(d) {
		r, w := int64(defaultTableMaxReadUnits), int64(defaultTableMaxWriteUnits)
		odt := d.OnDemandThroughput
		if index != "" {
			found := false
			odt = nil
			for _, g := range d.GlobalSecondaryIndexes {
				if api.Str(g.IndexName) == index {
					odt, found = g.OnDemandThroughput, true
				}
			}
			if !found { // a local secondary index shares the table's throughput
				return limit{}, false
			}
		}
		rErr, wErr := errTableQuotaExceeded, errTableQuotaExceeded
		rKind, wKind := limitAccount, limitAccount
		if odt != nil {
			if v := api.Int(odt.MaxReadRequestUnits, -1); v > 0 {
				r, rErr, rKind = v, errOnDemandMaxExceeded, limitOnDemandMax
			}
			if v := api.Int(odt.MaxWriteRequestUnits, -1); v > 0 {
				w, wErr, wKind = v, errOnDemandMaxExceeded, limitOnDemandMax
			}
		}
		if write {
			return limit{rate: float64(w), size: float64(w), err: wErr, kind: wKind}, true
		}
		return limit{rate: float64(r), size: float64(r), err: rErr, kind: rKind}, true
	}
	pt, err := d.ProvisionedThroughput, errTableThroughputExceeded
	if index != "" {
		pt, err = nil, errIndexThroughputExceeded
		for _, g := range d.GlobalSecondaryIndexes {
			if api.Str(g.IndexName) == index {
				pt = g.ProvisionedThroughput
			}
		}
	}
	if pt == nil {
		return limit{}, false
	}
	rate := float64(api.Int(pt.ReadCapacityUnits, 0))
	if write {
		rate = float64(api.Int(pt.WriteCapacityUnits, 0))
	}
	if rate <= 0 {
		return limit{}, false
	}
	return limit{rate: rate, size: rate * burstSeconds, err: err, kind: limitProvisioned}, true
}

// admit returns the error of the first of e's buckets that is exhausted
// for a request in direction write reading index (Query and Scan; "" for
// none), reporting it to the observer, or nil. It checks the table's
// bucket, then the buckets admitIndexes lists: the index a read names or,
// for a write, every global secondary index of the table. It walks them
// without building the list, as it runs on every request.
func (db *DB) admit(ctx context.Context, e *catalogEntry, write bool, index string, now time.Time) error {
	if err := db.admitBucket(ctx, e, "", write, now); err != nil {
		return err
	}
	if !write {
		if index == "" {
			return nil
		}
		return db.admitBucket(ctx, e, index, false, now)
	}
	for _, g := range e.rec.Desc.GlobalSecondaryIndexes {
		if err := db.admitBucket(ctx, e, api.Str(g.IndexName), true, now); err != nil {
			return err
		}
	}
	return nil
}

// admitBucket is admit for one bucket of e (index "" for the table).
func (db *DB) admitBucket(ctx context.Context, e *catalogEntry, index string, write bool, now time.Time) error {
	l, ok := limitOf(e, index, write)
	if !ok {
		return nil
	}
	level, err := db.level(ctx, bucketKey{table: e.table.ID, index: index, write: write}, l, now, false)
	if err != nil {
		return err
	}
	if level <= 0 {
		db.opts.Observer.Throttled(e.table.Name, index, write)
		return db.throttleError(e, index, write, l)
	}
	return nil
}

// charge takes units from one bucket of e. Without throttling nothing
// reads the buckets, so nothing is taken.
func (db *DB) charge(ctx context.Context, e *catalogEntry, index string, write bool, units float64, now time.Time) {
	if units <= 0 || db.opts.NoThrottle {
		return
	}
	l, ok := limitOf(e, index, write)
	if !ok {
		return
	}
	db.spend(ctx, bucketKey{table: e.table.ID, index: index, write: write}, l, units, now)
}

// level returns what bucket k holds now under its limit l: refilled to
// now, or with a shared store (Options.SharedCapacity), what this engine's
// grant from the store's budget holds, topped up when spent or stale
// (throttle_shared.go).
//
// exact asks, with a shared store, for the whole budget rather than this
// engine's grant: batches and transactions split what is left among their
// items, so they must see all of it.
func (db *DB) level(ctx context.Context, k bucketKey, l limit, now time.Time, exact bool) (float64, error) {
	b := db.buckets.get(k)
	b.mu.Lock()
	defer b.mu.Unlock()
	if db.opts.SharedCapacity {
		return db.topUp(ctx, k, b, l, now, exact)
	}
	b.refill(now, l.rate, l.size)
	return b.tokens, nil
}

// spend takes units from bucket k (which may go into debt).
func (db *DB) spend(ctx context.Context, k bucketKey, l limit, units float64, now time.Time) {
	b := db.buckets.get(k)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !db.opts.SharedCapacity:
		b.refill(now, l.rate, l.size)
	case b.direct:
		if err := db.spendShared(ctx, k, l, units, now); err != nil {
			db.opts.Logger.Warn("charging shared capacity", "table", k.table, "err", err)
		}
		return
	}
	b.tokens -= units
	if db.opts.SharedCapacity && b.tokens <= 0 {
		// A spent grant, or debt, goes back to the store at once, so the
		// other engines see it in the budget (throttle_shared.go).
		if _, err := db.topUp(ctx, k, b, l, now, false); err != nil {
			db.opts.Logger.Warn("settling shared capacity", "table", k.table, "err", err)
		}
	}
}
