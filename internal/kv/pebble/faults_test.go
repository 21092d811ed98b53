package pebble_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/sdkhttp"
	"github.com/dynago/dynago/internal/wire"
)

// The disk fault campaign: the engine and the wire handler run over a
// store on Pebble's errorfs, an SDK client writes through HTTP, and a
// fault is switched on under it. Whatever the fault, the request in flight
// must fail with InternalServerError (never a false success), no
// acknowledged write may be lost, no read may return the failed write, and
// after the fault clears and the store is reopened, every index must equal
// its table. Beyond that, two outcomes are allowed, and each fault has one:
//
//   - the disk fills up (the filesystem reports its free space below the
//     reserve before writes start failing): writes are refused with
//     ErrNoSpace before Pebble meets ENOSPC, reads go on, and writes resume
//     without a restart once space is freed;
//   - a WAL write or fsync fails (also an ENOSPC the free-space guard did
//     not see coming): the store fails, refuses every call with ErrFailed
//     and reports it (Store.Failed), so the server stops cleanly
//     (internal/server's TestStorageFailureStopsTheServer); a restart
//     brings back every acknowledged write.

// outcome is what a fault must lead to.
type outcome int

const (
	storeFails    outcome = iota // the store fails and must be reopened
	writesRefused                // writes are refused until space is freed
	compactionErr                // the compaction fails; the rest goes on
)

// fault says which operations fail while it is switched on.
type fault struct {
	name  string
	match func(op errorfs.Op) bool
	err   error
	// full makes the filesystem report itself full while the fault is on.
	full bool
	want outcome
}

func walFile(p string) bool { return strings.HasSuffix(p, ".log") }
func sstFile(p string) bool { return strings.HasSuffix(p, ".sst") }

func anyWrite(op errorfs.Op) bool {
	return op.Kind.ReadOrWrite() == errorfs.OpIsWrite && op.Kind != errorfs.OpFileClose && op.Kind != errorfs.OpRemove
}

var faults = []fault{
	{name: "WAL write error", match: func(op errorfs.Op) bool {
		return walFile(op.Path) && (op.Kind == errorfs.OpFileWrite || op.Kind == errorfs.OpFileWriteAt)
	}, err: errorfs.ErrInjected, want: storeFails},
	{name: "WAL fsync error", match: func(op errorfs.Op) bool {
		return walFile(op.Path) && (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData || op.Kind == errorfs.OpFileSyncTo)
	}, err: errorfs.ErrInjected, want: storeFails},
	{name: "disk full", match: anyWrite, err: syscall.ENOSPC, full: true, want: writesRefused},
	{name: "sudden disk full", match: anyWrite, err: syscall.ENOSPC, want: storeFails},
	{name: "sstable read error in a compaction", match: func(op errorfs.Op) bool {
		return sstFile(op.Path) && (op.Kind == errorfs.OpFileRead || op.Kind == errorfs.OpFileReadAt)
	}, err: errorfs.ErrInjected, want: compactionErr},
}

// fullFS reports the filesystem full (1 MB free) while full is set, as
// statfs does on a disk that has filled up.
type fullFS struct {
	vfs.FS
	full *atomic.Bool
}

func (f fullFS) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	u, err := f.FS.GetDiskUsage(path)
	if err == nil && f.full.Load() {
		u.UsedBytes += u.AvailBytes - 1<<20
		u.AvailBytes = 1 << 20
	}
	return u, err
}

// switchable injects f's error while on is set.
type switchable struct {
	on      atomic.Bool
	f       fault
	tripped atomic.Int64
}

func (s *switchable) String() string { return s.f.name }

func (s *switchable) MaybeError(op errorfs.Op) error {
	if s.on.Load() && s.f.match(op) {
		s.tripped.Add(1)
		return fmt.Errorf("%s: %w", op.Path, s.f.err)
	}
	return nil
}

// syncBuffer is a log sink safe for Pebble's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// faultServer is Dynago (store, engine, wire handler) served over HTTP.
type faultServer struct {
	store  *pebble.Store
	db     *engine.DB
	http   *httptest.Server
	client *dynamodb.Client
	log    *syncBuffer
}

func startFaultServer(t *testing.T, dir string, fs vfs.FS) *faultServer {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	// Every commit reads the free space afresh, so a fault switched on is
	// seen by the next write.
	store, err := pebble.Open(dir, pebble.Options{Logger: log, FS: fs, FreeSpaceInterval: time.Nanosecond})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db, err := engine.Open(context.Background(), store, engine.Options{Logger: log, TTLInterval: -1, NoThrottle: true})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	srv := httptest.NewServer(wire.New(db, wire.Options{Logger: log}))
	c := dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", RetryMaxAttempts: 1, HTTPClient: sdkhttp.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("fault", "fault", ""),
	})
	return &faultServer{store: store, db: db, http: srv, client: c, log: logs}
}

