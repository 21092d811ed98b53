package partiql

import (
	"fmt"
	"strings"
)

// Binding powers of the infix operators, the reference parser's: comparisons
// (<, BETWEEN, LIKE) bind tighter than equality (=, IS, IN), which binds
// tighter than NOT, AND and OR. All are left-associative.
const (
	precSetOp   = 5
	precSelect  = 6 // SELECT's clauses parse at this power, so UNION ends them
	precOr      = 10
	precAnd     = 20
	precNot     = 30 // NOT's operand parses at this power
	precEquity  = 40
	precCompare = 50
	precAdd     = 60
	precMul     = 70
)

// infixPrec returns t's power as an infix operator, or 0 when t is not one.
func infixPrec(t *token) int {
	switch t.kind {
	case tokStar:
		return precMul
	case tokOperator:
		switch t.text {
		case "or":
			return precOr
		case "and":
			return precAnd
		case "=", "<>", "is", "is_not", "in", "not_in":
			return precEquity
		case "<", "<=", ">", ">=", "between", "not_between", "like", "not_like":
			return precCompare
		case "+", "-", "||":
			return precAdd
		case "/", "%":
			return precMul
		case "union", "union_all", "union_distinct", "intersect", "intersect_all",
			"intersect_distinct", "except", "except_all", "except_distinct", "outer_union",
			"outer_union_all", "outer_union_distinct", "outer_intersect", "outer_intersect_all",
			"outer_intersect_distinct", "outer_except", "outer_except_all", "outer_except_distinct":
			return precSetOp
		}
	}
	return 0
}

var binaryOps = map[string]BinaryOp{
	"or": OpOr, "and": OpAnd, "=": OpEq, "<>": OpNe, "<": OpLt, "<=": OpLe, ">": OpGt,
	">=": OpGe, "+": OpAdd, "-": OpSub, "*": OpMul, "/": OpDiv, "%": OpMod, "||": OpConcat,
}

func (p *parser) enter(t *token) {
	p.depth++
	if p.depth > maxDepth {
		p.fail(t, "Statement is nested too deeply")
	}
}

// expr parses an expression whose operators bind tighter than prec.
func (p *parser) expr(prec int) Expr {
	p.enter(p.peek())
	defer func() { p.depth-- }()
	x := p.unary()
	for {
		op := p.peek()
		opPrec := infixPrec(op)
		if opPrec == 0 || opPrec <= prec {
			return x
		}
		p.advance()
		switch op.text {
		case "is", "is_not":
			x = &Is{Pos: op.pos, Not: op.text == "is_not", X: x, Type: p.typeName()}
			continue
		case "in", "not_in":
			// IN ( ... ) is a list unless the parenthesis opens a subquery.
			if lp := p.peek(); lp.kind == tokLParen && !p.peekAt(1).is("select") && !p.peekAt(1).is("values") {
				p.advance()
				elems := p.args()
				p.expect(tokRParen)
				x = &In{Pos: op.pos, Not: op.text == "not_in", X: x, Set: &List{Pos: lp.pos, Elems: elems}}
				continue
			}
		}
		if p.peek().kind == tokEOF {
			p.fail(op, "Missing right-hand side expression of infix operator")
		}
		if opPrec == precSetOp {
			p.refuse(op.pos, fmt.Sprintf(msgOperation, setOpName(op.text)))
		}
		r := p.expr(opPrec)
		switch op.text {
		case "in", "not_in":
			x = &In{Pos: op.pos, Not: op.text == "not_in", X: x, Set: r}
		case "between", "not_between":
			p.expectKeyword("and", "AND")
			if p.atEnd() {
				p.fail(&p.toks[p.i-1], "Expected expression after AND")
			}
			x = &Between{Pos: op.pos, Not: op.text == "not_between", X: x, Lo: r, Hi: p.expr(opPrec)}
		case "like", "not_like":
			l := &Like{Pos: op.pos, Not: op.text == "not_like", X: x, Pattern: r}
			if t := p.peek(); t.is("escape") {
				p.advance()
				if p.atEnd() {
					p.fail(t, "Expected expression after ESCAPE")
				}
				l.Escape = p.expr(opPrec)
			}
			x = l
		default:
			bop, ok := binaryOps[op.text]
			if op.kind == tokStar {
				bop, ok = OpMul, true
			}
			if !ok {
				// A set operator: refused above; keep parsing.
				bop = OpOr
			}
			x = &Binary{Pos: op.pos, Op: bop, L: x, R: r}
		}
	}
}

