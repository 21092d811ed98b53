package partiql

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testCase is one block of a testdata/*.txt file: lines "field: value",
// ended by a blank line; '#' lines are comments. Fields:
//
//	stmt:   the statement, as written
//	stmtq:  the statement as a Go-quoted string (for newlines, tabs, ...)
//	tree:   the expected Dump of the parsed statement
//	format: the expected Format of it (optional)
//	error:  the exact message of the expected *Error
//	syntax: "true" or "false": whether that error is a syntax error (optional)
//	params: the expected NumParams (optional)
//	kind:   the expected Kind (optional)
//	table:  the expected table, and ".index" when one is named (optional)
//	pos:    the expected Pos of the error, line:col:len (optional)
type testCase struct {
	file   string
	line   int
	fields map[string]string
}

func (c testCase) String() string { return c.file + ":" + strconv.Itoa(c.line) }

func readCases(t *testing.T, path string) []testCase {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []testCase
	cur := testCase{fields: map[string]string{}}
	flush := func() {
		if len(cur.fields) > 0 {
			cases = append(cases, cur)
		}
		cur = testCase{fields: map[string]string{}}
	}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			continue
		case strings.TrimSpace(line) == "":
			flush()
			continue
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			k, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			t.Fatalf("%s:%d: no field name", path, n)
		}
		if len(cur.fields) == 0 {
			cur.file, cur.line = filepath.Base(path), n
		}
		cur.fields[k] = v
	}
	flush()
	return cases
}

func (c testCase) statement(t *testing.T) string {
	if q, ok := c.fields["stmtq"]; ok {
		s, err := strconv.Unquote(q)
		if err != nil {
			t.Fatalf("%s: stmtq: %v", c, err)
		}
		return s
	}
	s, ok := c.fields["stmt"]
	if !ok {
		t.Fatalf("%s: no stmt", c)
	}
	return s
}

// allCases reads every testdata file.
func allCases(t *testing.T) []testCase {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	var all []testCase
	for _, f := range files {
		all = append(all, readCases(t, f)...)
	}
	return all
}

func TestData(t *testing.T) {
	cases := allCases(t)
	// The brief for this package: well over a hundred cases.
	if len(cases) < 150 {
		t.Fatalf("only %d testdata cases", len(cases))
	}
	for _, c := range cases {
		src := c.statement(t)
		s, err := Parse(src)
		if want, ok := c.fields["error"]; ok {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Errorf("%s: %q: got %v, want error %q", c, src, dumpOrNil(s), want)
				continue
			}
			if pe.Message != want {
				t.Errorf("%s: %q:\n got error %q\nwant error %q", c, src, pe.Message, want)
			}
			if syn, ok := c.fields["syntax"]; ok && strconv.FormatBool(pe.Syntax) != syn {
				t.Errorf("%s: syntax = %v, want %s", c, pe.Syntax, syn)
			}
			if pos, ok := c.fields["pos"]; ok && pe.Pos.String() != pos {
				t.Errorf("%s: error at %s, want %s", c, pe.Pos, pos)
			}
			if pe.APIError().Message != want {
				t.Errorf("%s: APIError message %q", c, pe.APIError().Message)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %q: %v", c, src, err)
			continue
		}
		if want, ok := c.fields["tree"]; ok {
			if got := Dump(s); got != want {
				t.Errorf("%s: %q:\n got %s\nwant %s", c, src, got, want)
			}
		} else {
			t.Errorf("%s: neither tree nor error given", c)
		}
		if want, ok := c.fields["format"]; ok {
			if got := Format(s); got != want {
				t.Errorf("%s: format:\n got %s\nwant %s", c, got, want)
			}
		}
		if want, ok := c.fields["params"]; ok {
			if got := strconv.Itoa(NumParams(s)); got != want {
				t.Errorf("%s: params = %s, want %s", c, got, want)
			}
		}
		if want, ok := c.fields["kind"]; ok && s.Kind().String() != want {
			t.Errorf("%s: kind = %s, want %s", c, s.Kind(), want)
		}
		if want, ok := c.fields["table"]; ok {
			tb := TableOf(s)
			got := tb.Name.Name
			if tb.Index != nil {
				got += "." + tb.Index.Name
			}
			if got != want {
				t.Errorf("%s: table = %s, want %s", c, got, want)
			}
		}
		checkRoundTrip(t, c.String(), s)
	}
}

func dumpOrNil(s Statement) string {
	if s == nil {
		return "nil"
	}
	return Dump(s)
}

// checkRoundTrip asserts the printer's promise: the printed statement
// parses back to the same tree.
func checkRoundTrip(t *testing.T, name string, s Statement) {
	t.Helper()
	text := Format(s)
	s2, err := Parse(text)
	if err != nil {
		t.Errorf("%s: printed %q does not parse: %v", name, text, err)
		return
	}
	if a, b := Dump(s), Dump(s2); a != b {
		t.Errorf("%s: round trip through %q:\n  was %s\n  now %s", name, text, a, b)
	}
	if text2 := Format(s2); text2 != text {
		t.Errorf("%s: printing is not stable: %q then %q", name, text, text2)
	}
}
