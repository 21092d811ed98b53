package expr

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// diffKeys is the key schema the differential tests compile against: the
// generator's items carry id and sk, and its updates sometimes touch them.
var diffKeys = KeySchema{Hash: "id", Range: "sk"}

// textFits reports whether every expression of req is within DynamoDB's
// size limit; a tree has no text, so a longer print is not a fair twin.
func textFits(req *Request) bool {
	for _, s := range []*string{req.UpdateExpression, req.ConditionExpression, req.KeyConditionExpression, req.FilterExpression, req.ProjectionExpression} {
		if s != nil && len(*s) > maxExpressionSize {
			return false
		}
	}
	return true
}

// diffOutcome counts what the differential comparisons saw.
type diffOutcome struct{ compiled, failed, skipped int }

// compareTrees compiles tr as a tree and as the text a client would send
// for it, and requires the same outcome: the same error, or compiled
// objects that are the same structure and behave the same on items.
func compareTrees(t *testing.T, tr *Trees, op string, pch chooser, items []attr.Item, out *diffOutcome) {
	t.Helper()
	textReq := newPrinter(pch).request(tr, op)
	if !textFits(textReq) {
		out.skipped++
		return
	}
	want, werr := Compile(textReq, diffKeys)
	got, gerr := Compile(&Request{Operation: op, Trees: tr}, diffKeys)
	if fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Fatalf("errors differ\ntext: %s\n tree: %v\n text: %v", describe(textReq), gerr, werr)
	}
	if werr != nil {
		if !errors.Is(gerr, apierr.ValidationException) {
			t.Fatalf("%s: %v is not a ValidationException", describe(textReq), gerr)
		}
		out.failed++
		return
	}
	out.compiled++
	if w, g := dumpCompiled(want), dumpCompiled(got); w != g {
		t.Fatalf("compiled objects differ\ntext: %s\n tree: %s\n text: %s", describe(textReq), g, w)
	}
	if msg := sameBehaviour(want, got, items); msg != "" {
		t.Fatalf("%s\ntext: %s", msg, describe(textReq))
	}
}

func describe(req *Request) string {
	var parts []string
	for _, f := range []struct {
		name string
		s    *string
	}{{"update", req.UpdateExpression}, {"condition", req.ConditionExpression}, {"keycond", req.KeyConditionExpression}, {"filter", req.FilterExpression}, {"projection", req.ProjectionExpression}} {
		if f.s != nil {
			parts = append(parts, f.name+": "+*f.s)
		}
	}
	names, _ := json.Marshal(req.Names)
	values, _ := json.Marshal(req.Values)
	return fmt.Sprintf("%q names %s values %s", parts, names, values)
}

// keyOf is the key an UpdateItem of item would carry.
func keyOf(item attr.Item) attr.Item {
	key := attr.Item{"id": attr.String("k"), "sk": num("0")}
	for _, n := range []string{"id", "sk"} {
		if v, ok := item[n]; ok {
			key[n] = v
		}
	}
	return key
}

// sameBehaviour evaluates two compiles of one request on items and
// describes the first difference, or returns "".
func sameBehaviour(want, got *Compiled, items []attr.Item) string {
	for _, c := range []struct {
		name string
		w, g *Condition
	}{{"condition", want.Condition, got.Condition}, {"filter", want.Filter, got.Filter}} {
		if !reflect.DeepEqual(c.w.TopLevel(), c.g.TopLevel()) {
			return c.name + ": TopLevel differs"
		}
		for _, it := range items {
			wok, _ := c.w.Eval(it)
			gok, _ := c.g.Eval(it)
			if wok != gok {
				return fmt.Sprintf("%s on %s: tree %v, text %v", c.name, itemJSON(it), gok, wok)
			}
		}
	}
	if want.Key != nil {
		for _, it := range items {
			if it != nil && want.Key.Matches(it) != got.Key.Matches(it) {
				return "key condition on " + itemJSON(it)
			}
		}
	}
	if want.Projection != nil {
		if !reflect.DeepEqual(want.Projection.TopLevel(), got.Projection.TopLevel()) {
			return "projection: TopLevel differs"
		}
		for _, it := range items {
			if w, g := want.Projection.Apply(it), got.Projection.Apply(it); !attr.ItemsEqual(w, g) {
				return "projection of " + itemJSON(it)
			}
		}
	}
	if want.Update != nil {
		isKey := func(n string) bool { return n == "id" || n == "a" }
		if w, g := want.Update.NestedPathInto(isKey), got.Update.NestedPathInto(isKey); w != g {
			return "NestedPathInto: tree " + g + ", text " + w
		}
		if w, g := want.Update.StaticAssignments(), got.Update.StaticAssignments(); !reflect.DeepEqual(w, g) {
			return fmt.Sprintf("StaticAssignments: tree %v, text %v", g, w)
		}
		for _, it := range items {
			w, werr := want.Update.Apply(it, keyOf(it))
			g, gerr := got.Update.Apply(it, keyOf(it))
			if fmt.Sprint(werr) != fmt.Sprint(gerr) || !attr.ItemsEqual(w, g) {
				return fmt.Sprintf("update of %s: tree %s %v, text %s %v", itemJSON(it), itemJSON(g), gerr, itemJSON(w), werr)
			}
			if werr == nil && !attr.ItemsEqual(want.Update.Paths().Apply(w), got.Update.Paths().Apply(g)) {
				return "updated paths of " + itemJSON(it)
			}
		}
	}
	return ""
}