func setOpName(op string) string {
	switch {
	case strings.Contains(op, "union"):
		return "Union"
	case strings.Contains(op, "intersect"):
		return "Intersect"
	}
	return "Except"
}

// unary parses a prefix operator and its operand, or a path term. A '-' or
// '+' before a number literal folds into the literal, as the reference
// parser does, so -5 is the literal -5 and - -5 is 5.
func (p *parser) unary() Expr {
	t := p.peek()
	if t.kind != tokOperator || (t.text != "-" && t.text != "+" && t.text != "not") {
		return p.pathTerm(false)
	}
	p.advance()
	if t.text == "not" {
		return &Unary{Pos: t.pos, Op: OpNot, X: p.expr(precNot)}
	}
	p.enter(t)
	defer func() { p.depth-- }()
	x := p.unary()
	if lit, ok := x.(*Literal); ok && lit.Kind == LitNumber {
		if t.text == "-" {
			if strings.HasPrefix(lit.Text, "-") {
				lit.Text = lit.Text[1:]
			} else {
				lit.Text = "-" + lit.Text
			}
		}
		return lit
	}
	op := OpNeg
	if t.text == "+" {
		op = OpPlus
	}
	return &Unary{Pos: t.pos, Op: op, X: x}
}

// pathTerm parses a term and the path steps after it. In simple mode, the
// form of SET and REMOVE targets and DML table names, the root must be an
// identifier, dots take identifiers and brackets a literal or identifier.
func (p *parser) pathTerm(simple bool) Expr {
	var root Expr
	if simple {
		t := p.peek()
		if !isName(t) {
			p.fail(t, "Expected identifier for simple path")
		}
		p.advance()
		root = identOf(t)
	} else {
		root = p.term()
	}
	var steps []Step
	for {
		switch p.peek().kind {
		case tokDot:
			p.advance()
			t := p.peek()
			switch t.kind {
			case tokIdent, tokQuotedIdent:
				steps = append(steps, Step{Pos: t.pos, Kind: StepField, Name: t.text, Quoted: t.kind == tokQuotedIdent})
			case tokStar:
				if simple {
					p.fail(t, "Invalid path dot component for simple path")
				}
				steps = append(steps, Step{Pos: t.pos, Kind: StepUnpivot})
			default:
				p.fail(t, "Invalid path dot component")
			}
			p.advance()
		case tokLBracket:
			lb := p.advance()
			first := p.peek()
			if first.kind == tokStar {
				p.advance()
				p.expect(tokRBracket)
				if simple {
					p.fail(first, "Invalid path component for simple path")
				}
				steps = append(steps, Step{Pos: lb.pos, Kind: StepWildcard})
				continue
			}
			idx := p.expr(-1)
			p.expect(tokRBracket)
			if simple {
				switch idx.(type) {
				case *Literal, *Ident:
				default:
					p.fail(first, "Invalid path component for simple path")
				}
			}
			steps = append(steps, Step{Pos: lb.pos, Kind: StepIndex, Index: idx})
		default:
			if steps == nil {
				return root
			}
			return &Path{Root: root, Steps: steps}
		}
	}
}

