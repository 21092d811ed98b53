package partiql

// Walk visits n and everything under it in source order, depth first:
// fn(n) first, then, if it returned true, each child. Nil children are
// skipped. Tables and ORDER BY keys are visited as their expressions
// (*Ident for table and index names), type names not at all.
func Walk(n Node, fn func(Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	walkExpr := func(e Expr) {
		if e != nil {
			Walk(e, fn)
		}
	}
	walkTable := func(t *Table) {
		Walk(&t.Name, fn)
		if t.Index != nil {
			Walk(t.Index, fn)
		}
	}
	switch n := n.(type) {
	case *Select:
		for _, e := range n.Items {
			walkExpr(e)
		}
		walkTable(&n.From)
		walkExpr(n.Where)
		for _, o := range n.OrderBy {
			walkExpr(o.Expr)
		}
	case *Insert:
		Walk(&n.Table, fn)
		walkExpr(n.Value)
		walkExpr(n.OnConflict)
	case *Update:
		Walk(&n.Table, fn)
		if n.FromFirst {
			walkExpr(n.Where)
		}
		for _, a := range n.Actions {
			walkExpr(a.Path)
			walkExpr(a.Value)
		}
		if !n.FromFirst {
			walkExpr(n.Where)
		}
	case *Delete:
		Walk(&n.Table, fn)
		walkExpr(n.Where)
	case *Exists:
		Walk(n.Select, fn)
	case *Path:
		walkExpr(n.Root)
		for _, s := range n.Steps {
			walkExpr(s.Index)
		}
	case *List:
		for _, e := range n.Elems {
			walkExpr(e)
		}
	case *Bag:
		for _, e := range n.Elems {
			walkExpr(e)
		}
	case *Tuple:
		for _, f := range n.Fields {
			walkExpr(f.Key)
			walkExpr(f.Value)
		}
	case *Unary:
		walkExpr(n.X)
	case *Binary:
		walkExpr(n.L)
		walkExpr(n.R)
	case *Between:
		walkExpr(n.X)
		walkExpr(n.Lo)
		walkExpr(n.Hi)
	case *In:
		walkExpr(n.X)
		walkExpr(n.Set)
	case *Like:
		walkExpr(n.X)
		walkExpr(n.Pattern)
		walkExpr(n.Escape)
	case *Is:
		walkExpr(n.X)
	case *Call:
		for _, e := range n.Args {
			walkExpr(e)
		}
	}
}

// TableOf returns the table a statement names, and for a SELECT or EXISTS
// the index; the planner resolves it, and authorization checks it.
func TableOf(s Statement) Table {
	switch s := s.(type) {
	case *Select:
		return s.From
	case *Insert:
		return Table{Name: s.Table}
	case *Update:
		return Table{Name: s.Table}
	case *Delete:
		return Table{Name: s.Table}
	case *Exists:
		return s.Select.From
	}
	return Table{}
}

// NumParams returns how many '?' parameters s has. DynamoDB refuses a
// request with fewer Parameters ("Number of parameters in request and
// statement don't match.").
func NumParams(s Statement) int {
	n := 0
	Walk(s, func(n2 Node) bool {
		if p, ok := n2.(*Param); ok && p.Index >= n {
			n = p.Index + 1
		}
		return true
	})
	return n
}

// Params returns s's parameters in order, so a planner can bind
// Parameters[i] to the node at index i.
func Params(s Statement) []*Param {
	var out []*Param
	Walk(s, func(n Node) bool {
		if p, ok := n.(*Param); ok {
			out = append(out, p)
		}
		return true
	})
	return out
}

// DocPath returns the root name and steps of e when e is a document path
// DynamoDB could read: an identifier, or a path from an identifier. Other
// expressions return ok false.
func DocPath(e Expr) (root *Ident, steps []Step, ok bool) {
	switch e := e.(type) {
	case *Ident:
		return e, nil, true
	case *Path:
		if id, isID := e.Root.(*Ident); isID {
			return id, e.Steps, true
		}
	}
	return nil, nil, false
}
