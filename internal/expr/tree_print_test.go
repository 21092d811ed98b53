package expr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/attr"
)

// printer renders a built tree as DynamoDB expression text, with
// ExpressionAttributeNames and ExpressionAttributeValues: the form a
// DynamoDB client would send for the same expression. ch, when set, makes
// the choices text leaves open (a bare name or a #placeholder, optional
// parentheses); without it every name is a placeholder and nothing is
// parenthesised that need not be.
type printer struct {
	ch     chooser
	names  map[string]string // placeholder → name
	byName map[string]string // name → placeholder
	values attr.Item
}

func newPrinter(ch chooser) *printer {
	return &printer{ch: ch, names: map[string]string{}, byName: map[string]string{}, values: attr.Item{}}
}

func (pr *printer) maybe(n int) bool { return pr.ch != nil && pr.ch.intn(n) == 0 }

// request prints every tree of t into a Request with the same operation.
func (pr *printer) request(t *Trees, op string) *Request {
	req := &Request{Operation: op}
	str := func(s string) *string { return &s }
	if t.Update != nil {
		req.UpdateExpression = str(pr.update(t.Update))
	}
	if t.Condition != nil {
		req.ConditionExpression = str(pr.cond(t.Condition, 0))
	}
	if t.KeyCondition != nil {
		req.KeyConditionExpression = str(pr.cond(t.KeyCondition, 0))
	}
	if t.Filter != nil {
		req.FilterExpression = str(pr.cond(t.Filter, 0))
	}
	if t.Projection != nil {
		req.ProjectionExpression = str(pr.projection(t.Projection))
	}
	if len(pr.names) > 0 {
		req.Names = pr.names
	}
	if len(pr.values) > 0 {
		req.Values = pr.values
	}
	return req
}

// Precedence of conditions: OR, AND, NOT, then everything else.
const (
	precOr = iota + 1
	precAnd
	precNot
	precAtom
)

func condPrec(c Cond) int {
	switch c.(type) {
	case Or:
		return precOr
	case And:
		return precAnd
	case Not:
		return precNot
	}
	return precAtom
}

// cond prints c, in parentheses when its precedence is below min, and
// sometimes when it is not (once: doubled parentheses are an error).
func (pr *printer) cond(c Cond, min int) string {
	s := pr.condText(c)
	sizeCond := false
	if f, ok := c.(FuncCond); ok && f.Func == "size" {
		// (size(a)) reads as an operand awaiting a comparison, so a
		// ")" after it would be a syntax error.
		sizeCond = true
	}
	if condPrec(c) < min || !sizeCond && pr.maybe(6) {
		return "(" + s + ")"
	}
	return s
}

func (pr *printer) condText(c Cond) string {
	switch c := c.(type) {
	case Or:
		// The right side of a chain is parenthesised: text chains lean
		// left, and the tree must come back as it was.
		return pr.cond(c.Left, precOr) + " OR " + pr.cond(c.Right, precAnd)
	case And:
		return pr.cond(c.Left, precAnd) + " AND " + pr.cond(c.Right, precNot)
	case Not:
		return "NOT " + pr.cond(c.X, precNot)
	case Comparison:
		return pr.operand(c.Left) + " " + cmpText(mustCmpTok(c.Op)) + " " + pr.operand(c.Right)
	case Between:
		return pr.operand(c.X) + " BETWEEN " + pr.operand(c.Low) + " AND " + pr.operand(c.High)
	case In:
		return pr.operand(c.X) + " IN (" + pr.operandList(c.List) + ")"
	case FuncCond:
		return c.Func + "(" + pr.operandList(c.Args) + ")"
	}
	panic(fmt.Sprintf("printer: %T", c))
}

func mustCmpTok(op CompareOp) tokKind {
	t, ok := cmpTok(op)
	if !ok {
		panic("printer: bad comparator")
	}
	return t
}

func (pr *printer) operandList(list []Operand) string {
	parts := make([]string, len(list))
	for i, o := range list {
		parts[i] = pr.operand(o)
	}
	return strings.Join(parts, ", ")
}

// operand prints a condition operand, or a term of an update value.
func (pr *printer) operand(o Operand) string {
	switch o := o.(type) {
	case Path:
		return pr.path(o)
	case Literal:
		k := ":v" + strconv.Itoa(len(pr.values))
		pr.values[k] = o.Value
		return k
	case Call:
		return o.Func + "(" + pr.operandList(o.Args) + ")"
	case Arith:
		return pr.setTerm(o.Left) + " " + arithText(o.Op) + " " + pr.setTerm(o.Right)
	}
	panic(fmt.Sprintf("printer: %T", o))
}

// setTerm prints one side of a SET's arithmetic, sometimes in
// parentheses.
func (pr *printer) setTerm(o Operand) string {
	s := pr.operand(o)
	if _, ok := o.(Arith); !ok && pr.maybe(5) {
		return "(" + s + ")"
	}
	return s
}

