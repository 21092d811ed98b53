package dataio

import (
	"errors"
	"fmt"
	"io"

	"github.com/dynago/dynago/internal/attr"
)

// KeyAttribute is an attribute whose type the table declares: a key of the
// table or of one of its indexes. Readers check items against them (a
// table key must be present; any declared attribute that is present must
// have its type and, for S and B, be non-empty), and the CSV reader types
// their cells by them, as ImportTable does.
type KeyAttribute struct {
	Name string
	Type attr.Type // TypeS, TypeN or TypeB
	// Required is true for the table's own key attributes; an index key
	// may be absent (the item is then not in the index).
	Required bool
}

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	Format      Format
	Compression Compression

	// Keys are the attributes with declared types; see KeyAttribute.
	Keys []KeyAttribute

	// CSV configures FormatCSV.
	CSV CSVOptions

	// MaxRecordBytes bounds one record; 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int

	// Start resumes reading at a position an earlier Reader of the same
	// input returned from Pos: the input before it is skipped without
	// being parsed (the CSV header is still read first).
	Start Position
}

// Position is a point in the input between records, as Reader.Pos returns
// it: the bytes of decompressed input and the lines consumed, and how many
// entries (items or bad-record errors) of the record starting there were
// already returned (non-zero only when one Ion line holds several items).
type Position struct {
	Offset int64 `json:"offset"`
	Line   int64 `json:"line"`
	Skip   int   `json:"skip,omitempty"`
}

