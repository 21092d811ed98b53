// Package engine holds DynamoDB's semantics: the table catalog and table
// states, item operations, Query and Scan, batches, and (as they land)
// transactions, index maintenance, capacity accounting, streams and
// background jobs. It takes and returns the API shapes of package api and
// stores everything through the kv contract; it never sees HTTP or JSON.
package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/s3store"
)

// Options configure a DB.
type Options struct {
	// Region and AccountID appear in table ARNs.
	Region    string
	AccountID string

	// Endpoint is the host:port clients reach this server at, answered by
	// DescribeEndpoints.
	Endpoint string

	// Now returns the current time; tests replace it. Nil means time.Now.
	Now func() time.Time

	// Logger receives background-job and recovery messages. Nil means
	// slog.Default().
	Logger *slog.Logger

	// TTLInterval is how often the TTL job looks for expired items. Zero
	// means defaultTTLInterval; negative turns the job off.
	TTLInterval time.Duration

	// NoThrottle turns provisioned-throughput enforcement off, as DynamoDB
	// Local does: consumed capacity is still computed and reported.
	NoThrottle bool

	// SharedCapacity enforces provisioned throughput across every engine
	// over the store (several API nodes): each bucket's budget is kept in
	// the store and engines spend grants from it (throttle_shared.go).
	// Without it each engine keeps its buckets in memory, which is exact
	// for the one engine of a single-node server.
	SharedCapacity bool

	// Observer receives capacity, throttling and TTL measurements (see
	// internal/metrics). Nil means none.
	Observer Observer

	// StoreError names, for an error of the store that is not a DynamoDB
	// error, the DynamoDB error it means: a ThrottlingException or a
	// TransactionConflictException (with MsgStoreThrottled or
	// MsgStoreConflict), or nil for none, which leaves it an
	// InternalServerError. The server sets it for TiKV (store_errors.go).
	StoreError func(error) error

	// CatalogStaleness lets a read-only item operation (GetItem,
	// BatchGetItem, Query, Scan, TransactGetItems) use the catalog as
	// this engine last checked it, if that check began less than
	// CatalogStaleness ago, instead of checking the store's catalog
	// version first; one that then fails with ResourceNotFoundException,
	// ValidationException or AccessDeniedException checks it and is
	// authorized and run again. So a read never
	// misses a table or index created through another engine, but may
	// see a table deleted or changed through another engine (its
	// resource policy included) up to CatalogStaleness late. Writes
	// always check (in their commit too).
	// Zero checks on every request. It saves a store read per request
	// only where that read costs (TiKV: a timestamp and an RPC).
	CatalogStaleness time.Duration

	// NoIndexJobs runs no background jobs at all (no backfill, drop or
	// TTL pass is started or resumed), so that `dynago check` reads a
	// stopped server's data as it was left.
	NoIndexJobs bool

	// JobLease and JobPollInterval tune the background job runner
	// (package jobs; zero means its defaults): how long a job's claim
	// lasts without renewal, and how often the runner looks for jobs.
	// Tests shorten them.
	JobLease        time.Duration
	JobPollInterval time.Duration

	// ItemCollectionLimit caps, in bytes, an item collection (one partition
	// key's items and LSI entries) of a table with local secondary indexes;
	// a write that would grow one past it fails with
	// ItemCollectionSizeLimitExceededException. Zero means DynamoDB's
	// 10 GB (DefaultItemCollectionLimit); tests set it small.
	ItemCollectionLimit int64

	// SharedCollections keeps the size of each item collection (tables
	// with LSIs) in the store, changed by every write to it in the write's
	// transaction, so that every engine over the store refuses a write
	// past ItemCollectionLimit at the same total (several API nodes;
	// collection_size_shared.go). Without it each engine remembers sizes
	// in memory, which is exact for the one engine of a single-node server.
	SharedCollections bool

	// SharedStats keeps a table's and an index's ItemCount and size, when
	// they are slow to count, in the store for every engine to reuse, so
	// that every node describes a table with the same figures
	// (stats_shared.go). Without it each engine caches its own.
	SharedStats bool

	// SharedWrites says other engines may write to the store at the same
	// time (several API nodes): each engine then keeps a node record and a
	// backup's or PITR base's first snapshot waits for the other nodes'
	// writes in flight (node_drain.go). Without it the engine keeps no
	// record, polls nothing and waits only for its own writes, which is
	// exact for the one engine of a single-node server (whose store,
	// Pebble, one process holds alone) and spares it a killed process's
	// stale record holding its next backup for a lease.
	SharedWrites bool

	// Objects is where ExportTableToPointInTime writes and ImportTable
	// reads (an S3 endpoint, a local directory, or memory; package
	// s3store). Nil refuses both with a ValidationException.
	Objects s3store.Store

	// PITRBaseInterval is how often the base copy of a table with
	// point-in-time recovery is rolled forward (pitr.go). Zero means
	// defaultPITRBaseInterval; tests shorten it.
	PITRBaseInterval time.Duration

	// Transient, when set, makes tables and indexes pass through
	// DynamoDB's transient statuses (CREATING, UPDATING, DELETING) for
	// these delays instead of completing every change at once
	// (transient_status.go; `dynago -delayTransientStatuses`).
	Transient *TransientDelays

	// StreamRetention is how long stream records are kept (zero:
	// DynamoDB's 24 hours); ChangeLogShards is how many change logs, and so
	// open stream shards, a table gets (zero: 1); StreamRollover is how
	// often open stream shards are closed and succeeded by child shards
	// (zero: every 4 hours, as DynamoDB roughly does; negative: never).
	// Tests shorten them. See stream_catalog.go.
	StreamRetention time.Duration
	ChangeLogShards int
	StreamRollover  time.Duration

	// StreamPartitionBytes is the table size per stream shard past which
	// the stream job splits shards (zero: DynamoDB's 10 GB partitions;
	// stream_split.go). Tests set it small; the job then measures table
	// sizes on every pass rather than every six hours.
	StreamPartitionBytes int64

	// StreamShardReaders, when positive, is how many readers (iterator
	// chains) may read one stream shard at the same time; GetRecords of
	// one more answers LimitExceededException, as DynamoDB throttles more
	// than two (stream_limits.go). Zero: no limit.
	StreamShardReaders int

	// StreamWebhook, when set, is a URL the stream-push job POSTs every
	// enabled stream's records to, as Lambda's DynamoDB events
	// (stream_push.go).
	StreamWebhook string

	// Kinesis, when set, is where Kinesis streaming destinations deliver
	// (kinesis_deliver.go); without it every destination goes
	// ENABLE_FAILED, as DynamoDB's does for a stream it cannot use.
	Kinesis KinesisSink
}

