package dataio

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/dynago/dynago/internal/attr"
)

// CSV as ImportTable reads it: records separated by newlines, cells by a
// one-character delimiter (',' unless told), RFC 4180 quoting ("a,b",
// "say ""hi""", quoted newlines), the first record the header unless the
// headers are given. ImportTable imports every cell as a string except the
// key attributes of the table and its indexes, which take their declared
// types; the reader does the same, and on top of it a column may be given
// a type (CSVOptions.Types) or, with Infer, take the type its text shows.
//
// An empty cell is an absent attribute (a CSV of a sparse table has empty
// cells where an item lacks the attribute). A record with more or fewer
// cells than the header is bad. A blank line is skipped. A UTF-8 byte
// order mark before the header is ignored. A quote inside an unquoted
// cell is taken literally; text after a closing quote, and a quote left
// open at the end of the input, make the record bad.

// CSVType is the type a CSV column's cells are read as.
type CSVType uint8

// The column types.
const (
	CSVString CSVType = iota // S: the cell's text
	CSVNumber                // N: the text is a DynamoDB number
	CSVBinary                // B: the text is base64
	CSVBool                  // BOOL: true or false
	// CSVJSON: the cell holds one attribute value in DynamoDB JSON
	// ({"SS":["a","b"]}, {"M":{...}}, {"NULL":true}), any type; it is how
	// the CSV writer writes every type but S, N and BOOL.
	CSVJSON
)

// ParseCSVType reads S, N, B, BOOL or JSON.
func ParseCSVType(s string) (CSVType, error) {
	switch strings.ToUpper(s) {
	case "S", "STRING":
		return CSVString, nil
	case "N", "NUMBER":
		return CSVNumber, nil
	case "B", "BINARY":
		return CSVBinary, nil
	case "BOOL", "BOOLEAN":
		return CSVBool, nil
	case "JSON", "DDBJSON":
		return CSVJSON, nil
	}
	return CSVString, fmt.Errorf("unknown CSV column type %q: want S, N, B, BOOL or JSON", s)
}

// CSVOptions configure reading CSV.
type CSVOptions struct {
	// Delimiter separates cells; 0 means ','. ImportTable allows , ; : |
	// tab and space.
	Delimiter byte
	// Header names the columns; when nil the first record is the header.
	Header []string
	// Types gives columns a type. Key attributes (ReaderOptions.Keys)
	// take their declared type whatever Types says.
	Types map[string]CSVType
	// Infer types the cells of the other columns by their text instead
	// of reading them all as strings: a number in DynamoDB's canonical
	// form (no leading or trailing zeros, no '+', no exponent: "42",
	// "-1.5", never "007" or "1.50", so zip codes and the like stay
	// strings) is N, exactly "true" or "false" is BOOL, a cell that is a
	// valid DynamoDB JSON attribute value ({"SS":["a"]}) is that value;
	// anything else is S. This reads back what the CSV writer writes.
	Infer bool
}

// csvDecoder reads CSV records.
type csvDecoder struct {
	delim  byte
	header []string
	types  []csvColumn
	infer  bool
	max    int
	fields []string
	sb     strings.Builder
}

type csvColumn struct {
	declared bool // the type comes from Keys or Types
	typ      CSVType
	key      attr.Type
}

func newCSVDecoder(src *lineSource, o CSVOptions, keys []KeyAttribute, max int) (*csvDecoder, error) {
	d := &csvDecoder{delim: o.Delimiter, infer: o.Infer, max: max}
	if d.delim == 0 {
		d.delim = ','
	}
	if d.delim == '"' || d.delim == '\n' || d.delim == '\r' {
		return nil, fmt.Errorf("csv: %q cannot be the delimiter", d.delim)
	}
	d.header = o.Header
	if d.header == nil {
		for {
			fields, first, err := d.fieldsOf(src)
			if errors.Is(err, io.EOF) {
				return nil, errors.New("csv: the input is empty: no header line")
			}
			if err != nil {
				return nil, fmt.Errorf("csv header (line %d): %w", first, err)
			}
			if fields == nil {
				continue // a blank line
			}
			if first == 1 && len(fields) > 0 {
				fields[0] = strings.TrimPrefix(fields[0], "\ufeff")
			}
			d.header = append([]string(nil), fields...)
			break
		}
	}
	seen := make(map[string]bool, len(d.header))
	for _, h := range d.header {
		if h == "" {
			return nil, errors.New("csv: the header has an empty column name")
		}
		if seen[h] {
			return nil, fmt.Errorf("csv: the header names column %q twice", h)
		}
		seen[h] = true
	}
	d.types = make([]csvColumn, len(d.header))
	for i, h := range d.header {
		if t, ok := o.Types[h]; ok {
			d.types[i] = csvColumn{declared: true, typ: t}
		}
		for _, k := range keys {
			if k.Name == h {
				d.types[i] = csvColumn{declared: true, typ: csvTypeOf(k.Type), key: k.Type}
			}
		}
	}
	return d, nil
}

func csvTypeOf(t attr.Type) CSVType {
	switch t {
	case attr.TypeN:
		return CSVNumber
	case attr.TypeB:
		return CSVBinary
	}
	return CSVString
}

