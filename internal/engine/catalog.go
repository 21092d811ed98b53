package engine

// The table catalog: one persisted record per table at c/<table name>, a
// persisted counter handing out table ids, and the catalog version: a
// counter every table change increments in its own commit, with a short
// log of which table each version changed. Every engine over the store
// (one per API node) caches the catalog as an immutable snapshot and
// checks the version cheaply: at the start of every request (so a table
// created, changed or deleted through another node is seen by the next
// request) and inside every item write's transaction, under the item's
// lock (so a write never uses an index set older than the catalog its
// commit saw; see index_backfill.go). A newer version is applied by reading
// only the records the version log names.
//
// Table changes (create, update, delete, tags, TTL, index states) are store
// transactions: each locks the table's record and the version, reads the
// stored record, changes it and commits it with the next version
// (changeCatalog). No in-process lock is involved, so two engines over one
// store change tables safely.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// Catalog key layout (see docs/design-notes.md).
const (
	catalogPrefix     = "c/"                // c/<table name> → tableRecord (JSON)
	tableIDKey        = "m/next-table-id"   // → the next table id, 8 bytes big-endian
	catalogVersionKey = "m/catalog-version" // → the catalog version, 8 bytes big-endian
	catalogLogPrefix  = "m/catalog-change/" // + version, 8 bytes big-endian → the name of the table it changed
	legacyDropPrefix  = "j/drop/"           // j/drop/<table id, 16 hex digits>: drops recorded before jobs existed
)

// keptCatalogChanges is how many versions the catalog's change log keeps;
// an engine further behind reloads the whole catalog.
const keptCatalogChanges = 1024

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

	// ChangeLog, when set, makes every item write append a record to the
	// table's change log (changelog.go): on while a stream or
	// point-in-time recovery is enabled, or a backup is being copied.
	ChangeLog *changeLogSetting `json:"changeLog,omitempty"`

	// Backups are the ids of the table's on-demand backups being copied:
	// while there is one, the change log carries old images, so that a
	// copy a restart interrupts is rolled back to its first snapshot
	// (backup_resume.go).
	Backups []string `json:"backups,omitempty"`

	// PITR is the table's point-in-time recovery setting; nil means never
	// enabled (pitr_setting.go).
	PITR *pitrSetting `json:"pitr,omitempty"`

	// Loading, when set, says the table is being filled by a restore or
	// an import (backup_load.go): it is described CREATING and refuses
	// item operations until the job clears it.
	Loading *loadingState `json:"loading,omitempty"`

	// UpdatedAt is when UpdateTable last changed the table (Unix
	// nanoseconds, Options.Now): with Options.Transient the table is
	// UPDATING for a while after it (transient_status.go).
	UpdatedAt int64 `json:"updatedAt,omitempty"`

	// Stream is the table's latest DynamoDB stream, enabled or disabled
	// (nil: never had one); OldStreams are earlier streams, disabled, kept
	// readable until their retention ends (stream_catalog.go).
	Stream     *streamState  `json:"stream,omitempty"`
	OldStreams []streamState `json:"oldStreams,omitempty"`

	// Policy is the table's resource-based policy, StreamPolicies its
	// streams' by label (resource_policy.go); nil when there is none.
	Policy         *resourcePolicy            `json:"policy,omitempty"`
	StreamPolicies map[string]*resourcePolicy `json:"streamPolicies,omitempty"`

	// Insights are the Contributor Insights settings of the table (key "")
	// and its GSIs (their names) ever enabled (contributor_insights.go).
	Insights map[string]*insightsSetting `json:"insights,omitempty"`

	// Kinesis are the table's Kinesis streaming destinations, newest
	// first (kinesis_destination.go).
	Kinesis []kinesisDestination `json:"kinesis,omitempty"`
}

// catalogEntry is one cached table. Entries are immutable: an update
// replaces the entry, so readers holding the old one are never disturbed.
type catalogEntry struct {
	rec   *tableRecord
	table *Table
}

// catalogState is the catalog as of one version. It is immutable once
// published: a newer version is a new state.
type catalogState struct {
	version uint64
	tables  map[string]*catalogEntry
	names   []string // sorted, the order ListTables pages in
}

// catalog is the engine's cached view of every table.
type catalog struct {
	state atomic.Pointer[catalogState]

	// refresh serialises the building of newer states; readers never
	// take it.
	refresh sync.Mutex

	// stats caches each table's ItemCount and TableSizeBytes.
	stats statsCache

	// ixStats caches each index's ItemCount and IndexSizeBytes, by
	// indexStatsKey (index_describe.go).
	ixStats statsCache

	// checked is when the last completed syncCatalog began
	// (catalogClock), for Options.CatalogStaleness
	// (catalog_staleness.go); 0 before the first.
	checked atomic.Int64
}

