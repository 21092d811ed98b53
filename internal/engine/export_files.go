package engine

// The files of an export, in DynamoDB's layout under the request's
// S3Prefix:
//
//	AWSDynamoDB/<export id>/_started               empty, written first
//	AWSDynamoDB/<export id>/data/<random>.json.gz  the items (ION: .ion.gz)
//	AWSDynamoDB/<export id>/manifest-files.json    one line per data file
//	AWSDynamoDB/<export id>/manifest-files.checksum
//	AWSDynamoDB/<export id>/manifest-summary.json  written last: its presence means complete
//	AWSDynamoDB/<export id>/manifest-summary.checksum
//
// Data files are gzip, cut at exportFileBytes of compressed output, and
// uploaded whole (s3store.Store.Put). An empty table gets one empty data
// file, as DynamoDB writes one per (empty) partition. The .checksum
// objects hold the base64 MD5 of their manifest, the encoding the
// manifests use for md5Checksum.

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
	"github.com/dynago/dynago/internal/s3store"
)

// exportFileBytes is the compressed size at which a data file is cut and
// uploaded: it bounds the memory an export holds.
const exportFileBytes = 16 << 20 // 16 MB

// exportManifestVersion is the manifests' "version", DynamoDB's.
const exportManifestVersion = "2020-06-30"

// manifestFile is one line of manifest-files.json.
type manifestFile struct {
	ItemCount     int64  `json:"itemCount"`
	MD5Checksum   string `json:"md5Checksum"`
	ETag          string `json:"etag"`
	DataFileS3Key string `json:"dataFileS3Key"`
}

// exportFiles writes an export's data files.
type exportFiles struct {
	store  s3store.Store
	bucket string
	dir    string // <prefix>/AWSDynamoDB/<id>/
	format dataio.Format
	lines  bool // an incremental export's change lines, not items
	ext    string

	buf   bytes.Buffer
	w     *dataio.Writer         // full exports
	cw    *dataio.CompressWriter // incremental exports' lines
	line  []byte
	count int64

	files []manifestFile
	items int64
	bytes int64 // uncompressed item bytes, the billed size

	// progress, when set, hears of each data file written (its items and
	// their bytes): /metrics and the progress log lines.
	progress  func(copyStats)
	openBytes int64 // bytes when the open data file began
}

// exportDir returns the directory of an export's objects.
func exportDir(prefix, id string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + "AWSDynamoDB/" + id + "/"
}

func newExportFiles(store s3store.Store, bucket, dir string, format dataio.Format, lines bool) *exportFiles {
	return &exportFiles{store: store, bucket: bucket, dir: dir, format: format, lines: lines, ext: dataio.Extension(format, dataio.CompressionGzip)}
}

// start writes the _started marker, which also shows the bucket is
// writable before any work is done.
func (f *exportFiles) start(ctx context.Context) error {
	_, err := f.store.Put(ctx, f.bucket, f.dir+"_started", nil)
	return err
}

// open begins a new data file if none is open.
func (f *exportFiles) open() error {
	if f.w != nil || f.cw != nil {
		return nil
	}
	f.buf.Reset()
	f.count = 0
	f.openBytes = f.bytes
	var err error
	if f.lines {
		f.cw, err = dataio.NewCompressWriter(&f.buf, dataio.CompressionGzip)
	} else {
		f.w, err = dataio.NewWriter(&f.buf, dataio.WriterOptions{Format: f.format, Compression: dataio.CompressionGzip})
	}
	return err
}

// add writes one item of a full export.
func (f *exportFiles) add(ctx context.Context, it attr.Item, size int) error {
	if err := f.open(); err != nil {
		return err
	}
	if err := f.w.Write(it); err != nil {
		return err
	}
	f.count++
	f.bytes += int64(size)
	if f.buf.Len() >= exportFileBytes {
		return f.cut(ctx)
	}
	return nil
}

