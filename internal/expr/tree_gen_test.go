package expr

import (
	"math/rand/v2"
	"strconv"

	"github.com/dynago/dynago/internal/attr"
)

// chooser is the source of a generator's choices: math/rand for the
// random tests, the fuzzer's bytes for FuzzTrees.
type chooser interface{ intn(n int) int }

type randChooser struct{ r *rand.Rand }

func (c randChooser) intn(n int) int { return c.r.IntN(n) }

// byteChooser reads choices from bytes; once they run out every choice is
// 0, which the generator makes the smallest (a leaf, the first name), so
// every input gives a finite tree.
type byteChooser struct {
	b []byte
	i int
}

func (c *byteChooser) intn(n int) int {
	if c.i >= len(c.b) {
		return 0
	}
	v := int(c.b[c.i])
	c.i++
	return v % n
}

// treeGen builds random trees and items over a small vocabulary, so that
// paths of conditions, updates and items meet often. Every tree it makes
// can be written as DynamoDB text (the printer's form), unless ext is set:
// then it also uses what only trees can say (nested arithmetic,
// functions without arguments).
type treeGen struct {
	ch    chooser
	ext   bool
	depth int
}

func (g *treeGen) n(k int) int { return g.ch.intn(k) }

// Top-level names: the key (id, sk), plain names, a reserved word, and
// names only a placeholder can write.
var genNames = []string{"a", "b", "id", "c", "name", "x.y", "sk", "l", "s", "#z"}

// Nested map keys.
var genKeys = []string{"a", "b", "k", "size"}

func (g *treeGen) path() Path {
	p := Attr(genNames[g.n(len(genNames))])
	for range g.n(3) {
		switch g.n(9) {
		case 0, 1, 2:
			p = p.At(g.n(3))
		case 3:
			if g.n(20) == 0 {
				p = p.At(maxListIndex + 1)
			} else {
				p = p.At(g.n(3))
			}
		default:
			p = p.Key(genKeys[g.n(len(genKeys))])
		}
	}
	if g.n(60) == 0 { // too deep
		for range maxPathDepth {
			p = p.Key("d")
		}
	}
	return p
}

func num(s string) attr.Value { return attr.Value{Type: attr.TypeN, S: s} }

// genValues are the literals: every type, some equal to each other or to
// parts of the items, and type names for attribute_type.
var genValues = []attr.Value{
	attr.String("a"), attr.String("ab"), attr.String("b"), attr.String("S"), attr.String("N"), attr.String("NULL"),
	attr.String("SS"), attr.String("XX"), attr.String("é"),
	num("1"), num("2"), num("10"), num("-1.5"), num("1e3"), num("99999999999999999999999999999999999999"),
	attr.Binary([]byte{1}), attr.Binary([]byte{1, 2}),
	attr.Bool(true), attr.Bool(false), {Type: attr.TypeNULL},
	{Type: attr.TypeSS, Set: []string{"a", "b"}}, {Type: attr.TypeSS, Set: []string{"c"}},
	{Type: attr.TypeNS, Set: []string{"1", "2"}}, {Type: attr.TypeBS, BS: [][]byte{{1}}},
	{Type: attr.TypeL, L: []attr.Value{attr.String("a"), num("1")}}, {Type: attr.TypeL},
	{Type: attr.TypeM, M: map[string]attr.Value{"a": num("1")}},
}

func (g *treeGen) value() attr.Value { return genValues[g.n(len(genValues))] }

func (g *treeGen) literal() Literal { return Val(g.value()) }

// typed is mostly a value of one of types, so that trees pass the type
// rules often enough to be evaluated; sometimes any value.
func (g *treeGen) typed(types ...attr.Type) attr.Value {
	if g.n(6) == 0 {
		return g.value()
	}
	var pool []attr.Value
	for _, v := range genValues {
		for _, t := range types {
			if v.Type == t {
				pool = append(pool, v)
			}
		}
	}
	return pool[g.n(len(pool))]
}

// condFuncNames are names to call in conditions: the real ones, size, an
// update function, and unknown ones.
var condFuncNames = []string{"attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains",
	"size", "size", "if_not_exists", "foo", "Size"}

