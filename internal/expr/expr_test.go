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
	return tc.runRequest(t, req, keys, compile)
}

// runRequest is run with the request given, for runs with other values.
func (tc testCase) runRequest(t *testing.T, req *Request, keys KeySchema, compile func(*Request, KeySchema) (*Compiled, error)) (field, got string) {
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
				tc.checkCached(t)
			})
		}
	}
	t.Logf("%d cases", total)
}

// checkCached runs the case through one Cache with the case's values and
// with variants of them (other values, other types, one missing, one
// extra, none), in both orders, and requires each answer to be exactly
// the uncached answer for the same request: values bound to a shared plan
// must behave as if the request had been parsed afresh.
func (tc testCase) checkCached(t *testing.T) {
	req, keys := tc.request(t)
	variants := []attr.Item{req.Values}
	variants = append(variants, valueVariants(req.Values)...)
	variants = append(variants, req.Values)
	for _, order := range [][]attr.Item{variants, reversed(variants)} {
		cache := NewCache(4)
		for _, vals := range order {
			r := *req
			r.Values = vals
			wf, wg := tc.runRequest(t, &r, keys, Compile)
			gf, gg := tc.runRequest(t, &r, keys, cache.Compile)
			if wf != gf || wg != gg {
				t.Errorf("values %s: cached %s %q, uncached %s %q", itemJSON(vals), gf, gg, wf, wg)
			}
		}
		want := 1
		if hasLegacy(req) {
			want = 0
		}
		if n := cache.Len(); n != want {
			t.Errorf("cache holds %d plans for one request shape, want %d", n, want)
		}
	}
}

func itemJSON(it attr.Item) string {
	b, _ := json.Marshal(it)
	return string(b)
}

func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// valueVariants returns other bindings of the same placeholders: every
// value changed but of the same type, every value of another type, the
// values rotated between placeholders, the first one missing, an extra
// unused one, and no values at all.
func valueVariants(values attr.Item) []attr.Item {
	keys := sortedKeys(values)
	bumped, retyped, rotated := attr.Item{}, attr.Item{}, attr.Item{}
	for i, k := range keys {
		bumped[k] = bumpValue(values[k])
		retyped[k] = retypeValue(values[k])
		rotated[k] = values[keys[(i+1)%len(keys)]]
	}
	out := []attr.Item{bumped, retyped, rotated, nil}
	if len(keys) > 0 {
		missing := values.Clone()
		delete(missing, keys[0])
		out = append(out, missing)
	}
	extra := values.Clone()
	if extra == nil {
		extra = attr.Item{}
	}
	extra[":zzextra"] = attr.String("x")
	return append(out, extra)
}

// bumpValue returns a different value of the same type.
func bumpValue(v attr.Value) attr.Value {
	v = v.Clone()
	switch v.Type {
	case attr.TypeS:
		v.S += "z"
	case attr.TypeN:
		if s, err := attr.AddNumbers(v.S, "7"); err == nil {
			v.S = s
		}
	case attr.TypeB:
		v.B = append(v.B, 'z')
	case attr.TypeBOOL:
		v.Bool = !v.Bool
	case attr.TypeSS:
		v.Set = append(v.Set, "zz")
	case attr.TypeNS:
		v.Set = append(v.Set, "12345")
	case attr.TypeBS:
		v.BS = append(v.BS, []byte("zz"))
	case attr.TypeL:
		v.L = append(v.L, attr.String("z"))
	case attr.TypeM:
		if v.M == nil {
			v.M = map[string]attr.Value{}
		}
		v.M["zz"] = attr.String("z")
	}
	return v
}

// retypeValue returns a value of another type.
func retypeValue(v attr.Value) attr.Value {
	switch v.Type {
	case attr.TypeS:
		return attr.Value{Type: attr.TypeN, S: "1"}
	case attr.TypeN:
		return attr.String("1")
	case attr.TypeL:
		return attr.Value{Type: attr.TypeSS, Set: []string{"a"}}
	case attr.TypeSS, attr.TypeNS, attr.TypeBS:
		return attr.Value{Type: attr.TypeL, L: []attr.Value{attr.String("a")}}
	}
	return attr.Value{Type: attr.TypeN, S: "2"}
}
