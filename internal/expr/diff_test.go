package expr

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// Differential testing of condition expressions: random items and random
// expressions are evaluated by Compile + Eval and by the reference model
// below, written from the Developer Guide's "Comparison operator and
// function reference" without the evaluator's code: numbers compare with
// math/big, sets compare as sets, size() counts UTF-16 code units. Both
// must give the same answer.

// ref is the reference model's expression tree.
type ref struct {
	kind  string // and, or, not, cmp, between, in, exists, notexists, type, begins, contains
	op    string // cmp: = <> < <= > >=
	kids  []*ref
	args  []refOperand
	tname string // type: the type name
}

// refOperand is a path, a value, or size(path).
type refOperand struct {
	path []any // string for a map key, int for a list index
	val  *attr.Value
	size bool
}

func refResolve(item attr.Item, path []any) (attr.Value, bool) {
	v, ok := item[path[0].(string)]
	for _, p := range path[1:] {
		if !ok {
			return attr.Value{}, false
		}
		switch p := p.(type) {
		case string:
			if v.Type != attr.TypeM {
				return attr.Value{}, false
			}
			v, ok = v.M[p]
		case int:
			if v.Type != attr.TypeL || p >= len(v.L) {
				return attr.Value{}, false
			}
			v = v.L[p]
		}
	}
	return v, ok
}

func refSize(v attr.Value) (attr.Value, bool) {
	n := 0
	switch v.Type {
	case attr.TypeS:
		n = len(utf16.Encode([]rune(v.S)))
	case attr.TypeB:
		n = len(v.B)
	case attr.TypeSS, attr.TypeNS:
		n = len(v.Set)
	case attr.TypeBS:
		n = len(v.BS)
	case attr.TypeL:
		n = len(v.L)
	case attr.TypeM:
		n = len(v.M)
	default:
		return attr.Value{}, false
	}
	return attr.Value{Type: attr.TypeN, S: fmt.Sprint(n)}, true
}

func (o refOperand) eval(item attr.Item) (attr.Value, bool) {
	if o.val != nil {
		return *o.val, true
	}
	v, ok := refResolve(item, o.path)
	if ok && o.size {
		return refSize(v)
	}
	return v, ok
}

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("reference: bad number " + s)
	}
	return r
}