// operand is a condition operand.
func (g *treeGen) operand() Operand {
	g.depth++
	defer func() { g.depth-- }()
	switch k := g.n(12); {
	case k < 6 || g.depth > 3:
		if g.n(3) == 0 {
			return g.literal()
		}
		return g.path()
	case k < 10:
		return Size(g.operand())
	default:
		return Call{Func: condFuncNames[g.n(len(condFuncNames))], Args: g.args(1 + g.n(2))}
	}
}

// args returns about n operands: sometimes one fewer or more, never none
// unless ext.
func (g *treeGen) args(n int) []Operand {
	switch g.n(8) {
	case 0:
		n++
	case 1:
		n--
	}
	if n < 1 && !g.ext {
		n = 1
	}
	out := make([]Operand, max(n, 0))
	for i := range out {
		out[i] = g.operand()
	}
	return out
}

var compareOps = []CompareOp{EQ, NE, LT, LE, GT, GE}

// cond is a condition.
func (g *treeGen) cond() Cond {
	g.depth++
	defer func() { g.depth-- }()
	k := g.n(16)
	if g.depth > 4 {
		k = 4 + g.n(12)
	}
	switch {
	case k < 2:
		return And{g.cond(), g.cond()}
	case k < 3:
		return Or{g.cond(), g.cond()}
	case k < 4:
		return Not{g.cond()}
	case k < 9:
		return Compare(compareOps[g.n(len(compareOps))], g.operand(), g.operand())
	case k < 10:
		return Between{g.operand(), g.operand(), g.operand()}
	case k < 11:
		list := make([]Operand, 1+g.n(3))
		if g.n(40) == 0 {
			list = make([]Operand, maxInOperands+1)
		}
		for i := range list {
			list[i] = g.operand()
		}
		return In{g.operand(), list}
	default:
		name := condFuncNames[g.n(len(condFuncNames))]
		if name == "size" && g.depth > 1 && !g.ext {
			// Text reads size(a) before a ")" as an operand in
			// parentheses, a syntax error: only the whole condition
			// may be size(a) here (TestTreeForms has it in chains).
			name = "contains"
		}
		arity := condFuncs[name]
		if arity == 0 {
			arity = 1 + g.n(2)
		}
		return FuncCond{Func: name, Args: g.args(arity)}
	}
}

// keyCond is mostly a well-formed key condition on id and sk.
func (g *treeGen) keyCond() Cond {
	if g.n(5) == 0 {
		return g.cond()
	}
	hash := Compare(EQ, Attr("id"), g.literal())
	if g.n(3) == 0 {
		return hash
	}
	sk := Attr("sk")
	var r Cond
	switch g.n(4) {
	case 0:
		r = Compare(compareOps[g.n(len(compareOps))], sk, g.literal())
	case 1:
		r = Compare(compareOps[g.n(len(compareOps))], g.literal(), sk)
	case 2:
		r = Between{sk, g.literal(), g.literal()}
	default:
		r = BeginsWith(sk, g.literal())
	}
	if g.n(2) == 0 {
		return And{r, hash}
	}
	return And{hash, r}
}

var updateFuncNames = []string{"if_not_exists", "list_append", "list_append", "if_not_exists", "if_not_exists", "list_append", "size", "foo"}

// setValue is the value of a SET.
func (g *treeGen) setValue() Operand {
	switch g.n(5) {
	case 0, 1:
		return g.updateOperand()
	default:
		op := OpPlus
		if g.n(2) == 0 {
			op = OpMinus
		}
		l, r := g.updateOperand(attr.TypeN), g.updateOperand(attr.TypeN)
		if g.ext && g.n(3) == 0 {
			l = g.setValue()
		}
		return Arith{Op: op, Left: l, Right: r}
	}
}