// LineError reports a record that was skipped: it does not parse, or its
// item is not one DynamoDB would accept. Line is the record's first line,
// counting from 1.
type LineError struct {
	Line int64
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

func (e *LineError) Unwrap() error { return e.Err }

// entry is one result of a record: an item or the error that replaced it.
type entry struct {
	item attr.Item
	line int64
	err  error
}

// recordDecoder reads the next record from src and appends its entries;
// it returns io.EOF at the end, or another error that ends reading.
type recordDecoder interface {
	record(src *lineSource, out []entry) ([]entry, error)
}

// pendingInput is a recordDecoder that may have read a line of the next
// record already.
type pendingInput interface {
	pending() (Position, bool)
}

// Reader reads items from a file in one of the formats. It is not safe for
// concurrent use.
type Reader struct {
	dec    io.ReadCloser
	src    *lineSource
	rd     recordDecoder
	keys   []KeyAttribute
	queue  []entry
	taken  int      // entries of the current record already returned
	recPos Position // where the current record starts
	line   int64    // line of the entry last returned
	err    error    // sticky fatal error
}

// NewReader returns a Reader of r's items. For CSV it reads the header
// line now (unless CSVOptions.Header is set); for a resumed reader it skips
// to opts.Start. r is not closed by Close.
func NewReader(r io.Reader, opts ReaderOptions) (*Reader, error) {
	max := opts.MaxRecordBytes
	if max <= 0 {
		max = DefaultMaxRecordBytes
	}
	dec, err := NewDecompressor(r, opts.Compression)
	if err != nil {
		return nil, err
	}
	rd := &Reader{dec: dec, src: newLineSource(dec, max), keys: opts.Keys}
	switch opts.Format {
	case FormatDynamoDBJSON:
		rd.rd = ddbJSONDecoder{}
	case FormatJSONL:
		rd.rd = jsonlDecoder{}
	case FormatION:
		rd.rd = &ionDecoder{max: max}
	case FormatCSV:
		c, err := newCSVDecoder(rd.src, opts.CSV, opts.Keys, max)
		if err != nil {
			dec.Close()
			return nil, err
		}
		rd.rd = c
	default:
		dec.Close()
		return nil, fmt.Errorf("dataio: no reader for format %v", opts.Format)
	}
	if err := rd.seek(opts.Start); err != nil {
		dec.Close()
		return nil, err
	}
	return rd, nil
}

// seek skips to a position an earlier Reader returned.
func (r *Reader) seek(p Position) error {
	if p.Offset == 0 && p.Line == 0 && p.Skip == 0 {
		return nil
	}
	if p.Offset < r.src.off {
		return fmt.Errorf("resume offset %d lies inside the header (%d bytes)", p.Offset, r.src.off)
	}
	if err := r.src.skip(p.Offset - r.src.off); err != nil {
		return err
	}
	if r.src.line != p.Line {
		return fmt.Errorf("resume point: %d lines before offset %d, the checkpoint says %d: not the same input", r.src.line, p.Offset, p.Line)
	}
	if p.Skip > 0 {
		r.recPos = Position{Offset: r.src.off, Line: r.src.line}
		if err := r.fill(); err != nil {
			return err
		}
		if p.Skip > len(r.queue) {
			return fmt.Errorf("resume point: the record at line %d has %d entries, not %d: not the same input", p.Line+1, len(r.queue), p.Skip)
		}
		r.queue = r.queue[p.Skip:]
		r.taken = p.Skip
	}
	return nil
}

// Next returns the next item. A *LineError means that one record was
// skipped (it was reported instead of returned) and Next may be called
// again; io.EOF means the input is done; any other error ends reading.
func (r *Reader) Next() (attr.Item, error) {
	for len(r.queue) == 0 {
		if r.err != nil {
			return nil, r.err
		}
		r.taken = 0
		r.recPos = r.boundary()
		if err := r.fill(); err != nil {
			r.err = err
		}
	}
	e := r.queue[0]
	r.queue[0] = entry{}
	r.queue = r.queue[1:]
	r.taken++
	r.line = e.line
	if e.err != nil {
		return nil, &LineError{Line: e.line, Err: e.err}
	}
	return e.item, nil
}

// fill reads one record into the queue, validating its items.
func (r *Reader) fill() error {
	q, err := r.rd.record(r.src, r.queue[:0])
	for i := range q {
		if q[i].err == nil {
			if verr := checkItem(q[i].item, r.keys); verr != nil {
				q[i] = entry{line: q[i].line, err: verr}
			}
		}
	}
	r.queue = q
	if err != nil && len(q) > 0 && errors.Is(err, io.EOF) {
		return nil // the queue first; EOF again on the next fill
	}
	return err
}

// Line returns the line of the item or LineError Next returned last.
func (r *Reader) Line() int64 { return r.line }

// Pos returns the position after the entry Next returned last: a Reader
// started there (ReaderOptions.Start) returns the entries after it.
func (r *Reader) Pos() Position {
	if len(r.queue) == 0 {
		return r.boundary()
	}
	p := r.recPos
	p.Skip = r.taken
	return p
}

// boundary is the position after the records read so far.
func (r *Reader) boundary() Position {
	if pi, ok := r.rd.(pendingInput); ok {
		if p, ok := pi.pending(); ok {
			return p
		}
	}
	return Position{Offset: r.src.off, Line: r.src.line}
}

// Offset returns the bytes of decompressed input read so far (for progress).
func (r *Reader) Offset() int64 { return r.src.off }

// Close releases the decompressor. It does not close the underlying reader.
func (r *Reader) Close() error { return r.dec.Close() }

// checkItem returns why DynamoDB would refuse it, or nil: what
// attr.ValidateItem reports, an empty item, an item over 400 KB, a missing table key, a
// declared attribute of the wrong type or empty.
func checkItem(it attr.Item, keys []KeyAttribute) error {
	if len(it) == 0 {
		return errors.New("the item has no attributes")
	}
	if err := attr.ValidateItem(it); err != nil {
		return err
	}
	for _, k := range keys {
		v, ok := it[k.Name]
		if !ok {
			if k.Required {
				return fmt.Errorf("the key attribute %q is missing", k.Name)
			}
			continue
		}
		if v.Type != k.Type {
			return fmt.Errorf("the key attribute %q is of type %v, the table declares %v", k.Name, v.Type, k.Type)
		}
		if (v.Type == attr.TypeS && v.S == "") || (v.Type == attr.TypeB && len(v.B) == 0) {
			return fmt.Errorf("the key attribute %q is empty", k.Name)
		}
	}
	if n := attr.ItemSize(it); n > attr.MaxItemSize {
		return fmt.Errorf("item size %d bytes exceeds DynamoDB's limit of 400 KB", n)
	}
	return nil
}
