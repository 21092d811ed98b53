package pebble

import (
	"errors"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// memFS is the filesystem of an in-memory store: Pebble's vfs.NewMem
// without its crash simulation, and with files that grow by chunks.
//
// vfs.NewMem keeps a file in one slice and appends every write to it, so a
// file's bytes are copied again each time append outgrows the slice (by
// ~1.25x once large): an sstable of n bytes costs ~4n bytes of copying and
// as much garbage, and keeps up to a quarter of its size as unused
// capacity. That copying was the largest part, by the CPU profile, of
// what the change log added to a PutItem on the in-memory store
// (docs/backups.md, "Cost of PITR on writes"), and the slack and regrowth
// garbage 13 % of a large table's RSS (docs/performance.md). Here a file is a list of chunks of memChunkSize
// bytes that never move once full: a byte is copied once, when written,
// and a file wastes less than one chunk.
//
// Pebble writes a file from one goroutine; others may read it meanwhile
// (a checkpoint reads the MANIFEST being written), so each file has its
// own lock. Nothing here is synced or can be lost: Sync is a no-op.
type memFS struct {
	mu sync.Mutex
	// nodes maps a cleaned path (no leading "/", "" for the root) to its
	// file or directory. Directories hold no list of children: List scans
	// the map, which Pebble calls only when it opens.
	nodes map[string]*memNode
	// locked holds the paths locked with Lock.
	locked map[string]bool
	// used is the size of the files the filesystem holds, counted once
	// per file whatever its links; an open file already removed is not
	// counted. inMemoryOptions reads it to leave a small store
	// uncompressed.
	used atomic.Int64
}

// memChunkSize is the size of every chunk but a file's first: 64 KB. A
// chunk is one allocation with no pointers, so the collector never scans
// it; a smaller chunk means more of them per sstable (Pebble's are 2 MB and
// up), a larger one more unused space per file.
const memChunkSize = 64 << 10 // 64 KB

// memNode is a file or a directory of a memFS.
type memNode struct {
	isDir bool

	mu sync.RWMutex
	// chunks hold the file's bytes: chunk i holds bytes [i*memChunkSize,
	// (i+1)*memChunkSize). Every chunk but the last is full. The first
	// grows by doubling up to memChunkSize (most of Pebble's other files,
	// the OPTIONS, markers and small MANIFESTs, stay far smaller); each
	// later one is allocated at its full size.
	chunks  [][]byte
	size    int64
	modTime time.Time
	// fs counts the file's bytes in fs.used while the file has a name.
	fs *memFS
}

var _ vfs.FS = (*memFS)(nil)

// newMemFS returns an empty memFS.
func newMemFS() *memFS {
	return &memFS{nodes: map[string]*memNode{"": {isDir: true}}, locked: map[string]bool{}}
}

// clean turns a Pebble path into a key of nodes: the root is "", there is
// no leading or trailing separator.
func clean(name string) string {
	name = strings.TrimLeft(path.Clean("/"+name), "/")
	return name
}

func notExist(op, name string) error {
	return &os.PathError{Op: op, Path: name, Err: os.ErrNotExist}
}

// checkParent returns an error unless the directory name would live in
// exists. fs.mu is held.
func (fs *memFS) checkParent(op, name string) error {
	dir := path.Dir(name)
	if dir == "." {
		dir = ""
	}
	n, ok := fs.nodes[dir]
	if !ok {
		return notExist(op, name)
	}
	if !n.isDir {
		return &os.PathError{Op: op, Path: name, Err: errors.New("not a directory")}
	}
	return nil
}

// Create implements vfs.FS: it creates name, or truncates it.
func (fs *memFS) Create(name string, _ vfs.DiskWriteCategory) (vfs.File, error) {
	name = clean(name)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if err := fs.checkParent("create", name); err != nil {
		return nil, err
	}
	if n, ok := fs.nodes[name]; ok && n.isDir {
		return nil, &os.PathError{Op: "create", Path: name, Err: errors.New("is a directory")}
	}
	fs.unlinkLocked(name)
	n := &memNode{modTime: time.Now(), fs: fs}
	fs.nodes[name] = n
	return &memFile{name: name, n: n, write: true}, nil
}

// Link implements vfs.FS.
func (fs *memFS) Link(oldname, newname string) error {
	oldname, newname = clean(oldname), clean(newname)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, ok := fs.nodes[oldname]
	if !ok {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: os.ErrNotExist}
	}
	if _, ok := fs.nodes[newname]; ok {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: os.ErrExist}
	}
	if err := fs.checkParent("link", newname); err != nil {
		return err
	}
	fs.nodes[newname] = n
	return nil
}