// loadCatalog reads the whole catalog from the store.
func loadCatalog(ctx context.Context, db *DB) (*catalog, error) {
	cat := &catalog{}
	cat.stats.cacheAbove = statsCacheAbove
	cat.ixStats.cacheAbove = statsCacheAbove
	st, err := readCatalog(ctx, db.store)
	if err != nil {
		return nil, err
	}
	cat.state.Store(st)
	return cat, nil
}

// readCatalog reads every table record and the version through r. The
// version is read first: records changed after it are at least as new, so
// the state is never older than its version says.
func readCatalog(ctx context.Context, r kv.Reader) (*catalogState, error) {
	v, err := readCatalogVersion(ctx, r)
	if err != nil {
		return nil, err
	}
	st := &catalogState{version: v, tables: make(map[string]*catalogEntry)}
	err = scanPrefix(ctx, r, catalogPrefix, func(key, value []byte) error {
		e, err := decodeEntry(value)
		if err != nil {
			return fmt.Errorf("engine: catalog record %q: %w", key, err)
		}
		st.tables[e.table.Name] = e
		return nil
	})
	if err != nil {
		return nil, err
	}
	st.sortNames()
	return st, nil
}

func (st *catalogState) sortNames() {
	st.names = make([]string, 0, len(st.tables))
	for name := range st.tables {
		st.names = append(st.names, name)
	}
	sort.Strings(st.names)
}

// readCatalogVersion reads the catalog version through r (0 before the
// first table change).
func readCatalogVersion(ctx context.Context, r kv.Reader) (uint64, error) {
	return readVersionAt(ctx, r, []byte(catalogVersionKey))
}

