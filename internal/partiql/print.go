package partiql

import (
	"strings"
)

// Format renders a node as canonical PartiQL: keywords in upper case, one
// space between tokens, parentheses only where precedence needs them,
// IN (..) written IN [..], SET a = 1, b = 2 written SET a = 1 SET b = 2,
// and identifiers quoted when they were quoted or could not be read bare.
// For any tree Parse returns, parsing the result gives back the same tree
// (positions aside), which the tests check on every testdata statement, on
// generated trees, and the fuzzer on every input it accepts. A tree built
// by hand may have no such text (a '-' applied to a number literal, which
// the parser folds), and then prints as close as it can.
func Format(n Node) string {
	var b strings.Builder
	pr := printer{b: &b}
	pr.node(n)
	return b.String()
}

type printer struct{ b *strings.Builder }

func (pr printer) str(s string) { pr.b.WriteString(s) }

func (pr printer) node(n Node) {
	switch n := n.(type) {
	case Statement:
		pr.statement(n)
	case Expr:
		pr.expr(n, 0)
	}
}

func (pr printer) statement(s Statement) {
	switch s := s.(type) {
	case *Select:
		pr.selectStmt(s)
	case *Insert:
		pr.str("INSERT INTO ")
		pr.ident(&s.Table)
		pr.str(" VALUE ")
		pr.expr(s.Value, 0)
		if s.OnConflict != nil {
			pr.str(" ON CONFLICT WHERE ")
			pr.expr(s.OnConflict, 0)
			pr.str(" DO NOTHING")
		}
	case *Update:
		if s.FromFirst {
			pr.str("FROM ")
			pr.ident(&s.Table)
			pr.where(s.Where)
		} else {
			pr.str("UPDATE ")
			pr.ident(&s.Table)
		}
		for _, a := range s.Actions {
			if a.Kind == ActionSet {
				pr.str(" SET ")
				pr.expr(a.Path, 0)
				pr.str(" = ")
				pr.expr(a.Value, 0)
			} else {
				pr.str(" REMOVE ")
				pr.expr(a.Path, 0)
			}
		}
		if !s.FromFirst {
			pr.where(s.Where)
		}
		pr.returning(s.Returning)
	case *Delete:
		pr.str("DELETE FROM ")
		pr.ident(&s.Table)
		pr.where(s.Where)
		pr.returning(s.Returning)
	case *Exists:
		pr.str("EXISTS(")
		pr.selectStmt(s.Select)
		pr.str(")")
	}
}

func (pr printer) selectStmt(s *Select) {
	pr.str("SELECT ")
	if s.Star {
		pr.str("*")
	}
	for i, e := range s.Items {
		if i > 0 {
			pr.str(", ")
		}
		pr.expr(e, 0)
	}
	pr.str(" FROM ")
	pr.ident(&s.From.Name)
	if s.From.Index != nil {
		pr.str(".")
		pr.ident(s.From.Index)
	}
	pr.where(s.Where)
	for i, o := range s.OrderBy {
		if i == 0 {
			pr.str(" ORDER BY ")
		} else {
			pr.str(", ")
		}
		pr.expr(o.Expr, 0)
		if o.Desc {
			pr.str(" DESC")
		}
	}
}

func (pr printer) where(e Expr) {
	if e != nil {
		pr.str(" WHERE ")
		pr.expr(e, 0)
	}
}

func (pr printer) returning(r *Returning) {
	if r != nil {
		pr.str(" RETURNING " + r.Mode.String() + " *")
	}
}

// precOf is how tightly e binds when printed: the power of its operator,
// precUnary for '-' and '+', precPrimary for anything that cannot be
// split.
func precOf(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case OpOr:
			return precOr
		case OpAnd:
			return precAnd
		case OpEq, OpNe:
			return precEquity
		case OpLt, OpLe, OpGt, OpGe:
			return precCompare
		case OpAdd, OpSub, OpConcat:
			return precAdd
		}
		return precMul
	case *In, *Is:
		return precEquity
	case *Between, *Like:
		return precCompare
	case *Unary:
		if e.Op == OpNot {
			return precNot
		}
		return precUnary
	}
	return precPrimary
}

const (
	precUnary   = 80
	precPrimary = 100
)

