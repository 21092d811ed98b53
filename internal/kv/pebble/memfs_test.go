package pebble

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestMemFSFileContents writes files of sizes around the chunk boundaries
// in writes of assorted sizes, overwrites part of one with WriteAt, and
// reads them back whole, at offsets that straddle chunks and past the end.
func TestMemFSFileContents(t *testing.T) {
	fs := newMemFS()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 4095, memChunkSize - 1, memChunkSize, memChunkSize + 1, 3*memChunkSize + 17} {
		want := make([]byte, size)
		for i := range want {
			want[i] = byte(rng.Uint32())
		}
		f, err := fs.Create("f", vfs.WriteCategoryUnspecified)
		if err != nil {
			t.Fatal(err)
		}
		for rest := want; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(10000))
			if _, err := f.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		if size > 10 {
			patch := []byte("0123456789")
			off := int64(size/2 - 5)
			if _, err := f.WriteAt(patch, off); err != nil {
				t.Fatal(err)
			}
			copy(want[off:], patch)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}

		r, err := fs.Open("f")
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("size %d: read back %d bytes that differ from the %d written", size, len(got), len(want))
		}
		fi, err := fs.Stat("f")
		if err != nil || fi.Size() != int64(size) {
			t.Fatalf("size %d: Stat = %v, %v", size, fi, err)
		}
		for _, off := range []int{0, memChunkSize - 3, size - 2, size} {
			if off < 0 || off > size {
				continue
			}
			buf := make([]byte, 6)
			n, err := r.ReadAt(buf, int64(off))
			wantN := min(6, max(size-off, 0))
			if n != wantN || !bytes.Equal(buf[:n], want[off:off+n]) {
				t.Fatalf("size %d: ReadAt(6, %d) = %d bytes %q, want %d bytes %q", size, off, n, buf[:n], wantN, want[off:off+wantN])
			}
			if (n < 6) != (err == io.EOF) {
				t.Fatalf("size %d: ReadAt(6, %d) = %d bytes, error %v", size, off, n, err)
			}
		}
		r.Close()
	}
}

// TestMemFSNames covers the namespace: directories, listing, links,
// renames, removals and locks, with the errors Pebble tests for.
func TestMemFSNames(t *testing.T) {
	fs := newMemFS()
	create := func(name, data string) {
		t.Helper()
		f, err := fs.Create(name, vfs.WriteCategoryUnspecified)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	read := func(name string) string {
		t.Helper()
		f, err := fs.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	list := func(dir string, want ...string) {
		t.Helper()
		got, err := fs.List(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("List(%q) = %q, want %q", dir, got, want)
		}
	}

	if _, err := fs.Create("d/x", vfs.WriteCategoryUnspecified); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Create in a missing directory: %v", err)
	}
	if err := fs.MkdirAll("d/e", 0755); err != nil {
		t.Fatal(err)
	}
	create("a", "one")
	create("/d/x", "two")
	create("d/e/y", "three")
	list("", "a", "d")
	list("/d/", "e", "x")
	if _, err := fs.Open("b"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file: %v", err)
	}

	if err := fs.Link("a", "b"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Rename("d/x", "c"); err != nil {
		t.Fatal(err)
	}
	if got := read("b") + read("c"); got != "onetwo" {
		t.Fatalf("after Link and Rename read %q", got)
	}
	create("a", "four") // a new file, as on disk: b keeps the old one
	if got := read("a") + read("b"); got != "fourone" {
		t.Fatalf("after Create over a linked name read %q", got)
	}
	if err := fs.Remove("d"); err == nil {
		t.Fatal("Remove of a non-empty directory succeeded")
	}
	if err := fs.Remove("c"); err != nil {
		t.Fatal(err)
	}
	list("d", "e")
	if err := fs.RemoveAll("d"); err != nil {
		t.Fatal(err)
	}
	list("", "a", "b")

	f, err := fs.ReuseForWrite("b", "w", vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("ON")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if got := read("w"); got != "ONe" {
		t.Fatalf("ReuseForWrite wrote over the start: read %q", got)
	}

	l, err := fs.Lock("LOCK")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Lock("LOCK"); err == nil {
		t.Fatal("second Lock succeeded")
	}
	l.Close()
	l, err = fs.Lock("LOCK")
	if err != nil {
		t.Fatalf("Lock after Close: %v", err)
	}
	l.Close()
	if _, err := fs.GetDiskUsage(""); !errors.Is(err, vfs.ErrUnsupported) {
		t.Fatalf("GetDiskUsage: %v", err)
	}
}

// TestMemFSCountsFiles: used follows the files' sizes, a file once
// whatever its links, and drops when its last name goes.
func TestMemFSCountsFiles(t *testing.T) {
	fs := newMemFS()
	f, err := fs.Create("a", vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 100_000)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(make([]byte, 10), 5); err != nil { // inside: no growth
		t.Fatal(err)
	}
	if got := fs.used.Load(); got != 100_000 {
		t.Fatalf("used %d after one file of 100 000 bytes", got)
	}
	if err := fs.Link("a", "b"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove("a"); err != nil {
		t.Fatal(err)
	}
	if got := fs.used.Load(); got != 100_000 {
		t.Fatalf("used %d: a linked file counted once, until its last name goes", got)
	}
	g, _ := fs.Create("c", vfs.WriteCategoryUnspecified)
	g.Write(make([]byte, 7))
	if err := fs.Rename("c", "b"); err != nil { // replaces b
		t.Fatal(err)
	}
	if got := fs.used.Load(); got != 7 {
		t.Fatalf("used %d after a rename replaced the large file", got)
	}
	if err := fs.RemoveAll(""); err != nil {
		t.Fatal(err)
	}
	if got := fs.used.Load(); got != 0 {
		t.Fatalf("used %d with no files", got)
	}
}
