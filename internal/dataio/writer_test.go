package dataio

import (
	"bytes"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// docsItem is the item of the Developer Guide's "DynamoDB table export
// output format" page.
const docsItem = `{"Authors":{"SS":["Author1","Author2"]},"Dimensions":{"S":"8.5 x 11.0 x 1.5"},"ISBN":{"S":"333-3333333333"},"Id":{"N":"103"},"InPublication":{"BOOL":false},"PageCount":{"N":"600"},"Price":{"N":"2000"},"ProductCategory":{"S":"Book"},"Title":{"S":"Book 103 Title"}}`

func mustItem(t testing.TB, s string) attr.Item {
	t.Helper()
	it, err := attr.DecodeItemJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := attr.ValidateItem(it); err != nil {
		t.Fatal(err)
	}
	return it
}

func writeOne(t *testing.T, it attr.Item, opts WriterOptions) (string, error) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	werr := w.Write(it)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String(), werr
}

// TestWriteDocsLayout checks the writers against the Developer Guide's
// samples, compacted onto one line as the export writes them.
func TestWriteDocsLayout(t *testing.T) {
	it := mustItem(t, docsItem)
	for _, tt := range []struct {
		f    Format
		want string
	}{
		{FormatDynamoDBJSON, `{"Item":` + docsItem + "}\n"},
		{FormatION, `$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:6d2,Price:2d3,ProductCategory:"Book",Title:"Book 103 Title"}}` + "\n"},
	} {
		got, err := writeOne(t, it, WriterOptions{Format: tt.f})
		if err != nil || got != tt.want {
			t.Errorf("%v:\n got %s\nwant %s (%v)", tt.f, got, tt.want, err)
		}
	}
}

func TestIonDecimal(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"103", "103."}, {"600", "6d2"}, {"2000", "2d3"}, {"1.5", "1.5"}, {"0.15", "1.5d-1"},
		{"0.001", "1d-3"}, {"-12345.6789", "-12345.6789"}, {"0", "0."}, {"-1", "-1."},
		{"120.5", "120.5"}, {"10", "1d1"}, {"1" + strings.Repeat("0", 125), "1d125"},
		{"0." + strings.Repeat("0", 129) + "1", "1d-130"}, {"-0.5", "5d-1"},
	} {
		n, err := attr.CanonicalNumber(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		got := string(appendIonDecimal(nil, n))
		if tt.in == "-0.5" {
			tt.want = "-5d-1"
		}
		if got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.in, got, tt.want)
		}
		back, err := ionNumberText(got)
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := attr.CanonicalNumber(back); c != n {
			t.Errorf("%s: %s reads back as %s", tt.in, got, c)
		}
	}
}

func TestIonFieldNames(t *testing.T) {
	it := attr.Item{"ok_1": attr.Null(), "$x": attr.Null(), "null": attr.Null(), "$10": attr.Null(), "a-b": attr.Null(), "it's": attr.Null(), "1a": attr.Null()}
	got, err := writeOne(t, it, WriterOptions{Format: FormatION})
	want := `$ion_1_0 {Item:{'$10':null,$x:null,'1a':null,'a-b':null,'it\'s':null,'null':null,ok_1:null}}` + "\n"
	if err != nil || got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestJSONLLossy(t *testing.T) {
	it := mustItem(t, `{"pk":{"S":"a"},"b":{"B":"aGk="},"ss":{"SS":["x"]},"ns":{"NS":["1","2"]},"l":{"L":[{"BS":["AA=="]}]}}`)
	if _, err := writeOne(t, it, WriterOptions{Format: FormatJSONL}); !errors.As(err, new(*LossyError)) {
		t.Fatalf("strict write: %v", err)
	}
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, WriterOptions{Format: FormatJSONL, AllowLossy: true})
	if err := w.Write(it); err != nil {
		t.Fatal(err)
	}
	w.Close()
	want := `{"b":"aGk=","l":[["AA=="]],"ns":[1,2],"pk":"a","ss":["x"]}` + "\n"
	if buf.String() != want || w.Stats().Lossy != 1 {
		t.Errorf("got %s (stats %+v), want %s", buf.String(), w.Stats(), want)
	}
}