func (pr *printer) path(p Path) string {
	var b strings.Builder
	for i, e := range p {
		if e.IsIndex {
			b.WriteString("[" + strconv.Itoa(e.Index) + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(pr.name(e.Name))
	}
	return b.String()
}

// name prints a path step bare when text allows it, or as a placeholder.
func (pr *printer) name(n string) string {
	if bareName(n) && (pr.ch == nil || pr.ch.intn(2) == 0) {
		return n
	}
	if k, ok := pr.byName[n]; ok {
		return k
	}
	k := "#n" + strconv.Itoa(len(pr.names))
	pr.names[k] = n
	pr.byName[n] = k
	return k
}

// bareName reports whether a name can be written without a placeholder.
func bareName(n string) bool {
	if n == "" || !isIdentStart(n[0]) || isReserved(n) {
		return false
	}
	for i := 1; i < len(n); i++ {
		if !isIdentPart(n[i]) {
			return false
		}
	}
	return true
}

func (pr *printer) projection(paths []Path) string {
	parts := make([]string, len(paths))
	for i, p := range paths {
		parts[i] = pr.path(p)
	}
	return strings.Join(parts, ", ")
}

// update prints actions clause by clause. The actions must come grouped
// by kind, each kind in one run, as text writes them.
func (pr *printer) update(actions []Action) string {
	var b strings.Builder
	for i, a := range actions {
		if i == 0 || actions[i-1].Kind != a.Kind {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString([...]string{SetAction: "SET", RemoveAction: "REMOVE", AddAction: "ADD", DeleteAction: "DELETE"}[a.Kind] + " ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(pr.path(a.Path))
		switch a.Kind {
		case SetAction:
			v := pr.operand(a.Value)
			if pr.maybe(8) {
				v = "(" + v + ")"
			}
			b.WriteString(" = " + v)
		case AddAction, DeleteAction:
			b.WriteString(" " + pr.operand(a.Value))
		}
	}
	return b.String()
}

// dumpCompiled renders everything a Compiled holds, values resolved, so
// that two compiles can be compared structurally.
func dumpCompiled(c *Compiled) string {
	var b strings.Builder
	if c.Condition != nil {
		b.WriteString("condition: ")
		dumpNode(&b, c.Condition.root, c.Condition.vals)
		b.WriteByte('\n')
	}
	if c.Filter != nil {
		b.WriteString("filter: ")
		dumpNode(&b, c.Filter.root, c.Filter.vals)
		b.WriteByte('\n')
	}
	if c.Key != nil {
		b.WriteString("key: " + renderKey(c.Key))
		if m := c.Key.Multi; m != nil {
			j, _ := json.Marshal(m)
			b.Write(j)
		}
		b.WriteByte('\n')
	}
	if c.Projection != nil {
		b.WriteString("projection:")
		for _, p := range c.Projection.paths {
			b.WriteString(" " + p.String())
		}
		b.WriteByte('\n')
	}
	if u := c.Update; u != nil {
		fmt.Fprintf(&b, "update (legacy list add %v):", u.legacyListAdd)
		for _, a := range u.actions {
			fmt.Fprintf(&b, " %d %s", a.kind, a.path)
			if a.val != nil {
				b.WriteByte('=')
				dumpOperand(&b, a.val, u.vals)
			}
		}
		b.WriteString(" paths:")
		for _, p := range u.Paths().paths {
			b.WriteString(" " + p.String())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

var nodeNames = map[nodeKind]string{nAnd: "AND", nOr: "OR", nNot: "NOT", nCmp: "CMP", nBetween: "BETWEEN", nIn: "IN",
	nExists: "exists", nNotExists: "not_exists", nType: "type", nBeginsWith: "begins_with", nContains: "contains",
	nLegacyNotContains: "legacy_not_contains", nBare: "BARE"}

func dumpNode(b *strings.Builder, n *node, vals []attr.Value) {
	b.WriteString(nodeNames[n.kind])
	if n.kind == nCmp {
		b.WriteString(cmpText(n.cmp))
	}
	b.WriteByte('(')
	for i, k := range n.kids {
		if i > 0 {
			b.WriteString(", ")
		}
		dumpNode(b, k, vals)
	}
	for i, a := range n.args {
		if i > 0 || len(n.kids) > 0 {
			b.WriteString(", ")
		}
		dumpOperand(b, a, vals)
	}
	b.WriteByte(')')
}

var operandNames = map[operandKind]string{opdSize: "size", opdIfNotExists: "if_not_exists", opdListAppend: "list_append", opdPlus: "+", opdMinus: "-"}

func dumpOperand(b *strings.Builder, o *operand, vals []attr.Value) {
	switch o.kind {
	case opdPath:
		b.WriteString(o.path.String())
	case opdValue:
		j, _ := json.Marshal(o.value(vals))
		b.Write(j)
	default:
		b.WriteString(operandNames[o.kind] + "(")
		for i, a := range o.args {
			if i > 0 {
				b.WriteString(", ")
			}
			dumpOperand(b, a, vals)
		}
		b.WriteByte(')')
	}
}