func (fs *memFS) open(op, name string, write bool) (*memFile, error) {
	name = clean(name)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, ok := fs.nodes[name]
	if !ok {
		return nil, notExist(op, name)
	}
	return &memFile{name: name, n: n, read: true, write: write}, nil
}

// Open implements vfs.FS.
func (fs *memFS) Open(name string, opts ...vfs.OpenOption) (vfs.File, error) {
	f, err := fs.open("open", name, false)
	if err != nil {
		return nil, err
	}
	for _, o := range opts {
		o.Apply(f)
	}
	return f, nil
}

// OpenReadWrite implements vfs.FS: it opens name, creating it if needed.
func (fs *memFS) OpenReadWrite(name string, _ vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	name = clean(name)
	fs.mu.Lock()
	n, ok := fs.nodes[name]
	if !ok {
		if err := fs.checkParent("open", name); err != nil {
			fs.mu.Unlock()
			return nil, err
		}
		n = &memNode{modTime: time.Now(), fs: fs}
		fs.nodes[name] = n
	}
	fs.mu.Unlock()
	f := &memFile{name: name, n: n, read: true, write: true}
	for _, o := range opts {
		o.Apply(f)
	}
	return f, nil
}

// OpenDir implements vfs.FS.
func (fs *memFS) OpenDir(name string) (vfs.File, error) {
	f, err := fs.open("open", name, false)
	if err != nil {
		return nil, err
	}
	if !f.n.isDir {
		return nil, &os.PathError{Op: "open", Path: name, Err: errors.New("not a directory")}
	}
	return f, nil
}

// Remove implements vfs.FS: a file, or an empty directory.
func (fs *memFS) Remove(name string) error {
	name = clean(name)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, ok := fs.nodes[name]
	if !ok || name == "" {
		return notExist("remove", name)
	}
	if n.isDir && len(fs.children(name)) > 0 {
		return &os.PathError{Op: "remove", Path: name, Err: errors.New("directory not empty")}
	}
	fs.unlinkLocked(name)
	return nil
}

// unlinkLocked removes the name, if it exists, and stops counting its
// file's bytes in fs.used once no other name links to it. fs.mu is held.
func (fs *memFS) unlinkLocked(name string) {
	n, ok := fs.nodes[name]
	if !ok {
		return
	}
	delete(fs.nodes, name)
	if n.isDir {
		return
	}
	for _, o := range fs.nodes {
		if o == n {
			return // still linked
		}
	}
	n.mu.Lock()
	fs.used.Add(-n.size)
	n.fs = nil // writes to it after this are not counted
	n.mu.Unlock()
}

// RemoveAll implements vfs.FS.
func (fs *memFS) RemoveAll(name string) error {
	name = clean(name)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for k := range fs.nodes {
		if k != "" && (name == "" || k == name || strings.HasPrefix(k, name+"/")) {
			fs.unlinkLocked(k)
		}
	}
	return nil
}

// Rename implements vfs.FS: it replaces newname if it is a file.
func (fs *memFS) Rename(oldname, newname string) error {
	oldname, newname = clean(oldname), clean(newname)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, ok := fs.nodes[oldname]
	if !ok || oldname == "" {
		return &os.LinkError{Op: "rename", Old: oldname, New: newname, Err: os.ErrNotExist}
	}
	if err := fs.checkParent("rename", newname); err != nil {
		return err
	}
	if oldname == newname {
		return nil
	}
	if n.isDir {
		for k, c := range fs.nodes {
			if strings.HasPrefix(k, oldname+"/") {
				delete(fs.nodes, k)
				fs.nodes[newname+k[len(oldname):]] = c
			}
		}
	}
	delete(fs.nodes, oldname)
	fs.unlinkLocked(newname) // the file it replaces
	fs.nodes[newname] = n
	return nil
}