// stop closes everything, tolerating the errors a broken store returns.
func (s *faultServer) stop(t *testing.T) {
	t.Helper()
	s.http.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }() // a store Pebble gave up on may panic on Close
		_ = s.db.Close()
		_ = s.store.Close()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Errorf("closing the store hung for 30s after the fault")
	}
}

const faultTable = "faults"

func createFaultTable(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: aws.String(faultTable),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String("byG"), KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

func put(ctx context.Context, c *dynamodb.Client, i int) error {
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(faultTable), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("k%05d", i)},
		"g":  &types.AttributeValueMemberS{Value: fmt.Sprintf("g%d", i%7)},
		"v":  &types.AttributeValueMemberS{Value: strings.Repeat("v", 100+i%300)},
	}})
	return err
}

func get(ctx context.Context, c *dynamodb.Client, i int) (bool, error) {
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(faultTable), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("k%05d", i)}}})
	if err != nil {
		return false, err
	}
	return out.Item != nil, nil
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	if err != nil {
		return "transport: " + err.Error()
	}
	return "none"
}

func TestDiskFaults(t *testing.T) {
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			inj := &switchable{f: f}
			full := &inj.on
			if !f.full {
				full = &atomic.Bool{}
			}
			s := startFaultServer(t, dir, errorfs.Wrap(fullFS{FS: vfs.Default, full: full}, inj))
			ctx := context.Background()
			createFaultTable(t, s.client)
			acked := 0
			for ; acked < 300; acked++ {
				if err := put(ctx, s.client, acked); err != nil {
					t.Fatalf("put %d before the fault: %v", acked, err)
				}
			}
			if f.want == compactionErr {
				compactionFault(t, s, inj, &acked)
			} else {
				writeFault(t, s, inj, &acked)
			}
			s.stop(t)

			// Restart on the plain filesystem: every acknowledged write is
			// there, and every index equals its table.
			r := startFaultServer(t, dir, vfs.Default)
			defer r.stop(t)
			if seenFailed, _ := get(ctx, r.client, 300); f.want != compactionErr {
				t.Logf("%s: the failed write is present after restart: %v", f.name, seenFailed)
			}
			lost := 0
			for i := range acked {
				if i == 300 && f.want != compactionErr {
					continue // the write in flight during the fault: either outcome is allowed
				}
				if ok, err := get(ctx, r.client, i); err != nil || !ok {
					lost++
				}
			}
			res, err := r.db.CheckIndexes(ctx)
			if err != nil {
				t.Fatalf("CheckIndexes after restart: %v", err)
			}
			t.Logf("%s: after restart %d of %d acknowledged writes present; check: %d items, %d index entries, %d divergences",
				f.name, acked-lost-1, acked-1, res.Items, res.Entries, len(res.Divergences))
			if lost > 0 {
				t.Errorf("%d acknowledged writes lost after %s", lost, f.name)
			}
			if len(res.Divergences) > 0 {
				t.Errorf("%d index divergences after %s: %v", len(res.Divergences), f.name, res.Divergences[0])
			}
			if err := r.put(ctx, acked+1); err != nil {
				t.Errorf("a write after the restart: %s", errorCode(err))
			}
		})
	}
}

func (s *faultServer) put(ctx context.Context, i int) error { return put(ctx, s.client, i) }

// writeFault switches the fault on, writes item *acked (which must fail),
// reads, switches the fault off and writes again, checking what f.want
// says of each.
func writeFault(t *testing.T, s *faultServer, inj *switchable, acked *int) {
	ctx := context.Background()
	f := inj.f
	inj.on.Store(true)
	err := put(ctx, s.client, *acked)
	code := errorCode(err)
	t.Logf("%s: the write in flight answered %s (%d operations failed)", f.name, code, inj.tripped.Load())
	if err == nil {
		t.Errorf("a write during %s was acknowledged", f.name)
		*acked++
	} else if code != "InternalServerError" {
		t.Errorf("a write during %s failed with %s, want InternalServerError", f.name, code)
	}
	seenFailed, ferr := get(ctx, s.client, *acked)
	found, rerr := get(ctx, s.client, 0)
	t.Logf("%s: a read during the fault answered %s; a read of the failed write answered %s, found it: %v", f.name, errorCode(rerr), errorCode(ferr), seenFailed)
	if seenFailed {
		t.Errorf("a read during %s returned the write that failed", f.name)
	}
	switch f.want {
	case writesRefused:
		if inj.tripped.Load() > 0 {
			t.Errorf("Pebble met %d injected errors: the free-space guard let a write through", inj.tripped.Load())
		}
		if err := s.store.Err(); err != nil {
			t.Errorf("the store failed on a disk that filled up: %v", err)
		}
		if rerr != nil || !found {
			t.Errorf("a read during %s: found %v, %s; reads must go on", f.name, found, errorCode(rerr))
		}
	case storeFails:
		if err := s.store.Err(); !errors.Is(err, pebble.ErrFailed) {
			t.Errorf("after %s the store did not fail: Err() = %v", f.name, err)
		}
		select {
		case <-s.store.Failed():
		default:
			t.Errorf("after %s Store.Failed is not closed", f.name)
		}
		if rerr == nil {
			t.Errorf("a read of the failed store during %s succeeded; it must refuse until reopened", f.name)
		}
	}
	inj.on.Store(false)
	werr := put(ctx, s.client, *acked+1)
	t.Logf("%s: a write after the fault cleared, without a restart, answered %s", f.name, errorCode(werr))
	switch {
	case werr == nil:
		*acked += 2 // acked+1 is durable; acked (the failed one) may or may not be
	case f.want == writesRefused:
		t.Errorf("writes did not resume after %s cleared: %s", f.name, errorCode(werr))
	}
	if f.want == storeFails && werr == nil {
		t.Errorf("a write to the failed store was acknowledged after %s", f.name)
	}
	if l := firstLine(s.log.String(), "fatal"); l != "" {
		t.Logf("%s: the store logged a fatal error: %s", f.name, l)
	}
}

