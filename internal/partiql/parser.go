package partiql

import (
	"fmt"
)

// maxDepth bounds expression nesting. A statement is at most 8192
// characters (the API's limit), so no statement DynamoDB would take nests
// this deep; the bound only keeps a longer input from exhausting the stack.
const maxDepth = 10000

// Parse parses one statement. It returns an *Error, DynamoDB's
// ValidationException message included, for a statement DynamoDB refuses
// before it looks at a table: a syntax error, or a construct that parses
// but that DynamoDB does not support (an alias, SELECT VALUE, a join,
// several RETURNING elements, ...). Everything that needs the table's
// schema, the parameters or the operation (the key conditions, which
// functions are allowed where, types of values) is the planner's.
//
// Like DynamoDB, which runs PartiQL's reference parser over the whole
// statement before its translator looks at what was parsed, Parse reports
// a syntax error anywhere in the statement before an unsupported construct,
// and the first unsupported construct in the statement otherwise.
func Parse(src string) (Statement, error) {
	toks, lerr := lex(src)
	if lerr != nil {
		return nil, lerr
	}
	p := parser{toks: toks, top: true}
	s, err := p.statement()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// parser is a recursive-descent parser over the tokens, shaped after the
// reference parser (a Pratt parser for expressions in which a statement is
// itself a term), because that shape decides which message DynamoDB gives
// a malformed statement. Syntax errors panic with a *Error and are
// recovered in statement; refusals of parsed constructs are kept in
// deferred and reported only if the whole statement parses.
type parser struct {
	toks     []token
	i        int
	nparams  int
	top      bool // the next term is the statement's outermost
	depth    int
	deferred *Error
}

// statement parses the whole token list.
func (p *parser) statement() (s Statement, err *Error) {
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			s, err = nil, e
		}
	}()
	e := p.expr(-1)
	if !p.atEnd() {
		t := p.peek()
		if t.kind == tokSemicolon {
			p.fail(p.peekAt(1), "Unexpected token after semicolon. (Only one query is allowed.)")
		}
		p.fail(t, "Unexpected token after expression")
	}
	if se, ok := e.(*stmtExpr); ok {
		s = se.s
	} else {
		p.refuse(e.Position(), fmt.Sprintf(msgOperation, opName(e)))
	}
	if p.deferred != nil {
		return nil, p.deferred
	}
	return s, nil
}

func (p *parser) peek() *token { return &p.toks[p.i] }

// peekAt returns the token n places ahead, or the final EOF.
func (p *parser) peekAt(n int) *token {
	if p.i+n >= len(p.toks) {
		return &p.toks[len(p.toks)-1]
	}
	return &p.toks[p.i+n]
}

func (p *parser) advance() *token {
	t := &p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

// atEnd reports whether only the end of the statement is left: nothing,
// or one semicolon.
func (p *parser) atEnd() bool {
	t := p.peek()
	return t.kind == tokEOF || (t.kind == tokSemicolon && p.peekAt(1).kind == tokEOF)
}

// fail stops the parse with a syntax error at t.
func (p *parser) fail(t *token, detail string) {
	panic(syntaxError(t.pos, detail))
}

// refuse records that DynamoDB refuses a construct that parsed. The first
// refusal wins, and only if no syntax error follows.
func (p *parser) refuse(pos Pos, msg string) {
	if p.deferred == nil {
		p.deferred = unsupported(pos, msg)
	}
}

// expect consumes a token of kind k or fails with the reference parser's
// "Expected <TOKEN_TYPE>".
func (p *parser) expect(k tokKind) *token {
	t := p.peek()
	if t.kind != k {
		p.fail(t, "Expected "+k.String())
	}
	return p.advance()
}

// expectKeyword consumes keyword kw or fails with "Expected KW keyword".
func (p *parser) expectKeyword(kw, upper string) *token {
	t := p.peek()
	if !t.is(kw) {
		p.fail(t, "Expected "+upper+" keyword")
	}
	return p.advance()
}

func isName(t *token) bool { return t.kind == tokIdent || t.kind == tokQuotedIdent }

func identOf(t *token) *Ident {
	return &Ident{Pos: t.pos, Name: t.text, Quoted: t.kind == tokQuotedIdent}
}

// optionalAlias consumes an alias of the kind the keyword kind introduces
// (tokAs, tokAt or tokBy) and reports whether there was one. With bare,
// an identifier alone is an AS alias, as in FROM "T" t.
func (p *parser) optionalAlias(kind tokKind, bare bool) (Pos, bool) {
	t := p.peek()
	if t.kind == kind {
		p.advance()
		n := p.peek()
		if !isName(n) {
			p.fail(n, "Expected identifier for "+kind.String()+"-alias")
		}
		p.advance()
		return t.pos, true
	}
	if bare && isName(t) {
		p.advance()
		return t.pos, true
	}
	return Pos{}, false
}

// sourceAliases consumes the AS, AT and BY aliases a FROM source may have
// and refuses them: DynamoDB supports none.
func (p *parser) sourceAliases() {
	for _, a := range [...]struct {
		kind tokKind
		bare bool
	}{{tokAs, true}, {tokAt, false}, {tokBy, false}} {
		if pos, ok := p.optionalAlias(a.kind, a.bare); ok {
			p.refuse(pos, msgAlias)
		}
	}
}

// opName is the name DynamoDB's translator gives an expression it cannot
// run as a statement ("Unsupported operation: IsType" for `x IS INT4`): the
// class of the node in PartiQL's AST.
func opName(e Expr) string {
	switch e := e.(type) {
	case *Ident:
		return "Id"
	case *Path:
		return "Path"
	case *Literal:
		if e.Kind == LitMissing {
			return "Missing"
		}
		return "Lit"
	case *Param:
		return "Parameter"
	case *List:
		return "List"
	case *Bag:
		return "Bag"
	case *Tuple:
		return "Struct"
	case *Unary:
		return [...]string{OpNot: "Not", OpNeg: "Neg", OpPlus: "Pos"}[e.Op]
	case *Binary:
		return [...]string{OpOr: "Or", OpAnd: "And", OpEq: "Eq", OpNe: "Ne", OpLt: "Lt",
			OpLe: "Lte", OpGt: "Gt", OpGe: "Gte", OpAdd: "Plus", OpSub: "Minus", OpMul: "Times",
			OpDiv: "Divide", OpMod: "Modulo", OpConcat: "Concat"}[e.Op]
	case *Between:
		if e.Not {
			return "Not"
		}
		return "Between"
	case *In:
		if e.Not {
			return "Not"
		}
		return "InCollection"
	case *Like:
		if e.Not {
			return "Not"
		}
		return "Like"
	case *Is:
		if e.Not {
			return "Not"
		}
		return "IsType"
	case *Call:
		return "Call"
	case *stmtExpr:
		if e.s.Kind() == KindSelect {
			return "Select"
		}
		return "Dml"
	}
	return "Expr"
}
