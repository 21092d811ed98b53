package engine

// The table catalog: one persisted record per table at c/<table name>, a
// persisted counter handing out table ids, and an in-memory cache that every
// item operation reads (db.table) without touching the store.
//
// Table operations (create, update, delete) are serialised by catalog.ddl:
// they are rare, and one writer at a time keeps the cache exactly in step
// with the store (a cache update never overtakes a later commit). They also
// lock the catalog key through kv.Store.Update, which is what keeps them
// isolated once several API nodes share one store (TiKV).

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// Catalog key layout (see DESIGN.md).
const (
	catalogPrefix = "c/"              // c/<table name> → tableRecord (JSON)
	tableIDKey    = "m/next-table-id" // → the next table id, 8 bytes big-endian
	dropJobPrefix = "j/drop/"         // j/drop/<table id, 16 hex digits> → tableRecord of a deleted table whose data is still being dropped
)

// recordFormat is the version of tableRecord's encoding, so that a later
// release can read (and upgrade) catalogs written by this one.
const recordFormat = 1

// firstTableID is the id of the first table ever created in a store. Zero is
// never used, so that a zero Table.ID always means "no table".
const firstTableID = 1

// tableRecord is what the catalog persists for one table. It holds the
// table's description as DynamoDB shapes it (minus the live parts: status,
// item count and size, which are computed when described) plus the engine's
// own bookkeeping. New settings (TTL, tags, index ids, stream state) are new
// fields here; a missing field decodes as its zero value, so old records stay
// readable.
type tableRecord struct {
	Format int    `json:"format"`
	ID     uint64 `json:"id"`

	// Desc is the description as last set by CreateTable or UpdateTable.
	// TableStatus, ItemCount and TableSizeBytes are not stored; the
	// ProvisionedThroughput's NumberOfDecreasesToday is stored together
	// with DecreasesDay, the UTC day (YYYY-MM-DD) it counts.
	Desc         api.TableDescription `json:"desc"`
	DecreasesDay string               `json:"decreasesDay,omitempty"`

	// Tags are the table's tags in the order first set (tags.go).
	Tags []api.Tag `json:"tags,omitempty"`

	// TTL is the table's time-to-live setting; nil means never enabled
	// (ttl.go).
	TTL *api.TimeToLiveDescription `json:"ttl,omitempty"`

	// IndexIDs maps each secondary index's name to the id prefixing its
	// entries; NextIndexID is the next id to hand out (index_catalog.go).
	IndexIDs    map[string]uint64 `json:"indexIds,omitempty"`
	NextIndexID uint64            `json:"nextIndexId,omitempty"`
}

// catalogEntry is one cached table. Entries are immutable: an update
// replaces the entry, so readers holding the old one are never disturbed.
type catalogEntry struct {
	rec   *tableRecord
	table *Table
}

// catalog is the in-memory view of every table, loaded at Open and kept in
// step with the store by the table operations.
type catalog struct {
	ddl sync.Mutex // held by CreateTable, UpdateTable and DeleteTable

	mu     sync.RWMutex
	tables map[string]*catalogEntry

	// stats caches each table's ItemCount and TableSizeBytes.
	stats statsCache

	// ixStats caches each index's ItemCount and IndexSizeBytes, by
	// indexStatsKey (index_describe.go).
	ixStats statsCache

	// bg tracks background table drops, so tests (and, once wired, Close)
	// can wait for them.
	bg sync.WaitGroup

	// indexJobs names the index jobs running (index_backfill.go), under mu.
	indexJobs map[string]bool
}

