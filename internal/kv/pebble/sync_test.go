package pebble

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
)

// walSyncCounter is a filesystem that counts durable syncs of WAL files.
type walSyncCounter struct {
	vfs.FS
	syncs atomic.Int64
}

func (c *walSyncCounter) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	return &countedFile{File: f, n: &c.syncs}, nil
}

func (c *walSyncCounter) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := c.FS.Create(name, cat)
	return c.wrap(name, f, err)
}

func (c *walSyncCounter) ReuseForWrite(oldname, newname string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := c.FS.ReuseForWrite(oldname, newname, cat)
	return c.wrap(newname, f, err)
}

type countedFile struct {
	vfs.File
	n *atomic.Int64
}

func (f *countedFile) Sync() error     { f.n.Add(1); return f.File.Sync() }
func (f *countedFile) SyncData() error { f.n.Add(1); return f.File.SyncData() }

// TestEveryUpdateSyncs: sequential Updates each reach a WAL fsync before
// returning; this is what makes an acknowledged write durable.
func TestEveryUpdateSyncs(t *testing.T) {
	fs := &walSyncCounter{FS: vfs.Default}
	s := mustOpen(t, t.TempDir(), Options{FS: fs})
	defer s.Close()
	const commits = 30
	before := fs.syncs.Load()
	for i := range commits {
		if err := update(s, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := fs.syncs.Load() - before; n < commits {
		t.Errorf("%d sequential commits made %d WAL syncs; each must sync", commits, n)
	}
}

// TestConcurrentCommitsShareSyncs confirms that Pebble groups concurrent
// synced commits: many Updates in flight cost fewer fsyncs than commits.
func TestConcurrentCommitsShareSyncs(t *testing.T) {
	fs := &walSyncCounter{FS: vfs.Default}
	s := mustOpen(t, t.TempDir(), Options{FS: fs})
	defer s.Close()
	const workers, each = 32, 10
	before := fs.syncs.Load()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := update(s, fmt.Sprintf("%d/%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	syncs := fs.syncs.Load() - before
	t.Logf("%d concurrent commits, %d WAL syncs (%.1f commits per sync)",
		workers*each, syncs, float64(workers*each)/float64(syncs))
	if syncs >= workers*each {
		t.Errorf("%d concurrent commits made %d syncs: Pebble did not group them", workers*each, syncs)
	}
}

func update(s *Store, key string) error {
	return s.Update(context.Background(), [][]byte{[]byte(key)}, func(tx kv.Txn) error {
		return tx.Set([]byte(key), []byte("v"))
	})
}
