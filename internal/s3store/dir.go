package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Dir is a Store over a local directory: bucket b's object k is the file
// <root>/b/k, so an export written here is laid out exactly as in S3
// (<root>/<bucket>/<prefix>/AWSDynamoDB/<export id>/...) and can be read
// by the same tools, or uploaded as it is with `aws s3 sync`. A bucket is
// a directory; Put creates it, as a convenience S3 does not offer (nobody
// runs CreateBucket against a directory).
type Dir struct {
	root string
}

// NewDir returns a Dir over root. The directory is made by the first Put,
// not here: a server that never exports leaves no s3 directory behind,
// and one whose DataDir is unused (on TiKV) does not create it.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, fmt.Errorf("s3store: empty directory name")
	}
	return &Dir{root: root}, nil
}

func (d *Dir) String() string { return "dir " + d.root }

// path returns the file of bucket/key, refusing names that would leave
// the root (".." segments, absolute keys).
func (d *Dir) path(bucket, key string) (string, error) {
	if bucket == "" || strings.ContainsAny(bucket, `/\`) || bucket == "." || bucket == ".." {
		return "", fmt.Errorf("s3store: invalid bucket name %q", bucket)
	}
	if key == "" {
		return d.root + string(filepath.Separator) + bucket, nil
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == ".." || seg == "." {
			return "", fmt.Errorf("s3store: key %q has a %q segment, which a directory cannot hold", key, seg)
		}
	}
	return filepath.Join(d.root, bucket, filepath.FromSlash(key)), nil
}

// Put writes the object to a temporary file and renames it into place, so
// a reader never sees half an object and a crash leaves the old one.
func (d *Dir) Put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	p, err := d.path(bucket, key)
	if err != nil {
		return "", err
	}
	if strings.HasSuffix(key, "/") || key == "" {
		return "", fmt.Errorf("s3store: key %q names a directory", key)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return "", err
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), p)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return ETag(body), nil
}

// Get opens the object's file.
func (d *Dir) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	p, err := d.path(bucket, key)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		if _, berr := os.Stat(filepath.Join(d.root, bucket)); berr != nil {
			return nil, 0, ErrNoSuchBucket
		}
		return nil, 0, ErrNoSuchKey
	}
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		f.Close()
		return nil, 0, ErrNoSuchKey
	}
	return f, st.Size(), nil
}

// List walks the bucket's directory. Temporary files of Puts in progress
// are not objects.
func (d *Dir) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	bdir, err := d.path(bucket, "")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(bdir); err != nil {
		return nil, ErrNoSuchBucket
	}
	var out []Object
	err = filepath.WalkDir(bdir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(bdir, p)
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			// Skip directories that cannot hold a key with the prefix.
			if key != "." && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(e.Name(), ".put-") || !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		out = append(out, Object{Key: key, Size: info.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Memory is a Store in memory. Buckets exist once something is put in
// them or CreateBucket names them.
type Memory struct {
	mu      sync.Mutex
	buckets map[string]map[string][]byte
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{buckets: map[string]map[string][]byte{}} }

func (m *Memory) String() string { return "memory" }

// CreateBucket makes an empty bucket.
func (m *Memory) CreateBucket(bucket string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.buckets[bucket] == nil {
		m.buckets[bucket] = map[string][]byte{}
	}
}

// Put stores a copy of body.
func (m *Memory) Put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	if bucket == "" || key == "" {
		return "", fmt.Errorf("s3store: empty bucket or key")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		b = map[string][]byte{}
		m.buckets[bucket] = b
	}
	b[key] = append([]byte(nil), body...)
	return ETag(body), nil
}

// Get returns a reader of the stored bytes.
func (m *Memory) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return nil, 0, ErrNoSuchBucket
	}
	v, ok := b[key]
	if !ok {
		return nil, 0, ErrNoSuchKey
	}
	return io.NopCloser(strings.NewReader(string(v))), int64(len(v)), nil
}

// List returns the bucket's keys with prefix.
func (m *Memory) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.buckets[bucket]
	if b == nil {
		return nil, ErrNoSuchBucket
	}
	var out []Object
	for k, v := range b {
		if strings.HasPrefix(k, prefix) {
			out = append(out, Object{Key: k, Size: int64(len(v))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
