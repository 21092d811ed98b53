package attr

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// dataCase is one line of a testdata file: "<input> => <want>".
type dataCase struct {
	line  int
	input string
	want  string
}

// readCases reads a testdata file of "<input> => <want>" lines, skipping
// blank lines and # comments. With unquote, an input in double quotes is a
// Go string literal.
func readCases(t *testing.T, name string, unquote bool) []dataCase {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []dataCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		in, want, ok := strings.Cut(line, " => ")
		if !ok {
			t.Fatalf("%s:%d: no ' => ' in %q", name, n, line)
		}
		if unquote && strings.HasPrefix(in, `"`) {
			u, err := strconv.Unquote(in)
			if err != nil {
				t.Fatalf("%s:%d: %v", name, n, err)
			}
			in = u
		}
		cases = append(cases, dataCase{line: n, input: in, want: want})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("%s: no cases", name)
	}
	return cases
}
