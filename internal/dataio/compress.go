package dataio

import (
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// NewDecompressor returns a reader of r's content decompressed as c says.
// Concatenated gzip members and zstd frames read as one stream (a Writer
// that checkpoints writes such files). An empty input is an empty stream in
// every compression: DynamoDB's export writes empty files for empty
// partitions. Closing the result does not close r.
func NewDecompressor(r io.Reader, c Compression) (io.ReadCloser, error) {
	switch c {
	case CompressionNone:
		return io.NopCloser(r), nil
	case CompressionGzip:
		return &lazyGzip{r: r}, nil
	case CompressionZstd:
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
		return zstdReadCloser{d}, nil
	}
	return nil, fmt.Errorf("unknown compression %d", c)
}

// lazyGzip opens the gzip stream on the first Read, so that an empty file
// is an empty stream rather than an error at open.
type lazyGzip struct {
	r   io.Reader
	z   *gzip.Reader
	err error
}

func (g *lazyGzip) Read(p []byte) (int, error) {
	if g.z == nil && g.err == nil {
		g.z, g.err = gzip.NewReader(g.r)
		if g.err != nil && !errors.Is(g.err, io.EOF) {
			g.err = fmt.Errorf("gzip: %w", g.err)
		}
	}
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.z.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

func (g *lazyGzip) Close() error {
	if g.z != nil {
		return g.z.Close()
	}
	return nil
}

type zstdReadCloser struct{ d *zstd.Decoder }

func (z zstdReadCloser) Read(p []byte) (int, error) {
	n, err := z.d.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("zstd: %w", err)
	}
	return n, err
}

func (z zstdReadCloser) Close() error { z.d.Close(); return nil }

// CompressWriter compresses what is written to it into w. EndMember ends
// the current gzip member or zstd frame, so that the bytes written to w so
// far are a complete compressed file; writing on starts a new member,
// which readers (NewDecompressor, gunzip, zstd -d) read as a continuation.
// That is what lets an interrupted export truncate its output to the last
// checkpoint and append.
type CompressWriter struct {
	w     io.Writer
	c     Compression
	gz    *gzip.Writer
	zs    *zstd.Encoder
	dirty bool // bytes written since the member began
}

// NewCompressWriter returns a writer compressing into w. With
// CompressionNone it writes through.
func NewCompressWriter(w io.Writer, c Compression) (*CompressWriter, error) {
	cw := &CompressWriter{w: w, c: c}
	switch c {
	case CompressionNone:
	case CompressionGzip:
		cw.gz = gzip.NewWriter(w)
	case CompressionZstd:
		var err error
		cw.zs, err = zstd.NewWriter(w, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("zstd: %w", err)
		}
	default:
		return nil, fmt.Errorf("unknown compression %d", c)
	}
	return cw, nil
}

// Write compresses p.
func (cw *CompressWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	cw.dirty = true
	switch {
	case cw.gz != nil:
		return cw.gz.Write(p)
	case cw.zs != nil:
		return cw.zs.Write(p)
	}
	return cw.w.Write(p)
}

// EndMember finishes the current member (gzip) or frame (zstd) into w. It
// does nothing when nothing was written since the last one.
func (cw *CompressWriter) EndMember() error {
	if !cw.dirty {
		return nil
	}
	cw.dirty = false
	switch {
	case cw.gz != nil:
		if err := cw.gz.Close(); err != nil {
			return err
		}
		cw.gz.Reset(cw.w)
	case cw.zs != nil:
		if err := cw.zs.Close(); err != nil {
			return err
		}
		cw.zs.Reset(cw.w)
	}
	return nil
}

// Close ends the last member. It does not close w. A file to which
// nothing was written is left empty in every compression.
func (cw *CompressWriter) Close() error {
	return cw.EndMember()
}
