package partiql

import (
	"strconv"
	"strings"
)

// Dump renders a node as a one-line s-expression that shows the tree's
// structure (which operand belongs to which operator) and leaves positions
// out. The testdata files are written in it; it is also handy in a
// debugger. Identifiers print bare, or "quoted" when they were quoted;
// strings print 'quoted', numbers as written, parameters as ?index.
func Dump(n Node) string {
	var b strings.Builder
	dump(&b, n)
	return b.String()
}

func dump(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Select:
		b.WriteString("(select ")
		if n.Star {
			b.WriteString("*")
		} else {
			b.WriteString("(project")
			for _, e := range n.Items {
				b.WriteByte(' ')
				dump(b, e)
			}
			b.WriteByte(')')
		}
		b.WriteString(" (from ")
		dumpTable(b, n.From)
		b.WriteByte(')')
		dumpClause(b, "where", n.Where)
		if len(n.OrderBy) > 0 {
			b.WriteString(" (order-by")
			for _, o := range n.OrderBy {
				b.WriteString(" (")
				dump(b, o.Expr)
				if o.Desc {
					b.WriteString(" desc)")
				} else {
					b.WriteString(" asc)")
				}
			}
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case *Insert:
		b.WriteString("(insert ")
		dumpIdent(b, &n.Table)
		b.WriteByte(' ')
		dump(b, n.Value)
		dumpClause(b, "on-conflict", n.OnConflict)
		b.WriteByte(')')
	case *Update:
		b.WriteString("(update ")
		dumpIdent(b, &n.Table)
		if n.FromFirst {
			b.WriteString(" from-first")
		}
		for _, a := range n.Actions {
			if a.Kind == ActionSet {
				b.WriteString(" (set ")
				dump(b, a.Path)
				b.WriteByte(' ')
				dump(b, a.Value)
			} else {
				b.WriteString(" (remove ")
				dump(b, a.Path)
			}
			b.WriteByte(')')
		}
		dumpClause(b, "where", n.Where)
		dumpReturning(b, n.Returning)
		b.WriteByte(')')
	case *Delete:
		b.WriteString("(delete ")
		dumpIdent(b, &n.Table)
		dumpClause(b, "where", n.Where)
		dumpReturning(b, n.Returning)
		b.WriteByte(')')
	case *Exists:
		b.WriteString("(exists ")
		dump(b, n.Select)
		b.WriteByte(')')
	case *Ident:
		dumpIdent(b, n)
	case *Path:
		b.WriteString("(path ")
		dump(b, n.Root)
		for _, s := range n.Steps {
			b.WriteByte(' ')
			switch s.Kind {
			case StepField:
				b.WriteByte('.')
				dumpName(b, s.Name, s.Quoted)
			case StepIndex:
				b.WriteByte('[')
				dump(b, s.Index)
				b.WriteByte(']')
			case StepWildcard:
				b.WriteString("[*]")
			case StepUnpivot:
				b.WriteString(".*")
			}
		}
		b.WriteByte(')')
	case *Literal:
		switch n.Kind {
		case LitString:
			writeQuoted(b, n.Text, '\'')
		case LitIon:
			b.WriteString("`" + n.Text + "`")
		default:
			b.WriteString(n.Text)
		}
	case *Param:
		b.WriteString("?" + strconv.Itoa(n.Index))
	case *List:
		dumpList(b, "list", n.Elems)
	case *Bag:
		dumpList(b, "bag", n.Elems)
	case *Tuple:
		b.WriteString("(tuple")
		for _, f := range n.Fields {
			b.WriteString(" (")
			dump(b, f.Key)
			b.WriteByte(' ')
			dump(b, f.Value)
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case *Unary:
		b.WriteString([...]string{OpNot: "(not ", OpNeg: "(neg ", OpPlus: "(plus "}[n.Op])
		dump(b, n.X)
		b.WriteByte(')')
	case *Binary:
		b.WriteString("(" + strings.ToLower(n.Op.String()) + " ")
		dump(b, n.L)
		b.WriteByte(' ')
		dump(b, n.R)
		b.WriteByte(')')
	case *Between:
		dumpOp(b, "between", n.Not, n.X, n.Lo, n.Hi)
	case *In:
		dumpOp(b, "in", n.Not, n.X, n.Set)
	case *Like:
		dumpOp(b, "like", n.Not, n.X, n.Pattern, n.Escape)
	case *Is:
		if n.Not {
			b.WriteString("(is-not ")
		} else {
			b.WriteString("(is ")
		}
		dump(b, n.X)
		b.WriteString(" " + n.Type.Name)
		if len(n.Type.Args) > 0 {
			b.WriteString("(" + strings.Join(n.Type.Args, ",") + ")")
		}
		b.WriteByte(')')
	case *Call:
		dumpList(b, "call "+n.Name, n.Args)
	case nil:
		b.WriteString("nil")
	}
}

func dumpOp(b *strings.Builder, name string, not bool, xs ...Expr) {
	b.WriteByte('(')
	if not {
		b.WriteString("not-")
	}
	b.WriteString(name)
	for _, x := range xs {
		if x != nil {
			b.WriteByte(' ')
			dump(b, x)
		}
	}
	b.WriteByte(')')
}

func dumpList(b *strings.Builder, name string, xs []Expr) {
	b.WriteString("(" + name)
	for _, x := range xs {
		b.WriteByte(' ')
		dump(b, x)
	}
	b.WriteByte(')')
}

func dumpClause(b *strings.Builder, name string, e Expr) {
	if e != nil {
		b.WriteString(" (" + name + " ")
		dump(b, e)
		b.WriteByte(')')
	}
}

func dumpReturning(b *strings.Builder, r *Returning) {
	if r != nil {
		b.WriteString(" (returning " + r.Mode.String() + ")")
	}
}

func dumpTable(b *strings.Builder, t Table) {
	dumpIdent(b, &t.Name)
	if t.Index != nil {
		b.WriteByte('.')
		dumpIdent(b, t.Index)
	}
}

func dumpIdent(b *strings.Builder, id *Ident) { dumpName(b, id.Name, id.Quoted) }

func dumpName(b *strings.Builder, name string, quoted bool) {
	if quoted {
		writeQuoted(b, name, '"')
	} else {
		b.WriteString(name)
	}
}

// writeQuoted writes s between q quotes, doubling any q inside.
func writeQuoted(b *strings.Builder, s string, q byte) {
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		if s[i] == q {
			b.WriteByte(q)
		}
		b.WriteByte(s[i])
	}
	b.WriteByte(q)
}
