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

// throttler holds every bucket.
type throttler struct {
	mu      sync.Mutex
	buckets map[bucketKey]*bucket
}

func newThrottler() *throttler { return &throttler{buckets: make(map[bucketKey]*bucket)} }

func (th *throttler) get(k bucketKey) *bucket {
	th.mu.Lock()
	defer th.mu.Unlock()
	b := th.buckets[k]
	if b == nil {
		b = &bucket{}
		th.buckets[k] = b
	}
	return b
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

// admit returns the error of the first of e's buckets (in direction write,
// for the table and the named indexes) that is exhausted, reporting it to
// the observer, or nil.
func (db *DB) admit(e *catalogEntry, indexes []string, write bool, now time.Time) error {
	for _, index := range append([]string{""}, indexes...) {
		l, ok := limitOf(e, index, write)
		if !ok {
			continue
		}
		b := db.buckets.get(bucketKey{table: e.table.ID, index: index, write: write})
		b.mu.Lock()
		b.refill(now, l.rate, l.size)
		empty := b.tokens <= 0
		b.mu.Unlock()
		if empty {
			db.opts.Observer.Throttled(e.table.Name, index, write)
			return db.throttleError(e, index, write, l)
		}
	}
	return nil
}

// charge takes units from one bucket of e.
func (db *DB) charge(e *catalogEntry, index string, write bool, units float64, now time.Time) {
	if units <= 0 {
		return
	}
	l, ok := limitOf(e, index, write)
	if !ok {
		return
	}
	b := db.buckets.get(bucketKey{table: e.table.ID, index: index, write: write})
	b.mu.Lock()
	b.refill(now, l.rate, l.size)
	b.tokens -= units
	b.mu.Unlock()
}