func (d *csvDecoder) record(src *lineSource, out []entry) ([]entry, error) {
	for {
		fields, first, err := d.fieldsOf(src)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, err
			}
			var le *LineError
			if errors.As(err, &le) {
				return append(out, entry{line: le.Line, err: le.Err}), nil
			}
			return out, err
		}
		if fields == nil {
			continue
		}
		it, err := d.item(fields)
		return append(out, entry{item: it, line: first, err: err}), nil
	}
}

// item types a record's cells.
func (d *csvDecoder) item(fields []string) (attr.Item, error) {
	if len(fields) != len(d.header) {
		return nil, fmt.Errorf("%d cells, the header has %d columns", len(fields), len(d.header))
	}
	it := make(attr.Item, len(fields))
	for i, cell := range fields {
		if cell == "" {
			continue
		}
		col := d.types[i]
		var v attr.Value
		var err error
		switch {
		case col.declared:
			v, err = csvCell(cell, col.typ)
		case d.infer:
			v = inferCell(cell)
		default:
			v = attr.String(cell)
		}
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", d.header[i], err)
		}
		it[d.header[i]] = v
	}
	return it, nil
}

func csvCell(cell string, t CSVType) (attr.Value, error) {
	switch t {
	case CSVNumber:
		return attr.Number(strings.TrimSpace(cell))
	case CSVBinary:
		b, err := base64.StdEncoding.DecodeString(cell)
		if err != nil {
			return attr.Value{}, fmt.Errorf("%q is not base64", truncate(cell))
		}
		return attr.Binary(b), nil
	case CSVBool:
		switch strings.ToLower(cell) {
		case "true":
			return attr.Bool(true), nil
		case "false":
			return attr.Bool(false), nil
		}
		return attr.Value{}, fmt.Errorf("%q is not true or false", truncate(cell))
	case CSVJSON:
		v, err := attr.DecodeJSON([]byte(cell))
		if err != nil {
			return attr.Value{}, fmt.Errorf("%q is not a DynamoDB JSON attribute value: %w", truncate(cell), err)
		}
		if err := v.Validate(); err != nil {
			return attr.Value{}, err
		}
		return v, nil
	}
	return attr.String(cell), nil
}

// inferCell types a cell by its text; see CSVOptions.Infer.
func inferCell(cell string) attr.Value {
	switch c := cell[0]; {
	case c == '-' || (c >= '0' && c <= '9'):
		if n, err := attr.CanonicalNumber(cell); err == nil && n == cell {
			return attr.Value{Type: attr.TypeN, S: n}
		}
	case cell == "true" || cell == "false":
		return attr.Bool(cell == "true")
	case c == '{':
		if v, err := attr.DecodeJSON([]byte(cell)); err == nil && v.Validate() == nil {
			return v
		}
	}
	return attr.String(cell)
}

func truncate(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// fieldsOf reads the next record's cells. A blank line gives nil fields.
// first is the record's first line. A bad record is a *LineError, with
// the record consumed. The cells of an unquoted line share one string.
func (d *csvDecoder) fieldsOf(src *lineSource) (fields []string, first int64, err error) {
	raw, err := src.next()
	first = src.line
	if errors.Is(err, errRecordTooLong) {
		return nil, first, &LineError{Line: first, Err: err}
	}
	if err != nil {
		return nil, first, err
	}
	if len(raw) == 0 {
		return nil, first, nil
	}
	line := string(raw)
	d.fields = d.fields[:0]
	size := 0
	i := 0
	for {
		// One cell starts at line[i].
		if i < len(line) && line[i] == '"' {
			i++
			d.sb.Reset()
			for {
				j := strings.IndexByte(line[i:], '"')
				if j < 0 {
					// The quoted cell goes on past the line.
					d.sb.WriteString(line[i:])
					if src.cr {
						d.sb.WriteByte('\r')
					}
					d.sb.WriteByte('\n')
					size += len(line) + 1
					next, err := src.next()
					if errors.Is(err, io.EOF) {
						return nil, first, &LineError{Line: first, Err: errors.New("a quoted cell is not closed before the end of the input")}
					}
					if errors.Is(err, errRecordTooLong) || (err == nil && size+len(next) > d.max) {
						return nil, first, &LineError{Line: first, Err: errRecordTooLong}
					}
					if err != nil {
						return nil, first, err
					}
					line, i = string(next), 0
					continue
				}
				d.sb.WriteString(line[i : i+j])
				i += j + 1
				if i < len(line) && line[i] == '"' {
					d.sb.WriteByte('"')
					i++
					continue
				}
				break
			}
			d.fields = append(d.fields, d.sb.String())
			if i == len(line) {
				return d.fields, first, nil
			}
			if line[i] != d.delim {
				return nil, first, &LineError{Line: first, Err: fmt.Errorf("text after the closing quote of cell %d", len(d.fields))}
			}
			i++
			continue
		}
		j := strings.IndexByte(line[i:], d.delim)
		if j < 0 {
			d.fields = append(d.fields, line[i:])
			return d.fields, first, nil
		}
		d.fields = append(d.fields, line[i:i+j])
		i += j + 1
	}
}
