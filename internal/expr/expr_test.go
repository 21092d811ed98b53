package expr

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// testCase is one block of a testdata/*.txt file. Lines are "field: text";
// a blank line ends the case. Fields:
//
//	condition|filter|keycond|update|projection: the expression
//	names, values: ExpressionAttributeNames / ExpressionAttributeValues JSON
//	request: more request parameters as DynamoDB JSON (legacy ones)
//	schema: hash [range] key names (default "id")
//	item: the stored item (DynamoDB JSON); absent means no item
//	key: the key passed to Update.Apply (default: the item's key attributes)
//	eval: what to check: condition, filter, keycond, update, projection,
//	      compile (default: the first expression field given)
//	want: true/false, an item, or a key-condition rendering
//	error: the exact message of the expected ValidationException
type testCase struct {
	file   string
	line   int
	fields map[string]string
}

func readCases(t *testing.T, path string) []testCase {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []testCase
	cur := testCase{fields: map[string]string{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	flush := func() {
		if len(cur.fields) > 0 {
			cases = append(cases, cur)
		}
		cur = testCase{fields: map[string]string{}}
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s:%d: no field name", path, n)
		}
		if len(cur.fields) == 0 {
			cur.file, cur.line = filepath.Base(path), n
		}
		cur.fields[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	flush()
	return cases
}

// requestJSON is the subset of a DynamoDB request the tests may give.
type requestJSON struct {
	Expected            map[string]api.ExpectedAttributeValue
	ConditionalOperator *string
	KeyConditions       map[string]api.Condition
	QueryFilter         map[string]api.Condition
	ScanFilter          map[string]api.Condition
	AttributesToGet     []string
	AttributeUpdates    map[string]api.AttributeValueUpdate
	Operation           string
}

func (tc testCase) request(t *testing.T) (*Request, KeySchema) {
	t.Helper()
	req := &Request{}
	str := func(k string) *string {
		if v, ok := tc.fields[k]; ok {
			if v == "<empty>" {
				v = ""
			}
			return &v
		}
		return nil
	}
	req.ConditionExpression = str("condition")
	req.FilterExpression = str("filter")
	req.KeyConditionExpression = str("keycond")
	req.UpdateExpression = str("update")
	req.ProjectionExpression = str("projection")
	if v, ok := tc.fields["names"]; ok {
		must(t, json.Unmarshal([]byte(v), &req.Names))
	}
	if v, ok := tc.fields["values"]; ok {
		must(t, json.Unmarshal([]byte(v), &req.Values))
	}
	if v, ok := tc.fields["request"]; ok {
		var r requestJSON
		must(t, json.Unmarshal([]byte(v), &r))
		req.Expected, req.ConditionalOperator, req.KeyConditions = r.Expected, r.ConditionalOperator, r.KeyConditions
		req.QueryFilter, req.ScanFilter, req.AttributesToGet, req.AttributeUpdates = r.QueryFilter, r.ScanFilter, r.AttributesToGet, r.AttributeUpdates
		req.Operation = r.Operation
	}
	keys := KeySchema{Hash: "id"}
	if v, ok := tc.fields["schema"]; ok {
		f := strings.Fields(v)
		keys.Hash = f[0]
		if len(f) > 1 {
			keys.Range = f[1]
		}
	}
	return req, keys
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (tc testCase) item(t *testing.T, field string) attr.Item {
	v, ok := tc.fields[field]
	if !ok {
		return nil
	}
	var it attr.Item
	must(t, json.Unmarshal([]byte(v), &it))
	return it
}

func (tc testCase) evalKind() string {
	if e, ok := tc.fields["eval"]; ok {
		return e
	}
	for _, k := range []string{"update", "keycond", "condition", "filter", "projection"} {
		if _, ok := tc.fields[k]; ok {
			return k
		}
	}
	return "compile"
}

// renderKey prints a key condition compactly for comparison.
func renderKey(k *KeyCondition) string {
	if k == nil {
		return "<nil>"
	}
	h, _ := json.Marshal(k.Hash)
	s := k.HashName + "=" + string(h)
	if k.RangeOp != RangeNone {
		ops := []string{"", "=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH"}
		s += " " + k.RangeName + " " + ops[k.RangeOp]
		for _, v := range k.RangeValues {
			b, _ := json.Marshal(v)
			s += " " + string(b)
		}
	}
	return s
}

// run executes one case and returns the observed outcome as the "want" or
// "error" text it should match.
func (tc testCase) run(t *testing.T, compile func(*Request, KeySchema) (*Compiled, error)) (field, got string) {
	req, keys := tc.request(t)
	c, err := compile(req, keys)
	if err != nil {
		return "error", err.Error()
	}
	item := tc.item(t, "item")
	switch tc.evalKind() {
	case "condition", "filter":
		cond := c.Condition
		if tc.evalKind() == "filter" {
			cond = c.Filter
		}
		ok, err := cond.Eval(item)
		if err != nil {
			return "error", err.Error()
		}
		return "want", fmt.Sprint(ok)
	case "keycond":
		return "want", renderKey(c.Key)
	case "projection":
		b, _ := json.Marshal(c.Projection.Apply(item))
		return "want", string(b)
	case "update":
		key := tc.item(t, "key")
		if key == nil {
			key = attr.Item{}
			for _, n := range []string{keys.Hash, keys.Range} {
				if v, ok := item[n]; ok && n != "" {
					key[n] = v
				}
			}
		}
		out, err := c.Update.Apply(item, key)
		if err != nil {
			return "error", err.Error()
		}
		b, _ := json.Marshal(out)
		if w, ok := tc.fields["updated"]; ok {
			_ = w
			nb, _ := json.Marshal(c.Update.Paths().Apply(out))
			return "want", string(b) + " updated=" + string(nb)
		}
		return "want", string(b)
	}
	return "want", "ok"
}

// canon re-encodes JSON so that key order and spacing do not matter.
func canon(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestData(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	total := 0
	for _, file := range files {
		for _, tc := range readCases(t, file) {
			total++
			name := fmt.Sprintf("%s:%d", tc.file, tc.line)
			t.Run(name, func(t *testing.T) {
				field, got := tc.run(t, Compile)
				want, hasWant := tc.fields["want"]
				wantErr, hasErr := tc.fields["error"]
				if u, ok := tc.fields["updated"]; ok && hasWant {
					want = canon(want) + " updated=" + canon(u)
				}
				switch {
				case field == "error" && hasErr:
					if got != "ValidationException: "+wantErr {
						t.Errorf("error\n got: %s\nwant: ValidationException: %s", got, wantErr)
					}
				case field == "want" && hasWant:
					if strings.HasPrefix(want, "{") && !strings.Contains(want, " updated=") {
						want, got = canon(want), canon(got)
					}
					if got != want {
						t.Errorf("result\n got: %s\nwant: %s", got, want)
					}
				default:
					t.Errorf("got %s %q; want:%q error:%q", field, got, want, wantErr)
				}
				// The cache must give the same answer.
				cache := NewCache(4)
				for range 2 {
					f2, g2 := tc.run(t, cache.Compile)
					if f2 != field || g2 != got && field == "error" {
						t.Errorf("cached: %s %q, uncached %s %q", f2, g2, field, got)
					}
				}
			})
		}
	}
	t.Logf("%d cases", total)
}