// loadCatalog reads every table record from the store and resumes the data
// drops of tables deleted before the last shutdown.
func loadCatalog(ctx context.Context, db *DB) (*catalog, error) {
	cat := &catalog{tables: make(map[string]*catalogEntry)}
	cat.stats.cacheAbove = statsCacheAbove
	cat.ixStats.cacheAbove = statsCacheAbove
	err := scanPrefix(ctx, db.store, catalogPrefix, func(key, value []byte) error {
		rec, err := decodeRecord(value)
		if err != nil {
			return fmt.Errorf("engine: catalog record %q: %w", key, err)
		}
		e, err := newEntry(rec)
		if err != nil {
			return fmt.Errorf("engine: catalog record %q: %w", key, err)
		}
		cat.tables[api.Str(rec.Desc.TableName)] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	var pending []*tableRecord
	err = scanPrefix(ctx, db.store, dropJobPrefix, func(key, value []byte) error {
		rec, err := decodeRecord(value)
		if err != nil {
			return fmt.Errorf("engine: drop job %q: %w", key, err)
		}
		pending = append(pending, rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, rec := range pending {
		e, err := newEntry(rec)
		if err != nil {
			return nil, fmt.Errorf("engine: drop job for table id %d: %w", rec.ID, err)
		}
		db.startDrop(cat, e.table)
	}
	return cat, nil
}

// scanPrefix calls fn for every key starting with prefix, in order.
func scanPrefix(ctx context.Context, r kv.Reader, prefix string, fn func(key, value []byte) error) error {
	start := []byte(prefix)
	it, err := r.Iter(ctx, start, prefixEnd(start), false)
	if err != nil {
		return err
	}
	defer it.Close()
	for it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
	}
	return it.Err()
}

// prefixEnd returns the first key after every key starting with prefix.
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func catalogKey(name string) []byte { return []byte(catalogPrefix + name) }

func dropJobKey(id uint64) []byte { return fmt.Appendf(nil, "%s%016x", dropJobPrefix, id) }

// get returns the cached table named name, or nil.
func (c *catalog) get(name string) *catalogEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.tables[name]
}

func (c *catalog) put(e *catalogEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tables[e.table.Name] = e
}

func (c *catalog) remove(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tables, name)
}

// names returns every table name in ascending byte order, the order
// ListTables pages in.
func (c *catalog) names() []string {
	c.mu.RLock()
	names := make([]string, 0, len(c.tables))
	for name := range c.tables {
		names = append(names, name)
	}
	c.mu.RUnlock()
	sort.Strings(names)
	return names
}

// table returns the ACTIVE table named name (or whose ARN is name), or
// DynamoDB's ResourceNotFoundException as the item operations word it. Every
// table in the catalog is ACTIVE: CreateTable makes a table usable at once,
// UpdateTable applies its change at once, and DeleteTable removes the table
// at once.
func (db *DB) table(ctx context.Context, name string) (*Table, error) {
	if e := db.lookup(name); e != nil {
		return e.table, nil
	}
	return nil, apierr.New(apierr.ResourceNotFoundException, "Requested resource not found")
}

// entryOf returns the catalog entry of t as the catalog holds it now, or
// nil when t was deleted (or is a Table built by hand in a test).
func (db *DB) entryOf(t *Table) *catalogEntry {
	if e := db.cat.get(t.Name); e != nil && e.table.ID == t.ID {
		return e
	}
	return nil
}

// lookup returns the cached table that name (a table name or this server's
// ARN of one) designates, or nil.
func (db *DB) lookup(name string) *catalogEntry {
	n, ok := db.resolveTableName(name)
	if !ok {
		return nil
	}
	return db.cat.get(n)
}

// errTableNotFound is the ResourceNotFoundException DescribeTable,
// UpdateTable and DeleteTable answer for a missing table; unlike the item
// operations, they name it.
func errTableNotFound(name string) error {
	return apierr.Newf(apierr.ResourceNotFoundException, "Requested resource not found: Table: %s not found", name)
}

// resolveTableName turns the TableName member of a request into a table
// name. DynamoDB accepts the table's ARN there too; an ARN of another region
// or account designates no table of this server (ok is false).
func (db *DB) resolveTableName(s string) (name string, ok bool) {
	if !strings.HasPrefix(s, "arn:") {
		return s, true
	}
	// arn:<partition>:dynamodb:<region>:<account>:table/<name>
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[2] != "dynamodb" || parts[3] != db.opts.Region || parts[4] != db.opts.AccountID {
		return "", false
	}
	name, found := strings.CutPrefix(parts[5], "table/")
	if !found || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	return name, true
}

// tableArn returns the ARN of the table named name on this server.
func (db *DB) tableArn(name string) string {
	return "arn:aws:dynamodb:" + db.opts.Region + ":" + db.opts.AccountID + ":table/" + name
}

// newEntry derives the engine's Table from a record.
func newEntry(rec *tableRecord) (*catalogEntry, error) {
	t := &Table{Name: api.Str(rec.Desc.TableName), ID: rec.ID}
	if t.Name == "" || t.ID == 0 {
		return nil, errors.New("record without table name or id")
	}
	for _, k := range rec.Desc.KeySchema {
		ka := KeyAttr{Name: api.Str(k.AttributeName)}
		for _, d := range rec.Desc.AttributeDefinitions {
			if api.Str(d.AttributeName) == ka.Name {
				ka.Type = scalarType(api.Str(d.AttributeType))
				break
			}
		}
		if ka.Type == attr.TypeInvalid {
			return nil, fmt.Errorf("key attribute %q has no scalar definition", ka.Name)
		}
		switch api.Str(k.KeyType) {
		case api.KeyTypeHash:
			t.Hash = ka
		case api.KeyTypeRange:
			t.Range = ka
		}
	}
	if t.Hash.Name == "" {
		return nil, errors.New("record without a partition key")
	}
	ixs, err := buildIndexes(rec)
	if err != nil {
		return nil, err
	}
	t.Indexes = ixs
	return &catalogEntry{rec: rec, table: t}, nil
}

// scalarType maps a ScalarAttributeType to the attribute type.
func scalarType(s string) attr.Type {
	switch s {
	case api.ScalarAttributeTypeS:
		return attr.TypeS
	case api.ScalarAttributeTypeN:
		return attr.TypeN
	case api.ScalarAttributeTypeB:
		return attr.TypeB
	}
	return attr.TypeInvalid
}

// encodeRecord encodes rec for the store. It does not modify rec, which
// readers of the cache may be cloning concurrently.
func encodeRecord(rec *tableRecord) ([]byte, error) {
	r := *rec
	r.Format = recordFormat
	return json.Marshal(&r)
}

func decodeRecord(b []byte) (*tableRecord, error) {
	rec := new(tableRecord)
	if err := json.Unmarshal(b, rec); err != nil {
		return nil, err
	}
	if rec.Format > recordFormat {
		return nil, fmt.Errorf("record format %d is newer than this build understands (%d)", rec.Format, recordFormat)
	}
	return rec, nil
}

// clone returns a deep copy of rec, for copy-on-write updates and for
// descriptions handed to callers, who may keep or change them.
func (rec *tableRecord) clone() *tableRecord {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(fmt.Sprintf("engine: cloning table record: %v", err)) // plain data: cannot fail
	}
	out := new(tableRecord)
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("engine: cloning table record: %v", err))
	}
	return out
}

