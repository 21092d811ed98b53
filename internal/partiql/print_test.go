package partiql

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestRoundTripGenerated is the printer's property test: for random trees
// of every shape the parser produces, parse(Format(tree)) is the tree
// again. Trees come from a generator rather than from text so that
// operator nestings no one would write (NOT as the right operand of =,
// IN NOT x, a path off a literal) are covered.
func TestRoundTripGenerated(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for seed := uint64(0); seed < uint64(n); seed++ {
		g := gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
		s := g.statement()
		for i, p := range Params(s) {
			p.Index = i
		}
		want := Dump(s)
		text := Format(s)
		s2, err := Parse(text)
		if err != nil {
			t.Fatalf("seed %d: %s\nprinted %q\ndoes not parse: %v", seed, want, text, err)
		}
		if got := Dump(s2); got != want {
			t.Fatalf("seed %d: printed %q\n want %s\n  got %s", seed, text, want, got)
		}
	}
}

// gen builds random trees that the parser could have produced: no sign
// applied to a number literal (the parser folds it), IN's set a list or
// an operand that binds tighter than IN, simple paths where PartiQL wants
// them.
type gen struct {
	r     *rand.Rand
	depth int
}

func (g *gen) n(k int) int  { return g.r.IntN(k) }
func (g *gen) chance() bool { return g.r.IntN(2) == 0 }

var (
	genNames   = []string{"a", "b", "pk", "sk", "Artist", "_x", "$y", "a1", "year"}
	genQuoted  = []string{"a", "with space", "it\"s", "value", "SELECT", "ünï", "", "1x"}
	genStrings = []string{"", "x", "it's", "a -- b", "/* c */", "line\nbreak", "☃", "\"q\""}
	genNumbers = []string{"0", "12", "1.5", "1.", ".5", "1e5", "2.5E-3", "-7", "-.5e1", "-0", "123456789012345678901234567890123456789"}
	genTypes   = []TypeName{{Name: "missing"}, {Name: "null"}, {Name: "boolean"}, {Name: "string"},
		{Name: "double_precision"}, {Name: "character_varying", Args: []string{"10"}},
		{Name: "decimal", Args: []string{"5", "2"}}, {Name: "integer4"}, {Name: "tuple"}}
	genFuncs  = []string{"begins_with", "contains", "attribute_exists", "size", "exists", "list_append", "value", "f"}
	genTables = []string{"Music", "my-table.v2", "Tab", "Strings"}
)

func (g *gen) ident() *Ident {
	if g.chance() {
		return &Ident{Name: genNames[g.n(len(genNames))]}
	}
	return &Ident{Name: genQuoted[g.n(len(genQuoted))], Quoted: true}
}

func (g *gen) table() Ident {
	name := genTables[g.n(len(genTables))]
	return Ident{Name: name, Quoted: strings.ContainsAny(name, "-.") || g.chance()}
}

func (g *gen) literal() Expr {
	switch g.n(7) {
	case 0, 1:
		return &Literal{Kind: LitString, Text: genStrings[g.n(len(genStrings))]}
	case 2, 3:
		return &Literal{Kind: LitNumber, Text: genNumbers[g.n(len(genNumbers))]}
	case 4:
		return &Literal{Kind: LitBool, Text: []string{"true", "false"}[g.n(2)]}
	case 5:
		return &Literal{Kind: []LitKind{LitNull, LitMissing}[g.n(2)], Text: []string{"null", "missing"}[g.n(2)]}
	}
	return &Literal{Kind: LitIon, Text: "{a: 1}"}
}

// fixLiteralText makes a null or missing literal's text match its kind,
// as the lexer would.
func fixLiteralText(e Expr) Expr {
	if l, ok := e.(*Literal); ok {
		switch l.Kind {
		case LitNull:
			l.Text = "null"
		case LitMissing:
			l.Text = "missing"
		}
	}
	return e
}