// ReuseForWrite implements vfs.FS: the file is renamed and then written
// over from its start, as Pebble recycles a WAL.
func (fs *memFS) ReuseForWrite(oldname, newname string, _ vfs.DiskWriteCategory) (vfs.File, error) {
	if err := fs.Rename(oldname, newname); err != nil {
		return nil, err
	}
	f, err := fs.open("open", newname, true)
	if err != nil {
		return nil, err
	}
	f.read = false
	return f, nil
}

// MkdirAll implements vfs.FS.
func (fs *memFS) MkdirAll(dir string, _ os.FileMode) error {
	dir = clean(dir)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for d := dir; d != ""; d = clean(path.Dir(d)) {
		if n, ok := fs.nodes[d]; ok {
			if !n.isDir {
				return &os.PathError{Op: "mkdir", Path: d, Err: errors.New("not a directory")}
			}
			continue
		}
		fs.nodes[d] = &memNode{isDir: true, modTime: time.Now()}
	}
	return nil
}

// Lock implements vfs.FS. Other processes cannot see this memory, but a
// store may be opened twice in one process, so a second Lock fails as it
// would on disk.
func (fs *memFS) Lock(name string) (io.Closer, error) {
	name = clean(name)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.locked[name] {
		return nil, &os.PathError{Op: "lock", Path: name, Err: errors.New("lock held by current process")}
	}
	if err := fs.checkParent("lock", name); err != nil {
		return nil, err
	}
	if _, ok := fs.nodes[name]; !ok {
		fs.nodes[name] = &memNode{modTime: time.Now()}
	}
	fs.locked[name] = true
	return &memLock{fs: fs, name: name}, nil
}

// memLock releases a Lock.
type memLock struct {
	fs   *memFS
	name string
	once sync.Once
}

func (l *memLock) Close() error {
	l.once.Do(func() {
		l.fs.mu.Lock()
		delete(l.fs.locked, l.name)
		l.fs.mu.Unlock()
	})
	return nil
}

// children returns the names of dir's entries. fs.mu is held.
func (fs *memFS) children(dir string) []string {
	prefix := dir + "/"
	if dir == "" {
		prefix = ""
	}
	var out []string
	for k := range fs.nodes {
		if k == "" || !strings.HasPrefix(k, prefix) {
			continue
		}
		if rest := k[len(prefix):]; rest != "" && !strings.Contains(rest, "/") {
			out = append(out, rest)
		}
	}
	return out
}

// List implements vfs.FS.
func (fs *memFS) List(dir string) ([]string, error) {
	dir = clean(dir)
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n, ok := fs.nodes[dir]
	if !ok {
		return nil, notExist("open", dir)
	}
	if !n.isDir {
		return nil, &os.PathError{Op: "open", Path: dir, Err: errors.New("not a directory")}
	}
	out := fs.children(dir)
	slices.Sort(out)
	return out, nil
}

// Stat implements vfs.FS.
func (fs *memFS) Stat(name string) (vfs.FileInfo, error) {
	f, err := fs.open("stat", name, false)
	if err != nil {
		return nil, err
	}
	return f.Stat()
}

// PathBase implements vfs.FS. Paths use forward slashes, as vfs.NewMem's.
func (*memFS) PathBase(p string) string { return path.Base(p) }

// PathJoin implements vfs.FS.
func (*memFS) PathJoin(elem ...string) string { return path.Join(elem...) }

// PathDir implements vfs.FS.
func (*memFS) PathDir(p string) string { return path.Dir(p) }

// GetDiskUsage implements vfs.FS: memory has no disk to report, which
// Pebble expects of an in-memory filesystem.
func (*memFS) GetDiskUsage(string) (vfs.DiskUsage, error) {
	return vfs.DiskUsage{}, vfs.ErrUnsupported
}

// Unwrap implements vfs.FS: a memFS wraps nothing.
func (*memFS) Unwrap() vfs.FS { return nil }

