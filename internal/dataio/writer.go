package dataio

import (
	"bufio"
	"fmt"
	"io"

	"github.com/dynago/dynago/internal/attr"
)

// writeBufferSize is the buffer between the encoders and the compressor.
const writeBufferSize = 64 << 10 // 64 KB

// WriterOptions configure a Writer.
type WriterOptions struct {
	Format      Format
	Compression Compression
	// CSV configures FormatCSV; its Columns are required.
	CSV CSVWriterOptions
	// AllowLossy lets the formats that cannot hold an item write what
	// they can: JSONL writes sets as arrays and binaries as base64
	// strings, CSV leaves out attributes it has no column for. Without
	// it such an item is refused with a *LossyError and not written.
	AllowLossy bool
}

// LossyError refuses an item the format cannot hold exactly.
type LossyError struct {
	Format Format
	Err    error
}

func (e *LossyError) Error() string {
	return fmt.Sprintf("%v cannot hold the item: %v", e.Format, e.Err)
}

func (e *LossyError) Unwrap() error { return e.Err }

// WriterStats count what a Writer wrote.
type WriterStats struct {
	Items int64
	// Lossy counts items written with AllowLossy that lost something.
	Lossy int64
}

// Writer writes items in one of the formats. It is not safe for
// concurrent use.
type Writer struct {
	format Format
	lossy  bool
	cw     *CompressWriter
	bw     *bufio.Writer
	csv    *csvEncoder
	buf    []byte
	stats  WriterStats
}

// NewWriter returns a Writer into w. For CSV the header line is written
// now (unless NoHeader). Close (or Flush) must be called for the output
// to be complete; neither closes w.
func NewWriter(w io.Writer, opts WriterOptions) (*Writer, error) {
	cw, err := NewCompressWriter(w, opts.Compression)
	if err != nil {
		return nil, err
	}
	wr := &Writer{format: opts.Format, lossy: opts.AllowLossy, cw: cw, bw: bufio.NewWriterSize(cw, writeBufferSize)}
	switch opts.Format {
	case FormatDynamoDBJSON, FormatION, FormatJSONL:
	case FormatCSV:
		if wr.csv, err = newCSVEncoder(wr.bw, opts.CSV); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("dataio: no writer for format %v", opts.Format)
	}
	return wr, nil
}

// Write writes one item. A *LossyError means the item was not written
// (see AllowLossy); other errors are the output's.
func (w *Writer) Write(it attr.Item) error {
	var lossy bool
	switch w.format {
	case FormatDynamoDBJSON:
		w.buf = appendDDBJSONLine(w.buf[:0], it)
	case FormatION:
		w.buf = appendIonLine(w.buf[:0], it)
	case FormatJSONL:
		var err error
		w.buf, lossy, err = appendJSONLLine(w.buf[:0], it, w.lossy)
		if err != nil {
			return &LossyError{Format: w.format, Err: err}
		}
	case FormatCSV:
		var err error
		lossy, err = w.csv.write(it, w.lossy)
		if lossy && !w.lossy {
			return &LossyError{Format: w.format, Err: err}
		}
		if err != nil {
			return err
		}
		w.count(lossy)
		return nil
	}
	if _, err := w.bw.Write(w.buf); err != nil {
		return err
	}
	w.count(lossy)
	return nil
}

func (w *Writer) count(lossy bool) {
	w.stats.Items++
	if lossy {
		w.stats.Lossy++
	}
}

// Flush writes everything so far through to w and ends the compressed
// member, so that what w holds is a complete file (see CompressWriter).
func (w *Writer) Flush() error {
	if w.csv != nil {
		if err := w.csv.flush(); err != nil {
			return err
		}
	}
	if err := w.bw.Flush(); err != nil {
		return err
	}
	return w.cw.EndMember()
}

// Close flushes. It does not close the underlying writer.
func (w *Writer) Close() error { return w.Flush() }

// Stats returns the counts so far.
func (w *Writer) Stats() WriterStats { return w.stats }