// expr prints e, in parentheses when it binds less tightly than min.
func (pr printer) expr(e Expr, min int) {
	if precOf(e) < min {
		pr.str("(")
		pr.expr(e, 0)
		pr.str(")")
		return
	}
	switch e := e.(type) {
	case *Ident:
		pr.ident(e)
	case *Path:
		if id, ok := e.Root.(*Ident); ok {
			pr.ident(id)
		} else {
			pr.str("(")
			pr.expr(e.Root, 0)
			pr.str(")")
		}
		for _, s := range e.Steps {
			switch s.Kind {
			case StepField:
				pr.str(".")
				pr.name(s.Name, s.Quoted)
			case StepIndex:
				pr.str("[")
				pr.expr(s.Index, 0)
				pr.str("]")
			case StepWildcard:
				pr.str("[*]")
			case StepUnpivot:
				pr.str(".*")
			}
		}
	case *Literal:
		switch e.Kind {
		case LitString:
			writeQuoted(pr.b, e.Text, '\'')
		case LitNumber:
			pr.str(e.Text)
		case LitBool:
			pr.str(strings.ToUpper(e.Text))
		case LitNull:
			pr.str("NULL")
		case LitMissing:
			pr.str("MISSING")
		case LitIon:
			pr.str("`" + e.Text + "`")
		}
	case *Param:
		pr.str("?")
	case *List:
		pr.list("[", e.Elems, "]")
	case *Bag:
		pr.list("<<", e.Elems, ">>")
	case *Tuple:
		pr.str("{")
		for i, f := range e.Fields {
			if i > 0 {
				pr.str(", ")
			}
			pr.expr(f.Key, 0)
			pr.str(": ")
			pr.expr(f.Value, 0)
		}
		pr.str("}")
	case *Unary:
		switch e.Op {
		case OpNot:
			pr.str("NOT ")
			pr.expr(e.X, precNot+1)
		default:
			if e.Op == OpNeg {
				pr.str("-")
			} else {
				pr.str("+")
			}
			// Parenthesise another sign or a number, so that "--", a
			// comment, never appears and the sign is not folded into the
			// literal.
			if u, ok := e.X.(*Unary); (ok && u.Op != OpNot) || isNumber(e.X) {
				pr.str("(")
				pr.expr(e.X, 0)
				pr.str(")")
			} else {
				pr.expr(e.X, precUnary)
			}
		}
	case *Binary:
		p := precOf(e)
		pr.expr(e.L, p)
		pr.str(" " + e.Op.String() + " ")
		pr.right(e.R, p)
	case *Between:
		pr.expr(e.X, precCompare)
		pr.str(notWord(e.Not) + "BETWEEN ")
		pr.right(e.Lo, precCompare)
		pr.str(" AND ")
		pr.right(e.Hi, precCompare)
	case *Like:
		pr.expr(e.X, precCompare)
		pr.str(notWord(e.Not) + "LIKE ")
		pr.right(e.Pattern, precCompare)
		if e.Escape != nil {
			pr.str(" ESCAPE ")
			pr.right(e.Escape, precCompare)
		}
	case *In:
		pr.in(e)
	case *Is:
		pr.expr(e.X, precEquity)
		if e.Not {
			pr.str(" IS NOT ")
		} else {
			pr.str(" IS ")
		}
		pr.str(strings.ToUpper(strings.ReplaceAll(e.Type.Name, "_", " ")))
		if len(e.Type.Args) > 0 {
			pr.str("(" + strings.Join(e.Type.Args, ", ") + ")")
		}
	case *Call:
		if keywords[e.Name] && !functionKeywords[e.Name] || !isBareName(e.Name) {
			writeQuoted(pr.b, e.Name, '"')
		} else {
			pr.str(e.Name)
		}
		pr.list("(", e.Args, ")")
	}
}

// right prints the right operand of an operator of power p. Operators are
// left-associative, so an equal power needs parentheses. So does a NOT
// under an operator that binds tighter than NOT: its operand would run on
// into what follows (a = NOT b = c reads as a = NOT (b = c)); under AND and
// OR it stops where they do.
func (pr printer) right(e Expr, p int) {
	if u, ok := e.(*Unary); ok && u.Op == OpNot && p >= precNot {
		pr.str("(")
		pr.expr(e, 0)
		pr.str(")")
		return
	}
	pr.expr(e, p+1)
}

// in prints X IN Set. A '(' after IN opens a list, so a Set that is not a
// list cannot be parenthesised; a NOT there is bounded by parenthesising
// the whole IN instead.
func (pr printer) in(e *In) {
	u, notSet := e.Set.(*Unary)
	notSet = notSet && u.Op == OpNot
	if notSet {
		pr.str("(")
	}
	pr.expr(e.X, precEquity)
	pr.str(notWord(e.Not) + "IN ")
	if notSet {
		pr.expr(e.Set, 0)
		pr.str(")")
		return
	}
	pr.expr(e.Set, precEquity+1)
}

func notWord(not bool) string {
	if not {
		return " NOT "
	}
	return " "
}

func (pr printer) list(open string, xs []Expr, close string) {
	pr.str(open)
	for i, x := range xs {
		if i > 0 {
			pr.str(", ")
		}
		pr.expr(x, 0)
	}
	pr.str(close)
}

func (pr printer) ident(id *Ident) { pr.name(id.Name, id.Quoted) }

// name prints an identifier bare when it was bare and can be read back
// bare, quoted otherwise.
func (pr printer) name(name string, quoted bool) {
	if !quoted && isBareName(name) && !isReservedWord(name) {
		pr.str(name)
		return
	}
	writeQuoted(pr.b, name, '"')
}

func isNumber(e Expr) bool {
	l, ok := e.(*Literal)
	return ok && l.Kind == LitNumber
}

// isBareName reports whether s lexes as one identifier-shaped word.
func isBareName(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	return true
}

// isReservedWord reports whether the bare word s would lex as something
// other than an identifier.
func isReservedWord(s string) bool {
	l := asciiLower(s)
	return keywords[l] || operatorWords[l] || l == "as" || l == "at" || l == "by" || l == "for" ||
		l == "null" || l == "missing" || l == "true" || l == "false"
}