// addChange writes one line of an incremental export:
//
//	{"Metadata":{"WriteTimestampMicros":{"N":"…"}},"Keys":{…},"NewImage":{…},"OldImage":{…}}
//
// NewImage is absent for a deletion, OldImage for an item created in the
// window or when only new images were asked for.
func (f *exportFiles) addChange(ctx context.Context, c *windowChange, withOld bool) error {
	if err := f.open(); err != nil {
		return err
	}
	b := append(f.line[:0], `{"Metadata":{"WriteTimestampMicros":{"N":"`...)
	b = strconv.AppendInt(b, c.Time, 10)
	b = append(b, `"}},"Keys":`...)
	b = append(b, c.Keys...)
	if c.New != nil {
		b = append(b, `,"NewImage":`...)
		b = append(b, c.New...)
	}
	if withOld && c.Old != nil {
		b = append(b, `,"OldImage":`...)
		b = append(b, c.Old...)
	}
	b = append(b, "}\n"...)
	f.line = b
	if _, err := f.cw.Write(b); err != nil {
		return err
	}
	f.count++
	f.bytes += int64(len(b))
	if f.buf.Len() >= exportFileBytes {
		return f.cut(ctx)
	}
	return nil
}

// cut ends the open data file (or writes an empty one when none was ever
// written) and uploads it.
func (f *exportFiles) cut(ctx context.Context) error {
	if f.w == nil && f.cw == nil {
		if len(f.files) > 0 {
			return nil
		}
		if err := f.open(); err != nil {
			return err
		}
	}
	var err error
	if f.w != nil {
		err = f.w.Close()
	} else {
		err = f.cw.Close()
	}
	f.w, f.cw = nil, nil
	if err != nil {
		return err
	}
	body := f.buf.Bytes()
	key := f.dir + "data/" + strings.ReplaceAll(newUUID(), "-", "") + f.ext
	etag, err := f.store.Put(ctx, f.bucket, key, body)
	if err != nil {
		return err
	}
	sum := md5.Sum(body)
	f.files = append(f.files, manifestFile{ItemCount: f.count, MD5Checksum: base64.StdEncoding.EncodeToString(sum[:]), ETag: etag, DataFileS3Key: key})
	f.items += f.count
	if f.progress != nil {
		f.progress(copyStats{Items: f.count, Bytes: f.bytes - f.openBytes})
	}
	return nil
}

// putManifest uploads a manifest and its checksum object, returning the
// manifest's key.
func (f *exportFiles) putManifest(ctx context.Context, name string, body []byte) (string, error) {
	key := f.dir + name + ".json"
	if _, err := f.store.Put(ctx, f.bucket, key, body); err != nil {
		return "", err
	}
	sum := md5.Sum(body)
	_, err := f.store.Put(ctx, f.bucket, f.dir+name+".checksum", []byte(base64.StdEncoding.EncodeToString(sum[:])))
	return key, err
}

// finish ends the last data file and writes manifest-files.json and then
// manifest-summary.json (summary holds the summary's fields but the ones
// finish fills: manifestFilesS3Key, itemCount, billedSizeBytes). It
// returns the summary's key.
func (f *exportFiles) finish(ctx context.Context, summary map[string]any) (string, error) {
	if err := f.cut(ctx); err != nil {
		return "", err
	}
	var lines bytes.Buffer
	enc := json.NewEncoder(&lines)
	for _, m := range f.files {
		if err := enc.Encode(m); err != nil {
			return "", err
		}
	}
	filesKey, err := f.putManifest(ctx, "manifest-files", lines.Bytes())
	if err != nil {
		return "", err
	}
	summary["version"] = exportManifestVersion
	summary["manifestFilesS3Key"] = filesKey
	summary["itemCount"] = f.items
	summary["billedSizeBytes"] = f.bytes
	body, err := json.Marshal(summary)
	if err != nil {
		return "", err
	}
	return f.putManifest(ctx, "manifest-summary", body)
}
