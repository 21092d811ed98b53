package pebble

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
)

// TestReadNeverSeesAWriteACrashErases reproduces a known bug, found by the
// linearizability campaign (reliability/linearize, -lin.kill9) and
// described in docs/reliability.md: Pebble publishes a committed batch to
// readers before its WAL record has even been written to the file (the
// log writer's flush goroutine writes it later, then syncs). A reader can
// therefore return a value that a kill -9 at that moment erases, although
// the page cache survives a kill -9: the bytes never reached it.
//
// The test holds the WAL's next write, commits a key (the Update blocks,
// waiting for its sync), reads the key from another goroutine, and
// crash-clones the filesystem keeping even unsynced data, as a kill -9
// does. The read must not have returned the value unless the clone has it.
// It fails until reads wait for durability, so it runs only with
// DYNAGO_KNOWN_BUGS=1.
func TestReadNeverSeesAWriteACrashErases(t *testing.T) {
	if os.Getenv("DYNAGO_KNOWN_BUGS") == "" {
		t.Skip("reproduces an open bug (docs/reliability.md); run with DYNAGO_KNOWN_BUGS=1")
	}
	mem := vfs.NewCrashableMem()
	hold := &holdWAL{FS: mem, release: make(chan struct{})}
	s := mustOpen(t, "db", Options{fs: hold})
	ctx := context.Background()
	if err := s.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte("old")) }); err != nil {
		t.Fatal(err)
	}
	hold.arm()
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, [][]byte{[]byte("k")}, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte("new")) })
	}()
	// Wait until the commit's WAL write is held, then read.
	select {
	case <-hold.held:
	case <-time.After(10 * time.Second):
		t.Fatal("the WAL write never came")
	}
	var seen []byte
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		v, err := s.Get(ctx, []byte("k"))
		if err != nil {
			t.Fatal(err)
		}
		if seen = v; string(v) == "new" {
			break
		}
	}
	clone := mem.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: 100, RNG: rand.New(rand.NewPCG(1, 1))})
	close(hold.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	s.Close()

	after := mustOpen(t, "db", Options{fs: clone})
	defer after.Close()
	v, err := after.Get(ctx, []byte("k"))
	if err != nil && !errors.Is(err, kv.ErrNotFound) {
		t.Fatal(err)
	}
	t.Logf("read during the commit: %q; after a crash at that moment: %q", seen, v)
	if string(seen) == "new" && string(v) != "new" {
		t.Errorf("a read returned %q, which the crash then erased (the key is %q after it)", seen, v)
	}
}

// holdWAL blocks the first WAL write after arm until release is closed.
type holdWAL struct {
	vfs.FS
	mu      sync.Mutex
	armed   bool
	held    chan struct{}
	release chan struct{}
}

func (h *holdWAL) arm() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed, h.held = true, make(chan struct{})
}

func (h *holdWAL) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !strings.HasSuffix(name, ".log") {
		return f, err
	}
	return &heldFile{File: f, h: h}, nil
}

func (h *holdWAL) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := h.FS.Create(name, cat)
	return h.wrap(name, f, err)
}

func (h *holdWAL) ReuseForWrite(oldname, newname string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := h.FS.ReuseForWrite(oldname, newname, cat)
	return h.wrap(newname, f, err)
}

type heldFile struct {
	vfs.File
	h *holdWAL
}

func (f *heldFile) Write(p []byte) (int, error) {
	f.h.mu.Lock()
	armed := f.h.armed
	f.h.armed = false
	f.h.mu.Unlock()
	if armed {
		close(f.h.held)
		<-f.h.release
	}
	return f.File.Write(p)
}
