package pebble

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/dynago/dynago/internal/kv"
)

// formatMarkers lists the format-version marker files in dir.
func formatMarkers(t *testing.T, dir string) []string {
	t.Helper()
	ls, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ms []string
	for _, e := range ls {
		if strings.HasPrefix(e.Name(), "marker."+formatVersionMarker+".") {
			ms = append(ms, e.Name())
		}
	}
	return ms
}

// TestNewStoreStartsAtNewestFormat: a store created in an empty directory
// is at Pebble's newest format with its first marker (no ratchet through
// the older formats), keeps its data across a reopen, and one created in a
// directory that does not exist yet or already holds a file still opens
// at the newest format (Pebble ratchets it there).
func TestNewStoreStartsAtNewestFormat(t *testing.T) {
	want := "marker." + formatVersionMarker + ".000001." + pdb.FormatNewest.String()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T) string
		first bool // the marker is Pebble's first: no ratchet
	}{
		{"empty directory", func(t *testing.T) string { return t.TempDir() }, true},
		{"missing directory", func(t *testing.T) string { return filepath.Join(t.TempDir(), "db") }, false},
		{"directory with a file", func(t *testing.T) string {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "notes"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
			return dir
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := tc.setup(t)
			s := mustOpen(t, dir, Options{})
			if got := s.db.FormatMajorVersion(); got != pdb.FormatNewest {
				t.Errorf("format %d, want %d", got, pdb.FormatNewest)
			}
			if err := update(s, "k"); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			ms := formatMarkers(t, dir)
			if len(ms) != 1 {
				t.Fatalf("format markers %v, want one", ms)
			}
			if first := ms[0] == want; first != tc.first {
				t.Errorf("format marker %s; want %s: %v", ms[0], want, tc.first)
			}
			r := mustOpen(t, dir, Options{})
			defer r.Close()
			if got := r.db.FormatMajorVersion(); got != pdb.FormatNewest {
				t.Errorf("reopened: format %d, want %d", got, pdb.FormatNewest)
			}
			if v, err := get(r.db, []byte("k")); err != nil || len(v) == 0 {
				t.Errorf("reopened: k = %q, %v; want the value written", v, err)
			}
		})
	}
}

// TestNewStoreOpenSyncs: creating a store in an empty directory syncs
// files and directories a handful of times, not once per format version.
func TestNewStoreOpenSyncs(t *testing.T) {
	fs := &allSyncCounter{FS: vfs.Default}
	s := mustOpen(t, t.TempDir(), Options{FS: fs})
	defer s.Close()
	// The parent directory, the format marker, the manifest and its
	// marker, the WAL's directory entry, the options file and its rename:
	// 7 with Pebble v2.1.7 (17 with the ratchet from format 14).
	if n := fs.syncs.Load(); n > 8 {
		t.Errorf("%d syncs to create a store, want at most 8", n)
	}
}

// allSyncCounter counts every Sync of every file and directory.
type allSyncCounter struct {
	vfs.FS
	syncs atomic.Int64
}

func (c *allSyncCounter) Create(name string, cat vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := c.FS.Create(name, cat)
	return c.wrap(f, err)
}

func (c *allSyncCounter) OpenDir(name string) (vfs.File, error) {
	f, err := c.FS.OpenDir(name)
	return c.wrap(f, err)
}

func (c *allSyncCounter) wrap(f vfs.File, err error) (vfs.File, error) {
	if err != nil {
		return f, err
	}
	return &countedFile{File: f, n: &c.syncs}, nil
}

// TestInMemoryStoresShareCacheApart: in-memory stores share one block
// cache (sharedMemCache), and each still reads its own blocks, also
// after another one closed.
func TestInMemoryStoresShareCacheApart(t *testing.T) {
	a := mustOpen(t, "", Options{InMemory: true})
	b := mustOpen(t, "", Options{InMemory: true})
	defer b.Close()
	for _, s := range []struct {
		s *Store
		v string
	}{{a, "from a"}, {b, "from b"}} {
		if err := s.s.Update(context.Background(), nil, func(tx kv.Txn) error { return tx.Set([]byte("k"), []byte(s.v)) }); err != nil {
			t.Fatal(err)
		}
		if err := s.s.db.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		for _, s := range []struct {
			s *Store
			v string
		}{{a, "from a"}, {b, "from b"}} {
			if v, err := s.s.Get(context.Background(), []byte("k")); err != nil || string(v) != s.v {
				t.Fatalf("k = %q, %v; want %q", v, err, s.v)
			}
		}
	}
	if a.db.Metrics().BlockCache.Hits == 0 {
		t.Error("no block cache hits: the flushed blocks were not cached")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get(context.Background(), []byte("k")); err != nil || string(v) != "from b" {
		t.Fatalf("after the other store closed: k = %q, %v; want %q", v, err, "from b")
	}
}

// TestInterruptedCreationOpens: a creation cut short after the format
// marker (or also after an unfinished manifest, with no manifest marker
// yet) leaves a directory the next Open completes, as Pebble's own order
// of creation did.
func TestInterruptedCreationOpens(t *testing.T) {
	marker := "marker." + formatVersionMarker + ".000001." + pdb.FormatNewest.String()
	for _, files := range [][]string{{marker}, {marker, "LOCK"}, {marker, "LOCK", "MANIFEST-000001"}} {
		dir := t.TempDir()
		for _, f := range files {
			if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Open(dir, Options{})
		if err != nil {
			t.Errorf("%v: %v", files, err)
			continue
		}
		if err := update(s, "k"); err != nil {
			t.Errorf("%v: write: %v", files, err)
		}
		s.Close()
	}
}