// DB is a Dynago database: the engine over one kv.Store. It is safe for
// concurrent use.
type DB struct {
	store kv.Store
	opts  Options
	cat   *catalog

	// exprs caches parsed expressions by their text: most applications
	// send the same few expressions over and over.
	exprs *expr.Cache

	// partiqlPlans caches PartiQL statement plans by their text
	// (partiql_plan.go); its zero value is ready.
	partiqlPlans planCache

	// jobs runs the background jobs (jobs.go); nil with NoIndexJobs.
	jobs *jobs.Runner

	// buckets holds the provisioned-throughput token buckets
	// (throttle.go).
	buckets *throttler

	// collections remembers item collection sizes of tables with LSIs
	// (item_collection.go); its zero value is ready.
	collections collectionSizes

	// validator checks every request against the API model before an
	// operation runs (operations.go).
	validator *api.Validator

	// handlers are the operations the engine serves, by registry id.
	handlers [api.NumOperations]api.Handler

	// streamBounds caches resolved stream shard boundaries
	// (stream_shards.go); its zero value is ready.
	streamBounds boundCache
	// streamSized remembers when the stream job last measured each
	// table's size, by table id (stream_split.go).
	streamSized sizeChecks
	// streamReaders counts each shard's current readers (stream_limits.go).
	streamReaders shardReaders

	// policies caches compiled resource-based policies
	// (resource_policy.go); its zero value is ready.
	policies policyCache

	// writeHook, set by tests before the first write, sees every item
	// write (write.go).
	writeHook writeHook

	// writes counts the item writes in flight, for the copies whose
	// snapshot must hold every write that read an older catalog
	// (write_barrier.go).
	writes writeBarrier

	// node is this engine's record among the nodes over the store, which
	// tells the copies of other engines what its writes have drained
	// (node_drain.go); nil with NoIndexJobs.
	node *nodeDrain
	// onNodesBehind, set by tests, is called when a copy finds another
	// node that has not drained the catalog version.
	onNodesBehind func()

	// changeBufs pools the buffers change-log records are built in
	// (changelog.go); its zero value is ready.
	changeBufs recordPool

	// versionKey is catalogVersionKey as bytes, which the store never
	// changes: syncCatalog reads it for every request.
	versionKey []byte
}

// exprCacheSize bounds the parsed-expression cache, in entries.
const exprCacheSize = 4096

// validator is the one request validator of the process: it is immutable
// and safe for concurrent use, and compiling the model's patterns cost
// each Open ~65 µs of CPU (a twentieth of dynagotest.New's).
var validator = sync.OnceValue(api.NewValidator)

// Open returns a DB over store, loading the table catalog.
func Open(ctx context.Context, store kv.Store, opts Options) (*DB, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "000000000000"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	db := &DB{store: store, opts: opts, exprs: expr.NewCache(exprCacheSize), validator: validator(),
		versionKey: []byte(catalogVersionKey)}
	db.bindOperations()
	cat, err := loadCatalog(ctx, db)
	if err != nil {
		return nil, err
	}
	db.cat = cat
	if db.opts.Observer == nil {
		db.opts.Observer = nopObserver{}
	}
	db.countStreamWrites()
	db.buckets = newThrottler()
	if err := db.startJobs(ctx); err != nil {
		return nil, err
	}
	if db.jobs != nil && db.opts.SharedWrites {
		if err := db.startNodeDrain(ctx, db.jobs.Owner(), cat.state.Load().version); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Close stops the background jobs this DB runs (cancelling them: a job
// resumes from its last checkpoint, here or on another engine over the same
// store). It does not close the store, which the caller opened.
func (db *DB) Close() error {
	if db.jobs != nil {
		db.jobs.Close()
	}
	db.stopNodeDrain()
	return nil
}

// KeyAttr is one key attribute of a table or index: its name and scalar
// type (S, N or B).
type KeyAttr struct {
	Name string
	Type attr.Type
}

// Table is the engine's view of one table: what item operations need on
// every request, derived once from the stored description.
type Table struct {
	Name  string
	ID    uint64 // never reused, so a dropped table's keys can be removed later
	Hash  KeyAttr
	Range KeyAttr // Name is "" when the table has no sort key

	// Indexes are the table's secondary indexes, GSIs first, in the order
	// of its description (index_catalog.go).
	Indexes []*Index
}