// term parses one term: a literal, a parameter, an identifier, a call, a
// collection, a parenthesised group, or a statement (PartiQL lets a SELECT
// or a DML statement stand where a term does; DynamoDB takes one only as
// the whole statement).
func (p *parser) term() Expr {
	top := p.top
	p.top = false
	t := p.peek()
	switch t.kind {
	case tokOperator:
		if t.text == "@" {
			p.advance()
			n := p.peek()
			if !isName(n) {
				p.fail(n, "Identifier must follow @-operator")
			}
			p.advance()
			p.refuse(t.pos, fmt.Sprintf(msgOperation, "Id"))
			return identOf(n)
		}
		p.fail(t, "Unexpected operator")
	case tokKeyword:
		return p.keywordTerm(t, top)
	case tokLParen:
		// The reference parser drops the parentheses of a one-element
		// group, so (SELECT ...) is the statement itself: the group's
		// first term is as outermost as the group.
		p.advance()
		p.top = top
		elems := p.args()
		p.expect(tokRParen)
		if len(elems) == 1 {
			return elems[0]
		}
		return &List{Pos: t.pos, Elems: elems}
	case tokLBracket:
		p.advance()
		l := &List{Pos: t.pos}
		if p.peek().kind == tokRBracket {
			p.advance()
			return l
		}
		l.Elems = p.args()
		p.expect(tokRBracket)
		return l
	case tokLBag:
		p.advance()
		b := &Bag{Pos: t.pos}
		if p.peek().kind == tokRBag {
			p.advance()
			return b
		}
		b.Elems = p.args()
		p.expect(tokRBag)
		return b
	case tokLCurly:
		p.advance()
		tu := &Tuple{Pos: t.pos}
		if p.peek().kind == tokRCurly {
			p.advance()
			return tu
		}
		for {
			k := p.expr(-1)
			p.expect(tokColon)
			tu.Fields = append(tu.Fields, Field{Key: k, Value: p.expr(-1)})
			if p.peek().kind != tokComma {
				break
			}
			p.advance()
		}
		p.expect(tokRCurly)
		return tu
	case tokIdent, tokQuotedIdent:
		p.advance()
		if p.peek().kind == tokLParen {
			return p.call(t)
		}
		return identOf(t)
	case tokParam:
		p.advance()
		p.nparams++
		return &Param{Pos: t.pos, Index: p.nparams - 1}
	case tokString, tokNumber, tokBool, tokNull, tokMissing, tokIon:
		p.advance()
		return &Literal{Pos: t.pos, Kind: litKinds[t.kind], Text: t.text}
	}
	p.fail(t, "Unexpected term")
	return nil
}

var litKinds = map[tokKind]LitKind{tokString: LitString, tokNumber: LitNumber, tokBool: LitBool,
	tokNull: LitNull, tokMissing: LitMissing, tokIon: LitIon}

// keywordTerm parses a term that starts with a keyword: a statement, a
// call of a function whose name is a keyword (size, exists, count), or
// nothing DynamoDB's PartiQL has ("Unexpected keyword"). PartiQL's CASE,
// CAST, SUBSTRING ... FROM, TRIM, EXTRACT and VALUES are not parsed: they
// are refused as unexpected keywords.
func (p *parser) keywordTerm(t *token, top bool) Expr {
	switch t.text {
	case "select":
		p.advance()
		return p.statementTerm(p.selectRest(t), top)
	case "from":
		p.advance()
		return p.statementTerm(p.fromFirst(t), top)
	case "update":
		p.advance()
		return p.statementTerm(p.update(t), top)
	case "delete":
		p.advance()
		return p.statementTerm(p.delete(t), top)
	case "insert_into":
		p.advance()
		ins := p.insertRest(t)
		if ins.returning {
			p.refuse(ins.returningPos, msgInsertReturning)
		}
		return p.statementTerm(ins.Insert, top)
	case "pivot":
		// PIVOT v AT k FROM ...: a SELECT whose projection DynamoDB refuses.
		p.advance()
		p.refuse(t.pos, msgSelectValue)
		p.expr(-1)
		if at := p.peek(); at.kind != tokAt {
			p.fail(at, "Expected AT keyword")
		}
		p.advance()
		p.expr(-1)
		s := &Select{Pos: t.pos}
		p.selectAfterProjection(s)
		return p.statementTerm(s, top)
	case "exists":
		if p.peekAt(1).kind == tokLParen && p.peekAt(2).is("select") {
			p.advance()
			p.advance()
			sel := p.peek()
			p.advance()
			s := p.selectRest(sel)
			p.expect(tokRParen)
			if !top {
				p.refuse(sel.pos, fmt.Sprintf(msgOperation, "Select"))
			}
			return &stmtExpr{s: &Exists{Pos: t.pos, Select: s}}
		}
	}
	if functionKeywords[t.text] && p.peekAt(1).kind == tokLParen {
		p.advance()
		return p.call(t)
	}
	p.fail(t, "Unexpected keyword")
	return nil
}