// readVersionAt is readCatalogVersion with the key given: syncCatalog,
// which runs for every request, passes the DB's own copy, so that the
// conversion of the key does not allocate each time.
func readVersionAt(ctx context.Context, r kv.Reader, key []byte) (uint64, error) {
	b, err := r.Get(ctx, key)
	switch {
	case errors.Is(err, kv.ErrNotFound):
		return 0, nil
	case err != nil:
		return 0, err
	case len(b) != 8:
		return 0, fmt.Errorf("engine: corrupt catalog version (%d bytes)", len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

func decodeEntry(b []byte) (*catalogEntry, error) {
	rec, err := decodeRecord(b)
	if err != nil {
		return nil, err
	}
	return newEntry(rec)
}

// syncCatalog returns the catalog as of the version r reads now, bringing
// the cache up to it first when another engine (or this one) changed it.
// A store read of the version is all it costs when nothing changed. Inside
// a write transaction r is the Txn, under the write's locks.
func (db *DB) syncCatalog(ctx context.Context, r kv.Reader) (*catalogState, error) {
	start := catalogClock()
	v, err := readVersionAt(ctx, r, db.versionKey)
	if err != nil {
		return nil, err
	}
	cur := db.cat.state.Load()
	if v <= cur.version {
		db.cat.noteChecked(start)
		return cur, nil
	}
	db.cat.refresh.Lock()
	defer db.cat.refresh.Unlock()
	cur = db.cat.state.Load()
	if v <= cur.version {
		return cur, nil
	}
	next, err := db.catchUp(ctx, r, cur, v)
	if err != nil {
		return nil, err
	}
	db.cat.state.Store(next)
	db.cat.noteChecked(start)
	return next, nil
}

// catchUp builds the state at version v from cur, reading only the tables
// the change log names for the versions in between, or the whole catalog
// when the log no longer reaches back to cur.
func (db *DB) catchUp(ctx context.Context, r kv.Reader, cur *catalogState, v uint64) (*catalogState, error) {
	changed := map[string]bool{}
	first := cur.version + 1
	start, end := catalogLogKey(first), catalogLogKey(v+1)
	it, err := r.Iter(ctx, start, end, false)
	if err != nil {
		return nil, err
	}
	next := first
	for it.Next() {
		if binary.BigEndian.Uint64(it.Key()[len(catalogLogPrefix):]) != next {
			break // a gap: trimmed, or written by an older build
		}
		changed[string(it.Value())] = true
		next++
	}
	if err := it.Err(); err != nil {
		it.Close()
		return nil, err
	}
	it.Close()
	if next != v+1 {
		st, err := readCatalog(ctx, r)
		if err != nil {
			return nil, err
		}
		st.version = max(st.version, v)
		return st, nil
	}
	st := &catalogState{version: v, tables: make(map[string]*catalogEntry, len(cur.tables)+len(changed))}
	for name, e := range cur.tables {
		st.tables[name] = e
	}
	for name := range changed {
		b, err := r.Get(ctx, catalogKey(name))
		if errors.Is(err, kv.ErrNotFound) {
			delete(st.tables, name)
			continue
		}
		if err != nil {
			return nil, err
		}
		e, err := decodeEntry(b)
		if err != nil {
			return nil, fmt.Errorf("engine: catalog record of %s: %w", name, err)
		}
		st.tables[name] = e
	}
	st.sortNames()
	return st, nil
}

// HotKeys are the keys every request reads and only table changes write
// (the catalog version): a store that can serve a few keys from memory
// (kv/hotkeys) should be given these.
func HotKeys() [][]byte { return [][]byte{[]byte(catalogVersionKey)} }

func catalogLogKey(version uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(catalogLogPrefix), version)
}

// changeCatalog changes the record of the table named name in one store
// transaction: it locks the record, the catalog version and extra (keys
// change also writes, such as a job's record or the table id counter),
// reads the stored record (nil: no such table), and calls change, which
// returns the record to store (nil deletes it) or an error to change
// nothing. The record commits with the next catalog version, and the cache
// is brought up to it before changeCatalog returns the committed entry
// (nil for a deletion). change may be called more than once
// (kv.Store.Update) and must not keep state between calls.
func (db *DB) changeCatalog(ctx context.Context, name string, extra [][]byte, change func(txn kv.Txn, cur *tableRecord) (*tableRecord, error)) (*catalogEntry, error) {
	key := catalogKey(name)
	lock := append([][]byte{key, []byte(catalogVersionKey)}, extra...)
	var prev, next *tableRecord
	err := db.store.Update(ctx, lock, func(txn kv.Txn) error {
		prev, next = nil, nil
		var cur *tableRecord
		switch b, err := txn.Get(ctx, key); {
		case err == nil:
			if cur, err = decodeRecord(b); err != nil {
				return fmt.Errorf("engine: catalog record of %s: %w", name, err)
			}
		case !errors.Is(err, kv.ErrNotFound):
			return err
		}
		if cur != nil {
			// change may modify cur in place; splitRegions needs what it was.
			prev = &tableRecord{ID: cur.ID, IndexIDs: maps.Clone(cur.IndexIDs)}
		}
		rec, err := change(txn, cur)
		if err != nil {
			return err
		}
		if rec == nil {
			if cur == nil {
				return nil // nothing to delete
			}
			if err := txn.Delete(key); err != nil {
				return err
			}
		} else {
			b, err := encodeRecord(rec)
			if err != nil {
				return err
			}
			if err := txn.Set(key, b); err != nil {
				return err
			}
		}
		next = rec
		return bumpCatalogVersion(ctx, txn, name)
	})
	if err != nil {
		return nil, err
	}
	db.splitRegions(ctx, prev, next)
	if _, err := db.syncCatalog(ctx, db.store); err != nil {
		return nil, err
	}
	if next == nil {
		return nil, nil
	}
	e, err := newEntry(next)
	if err != nil {
		return nil, apierr.Newf(apierr.InternalServerError, "engine: table %s: %v", name, err)
	}
	return e, nil
}

// bumpCatalogVersion increments the catalog version inside txn (which has
// locked it), logging that it changed the table named name, and trims the
// change log.
func bumpCatalogVersion(ctx context.Context, txn kv.Txn, name string) error {
	v, err := readCatalogVersion(ctx, txn)
	if err != nil {
		return err
	}
	v++
	if err := txn.Set([]byte(catalogVersionKey), binary.BigEndian.AppendUint64(nil, v)); err != nil {
		return err
	}
	if err := txn.Set(catalogLogKey(v), []byte(name)); err != nil {
		return err
	}
	if v > keptCatalogChanges {
		return txn.Delete(catalogLogKey(v - keptCatalogChanges))
	}
	return nil
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

// get returns the cached table named name, or nil.
func (c *catalog) get(name string) *catalogEntry {
	return c.state.Load().tables[name]
}

// names returns every table name in ascending byte order, the order
// ListTables pages in. The slice is shared: callers must not change it.
func (c *catalog) names() []string { return c.state.Load().names }

// table returns the ACTIVE table named name (or whose ARN is name), or
// DynamoDB's ResourceNotFoundException as the item operations word it. Every
// table in the catalog is ACTIVE but those a restore or an import is still
// filling (tableRecord.Loading): CreateTable makes a table usable at once,
// UpdateTable applies its change at once, and DeleteTable removes the table
// at once; unless Options.Transient keeps a new table CREATING a while
// (transient_status.go).
func (db *DB) table(ctx context.Context, name string) (*Table, error) {
	if e := db.lookup(name); e != nil && e.rec.Loading == nil {
		if err := db.checkUsable(e); err != nil {
			return nil, err
		}
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

// syncWrite is the first step of every item write's transaction: it brings
// the catalog up to the version txn reads, under the write's item locks, so
// that the write maintains exactly the indexes of that version
// (liveIndexes; see index_backfill.go for why this makes backfills exact),
// and it refuses the write when a table it was prepared against was
// deleted (or deleted and recreated) meanwhile, as DynamoDB refuses a
// write to a table that no longer exists.
func (db *DB) syncWrite(ctx context.Context, txn kv.Txn, tables ...*Table) error {
	st, err := db.syncCatalog(ctx, txn)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if e := st.tables[t.Name]; e == nil || e.table.ID != t.ID {
			return apierr.New(apierr.ResourceNotFoundException, "Requested resource not found")
		}
	}
	return nil
}