// simplePath is a SET or REMOVE target.
func (g *gen) simplePath() Expr {
	root := g.ident()
	if g.chance() {
		return root
	}
	p := &Path{Root: root}
	for i := 0; i <= g.n(3); i++ {
		if g.chance() {
			id := g.ident()
			p.Steps = append(p.Steps, Step{Kind: StepField, Name: id.Name, Quoted: id.Quoted})
		} else if g.chance() {
			p.Steps = append(p.Steps, Step{Kind: StepIndex, Index: &Literal{Kind: LitNumber, Text: genNumbers[g.n(3)]}})
		} else {
			p.Steps = append(p.Steps, Step{Kind: StepIndex, Index: g.ident()})
		}
	}
	return p
}

func (g *gen) exprs(max int) []Expr {
	var out []Expr
	for i := 0; i < g.n(max+1); i++ {
		out = append(out, g.expr())
	}
	return out
}

// primary is an expression that prints without operators at its top.
func (g *gen) primary() Expr {
	switch g.n(9) {
	case 0, 1:
		return g.ident()
	case 2, 3:
		return fixLiteralText(g.literal())
	case 4:
		return &Param{}
	case 5:
		return &List{Elems: g.exprs(3)}
	case 6:
		return &Bag{Elems: g.exprs(3)}
	case 7:
		t := &Tuple{}
		for i := 0; i < g.n(3); i++ {
			t.Fields = append(t.Fields, Field{Key: g.expr(), Value: g.expr()})
		}
		return t
	}
	name := genFuncs[g.n(len(genFuncs))]
	return &Call{Name: name, Args: g.exprs(3)}
}

func (g *gen) expr() Expr {
	g.depth++
	defer func() { g.depth-- }()
	if g.depth > 4 {
		return g.primary()
	}
	switch g.n(14) {
	case 0, 1, 2:
		return g.primary()
	case 3:
		p := &Path{Root: g.ident()}
		if g.n(4) == 0 {
			p.Root = g.expr()
		}
		for i := 0; i <= g.n(3); i++ {
			switch g.n(4) {
			case 0:
				p.Steps = append(p.Steps, Step{Kind: StepIndex, Index: g.expr()})
			case 1:
				p.Steps = append(p.Steps, Step{Kind: []StepKind{StepWildcard, StepUnpivot}[g.n(2)]})
			default:
				id := g.ident()
				p.Steps = append(p.Steps, Step{Kind: StepField, Name: id.Name, Quoted: id.Quoted})
			}
		}
		return p
	case 4:
		x := g.expr()
		if isNumber(x) {
			x = g.ident()
		}
		return &Unary{Op: []UnaryOp{OpNot, OpNeg, OpPlus}[g.n(3)], X: x}
	case 5, 6, 7:
		return &Binary{Op: BinaryOp(1 + g.n(int(OpConcat))), L: g.expr(), R: g.expr()}
	case 8:
		return &Between{Not: g.chance(), X: g.expr(), Lo: g.expr(), Hi: g.expr()}
	case 9:
		var set Expr = &List{Elems: g.exprs(3)}
		if g.chance() {
			// Anything binding tighter than IN, or a NOT, can follow IN
			// without parentheses; but not text starting with '(', which
			// the parser reads as IN's list.
			for set = g.expr(); (precOf(set) <= precEquity && !isNot(set)) ||
				strings.HasPrefix(Format(set), "("); set = g.expr() {
			}
		}
		return &In{Not: g.chance(), X: g.expr(), Set: set}
	case 10:
		l := &Like{Not: g.chance(), X: g.expr(), Pattern: g.expr()}
		if g.chance() {
			l.Escape = g.expr()
		}
		return l
	case 11:
		return &Is{Not: g.chance(), X: g.expr(), Type: genTypes[g.n(len(genTypes))]}
	}
	return g.primary()
}

func isNot(e Expr) bool {
	u, ok := e.(*Unary)
	return ok && u.Op == OpNot
}

func (g *gen) maybe() Expr {
	if g.chance() {
		return g.expr()
	}
	return nil
}

func (g *gen) returning(modes ...ReturnMode) *Returning {
	if g.chance() {
		return nil
	}
	return &Returning{Mode: modes[g.n(len(modes))]}
}