func TestCSVWrite(t *testing.T) {
	it := mustItem(t, `{"pk":{"S":"a,b"},"n":{"N":"1.5"},"t":{"BOOL":true},"b":{"B":"aGk="},"z":{"NULL":true},"s":{"SS":["x"]},"q":{"S":"say \"hi\""}}`)
	got, err := writeOne(t, it, WriterOptions{Format: FormatCSV, CSV: CSVWriterOptions{Columns: []string{"pk", "n", "t", "b", "z", "s", "q", "missing"}}})
	want := "pk,n,t,b,z,s,q,missing\n" + `"a,b",1.5,true,"{""B"":""aGk=""}","{""NULL"":true}","{""SS"":[""x""]}","say ""hi""",` + "\n"
	if err != nil || got != want {
		t.Errorf("got  %q\nwant %q (%v)", got, want, err)
	}
	// An attribute without a column is refused, or dropped and counted.
	_, err = writeOne(t, it, WriterOptions{Format: FormatCSV, CSV: CSVWriterOptions{Columns: []string{"pk"}}})
	if !errors.As(err, new(*LossyError)) {
		t.Errorf("strict write: %v", err)
	}
	got, err = writeOne(t, it, WriterOptions{Format: FormatCSV, AllowLossy: true, CSV: CSVWriterOptions{Columns: []string{"pk"}, Delimiter: ';', NoHeader: true}})
	if err != nil || got != "a,b\n" {
		t.Errorf("lossy write: %q %v", got, err)
	}
}

// TestCompressedMembers checks that flushed members concatenate into one
// stream that the reader and the system's gzip and zstd tools read, and
// that empty files are empty streams.
func TestCompressedMembers(t *testing.T) {
	items := []attr.Item{mustItem(t, `{"pk":{"S":"a"}}`), mustItem(t, `{"pk":{"S":"b"}}`), mustItem(t, `{"pk":{"S":"c"}}`)}
	for _, c := range []Compression{CompressionGzip, CompressionZstd} {
		data := writeItems(t, items, FormatDynamoDBJSON, c, 1)
		got := readItems(t, data, readerOpts(FormatDynamoDBJSON, c))
		if len(got) != 3 {
			t.Errorf("%v: %d items", c, len(got))
		}
		tool := map[Compression][]string{CompressionGzip: {"gzip", "-dc"}, CompressionZstd: {"zstd", "-dcq"}}[c]
		if _, err := exec.LookPath(tool[0]); err == nil {
			cmd := exec.Command(tool[0], tool[1:]...)
			cmd.Stdin = bytes.NewReader(data)
			out, err := cmd.Output()
			if err != nil || strings.Count(string(out), "\n") != 3 {
				t.Errorf("%s: %q %v", tool[0], out, err)
			}
		}
		if got := readItems(t, nil, readerOpts(FormatDynamoDBJSON, c)); len(got) != 0 {
			t.Errorf("%v: empty file gave %d items", c, len(got))
		}
		var buf bytes.Buffer
		w, _ := NewWriter(&buf, WriterOptions{Format: FormatDynamoDBJSON, Compression: c})
		w.Flush()
		w.Close()
		if buf.Len() != 0 {
			t.Errorf("%v: writing nothing gave %d bytes", c, buf.Len())
		}
	}
	// A corrupt stream is an error that ends reading, not a LineError.
	data := writeItems(t, items, FormatDynamoDBJSON, CompressionGzip, 0)
	data[len(data)-5] ^= 0xff
	r, _ := NewReader(bytes.NewReader(data), readerOpts(FormatDynamoDBJSON, CompressionGzip))
	var err error
	for err == nil {
		_, err = r.Next()
	}
	if errors.Is(err, io.EOF) || errors.As(err, new(*LineError)) {
		t.Errorf("corrupt gzip: %v", err)
	}
}

func TestFormatFromPath(t *testing.T) {
	for _, tt := range []struct {
		path string
		f    Format
		c    Compression
		ok   bool
	}{
		{"a.csv", FormatCSV, CompressionNone, true},
		{"dir.x/A.CSV.GZ", FormatCSV, CompressionGzip, true},
		{"x.jsonl.zst", FormatJSONL, CompressionZstd, true},
		{"bafy.json.gz", FormatDynamoDBJSON, CompressionGzip, true},
		{"part.ion.gz", FormatION, CompressionGzip, true},
		{"x.ndjson", FormatJSONL, CompressionNone, true},
		{"x.tsv.gzip", FormatCSV, CompressionGzip, true},
		{"x.txt", FormatInvalid, CompressionNone, false},
		{"-", FormatInvalid, CompressionNone, false},
	} {
		f, c, ok := FormatFromPath(tt.path)
		if f != tt.f || c != tt.c || ok != tt.ok {
			t.Errorf("%s: %v %v %v", tt.path, f, c, ok)
		}
	}
	for _, s := range []string{"csv", "JSONL", "ddbjson", "DYNAMODB_JSON", "ion"} {
		f, err := ParseFormat(s)
		if err != nil {
			t.Errorf("%s: %v", s, err)
		}
		if g, _ := ParseFormat(f.String()); g != f {
			t.Errorf("%s does not parse back", f)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("xml parsed")
	}
}
