package dataio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// genOptions restrict the random items to what a format can hold.
type genOptions struct {
	noBinaryOrSets bool // JSONL
	plainStrings   bool // CSV with inference: no string that reads as another type
}

// randItem returns a random valid item of every type, nested a few
// levels, with names and strings that exercise quoting.
func randItem(r *rand.Rand, o genOptions) attr.Item {
	it := attr.Item{"pk": attr.String(fmt.Sprintf("k%d", r.Int64()))}
	for range r.IntN(8) {
		it[randName(r)] = randValue(r, o, 0)
	}
	return it
}

var nameParts = []string{"a", "Id", "b_2", "$x", "null", "true", "with space", "dash-ed", "quo'te", "é", "1st", "$10", "tab\tname", "nl\nname"}

func randName(r *rand.Rand) string {
	return nameParts[r.IntN(len(nameParts))] + fmt.Sprint(r.IntN(3))
}

var stringParts = []string{"x", "hello world", "", "\"quoted\"", "back\\slash", "new\nline", "cr\r\n", "tab\t", "é€😀", "\x00\x01\x7f", ",;:|", "'''", "{{", "//", "/*", "$ion_1_0", "{\"S\":\"x\"}", "42", "true"}

func randString(r *rand.Rand, o genOptions) string {
	var sb strings.Builder
	for range r.IntN(4) {
		sb.WriteString(stringParts[r.IntN(len(stringParts))])
	}
	s := sb.String()
	if o.plainStrings {
		return "s" + s
	}
	return s
}

func randNumber(r *rand.Rand) string {
	digits := make([]byte, 1+r.IntN(38))
	for i := range digits {
		digits[i] = byte('0' + r.IntN(10))
	}
	exp := r.IntN(200) - 100
	sign := ""
	if r.IntN(2) == 0 {
		sign = "-"
	}
	n, err := attr.CanonicalNumber(fmt.Sprintf("%s%s.%se%d", sign, digits[:1], digits[1:], exp))
	if err != nil {
		return "0"
	}
	return n
}

func randBytes(r *rand.Rand) []byte {
	b := make([]byte, 1+r.IntN(12))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

func randValue(r *rand.Rand, o genOptions, depth int) attr.Value {
	kinds := 10
	if depth > 2 {
		kinds = 5 // scalars only
	}
	for {
		switch r.IntN(kinds) {
		case 0:
			return attr.String(randString(r, o))
		case 1:
			return attr.Value{Type: attr.TypeN, S: randNumber(r)}
		case 2:
			return attr.Bool(r.IntN(2) == 0)
		case 3:
			return attr.Null()
		case 4:
			if o.noBinaryOrSets {
				continue
			}
			return attr.Binary(randBytes(r))
		case 5:
			m := attr.Item{}
			for range r.IntN(4) {
				m[randName(r)] = randValue(r, o, depth+1)
			}
			return attr.Map(m)
		case 6:
			var l []attr.Value
			for range r.IntN(4) {
				l = append(l, randValue(r, o, depth+1))
			}
			return attr.List(l...)
		case 7, 8, 9:
			if o.noBinaryOrSets {
				continue
			}
			return randSet(r, o, r.IntN(3))
		}
	}
}

func randSet(r *rand.Rand, o genOptions, kind int) attr.Value {
	n := 1 + r.IntN(4)
	seen := map[string]bool{}
	var ss []string
	var bs [][]byte
	for range n {
		var k string
		switch kind {
		case 0:
			k = randString(r, o)
		case 1:
			k = randNumber(r)
		default:
			k = string(randBytes(r))
		}
		if seen[k] {
			continue
		}
		seen[k] = true
		if kind == 2 {
			bs = append(bs, []byte(k))
		} else {
			ss = append(ss, k)
		}
	}
	switch kind {
	case 0:
		return attr.StringSet(ss...)
	case 1:
		return attr.NumberSet(ss...)
	}
	return attr.BinarySet(bs...)
}

// columnsOf returns the attribute names of items, pk first.
func columnsOf(items []attr.Item) []string {
	seen := map[string]bool{"pk": true}
	cols := []string{"pk"}
	for _, it := range items {
		for k := range it {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	slices.Sort(cols[1:])
	return cols
}

type roundTrip struct {
	format Format
	gen    genOptions
}

var roundTrips = []roundTrip{
	{FormatDynamoDBJSON, genOptions{}},
	{FormatION, genOptions{}},
	{FormatJSONL, genOptions{noBinaryOrSets: true}},
	{FormatCSV, genOptions{plainStrings: true}},
}

// writeItems writes items in a format, flushing (a compressed member
// boundary) every flushEvery items when it is positive.
func writeItems(t testing.TB, items []attr.Item, f Format, c Compression, flushEvery int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, WriterOptions{Format: f, Compression: c, CSV: CSVWriterOptions{Columns: columnsOf(items)}})
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		if err := w.Write(it); err != nil {
			t.Fatalf("write %v: %v", it, err)
		}
		if flushEvery > 0 && i%flushEvery == flushEvery-1 {
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := w.Stats(); got.Items != int64(len(items)) || got.Lossy != 0 {
		t.Fatalf("stats %+v for %d items", got, len(items))
	}
	return buf.Bytes()
}

func readerOpts(f Format, c Compression) ReaderOptions {
	return ReaderOptions{Format: f, Compression: c, CSV: CSVOptions{Infer: true},
		Keys: []KeyAttribute{{Name: "pk", Type: attr.TypeS, Required: true}}}
}

// readItems reads every item, failing on any LineError.
func readItems(t testing.TB, data []byte, opts ReaderOptions) []attr.Item {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []attr.Item
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%v\n%s", err, data)
		}
		out = append(out, it)
	}
}

func sameItems(t *testing.T, got, want []attr.Item) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d", len(got), len(want))
	}
	for i := range want {
		if !attr.ItemsEqual(got[i], want[i]) {
			t.Fatalf("item %d:\n got %s\nwant %s", i, attr.AppendItemJSON(nil, got[i]), attr.AppendItemJSON(nil, want[i]))
		}
	}
}

