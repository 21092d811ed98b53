package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/dynago/dynago/internal/kv/pebble"
	"github.com/dynago/dynago/internal/sdkhttp"
)

// Disk faults through the whole server (fasthttp, the wire layer, the
// engine, the store), injected with Config.StoreFS. The fault campaign in
// internal/kv/pebble/faults_test.go covers more faults below the server;
// these check what only the server does: stopping when the store fails.

// logBuffer is a log sink safe for concurrent writers.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// faultClient is an SDK client of s that does not retry, so each call is
// one request.
func faultClient(s *Server) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1, HTTPClient: sdkhttp.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
	})
}

func faultTable(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: aws.String("faults"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
}

func faultPut(c *dynamodb.Client, i int) error {
	_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("faults"), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: fmt.Sprint("k", i)},
		"g":  &types.AttributeValueMemberS{Value: fmt.Sprint("g", i%3)},
	}})
	return err
}

func faultGet(c *dynamodb.Client, i int) (bool, error) {
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String("faults"), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprint("k", i)}}})
	if err != nil {
		return false, err
	}
	return out.Item != nil, nil
}

func apiCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	if err != nil {
		return "transport: " + err.Error()
	}
	return "none"
}

// TestStorageFailureStopsTheServer: a WAL fsync error answers the write in
// flight InternalServerError, fails the store, logs one line and ends
// serving with ErrStorageFailed (dynago serve then exits non-zero); after a
// restart every acknowledged write is there and every index is consistent.
func TestStorageFailureStopsTheServer(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	var on atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if on.Load() && strings.HasSuffix(op.Path, ".log") &&
			(op.Kind == errorfs.OpFileSync || op.Kind == errorfs.OpFileSyncData || op.Kind == errorfs.OpFileSyncTo) {
			return errorfs.ErrInjected
		}
		return nil
	})
	logs := &logBuffer{}
	s, err := Start(ctx, Config{DataDir: dir, TTLInterval: -1, StoreFS: errorfs.Wrap(vfs.Default, inj),
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	c := faultClient(s)
	faultTable(t, c)
	const acked = 20
	for i := range acked {
		if err := faultPut(c, i); err != nil {
			t.Fatalf("put %d: %v", i, err)
		}
	}
	on.Store(true)
	if err := faultPut(c, acked); apiCode(err) != "InternalServerError" {
		t.Errorf("the write whose fsync failed answered %s, want InternalServerError", apiCode(err))
	}
	on.Store(false)
	select {
	case err := <-s.ServeErr():
		if !errors.Is(err, ErrStorageFailed) || !errors.Is(err, pebble.ErrFailed) {
			t.Errorf("ServeErr = %v, want ErrStorageFailed wrapping pebble.ErrFailed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serving did not end after the storage failed")
	}
	if found, err := faultGet(c, acked); found {
		t.Errorf("a read returned the write whose fsync failed (%v)", err)
	}
	if n := strings.Count(logs.String(), "the storage failed"); n != 1 {
		t.Errorf("the failure was logged %d times, want once:\n%s", n, logs.String())
	}
	closeCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.Close(closeCtx); !errors.Is(err, pebble.ErrFailed) {
		t.Errorf("Close = %v, want the store's failure", err)
	}

	r, err := Start(ctx, Config{DataDir: dir, TTLInterval: -1, Logger: quietLogger()})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer r.Close(ctx)
	rc := faultClient(r)
	for i := range acked {
		if found, err := faultGet(rc, i); err != nil || !found {
			t.Errorf("acknowledged write %d after the restart: found %v, %v", i, found, err)
		}
	}
	res, err := r.db.CheckIndexes(ctx)
	if err != nil || len(res.Divergences) > 0 {
		t.Errorf("CheckIndexes after the restart: %v, %+v", err, res)
	}
	if err := faultPut(rc, acked+1); err != nil {
		t.Errorf("a write after the restart: %v", err)
	}
}

// fullDisk reports the filesystem full (1 MB free) while on is set.
type fullDisk struct {
	vfs.FS
	on *atomic.Bool
}

func (f fullDisk) GetDiskUsage(path string) (vfs.DiskUsage, error) {
	u, err := f.FS.GetDiskUsage(path)
	if err == nil && f.on.Load() {
		u.UsedBytes += u.AvailBytes - 1<<20
		u.AvailBytes = 1 << 20
	}
	return u, err
}

// TestDiskFullRefusesWritesAndResumes: while the disk is full, writes
// answer InternalServerError and reads go on; once space is freed, writes
// are accepted again without a restart, and the server never stopped.
func TestDiskFullRefusesWritesAndResumes(t *testing.T) {
	ctx := context.Background()
	// full makes the filesystem report 1 MB free; enospc makes its writes
	// fail. A real disk fills gradually: it reports little free space
	// while small writes still succeed, and the store's reserve (spaceGuard)
	// absorbs the commits admitted before its cached reading expires. So
	// writes start failing only once the store has seen the low reading,
	// and stop failing before it sees space again. Failing them at the
	// same instant as the reading turned low (as this test once did) let a
	// background commit (the job runner's, for the periodic jobs
	// pitr-base/all and stream/all) reach the WAL inside the reading's
	// interval under load; a WAL error is fatal to Pebble, and the server
	// stopped.
	var full, enospc atomic.Bool
	inj := errorfs.InjectorFunc(func(op errorfs.Op) error {
		if enospc.Load() && op.Kind.ReadOrWrite() == errorfs.OpIsWrite && op.Kind != errorfs.OpFileClose && op.Kind != errorfs.OpRemove {
			return fmt.Errorf("%s: %w", op.Path, errNoSpace)
		}
		return nil
	})
	s, err := Start(ctx, Config{DataDir: filepath.Join(t.TempDir(), "data"), TTLInterval: -1,
		StoreFS: errorfs.Wrap(fullDisk{FS: vfs.Default, on: &full}, inj), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	c := faultClient(s)
	faultTable(t, c)
	if err := faultPut(c, 0); err != nil {
		t.Fatal(err)
	}
	full.Store(true)
	// The store trusts a free-space reading for this long; the first
	// commit after it refreshes the reading and is refused.
	time.Sleep(2 * pebble.DefaultFreeSpaceInterval)
	if err := faultPut(c, 1); apiCode(err) != "InternalServerError" {
		t.Errorf("a write with the disk nearly full answered %s, want InternalServerError", apiCode(err))
	}
	enospc.Store(true)
	if err := faultPut(c, 1); apiCode(err) != "InternalServerError" {
		t.Errorf("a write with the disk full answered %s, want InternalServerError", apiCode(err))
	}
	if found, err := faultGet(c, 0); err != nil || !found {
		t.Errorf("a read with the disk full: found %v, %s", found, apiCode(err))
	}
	enospc.Store(false)
	full.Store(false)
	time.Sleep(2 * pebble.DefaultFreeSpaceInterval)
	if err := faultPut(c, 2); err != nil {
		t.Errorf("a write once space was freed answered %s", apiCode(err))
	}
	select {
	case err := <-s.ServeErr():
		t.Errorf("serving ended: %v", err)
	default:
	}
}

// errNoSpace is what a full disk's writes fail with.
var errNoSpace = errors.New("no space left on device")
