package wire

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// FuzzRequestBody sends arbitrary bodies to every operation: whatever the
// body, the answer is a well-formed response (the checks in do) and never a
// server fault, which would mean a panic or an unmapped error.
func FuzzRequestBody(f *testing.F) {
	if file, err := os.Open("testdata/validation.txt"); err == nil {
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if op, body, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") && !strings.Contains(op, ":") {
				f.Add(op, body)
			}
		}
		file.Close()
	}
	f.Add("PutItem", benchPutItem)
	f.Add("GetItem", benchGetItem)
	h := newTestHandler(f, Options{})
	f.Fuzz(func(t *testing.T, op, body string) {
		rec := do(t, h, req{target: op, body: body}.build())
		if rec.Code >= 500 {
			t.Fatalf("%s %q: status %d %s", op, body, rec.Code, rec.Body.String())
		}
	})
}
