package dataio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/dynago/dynago/internal/attr"
)

// CSVWriterOptions configure writing CSV.
type CSVWriterOptions struct {
	// Columns are the header, in order. Required: CSV cannot name a
	// column it has not declared.
	Columns []string
	// Delimiter separates cells; 0 means ','.
	Delimiter byte
	// NoHeader leaves the header line out (a resumed export appends to a
	// file that has it).
	NoHeader bool
}

// errOutsideColumns is wrapped by a LossyError for an item with an
// attribute the CSV header lacks.
var errOutsideColumns = errors.New("attributes outside the CSV columns")

// csvEncoder writes rows with encoding/csv: S and N as their text, BOOL as
// true or false, every other type (B, NULL, sets, L, M) as its DynamoDB
// JSON, which the reader's JSON column type and inference read back. An
// empty string is an empty cell, which reads back as an absent attribute.
type csvEncoder struct {
	w     *csv.Writer
	cols  []string
	index map[string]int
	row   []string
	buf   []byte
}

func newCSVEncoder(w io.Writer, o CSVWriterOptions) (*csvEncoder, error) {
	if len(o.Columns) == 0 {
		return nil, errors.New("csv: no columns to write")
	}
	e := &csvEncoder{w: csv.NewWriter(w), cols: o.Columns, index: make(map[string]int, len(o.Columns)), row: make([]string, len(o.Columns))}
	if o.Delimiter != 0 {
		e.w.Comma = rune(o.Delimiter)
	}
	for i, c := range o.Columns {
		if _, dup := e.index[c]; dup || c == "" {
			return nil, fmt.Errorf("csv: column %q is empty or named twice", c)
		}
		e.index[c] = i
	}
	if !o.NoHeader {
		if err := e.w.Write(o.Columns); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// write writes one row. lossy reports attributes outside the columns;
// with allowLossy false the row is then not written.
func (e *csvEncoder) write(it attr.Item, allowLossy bool) (lossy bool, err error) {
	for k := range it {
		if _, ok := e.index[k]; !ok {
			lossy = true
			if !allowLossy {
				return true, fmt.Errorf("%w: %q", errOutsideColumns, k)
			}
		}
	}
	for i, c := range e.cols {
		v, ok := it[c]
		if !ok {
			e.row[i] = ""
			continue
		}
		e.row[i] = e.cell(v)
	}
	return lossy, e.w.Write(e.row)
}

func (e *csvEncoder) cell(v attr.Value) string {
	switch v.Type {
	case attr.TypeS, attr.TypeN:
		return v.S
	case attr.TypeBOOL:
		return strconv.FormatBool(v.Bool)
	}
	e.buf = attr.AppendJSON(e.buf[:0], v)
	return string(e.buf)
}

func (e *csvEncoder) flush() error {
	e.w.Flush()
	return e.w.Error()
}
