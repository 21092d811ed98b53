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
	"github.com/dynago/dynago/internal/wire"
)

// The disk fault campaign: the engine and the wire handler run over a
// store on Pebble's errorfs, an SDK client writes through HTTP, and a
// fault is switched on under it. Whatever the fault, the request in flight
// must fail with InternalServerError (never a false success), no
// acknowledged write may be lost, and after the fault clears and the store
// is reopened, every index must equal its table. The stricter promises
// (the server keeps serving reads during the fault; writes resume without
// a restart once space is freed) do not hold yet and are checked only
// with DYNAGO_FAULTS_STRICT=1; docs/reliability.md records what happens.

// fault says which operations fail while it is switched on.
type fault struct {
	name  string
	match func(op errorfs.Op) bool
	err   error
}

func walFile(p string) bool { return strings.HasSuffix(p, ".log") }
func sstFile(p string) bool { return strings.HasSuffix(p, ".sst") }

var faults = []fault{
	{"WAL write error", func(op errorfs.Op) bool {
		return walFile(op.Path) && (op.Kind == errorfs.OpFileWrite || op.Kind == errorfs.OpFileWriteAt)
	}, errorfs.ErrInjected},
	{"WAL fsync error", func(op errorfs.Op) bool {
		return walFile(op.Path) && (op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData || op.Kind == errorfs.OpFileSyncTo)
	}, errorfs.ErrInjected},
	{"disk full", func(op errorfs.Op) bool {
		return op.Kind.ReadOrWrite() == errorfs.OpIsWrite && op.Kind != errorfs.OpFileClose && op.Kind != errorfs.OpRemove
	}, syscall.ENOSPC},
	{"sstable read error in a compaction", func(op errorfs.Op) bool {
		return sstFile(op.Path) && (op.Kind == errorfs.OpFileRead || op.Kind == errorfs.OpFileReadAt)
	}, errorfs.ErrInjected},
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
	store, err := pebble.OpenOnFS(dir, pebble.Options{Logger: log}, fs)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	db, err := engine.Open(context.Background(), store, engine.Options{Logger: log, TTLInterval: -1, NoThrottle: true})
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	srv := httptest.NewServer(wire.New(db, wire.Options{Logger: log}))
	c := dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(srv.URL), Region: "us-east-1", RetryMaxAttempts: 1,
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
	strict := os.Getenv("DYNAGO_FAULTS_STRICT") != ""
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "db")
			inj := &switchable{f: f}
			s := startFaultServer(t, dir, errorfs.Wrap(vfs.Default, inj))
			ctx := context.Background()
			createFaultTable(t, s.client)
			acked := 0
			for ; acked < 300; acked++ {
				if err := put(ctx, s.client, acked); err != nil {
					t.Fatalf("put %d before the fault: %v", acked, err)
				}
			}
			if strings.Contains(f.name, "compaction") {
				// Flush the items into sstables, then compact with reads failing.
				if err := s.store.CompactAll(); err != nil {
					t.Fatalf("compaction before the fault: %v", err)
				}
				for ; acked < 600; acked++ {
					if err := put(ctx, s.client, acked); err != nil {
						t.Fatalf("put %d: %v", acked, err)
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
					if err := put(ctx, s.client, acked); err != nil {
						t.Errorf("put after the failed compaction: %s", errorCode(err))
						break
					}
					acked++
					if ok, err := get(ctx, s.client, i); err != nil || !ok {
						t.Errorf("get after the failed compaction: %v %s", ok, errorCode(err))
					}
				}
			} else {
				inj.on.Store(true)
				err := put(ctx, s.client, acked)
				code := errorCode(err)
				t.Logf("%s: the write in flight answered %s (%d operations failed)", f.name, code, inj.tripped.Load())
				if err == nil {
					t.Errorf("a write during %s was acknowledged", f.name)
					acked++
				} else if code != "InternalServerError" {
					t.Errorf("a write during %s failed with %s, want InternalServerError", f.name, code)
				}
				seenFailed, _ := get(ctx, s.client, acked)
				_, rerr := get(ctx, s.client, 0)
				t.Logf("%s: a read during the fault answered %s; a read of the failed write found it: %v", f.name, errorCode(rerr), seenFailed)
				if strict && rerr != nil {
					t.Errorf("a read during %s failed: %s", f.name, errorCode(rerr))
				}
				inj.on.Store(false)
				werr := put(ctx, s.client, acked+1)
				t.Logf("%s: a write after the fault cleared, without a restart, answered %s", f.name, errorCode(werr))
				if werr == nil {
					acked += 2 // acked+1 is durable; acked (the failed one) may or may not be
				} else if strict {
					t.Errorf("writes did not resume after %s cleared: %s", f.name, errorCode(werr))
				}
			}
			if fatal := strings.Contains(s.log.String(), "fatal"); fatal {
				t.Logf("%s: the store logged a fatal error: %s", f.name, firstLine(s.log.String(), "fatal"))
			}
			s.stop(t)

			// Restart on the plain filesystem: every acknowledged write is
			// there, and every index equals its table.
			r := startFaultServer(t, dir, vfs.Default)
			defer r.stop(t)
			if seenFailed, _ := get(ctx, r.client, 300); !strings.Contains(f.name, "compaction") {
				t.Logf("%s: the failed write is present after restart: %v", f.name, seenFailed)
			}
			lost := 0
			for i := range acked {
				if i == 300 && !strings.Contains(f.name, "compaction") {
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
		})
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