// memFile is an open memNode.
type memFile struct {
	name        string
	n           *memNode
	pos         int64
	read, write bool
}

var _ vfs.File = (*memFile)(nil)

func (f *memFile) Close() error { return nil }

func (f *memFile) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.pos)
	f.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	if !f.read {
		return 0, errors.New("kv/pebble: memfs: file was not opened for reading")
	}
	if f.n.isDir {
		return 0, errors.New("kv/pebble: memfs: cannot read a directory")
	}
	f.n.mu.RLock()
	defer f.n.mu.RUnlock()
	if off >= f.n.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off < f.n.size {
		c := f.n.chunks[off/memChunkSize]
		m := copy(p[n:], c[off%memChunkSize:])
		n += m
		off += int64(m)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) Write(p []byte) (int, error) {
	n, err := f.WriteAt(p, f.pos)
	f.pos += int64(n)
	return n, err
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	if !f.write {
		return 0, errors.New("kv/pebble: memfs: file was not created for writing")
	}
	if f.n.isDir {
		return 0, errors.New("kv/pebble: memfs: cannot write a directory")
	}
	f.n.mu.Lock()
	defer f.n.mu.Unlock()
	f.n.modTime = time.Now()
	was := f.n.size
	f.n.grow(off + int64(len(p)))
	if f.n.fs != nil {
		f.n.fs.used.Add(f.n.size - was)
	}
	for n := 0; n < len(p); {
		c := f.n.chunks[off/memChunkSize]
		m := copy(c[off%memChunkSize:], p[n:])
		n += m
		off += int64(m)
	}
	return len(p), nil
}

// grow makes the file at least size bytes long, zero-filled. n.mu is held.
func (n *memNode) grow(size int64) {
	if size <= n.size {
		return
	}
	if last := len(n.chunks) - 1; last >= 0 && len(n.chunks[last]) < memChunkSize {
		// Every chunk but the last is full: only the last can take more.
		c := n.chunks[last]
		want := int(min(size-int64(last)*memChunkSize, memChunkSize))
		if want > cap(c) {
			// Only the first chunk starts small; it doubles.
			nc := make([]byte, len(c), min(max(want, 2*cap(c)), memChunkSize))
			copy(nc, c)
			c = nc
		}
		n.chunks[last] = c[:want]
	}
	for end := int64(len(n.chunks)) * memChunkSize; end < size; end += memChunkSize {
		want := int(min(size-end, memChunkSize))
		capacity := memChunkSize
		if len(n.chunks) == 0 {
			capacity = want
		}
		n.chunks = append(n.chunks, make([]byte, want, capacity))
	}
	n.size = size
}

func (f *memFile) Prefetch(int64, int64) error    { return nil }
func (f *memFile) Preallocate(int64, int64) error { return nil }

func (f *memFile) Stat() (vfs.FileInfo, error) {
	f.n.mu.RLock()
	defer f.n.mu.RUnlock()
	return &memFileInfo{name: path.Base(f.name), size: f.n.size, modTime: f.n.modTime, isDir: f.n.isDir}, nil
}

func (f *memFile) Sync() error                             { return nil }
func (f *memFile) SyncData() error                         { return nil }
func (f *memFile) SyncTo(int64) (fullSync bool, err error) { return false, nil }
func (f *memFile) Fd() uintptr                             { return vfs.InvalidFd }

// memFileInfo is a memFile's vfs.FileInfo.
type memFileInfo struct {
	name    string
	size    int64
	modTime time.Time
	isDir   bool
}

func (i *memFileInfo) Name() string       { return i.name }
func (i *memFileInfo) Size() int64        { return i.size }
func (i *memFileInfo) ModTime() time.Time { return i.modTime }
func (i *memFileInfo) IsDir() bool        { return i.isDir }
func (i *memFileInfo) Sys() any           { return nil }
func (i *memFileInfo) DeviceID() vfs.DeviceID {
	return vfs.DeviceID{}
}

func (i *memFileInfo) Mode() os.FileMode {
	if i.isDir {
		return os.ModeDir | 0755
	}
	return 0755
}
