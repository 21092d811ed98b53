// Package s3store is where the engine's exports go and its imports come
// from: a small interface over an S3 bucket space, with three
// implementations. S3 is a real S3 client (aws-sdk-go-v2's s3) for any
// S3-compatible endpoint (AWS itself, MinIO, moto, Ceph); Dir keeps objects
// as files under a local directory, <root>/<bucket>/<key>, in exactly the
// layout an S3 export has, for a server run with no S3 at all; Memory keeps
// them in memory, for an in-memory server and tests.
//
// The engine needs only whole-object puts (an export's data files are cut
// to a bounded size before they are written), streamed gets and prefix
// listings, so the interface is that and nothing more.
package s3store

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
)

// ErrNoSuchBucket is returned for a bucket that does not exist (S3's
// NoSuchBucket).
var ErrNoSuchBucket = errors.New("s3store: no such bucket")

// ErrNoSuchKey is returned by Get for a key that does not exist (S3's
// NoSuchKey).
var ErrNoSuchKey = errors.New("s3store: no such key")

// Object is one listed object.
type Object struct {
	Key  string
	Size int64
}

// Store is a space of buckets of objects. Implementations are safe for
// concurrent use.
type Store interface {
	// Put stores body as the object bucket/key, replacing any object
	// there, and returns its ETag (for a single-part upload, the hex MD5
	// of the body, as S3 computes it).
	Put(ctx context.Context, bucket, key string, body []byte) (etag string, err error)

	// Get returns a reader of the object's bytes and its size. The
	// caller closes the reader.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error)

	// List returns every object of bucket whose key starts with prefix,
	// in key order.
	List(ctx context.Context, bucket, prefix string) ([]Object, error)

	// String names the store for logs ("s3 http://127.0.0.1:5000",
	// "dir /var/lib/dynago/s3", "memory").
	String() string
}

// ETag returns the ETag S3 gives a single-part object with body b.
func ETag(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}