func (g *gen) selectStmt() *Select {
	s := &Select{From: Table{Name: g.table()}}
	if g.chance() {
		s.From.Index = g.ident()
	}
	if g.chance() {
		s.Star = true
	} else {
		for i := 0; i <= g.n(3); i++ {
			e := g.expr()
			// The select list refuses wildcards in paths; keep them out.
			if p, ok := e.(*Path); ok {
				for _, st := range p.Steps {
					if st.Kind == StepWildcard || st.Kind == StepUnpivot {
						e = g.ident()
						break
					}
				}
			}
			s.Items = append(s.Items, e)
		}
	}
	s.Where = g.maybe()
	for i := 0; i < g.n(3); i++ {
		s.OrderBy = append(s.OrderBy, OrderItem{Expr: g.expr(), Desc: g.chance()})
	}
	return s
}

func (g *gen) statement() Statement {
	switch g.n(5) {
	case 0:
		return g.selectStmt()
	case 1:
		in := &Insert{Table: g.table(), Value: g.expr()}
		if g.n(4) == 0 {
			in.OnConflict = g.expr()
		}
		return in
	case 2:
		u := &Update{Table: g.table(), FromFirst: g.chance(), Where: g.maybe(),
			Returning: g.returning(ReturnAllOld, ReturnModifiedOld, ReturnAllNew, ReturnModifiedNew)}
		for i := 0; i <= g.n(4); i++ {
			if g.chance() {
				u.Actions = append(u.Actions, Action{Kind: ActionSet, Path: g.simplePath(), Value: g.expr()})
			} else {
				u.Actions = append(u.Actions, Action{Kind: ActionRemove, Path: g.simplePath()})
			}
		}
		return u
	case 3:
		return &Delete{Table: g.table(), Where: g.maybe(), Returning: g.returning(ReturnAllOld)}
	}
	return &Exists{Select: g.selectStmt()}
}

// TestFormat pins the printer's choices on a few trees.
func TestFormat(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`select a from "Music" where not a = 1 and b in (1, 2)`, `SELECT a FROM "Music" WHERE NOT a = 1 AND b IN [1, 2]`},
		{`SELECT * FROM "Music" WHERE a = NOT b`, `SELECT * FROM "Music" WHERE a = (NOT b)`},
		{`SELECT * FROM "Music" WHERE a AND (NOT b) OR NOT c`, `SELECT * FROM "Music" WHERE a AND NOT b OR NOT c`},
		{`SELECT * FROM "Music" WHERE a IN NOT b`, `SELECT * FROM "Music" WHERE (a IN NOT b)`},
		{`SELECT * FROM "Music" WHERE - (- a) = 1`, `SELECT * FROM "Music" WHERE -(-a) = 1`},
		{`SELECT * FROM "Music" WHERE (a - b) - (c - d) = 1`, `SELECT * FROM "Music" WHERE a - b - (c - d) = 1`},
		{`SELECT * FROM "Music" WHERE (5).a = 1`, `SELECT * FROM "Music" WHERE (5).a = 1`},
		{`SELECT * FROM "Music" WHERE "value"(x) AND "Size"(y) AND "count"(z)`, `SELECT * FROM "Music" WHERE "value"(x) AND size(y) AND count(z)`},
		{`SELECT * FROM "Music" WHERE x is double precision`, `SELECT * FROM "Music" WHERE x IS DOUBLE PRECISION`},
		{`SELECT * FROM "Music" WHERE a = 'it''s'`, `SELECT * FROM "Music" WHERE a = 'it''s'`},
		{`UPDATE "Music" SET a = 1, b = 2 REMOVE c WHERE pk = ? RETURNING modified new *`, `UPDATE "Music" SET a = 1 SET b = 2 REMOVE c WHERE pk = ? RETURNING MODIFIED NEW *`},
		{`from Music where pk = 1 set a = 1`, `FROM Music WHERE pk = 1 SET a = 1`},
		{`exists(select * from Music where pk = 1)`, `EXISTS(SELECT * FROM Music WHERE pk = 1)`},
	} {
		s, err := Parse(c.in)
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := Format(s); got != c.want {
			t.Errorf("Format(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	// A name built by hand that cannot be read bare is quoted.
	if got := Format(&Ident{Name: "select"}); got != `"select"` {
		t.Errorf("keyword identifier printed %s", got)
	}
	if got := Format(&Ident{Name: "a b"}); got != `"a b"` {
		t.Errorf("identifier with a space printed %s", got)
	}
}