// TestRoundTrip writes random items in every format and compression and
// reads them back equal.
func TestRoundTrip(t *testing.T) {
	for _, rt := range roundTrips {
		for _, c := range []Compression{CompressionNone, CompressionGzip, CompressionZstd} {
			t.Run(rt.format.String()+"/"+c.String(), func(t *testing.T) {
				r := rand.New(rand.NewPCG(1, uint64(rt.format)))
				for round := range 20 {
					items := make([]attr.Item, 1+r.IntN(50))
					for i := range items {
						items[i] = randItem(r, rt.gen)
						if err := attr.ValidateItem(items[i]); err != nil {
							t.Fatalf("generator made an invalid item: %v", err)
						}
					}
					data := writeItems(t, items, rt.format, c, round%4)
					sameItems(t, readItems(t, data, readerOpts(rt.format, c)), items)
				}
			})
		}
	}
}

// TestResume stops a reader after every entry, starts a new one at its
// Pos, and checks that the two together read each item exactly once.
func TestResume(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, rt := range roundTrips {
		for _, c := range []Compression{CompressionNone, CompressionGzip} {
			t.Run(rt.format.String()+"/"+c.String(), func(t *testing.T) {
				items := make([]attr.Item, 30)
				for i := range items {
					items[i] = randItem(r, rt.gen)
				}
				data := writeItems(t, items, rt.format, c, 7)
				opts := readerOpts(rt.format, c)
				for stop := 0; stop <= len(items); stop++ {
					rd, err := NewReader(bytes.NewReader(data), opts)
					if err != nil {
						t.Fatal(err)
					}
					var got []attr.Item
					for range stop {
						it, err := rd.Next()
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, it)
					}
					o := opts
					o.Start = rd.Pos()
					rd.Close()
					got = append(got, readItems(t, data, o)...)
					sameItems(t, got, items)
				}
			})
		}
	}
}

// TestResumeInsideIonLine resumes between two items of one Ion line.
func TestResumeInsideIonLine(t *testing.T) {
	data := []byte("$ion_1_0 {Item:{pk:\"a\"}} {Item:{pk:\"b\"}} {Item:{pk:\"c\"}}\n$ion_1_0 {Item:{pk:\"d\"}}\n")
	opts := readerOpts(FormatION, CompressionNone)
	rd, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rd.Next(); err != nil {
		t.Fatal(err)
	}
	pos := rd.Pos()
	if pos != (Position{Offset: 0, Line: 0, Skip: 1}) {
		t.Fatalf("pos %+v", pos)
	}
	opts.Start = pos
	var names []string
	for _, it := range readItems(t, data, opts) {
		names = append(names, it["pk"].S)
	}
	if strings.Join(names, "") != "bcd" {
		t.Fatalf("resumed read %v", names)
	}
}

// TestResumeWrongInput refuses a position that does not fit the input.
func TestResumeWrongInput(t *testing.T) {
	data := []byte("{\"Item\":{\"pk\":{\"S\":\"a\"}}}\n")
	for _, p := range []Position{{Offset: 1000, Line: 1}, {Offset: int64(len(data)), Line: 7}} {
		opts := readerOpts(FormatDynamoDBJSON, CompressionNone)
		opts.Start = p
		if _, err := NewReader(bytes.NewReader(data), opts); err == nil {
			t.Errorf("start %+v: no error", p)
		}
	}
}