// genItems returns n random items, among them no item at all.
func genItems(g *treeGen, n int) []attr.Item {
	items := []attr.Item{nil}
	for len(items) < n {
		items = append(items, g.item())
	}
	return items
}

// TestTreesMatchText is the differential test: random trees, printed as
// the text (with placeholders) a client would send, must compile to the
// same objects and errors, and evaluate alike on random items.
func TestTreesMatchText(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	g := &treeGen{ch: randChooser{r}}
	pch := randChooser{rand.New(rand.NewPCG(3, 4))}
	items := genItems(g, 40)
	var out diffOutcome
	n := 4000
	if testing.Short() {
		n = 500
	}
	for i := range n {
		tr := g.trees()
		op := ""
		if i%3 == 0 && tr.Update == nil && tr.Condition == nil {
			// A Query's values may serve only its key condition and
			// filter; a tree has no values to refuse.
			op = "Query"
		}
		compareTrees(t, tr, op, pch, items, &out)
	}
	t.Logf("%d trees: %d compiled, %d refused, %d too long for text", n, out.compiled, out.failed, out.skipped)
	// The comparison is only worth something if both outcomes are common.
	if out.compiled < n/10 || out.failed < n/10 {
		t.Errorf("too few of one outcome: %+v", out)
	}
}

// TestTreesMatchTextByKind runs the differential test on one expression
// at a time, where most trees compile: a request of several expressions
// usually fails on one of them.
func TestTreesMatchTextByKind(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	g := &treeGen{ch: randChooser{r}}
	pch := randChooser{rand.New(rand.NewPCG(7, 8))}
	items := genItems(g, 40)
	for _, k := range []struct {
		name string
		mk   func() *Trees
	}{
		{"condition", func() *Trees { return &Trees{Condition: g.cond()} }},
		{"filter", func() *Trees { return &Trees{Filter: g.cond()} }},
		{"keycondition", func() *Trees { return &Trees{KeyCondition: g.keyCond()} }},
		{"projection", func() *Trees { return &Trees{Projection: g.projection()} }},
		{"update", func() *Trees { return &Trees{Update: g.update()} }},
	} {
		t.Run(k.name, func(t *testing.T) {
			var out diffOutcome
			n := 2000
			if testing.Short() {
				n = 300
			}
			for range n {
				compareTrees(t, k.mk(), "", pch, items, &out)
			}
			t.Logf("%d trees: %d compiled, %d refused, %d too long for text", n, out.compiled, out.failed, out.skipped)
			if out.compiled < n/5 || out.failed < n/50 {
				t.Errorf("too few of one outcome: %+v", out)
			}
		})
	}
}

// FuzzTrees is the differential test driven by the fuzzer's bytes: they
// choose the tree, and the printer's choices.
func FuzzTrees(f *testing.F) {
	for _, s := range []string{"", "\x00\x01\x02", "\x05\x07\x03\x09\x0b", "\x02\x02\x02\x02\x08\x01", "\xff\x10\x20\x30\x40\x50\x60"} {
		f.Add([]byte(s))
	}
	items := genItems(&treeGen{ch: randChooser{rand.New(rand.NewPCG(9, 9))}}, 16)
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &treeGen{ch: &byteChooser{b: data}}
		tr := g.trees()
		compareTrees(t, tr, "", randChooser{rand.New(rand.NewPCG(uint64(len(data)), 1))}, items, &diffOutcome{})
	})
}

// TestTreeExtensions compiles random trees that text cannot write
// (nested arithmetic, arithmetic in function arguments, calls without
// arguments): they must compile or fail with a ValidationException, and
// what compiles must evaluate without crashing.
func TestTreeExtensions(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	g := &treeGen{ch: randChooser{r}, ext: true}
	items := genItems(g, 20)
	compiled := 0
	for range 2000 {
		tr := g.trees()
		c, err := Compile(&Request{Trees: tr}, diffKeys)
		if err != nil {
			if !errors.Is(err, apierr.ValidationException) {
				t.Fatalf("%v is not a ValidationException", err)
			}
			continue
		}
		compiled++
		for _, it := range items {
			c.Condition.Eval(it)
			c.Filter.Eval(it)
			c.Projection.Apply(it)
			if c.Update != nil {
				if _, err := c.Update.Apply(it, keyOf(it)); err != nil && !errors.Is(err, apierr.ValidationException) {
					t.Fatalf("Apply: %v", err)
				}
			}
		}
	}
	if compiled < 200 {
		t.Errorf("only %d of 2000 trees compiled", compiled)
	}
}