// statementTerm returns a statement parsed as a term. Only the outermost
// term may be one.
func (p *parser) statementTerm(s Statement, top bool) Expr {
	e := &stmtExpr{s: s}
	if !top {
		p.refuse(s.Position(), fmt.Sprintf(msgOperation, opName(e)))
	}
	return e
}

var aggregates = makeSet("count", "avg", "max", "min", "sum")

// call parses a call's arguments; the '(' is next. Function names fold to
// lower case, as in the reference parser.
func (p *parser) call(name *token) Expr {
	p.advance()
	c := &Call{Pos: name.pos, Name: asciiLower(name.text)}
	switch t := p.peek(); t.kind {
	case tokStar:
		p.fail(t, name.text+"(*) is not allowed")
	case tokRParen:
		p.advance()
	default:
		c.Args = p.args()
		p.expect(tokRParen)
	}
	if aggregates[c.Name] && len(c.Args) != 1 {
		p.fail(name, "Aggregate functions are always unary")
	}
	return c
}

// args parses a comma-separated list of one or more expressions.
func (p *parser) args() []Expr {
	var out []Expr
	for {
		out = append(out, p.expr(-1))
		if p.peek().kind != tokComma {
			return out
		}
		p.advance()
	}
}

// typeArity gives each type name IS accepts the number of parameters it
// may take, in the reference parser's canonical spelling.
var typeArity = map[string][2]int{
	"missing": {0, 0}, "null": {0, 0}, "boolean": {0, 0}, "smallint": {0, 0},
	"integer4": {0, 0}, "integer8": {0, 0}, "integer": {0, 0}, "float": {0, 1}, "real": {0, 0},
	"double_precision": {0, 0}, "decimal": {0, 2}, "numeric": {0, 2}, "timestamp": {0, 0},
	"date": {0, 0}, "time": {0, 1}, "character": {0, 1}, "character_varying": {0, 1},
	"string": {0, 0}, "symbol": {0, 0}, "clob": {0, 0}, "blob": {0, 0}, "struct": {0, 0},
	"tuple": {0, 0}, "list": {0, 0}, "sexp": {0, 0}, "bag": {0, 0}, "any": {0, 0},
}

// typeName parses the type after IS [NOT].
func (p *parser) typeName() TypeName {
	t := p.peek()
	var name string
	switch t.kind {
	case tokNull, tokMissing, tokKeyword:
		name = t.text
	}
	arity, ok := typeArity[name]
	if !ok {
		p.fail(t, "Expected type name")
	}
	p.advance()
	tn := TypeName{Pos: t.pos, Name: name}
	if p.peek().kind == tokLParen {
		p.advance()
		for _, a := range p.args() {
			lit, ok := a.(*Literal)
			if !ok || lit.Kind != LitNumber || !isUnsignedInteger(lit.Text) {
				p.fail(t, "Type parameter must be an unsigned integer literal")
			}
			tn.Args = append(tn.Args, lit.Text)
		}
		p.expect(tokRParen)
	}
	if n := len(tn.Args); n < arity[0] || n > arity[1] {
		p.fail(p.peek(), fmt.Sprintf("IS type argument %s must have arity of %d..%d", name, arity[0], arity[1]))
	}
	return tn
}

func isUnsignedInteger(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