// updateOperand is a path, literal or function call of an update; a
// literal is mostly of one of types, when given.
func (g *treeGen) updateOperand(types ...attr.Type) Operand {
	g.depth++
	defer func() { g.depth-- }()
	switch k := g.n(8); {
	case k < 5 || g.depth > 3:
		if g.n(2) == 0 {
			if len(types) > 0 {
				return Val(g.typed(types...))
			}
			return g.literal()
		}
		return g.path()
	default:
		name := updateFuncNames[g.n(len(updateFuncNames))]
		if name == "list_append" {
			types = []attr.Type{attr.TypeL}
		}
		n := 2
		switch g.n(8) {
		case 0:
			n = 1
		case 1:
			n = 3
		case 2:
			if g.ext {
				n = 0
			}
		}
		args := make([]Operand, n)
		for i := range args {
			if g.ext && g.n(4) == 0 {
				args[i] = g.setValue()
			} else {
				args[i] = g.updateOperand(types...)
			}
		}
		if name == "if_not_exists" && n > 0 && g.n(4) != 0 {
			args[0] = g.path()
		}
		return Call{Func: name, Args: args}
	}
}

// update is 1 to 4 clauses, each kind once, in a random order.
func (g *treeGen) update() []Action {
	kinds := []ActionKind{SetAction, RemoveAction, AddAction, DeleteAction}
	g.shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	kinds = kinds[:1+g.n(3)]
	var out []Action
	for _, k := range kinds {
		for range 1 + g.n(2)*g.n(2) {
			p := g.path()
			switch k {
			case SetAction:
				out = append(out, Set(p, g.setValue()))
			case RemoveAction:
				out = append(out, Remove(p))
			case AddAction:
				out = append(out, Add(p, g.typed(attr.TypeN, attr.TypeSS, attr.TypeNS, attr.TypeBS)))
			default:
				out = append(out, Delete(p, g.typed(attr.TypeSS, attr.TypeNS, attr.TypeBS)))
			}
		}
	}
	return out
}

func (g *treeGen) projection() []Path {
	out := make([]Path, 1+g.n(3))
	for i := range out {
		out[i] = g.path()
	}
	return out
}

func (g *treeGen) shuffle(n int, swap func(i, j int)) {
	for i := n - 1; i > 0; i-- {
		swap(i, g.n(i+1))
	}
}

// trees is a random request: each expression present or not.
func (g *treeGen) trees() *Trees {
	t := &Trees{}
	for t.Condition == nil && t.Filter == nil && t.KeyCondition == nil && t.Projection == nil && t.Update == nil {
		if g.n(3) == 0 {
			t.Update = g.update()
		}
		if g.n(3) == 0 {
			t.Condition = g.cond()
		}
		if g.n(4) == 0 {
			t.KeyCondition = g.keyCond()
		}
		if g.n(4) == 0 {
			t.Filter = g.cond()
		}
		if g.n(4) == 0 {
			t.Projection = g.projection()
		}
	}
	return t
}

// itemValue is a random attribute value, nested up to depth.
func (g *treeGen) itemValue(depth int) attr.Value {
	k := g.n(10)
	if depth <= 0 && k >= 8 {
		k = g.n(8)
	}
	switch k {
	case 0, 1, 2, 3, 4:
		return g.value()
	case 5:
		return attr.String(strconv.Itoa(g.n(3)))
	case 6:
		return num(strconv.Itoa(g.n(12)))
	case 7:
		return attr.String("abc")
	case 8:
		l := make([]attr.Value, g.n(4))
		for i := range l {
			l[i] = g.itemValue(depth - 1)
		}
		return attr.Value{Type: attr.TypeL, L: l}
	default:
		m := map[string]attr.Value{}
		for range g.n(4) {
			m[genKeys[g.n(len(genKeys))]] = g.itemValue(depth - 1)
		}
		return attr.Value{Type: attr.TypeM, M: m}
	}
}

// item is a random item with key attributes id and sk, or nil (no item).
func (g *treeGen) item() attr.Item {
	if g.n(10) == 0 {
		return nil
	}
	it := attr.Item{"id": attr.String("k"), "sk": num(strconv.Itoa(g.n(3)))}
	if g.n(3) == 0 {
		it["id"] = g.value()
	}
	for range g.n(6) {
		it[genNames[g.n(len(genNames))]] = g.itemValue(3)
	}
	return it
}