// refEqual is DynamoDB equality: same type and same value, sets as sets,
// numbers by value.
func refEqual(a, b attr.Value) bool {
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case attr.TypeS:
		return a.S == b.S
	case attr.TypeN:
		return rat(a.S).Cmp(rat(b.S)) == 0
	case attr.TypeB:
		return bytes.Equal(a.B, b.B)
	case attr.TypeBOOL:
		return a.Bool == b.Bool
	case attr.TypeNULL:
		return true
	case attr.TypeSS:
		return setEqual(a.Set, b.Set, func(x, y string) bool { return x == y })
	case attr.TypeNS:
		return setEqual(a.Set, b.Set, func(x, y string) bool { return rat(x).Cmp(rat(y)) == 0 })
	case attr.TypeBS:
		return setEqual(a.BS, b.BS, bytes.Equal)
	case attr.TypeL:
		return slices.EqualFunc(a.L, b.L, refEqual)
	case attr.TypeM:
		if len(a.M) != len(b.M) {
			return false
		}
		for k, v := range a.M {
			w, ok := b.M[k]
			if !ok || !refEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

func setEqual[T any](a, b []T, eq func(T, T) bool) bool {
	has := func(s []T, x T) bool { return slices.ContainsFunc(s, func(y T) bool { return eq(x, y) }) }
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !has(b, x) {
			return false
		}
	}
	return true
}

// refOrder orders two values of one scalar key type; ok is false otherwise.
func refOrder(a, b attr.Value) (int, bool) {
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case attr.TypeS:
		return strings.Compare(a.S, b.S), true
	case attr.TypeN:
		return rat(a.S).Cmp(rat(b.S)), true
	case attr.TypeB:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

var typeNames = map[attr.Type]string{attr.TypeS: "S", attr.TypeN: "N", attr.TypeB: "B", attr.TypeBOOL: "BOOL", attr.TypeNULL: "NULL",
	attr.TypeSS: "SS", attr.TypeNS: "NS", attr.TypeBS: "BS", attr.TypeL: "L", attr.TypeM: "M"}

func (r *ref) eval(item attr.Item) bool {
	switch r.kind {
	case "and":
		return r.kids[0].eval(item) && r.kids[1].eval(item)
	case "or":
		return r.kids[0].eval(item) || r.kids[1].eval(item)
	case "not":
		return !r.kids[0].eval(item)
	case "exists":
		_, ok := r.args[0].eval(item)
		return ok
	case "notexists":
		_, ok := r.args[0].eval(item)
		return !ok
	}
	vs := make([]attr.Value, len(r.args))
	for i, a := range r.args {
		v, ok := a.eval(item)
		if !ok {
			// A missing operand makes every test false but <>, which
			// holds when the two sides are not equal.
			return r.kind == "cmp" && r.op == "<>"
		}
		vs[i] = v
	}
	switch r.kind {
	case "cmp":
		switch r.op {
		case "=":
			return refEqual(vs[0], vs[1])
		case "<>":
			return !refEqual(vs[0], vs[1])
		}
		c, ok := refOrder(vs[0], vs[1])
		if !ok {
			return false
		}
		return map[string]bool{"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[r.op]
	case "between":
		c1, ok1 := refOrder(vs[1], vs[0])
		c2, ok2 := refOrder(vs[0], vs[2])
		return ok1 && ok2 && c1 <= 0 && c2 <= 0
	case "in":
		return slices.ContainsFunc(vs[1:], func(w attr.Value) bool { return refEqual(vs[0], w) })
	case "type":
		return typeNames[vs[0].Type] == vs[1].S
	case "begins":
		switch {
		case vs[0].Type == attr.TypeS && vs[1].Type == attr.TypeS:
			return strings.HasPrefix(vs[0].S, vs[1].S)
		case vs[0].Type == attr.TypeB && vs[1].Type == attr.TypeB:
			return bytes.HasPrefix(vs[0].B, vs[1].B)
		}
		return false
	case "contains":
		v, w := vs[0], vs[1]
		switch v.Type {
		case attr.TypeS:
			return w.Type == attr.TypeS && strings.Contains(v.S, w.S)
		case attr.TypeB:
			return w.Type == attr.TypeB && bytes.Contains(v.B, w.B)
		case attr.TypeSS:
			return w.Type == attr.TypeS && slices.Contains(v.Set, w.S)
		case attr.TypeNS:
			return w.Type == attr.TypeN && slices.ContainsFunc(v.Set, func(x string) bool { return rat(x).Cmp(rat(w.S)) == 0 })
		case attr.TypeBS:
			return w.Type == attr.TypeB && slices.ContainsFunc(v.BS, func(x []byte) bool { return bytes.Equal(x, w.B) })
		case attr.TypeL:
			return slices.ContainsFunc(v.L, func(x attr.Value) bool { return refEqual(x, w) })
		}
		return false
	}
	panic("reference: kind " + r.kind)
}

// gen draws random items and expressions from a small pool of values, so
// that equal values and existing paths are common.
type gen struct {
	rng    *rand.Rand
	values attr.Item
	names  map[string]string
}

var (
	poolS = []string{"", "a", "ab", "b", "é", "a\x00"}
	poolN = []string{"0", "1", "-1", "1.5", "10", "1E1", "0.10", "-0.0", "99999999999999999999999999999999999999"}
	poolB = [][]byte{{}, {0}, {0, 1}, {1}, {0xff}}
	// distinct values for sets, which may not hold duplicates
	setN = []string{"0", "1", "-1", "1.5", "10"}
)

func (g *gen) scalar() attr.Value {
	switch g.rng.IntN(3) {
	case 0:
		return attr.String(poolS[g.rng.IntN(len(poolS))])
	case 1:
		return attr.Value{Type: attr.TypeN, S: poolN[g.rng.IntN(len(poolN))]}
	}
	return attr.Binary(poolB[1+g.rng.IntN(len(poolB)-1)])
}

func (g *gen) value(depth int) attr.Value {
	switch r := g.rng.IntN(11); {
	case r < 4:
		v := g.scalar()
		if v.Type == attr.TypeB && len(v.B) == 0 {
			v.B = []byte{7}
		}
		return v
	case r == 4:
		return attr.Bool(g.rng.IntN(2) == 0)
	case r == 5:
		return attr.Null()
	case r == 6:
		n := 1 + g.rng.IntN(3)
		switch g.rng.IntN(3) {
		case 0:
			return attr.StringSet(pick(g.rng, []string{"a", "ab", "b", "é"}, n)...)
		case 1:
			return attr.NumberSet(pick(g.rng, setN, n)...)
		}
		return attr.BinarySet(pick(g.rng, [][]byte{{0}, {0, 1}, {1}, {0xff}}, n)...)
	case r < 9 && depth < 2:
		var l []attr.Value
		for range g.rng.IntN(3) {
			l = append(l, g.value(depth+1))
		}
		return attr.Value{Type: attr.TypeL, L: l}
	case depth < 2:
		m := map[string]attr.Value{}
		for _, k := range []string{"x", "y"} {
			if g.rng.IntN(3) > 0 {
				m[k] = g.value(depth + 1)
			}
		}
		return attr.Value{Type: attr.TypeM, M: m}
	}
	return g.scalar()
}

func pick[T any](rng *rand.Rand, from []T, n int) []T {
	idx := rng.Perm(len(from))[:n]
	out := make([]T, n)
	for i, j := range idx {
		out[i] = from[j]
	}
	return out
}

func (g *gen) item() attr.Item {
	it := attr.Item{}
	for _, name := range []string{"a", "b", "c", "d"} {
		if g.rng.IntN(5) > 0 {
			it[name] = g.value(0)
		}
	}
	return it
}

// placeholder binds v to a fresh :vN and returns its name.
func (g *gen) placeholder(v attr.Value) string {
	name := fmt.Sprintf(":v%d", len(g.values))
	g.values[name] = v
	return name
}

// path returns a random path as expression text and as reference path;
// a name is written through #n placeholders half the time.
func (g *gen) path() (string, []any) {
	top := []string{"a", "b", "c", "d", "e"}[g.rng.IntN(5)]
	text := top
	if g.rng.IntN(2) == 0 {
		text = "#" + top
		g.names[text] = top
	}
	p := []any{top}
	for g.rng.IntN(3) == 0 && len(p) < 3 {
		if g.rng.IntN(2) == 0 {
			k := []string{"x", "y"}[g.rng.IntN(2)]
			text += "." + k
			p = append(p, k)
		} else {
			i := g.rng.IntN(3)
			text += fmt.Sprintf("[%d]", i)
			p = append(p, i)
		}
	}
	return text, p
}

func (g *gen) operandPath() (string, refOperand) {
	text, p := g.path()
	if g.rng.IntN(5) == 0 {
		return "size(" + text + ")", refOperand{path: p, size: true}
	}
	return text, refOperand{path: p}
}

func (g *gen) operandValue() (string, refOperand) {
	if g.rng.IntN(4) == 0 {
		return g.operandPath()
	}
	v := g.value(0)
	return g.placeholder(v), refOperand{val: &v}
}

func (g *gen) cond(depth int) (string, *ref) {
	r := g.rng.IntN(14)
	if depth >= 3 {
		r = 3 + g.rng.IntN(11)
	}
	switch r {
	case 0, 1:
		kind := []string{"and", "or"}[r]
		lt, lr := g.cond(depth + 1)
		rt, rr := g.cond(depth + 1)
		return "(" + lt + ") " + strings.ToUpper(kind) + " (" + rt + ")", &ref{kind: kind, kids: []*ref{lr, rr}}
	case 2:
		t, k := g.cond(depth + 1)
		return "NOT (" + t + ")", &ref{kind: "not", kids: []*ref{k}}
	case 3, 4, 5:
		op := []string{"=", "<>", "<", "<=", ">", ">="}[g.rng.IntN(6)]
		lt, lo := g.operandPath()
		rt, ro := g.operandValue()
		return lt + " " + op + " " + rt, &ref{kind: "cmp", op: op, args: []refOperand{lo, ro}}
	case 6:
		lt, lo := g.operandPath()
		a, b := g.scalar(), g.scalar()
		for b.Type != a.Type {
			b = g.scalar()
		}
		if c, _ := refOrder(a, b); c > 0 {
			a, b = b, a
		}
		return lt + " BETWEEN " + g.placeholder(a) + " AND " + g.placeholder(b),
			&ref{kind: "between", args: []refOperand{lo, {val: &a}, {val: &b}}}
	case 7:
		lt, lo := g.operandPath()
		args := []refOperand{lo}
		var texts []string
		for range 1 + g.rng.IntN(3) {
			v := g.value(0)
			texts = append(texts, g.placeholder(v))
			args = append(args, refOperand{val: &v})
		}
		return lt + " IN (" + strings.Join(texts, ", ") + ")", &ref{kind: "in", args: args}
	case 8:
		pt, p := g.path()
		return "attribute_exists(" + pt + ")", &ref{kind: "exists", args: []refOperand{{path: p}}}
	case 9:
		pt, p := g.path()
		return "attribute_not_exists(" + pt + ")", &ref{kind: "notexists", args: []refOperand{{path: p}}}
	case 10:
		pt, p := g.path()
		names := []string{"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"}
		tv := attr.String(names[g.rng.IntN(len(names))])
		return "attribute_type(" + pt + ", " + g.placeholder(tv) + ")", &ref{kind: "type", args: []refOperand{{path: p}, {val: &tv}}}
	case 11:
		pt, p := g.path()
		v := g.scalar()
		if v.Type == attr.TypeN {
			v = attr.String("a")
		}
		return "begins_with(" + pt + ", " + g.placeholder(v) + ")", &ref{kind: "begins", args: []refOperand{{path: p}, {val: &v}}}
	default:
		pt, p := g.path()
		v := g.scalar()
		return "contains(" + pt + ", " + g.placeholder(v) + ")", &ref{kind: "contains", args: []refOperand{{path: p}, {val: &v}}}
	}
}

// diffOne generates one item and one condition from seed and compares the
// evaluator with the reference. It reports whether the expression
// compiled (a ValidationException is allowed: DynamoDB refuses some
// operand types up front; any other error fails).
func diffOne(t *testing.T, seed uint64) bool {
	g := &gen{rng: rand.New(rand.NewPCG(seed, seed>>32^0x9e3779b9)), values: attr.Item{}, names: map[string]string{}}
	item := g.item()
	src, model := g.cond(0)
	// Only the placeholders the expression uses may be defined.
	req := &Request{ConditionExpression: &src, Names: g.names, Values: g.values}
	if len(g.names) == 0 {
		req.Names = nil // DynamoDB refuses an empty map
	}
	if len(g.values) == 0 {
		req.Values = nil
	}
	c, err := Compile(req, KeySchema{Hash: "pk"})
	if err != nil {
		if !errors.Is(err, apierr.ValidationException) {
			t.Fatalf("%s: %v is not a ValidationException", src, err)
		}
		if testing.Verbose() && seed%500 == 0 {
			t.Logf("refused: %s: %v", src, err)
		}
		return false
	}
	got, err := c.Condition.Eval(item)
	if err != nil {
		t.Fatalf("%s: Eval: %v", src, err)
	}
	if want := model.eval(item); got != want {
		t.Fatalf("condition %s\nvalues %v\nnames %v\nitem %v\nevaluator %v, reference %v", src, g.values, g.names, item, got, want)
	}
	return true
}

// TestConditionDifferential compares the evaluator with the reference on
// 20 000 random items and conditions.
func TestConditionDifferential(t *testing.T) {
	compiled := 0
	const n = 20000
	for seed := range uint64(n) {
		if diffOne(t, seed) {
			compiled++
		}
	}
	// Most generated conditions are valid; if they stopped compiling the
	// test would compare nothing.
	if compiled < n*8/10 {
		t.Fatalf("only %d of %d generated conditions compiled", compiled, n)
	}
}

// FuzzConditionDifferential lets the fuzzer pick the seeds.
func FuzzConditionDifferential(f *testing.F) {
	f.Add(uint64(1))
	f.Add(uint64(1 << 40))
	f.Fuzz(func(t *testing.T, seed uint64) { diffOne(t, seed) })
}
