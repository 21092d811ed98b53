package dataio

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// The fuzz targets feed arbitrary bytes to each reader and check what the
// package promises: no panic; every item is one DynamoDB accepts; every
// item written back in the same format reads back equal; and a reader
// resumed at any Pos returns exactly the entries the first reader had
// left.

// checkReader is the body of every fuzz target.
func checkReader(t *testing.T, data []byte, opts ReaderOptions, wopts WriterOptions, split int) {
	entries, items := fuzzRead(t, data, opts)
	if entries == nil {
		return
	}
	for _, it := range items {
		if err := checkItem(it, opts.Keys); err != nil {
			t.Fatalf("reader returned an invalid item %s: %v", attr.AppendItemJSON(nil, it), err)
		}
	}
	// Written back and read again: the same items.
	if wopts.Format == FormatCSV {
		wopts.CSV.Columns = columnsOf(items)
		if len(items) == 0 {
			wopts.CSV.Columns = []string{"pk"}
		}
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, wopts)
	if err != nil {
		t.Fatal(err)
	}
	var kept []attr.Item
	for _, it := range items {
		err := w.Write(it)
		if errors.As(err, new(*LossyError)) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, it)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ropts := opts
	ropts.CSV.Header = nil
	ropts.Start = Position{}
	// What is written may be longer than what was read (escapes, invalid
	// UTF-8 replaced by U+FFFD), so the re-read takes the default bound.
	ropts.MaxRecordBytes = 0
	_, again := fuzzRead(t, buf.Bytes(), ropts)
	if len(again) != len(kept) {
		t.Fatalf("%d items written, %d read back:\n%s", len(kept), len(again), buf.Bytes())
	}
	for i := range kept {
		if !attr.ItemsEqual(kept[i], again[i]) {
			t.Fatalf("item %d changed:\n %s\n %s\nwritten as %s", i, attr.AppendItemJSON(nil, kept[i]), attr.AppendItemJSON(nil, again[i]), buf.Bytes())
		}
	}
	// Resumed after entry split: the rest of the entries.
	if len(entries) == 0 {
		return
	}
	split = int(uint(split) % uint(len(entries)))
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	for range split {
		r.Next()
	}
	ro := opts
	ro.Start = r.Pos()
	rest, _ := fuzzRead(t, data, ro)
	if len(rest) != len(entries)-split {
		t.Fatalf("resumed at %+v after %d of %d entries: %d entries", ro.Start, split, len(entries), len(rest))
	}
	for i, e := range rest {
		if e != entries[split+i] {
			t.Fatalf("resumed entry %d: %s, want %s", i, e, entries[split+i])
		}
	}
}

// fuzzRead reads every entry; entries is nil when NewReader refuses the
// input or reading fails (neither may panic).
func fuzzRead(t *testing.T, data []byte, opts ReaderOptions) (entries []string, items []attr.Item) {
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return nil, nil
	}
	defer r.Close()
	entries = []string{}
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			return entries, items
		}
		var le *LineError
		switch {
		case errors.As(err, &le):
			entries = append(entries, le.Error())
		case err != nil:
			return nil, nil
		default:
			entries = append(entries, string(attr.AppendItemJSON(nil, it)))
			items = append(items, it)
		}
	}
}

// addSeeds adds the inputs of the testdata cases of a format.
func addSeeds(f *testing.F, format Format, extra ...string) {
	files, _ := filepath.Glob("testdata/read/*.txt")
	for _, file := range files {
		data, _ := os.ReadFile(file)
		for _, block := range bytes.Split(data, []byte("=== "))[1:] {
			c, err := parseReadCase(string(block))
			if err == nil && c.opts.Format == format {
				f.Add([]byte(c.input), uint8(0), 1)
			}
		}
	}
	for _, s := range extra {
		f.Add([]byte(s), uint8(1), 2)
	}
}

var fuzzKeys = []KeyAttribute{{Name: "pk", Type: attr.TypeS}, {Name: "n", Type: attr.TypeN}}

func FuzzReadDynamoDBJSON(f *testing.F) {
	addSeeds(f, FormatDynamoDBJSON, `{"Item":`+docsItem+"}\n")
	f.Fuzz(func(t *testing.T, data []byte, _ uint8, split int) {
		opts := ReaderOptions{Format: FormatDynamoDBJSON, Keys: fuzzKeys, MaxRecordBytes: 1 << 12}
		checkReader(t, data, opts, WriterOptions{Format: FormatDynamoDBJSON}, split)
	})
}

func FuzzReadIon(f *testing.F) {
	addSeeds(f, FormatION, `$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Id:103.,PageCount:6d2,b:{{aGk=}}}}`+"\n")
	f.Fuzz(func(t *testing.T, data []byte, _ uint8, split int) {
		opts := ReaderOptions{Format: FormatION, Keys: fuzzKeys, MaxRecordBytes: 1 << 12}
		checkReader(t, data, opts, WriterOptions{Format: FormatION}, split)
	})
}

func FuzzReadCSV(f *testing.F) {
	addSeeds(f, FormatCSV, "pk,n,v\na,1,\"x\ny\"\n")
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, split int) {
		delims := []byte{',', ';', ':', '|', '\t', ' '}
		opts := ReaderOptions{Format: FormatCSV, Keys: fuzzKeys, MaxRecordBytes: 1 << 12,
			CSV: CSVOptions{Delimiter: delims[int(mode>>1)%len(delims)], Infer: mode&1 == 1}}
		checkReader(t, data, opts, WriterOptions{Format: FormatCSV, AllowLossy: false, CSV: CSVWriterOptions{Delimiter: opts.CSV.Delimiter}}, split)
	})
}

func FuzzReadJSONL(f *testing.F) {
	addSeeds(f, FormatJSONL, `{"pk":"a","n":1,"l":[null,true,{"x":"y"}]}`+"\n")
	f.Fuzz(func(t *testing.T, data []byte, _ uint8, split int) {
		opts := ReaderOptions{Format: FormatJSONL, Keys: fuzzKeys, MaxRecordBytes: 1 << 12}
		checkReader(t, data, opts, WriterOptions{Format: FormatJSONL}, split)
	})
}
