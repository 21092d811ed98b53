// Package engine holds DynamoDB's semantics: the table catalog and table
// states, item operations, Query and Scan, batches, and (as they land)
// transactions, index maintenance, capacity accounting, streams and
// background jobs. It takes and returns the API shapes of package api and
// stores everything through the kv contract; it never sees HTTP or JSON.
package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/kv"
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
}

// exprCacheSize bounds the parsed-expression cache, in entries.
const exprCacheSize = 4096

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
	db := &DB{store: store, opts: opts, exprs: expr.NewCache(exprCacheSize)}
	cat, err := loadCatalog(ctx, db)
	if err != nil {
		return nil, err
	}
	db.cat = cat
	return db, nil
}

// Close waits for background work (table drops) to finish. It does not
// close the store, which the caller opened. A drop interrupted by a crash
// instead resumes at the next Open.
func (db *DB) Close() error {
	db.waitBackground()
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
}
