package dataio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// The files in testdata/read are reading cases, several per file, each:
//
//	=== name
//	format: csv           (ddbjson, ion, csv, jsonl)
//	keys: pk:S! sk:N      (optional: declared attributes, ! = required)
//	delimiter: ;          (optional, CSV; "tab" for a tab)
//	header: a,b           (optional, CSV)
//	types: a:N b:JSON     (optional, CSV)
//	infer: true           (optional, CSV)
//	--- input
//	...the file...
//	--- want
//	item 3 {"pk":{"S":"x"}}      (the line, the item in DynamoDB JSON)
//	error 4 some text            (a LineError at that line, containing it)
//	fatal some text              (NewReader or Next fails, containing it)
//
// The input section is taken verbatim up to "--- want" (a trailing
// newline belongs to the input).

type readCase struct {
	name, file string
	opts       ReaderOptions
	input      string
	want       []string
}

func loadReadCases(t *testing.T) []readCase {
	t.Helper()
	files, err := filepath.Glob("testdata/read/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	var cases []readCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range strings.Split(string(data), "=== ")[1:] {
			c, err := parseReadCase(block)
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			c.file = filepath.Base(f)
			cases = append(cases, c)
		}
	}
	return cases
}

func parseReadCase(block string) (readCase, error) {
	var c readCase
	head, rest, ok := strings.Cut(block, "\n--- input\n")
	if !ok {
		return c, fmt.Errorf("case %q: no --- input", strings.SplitN(block, "\n", 2)[0])
	}
	input, want, ok := strings.Cut(rest, "--- want\n")
	if !ok {
		return c, fmt.Errorf("case %q: no --- want", strings.SplitN(block, "\n", 2)[0])
	}
	c.input = input
	lines := strings.Split(head, "\n")
	c.name = strings.TrimSpace(lines[0])
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "":
		case "format":
			f, err := ParseFormat(v)
			if err != nil {
				return c, err
			}
			c.opts.Format = f
		case "keys":
			for _, kv := range strings.Fields(v) {
				name, typ, _ := strings.Cut(kv, ":")
				ka := KeyAttribute{Name: name, Required: strings.HasSuffix(typ, "!")}
				switch strings.TrimSuffix(typ, "!") {
				case "S":
					ka.Type = attr.TypeS
				case "N":
					ka.Type = attr.TypeN
				case "B":
					ka.Type = attr.TypeB
				default:
					return c, fmt.Errorf("key type %q", typ)
				}
				c.opts.Keys = append(c.opts.Keys, ka)
			}
		case "delimiter":
			if v == "tab" {
				v = "\t"
			}
			c.opts.CSV.Delimiter = v[0]
		case "header":
			c.opts.CSV.Header = strings.Split(v, ",")
		case "types":
			c.opts.CSV.Types = map[string]CSVType{}
			for _, kv := range strings.Fields(v) {
				name, typ, _ := strings.Cut(kv, ":")
				ct, err := ParseCSVType(typ)
				if err != nil {
					return c, err
				}
				c.opts.CSV.Types[name] = ct
			}
		case "infer":
			c.opts.CSV.Infer = v == "true"
		case "max":
			n, err := strconv.Atoi(v)
			if err != nil {
				return c, err
			}
			c.opts.MaxRecordBytes = n
		default:
			return c, fmt.Errorf("case %q: unknown setting %q", c.name, k)
		}
	}
	for _, w := range strings.Split(want, "\n") {
		if w = strings.TrimSpace(w); w != "" && !strings.HasPrefix(w, "#") {
			c.want = append(c.want, w)
		}
	}
	return c, nil
}

// readAll reads every entry as the want lines spell them.
func readAll(input []byte, opts ReaderOptions) []string {
	r, err := NewReader(bytes.NewReader(input), opts)
	if err != nil {
		return []string{"fatal " + err.Error()}
	}
	defer r.Close()
	var got []string
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		var le *LineError
		switch {
		case errors.As(err, &le):
			if le.Line != r.Line() {
				return append(got, fmt.Sprintf("fatal LineError line %d but Line() %d", le.Line, r.Line()))
			}
			got = append(got, fmt.Sprintf("error %d %v", le.Line, le.Err))
		case err != nil:
			return append(got, "fatal "+err.Error())
		default:
			got = append(got, fmt.Sprintf("item %d %s", r.Line(), attr.AppendItemJSON(nil, it)))
		}
	}
}

func matchEntry(got, want string) bool {
	if strings.HasPrefix(want, "item ") {
		return got == want
	}
	kind, rest, _ := strings.Cut(want, " ")
	if kind == "error" {
		line, text, _ := strings.Cut(rest, " ")
		return strings.HasPrefix(got, "error "+line+" ") && strings.Contains(got, text)
	}
	return strings.HasPrefix(got, "fatal ") && strings.Contains(got, rest)
}

func TestReadCases(t *testing.T) {
	for _, c := range loadReadCases(t) {
		t.Run(c.file+"/"+c.name, func(t *testing.T) {
			got := readAll([]byte(c.input), c.opts)
			ok := len(got) == len(c.want)
			for i := 0; ok && i < len(got); i++ {
				ok = matchEntry(got[i], c.want[i])
			}
			if !ok {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}