// compactionFault compacts with sstable reads failing: the compaction
// fails, and reads and writes go on.
func compactionFault(t *testing.T, s *faultServer, inj *switchable, acked *int) {
	ctx := context.Background()
	f := inj.f
	// Flush the items into sstables, then compact with reads failing.
	if err := s.store.CompactAll(); err != nil {
		t.Fatalf("compaction before the fault: %v", err)
	}
	for ; *acked < 600; *acked++ {
		if err := put(ctx, s.client, *acked); err != nil {
			t.Fatalf("put %d: %v", *acked, err)
		}
	}
	inj.on.Store(true)
	cerr := s.store.CompactAll()
	inj.on.Store(false)
	t.Logf("%s: compaction answered %v (%d operations failed)", f.name, cerr, inj.tripped.Load())
	if cerr == nil {
		t.Errorf("a compaction whose reads failed reported success")
	}
	// The store must go on serving reads and writes.
	for i := range 5 {
		if err := put(ctx, s.client, *acked); err != nil {
			t.Errorf("put after the failed compaction: %s", errorCode(err))
			break
		}
		*acked++
		if ok, err := get(ctx, s.client, i); err != nil || !ok {
			t.Errorf("get after the failed compaction: %v %s", ok, errorCode(err))
		}
	}
}

func firstLine(log, word string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, word) {
			if len(l) > 300 {
				l = l[:300]
			}
			return l
		}
	}
	return ""
}

// TestTornWALTail cuts the last bytes off the WAL, as a crash in the middle
// of a write leaves it, and reopens: the store opens, and every write
// acknowledged before the torn one is there.
func TestTornWALTail(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	s := startFaultServer(t, dir, vfs.Default)
	ctx := context.Background()
	createFaultTable(t, s.client)
	const n = 200
	for i := range n {
		if err := put(ctx, s.client, i); err != nil {
			t.Fatal(err)
		}
	}
	// Copy the directory as it is now (as a kill -9 leaves it: no
	// close), then tear the copy's newest WAL.
	crash := filepath.Join(t.TempDir(), "crash")
	if err := copyDir(dir, crash); err != nil {
		t.Fatal(err)
	}
	s.stop(t)
	wal := newestWAL(t, crash)
	st, _ := os.Stat(wal)
	const torn = 37 // bytes: part of the last record
	if err := os.Truncate(wal, st.Size()-torn); err != nil {
		t.Fatal(err)
	}
	r := startFaultServer(t, crash, vfs.Default)
	defer r.stop(t)
	present := 0
	for i := range n {
		if ok, err := get(ctx, r.client, i); err == nil && ok {
			present++
		}
	}
	// The torn record is the last acknowledged PutItem (or part of it):
	// at most that one may go, since the copy was taken after its ack but
	// the tear simulates a write cut short.
	t.Logf("torn WAL tail (%d of %d bytes cut from %s): %d of %d items present after reopening", torn, st.Size(), filepath.Base(wal), present, n)
	if present < n-1 {
		t.Errorf("only %d of %d items after tearing the WAL's last record", present, n)
	}
	if ok, _ := get(ctx, r.client, n-2); !ok {
		t.Errorf("the write before the torn one is gone")
	}
	if err := put(ctx, r.client, n); err != nil {
		t.Errorf("write after recovering the torn WAL: %v", err)
	}
	res, err := r.db.CheckIndexes(ctx)
	if err != nil || len(res.Divergences) > 0 {
		t.Errorf("CheckIndexes after the torn WAL: %v, %+v", err, res)
	}
}

func newestWAL(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	best, bestN := "", -1
	for _, e := range ents {
		name := e.Name()
		if !strings.HasSuffix(name, ".log") {
			continue
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(name, ".log")); err == nil && n > bestN {
			best, bestN = filepath.Join(dir, name), n
		}
	}
	if best == "" {
		t.Fatalf("no WAL in %s", dir)
	}
	return best
}

func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		in, err := os.Open(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		out, err := os.Create(filepath.Join(to, e.Name()))
		if err == nil {
			_, err = io.Copy(out, in)
			out.Close()
		}
		in.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