// nextTableID allocates a table id inside txn, which must have locked
// tableIDKey. Ids come from a persisted counter and are never reused, so the
// data of a deleted table can be dropped long after a new table of the same
// name exists.
func nextTableID(ctx context.Context, txn kv.Txn) (uint64, error) {
	id := uint64(firstTableID)
	b, err := txn.Get(ctx, []byte(tableIDKey))
	switch {
	case err == nil:
		if len(b) != 8 {
			return 0, fmt.Errorf("engine: corrupt table id counter (%d bytes)", len(b))
		}
		id = binary.BigEndian.Uint64(b)
	case !errors.Is(err, kv.ErrNotFound):
		return 0, err
	}
	if err := txn.Set([]byte(tableIDKey), binary.BigEndian.AppendUint64(nil, id+1)); err != nil {
		return 0, err
	}
	return id, nil
}

// newUUID returns a random (version 4) UUID, DynamoDB's form of TableId.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("engine: crypto/rand: %v", err)) // never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// startDrop removes a deleted table's data in the background and then its
// drop job. The job was written in the same commit that removed the table
// from the catalog, so a drop interrupted by a crash resumes at the next
// Open. Table ids are never reused, so nothing can write into the range
// while it is being dropped.
func (db *DB) startDrop(cat *catalog, t *Table) {
	cat.bg.Add(1)
	go func() {
		defer cat.bg.Done()
		ctx := context.Background()
		if err := db.dropTableData(ctx, t); err != nil {
			db.opts.Logger.Error("dropping a deleted table's data; retried at next start", "table", t.Name, "id", t.ID, "err", err)
			return
		}
		err := db.store.Update(ctx, [][]byte{dropJobKey(t.ID)}, func(txn kv.Txn) error {
			return txn.Delete(dropJobKey(t.ID))
		})
		if err != nil {
			db.opts.Logger.Error("removing a finished drop job; retried at next start", "table", t.Name, "id", t.ID, "err", err)
		}
	}()
}

// waitBackground waits for every background table drop started so far.
func (db *DB) waitBackground() { db.cat.bg.Wait() }
