package wire

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestValidationMessages runs testdata/validation.txt: each case is a
// request body and the exact error DynamoDB answers it with.
func TestValidationMessages(t *testing.T) {
	f, err := os.Open("testdata/validation.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := newTestHandler(t, Options{})
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var lines []string
	lineNo := 0
	n := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lines = append(lines, line)
		if len(lines) < 2 {
			continue
		}
		reqLine, wantLine := lines[0], lines[1]
		lines = nil
		n++
		op, body, _ := strings.Cut(reqLine, " ")
		code, msg, _ := strings.Cut(wantLine, ": ")
		t.Run(strings.ReplaceAll(reqLine, "/", "|"), func(t *testing.T) {
			rec := do(t, h, req{target: op, body: body}.build())
			if rec.Code != 400 {
				t.Errorf("line %d: status %d, want 400", lineNo, rec.Code)
			}
			var env map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil {
				t.Fatalf("line %d: body %q: %v", lineNo, rec.Body.String(), err)
			}
			gotType, _ := env["__type"].(string)
			gotMsg, _ := env["message"].(string)
			if m, ok := env["Message"].(string); ok {
				gotMsg = m
			}
			if !strings.HasSuffix(gotType, "#"+code) || gotMsg != msg {
				t.Errorf("line %d: got\n%s: %s\nwant\n%s: %s", lineNo, gotType, gotMsg, code, msg)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(lines) != 0 {
		t.Fatalf("testdata ends with an unpaired line %q", lines[0])
	}
	if n < 40 {
		t.Fatalf("only %d cases read", n)
	}
}
