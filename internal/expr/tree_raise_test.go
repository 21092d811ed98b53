package expr

import (
	"path/filepath"
	"testing"

	"github.com/dynago/dynago/internal/attr"
)

// The data-driven tests' cases, run as trees: each expression of a case
// that compiles is parsed, raised from the AST back into a tree (names
// and values resolved, as the PartiQL planner would have them), and the
// tree must give the case's outcome exactly.

var cmpOps = map[tokKind]CompareOp{tokEQ: EQ, tokNE: NE, tokLT: LT, tokLE: LE, tokGT: GT, tokGE: GE}

func raisePath(p docPath) Path {
	out := make(Path, len(p))
	for i, e := range p {
		out[i] = PathElem{Name: e.name, Index: e.index, IsIndex: e.isIndex}
	}
	return out
}

func raiseOperand(o *operand, vals []attr.Value) Operand {
	args := func() []Operand {
		out := make([]Operand, len(o.args))
		for i, a := range o.args {
			out[i] = raiseOperand(a, vals)
		}
		return out
	}
	switch o.kind {
	case opdPath:
		return raisePath(o.path)
	case opdValue:
		return Val(o.value(vals))
	case opdSize:
		return Call{Func: "size", Args: args()}
	case opdIfNotExists:
		return Call{Func: "if_not_exists", Args: args()}
	case opdListAppend:
		return Call{Func: "list_append", Args: args()}
	case opdPlus:
		return Plus(raiseOperand(o.args[0], vals), raiseOperand(o.args[1], vals))
	case opdMinus:
		return Minus(raiseOperand(o.args[0], vals), raiseOperand(o.args[1], vals))
	}
	panic("raise: operand kind")
}

var funcNames = map[nodeKind]string{nExists: "attribute_exists", nNotExists: "attribute_not_exists",
	nType: "attribute_type", nBeginsWith: "begins_with", nContains: "contains"}

func raiseNode(n *node, vals []attr.Value) Cond {
	ops := func(list []*operand) []Operand {
		out := make([]Operand, len(list))
		for i, a := range list {
			out[i] = raiseOperand(a, vals)
		}
		return out
	}
	switch n.kind {
	case nAnd:
		return And{raiseNode(n.kids[0], vals), raiseNode(n.kids[1], vals)}
	case nOr:
		return Or{raiseNode(n.kids[0], vals), raiseNode(n.kids[1], vals)}
	case nNot:
		return Not{raiseNode(n.kids[0], vals)}
	case nCmp:
		return Compare(cmpOps[n.cmp], raiseOperand(n.args[0], vals), raiseOperand(n.args[1], vals))
	case nBetween:
		a := ops(n.args)
		return Between{a[0], a[1], a[2]}
	case nIn:
		a := ops(n.args)
		return In{a[0], a[1:]}
	}
	name, ok := funcNames[n.kind]
	if !ok {
		panic("raise: node kind")
	}
	return FuncCond{Func: name, Args: ops(n.args)}
}

var actionKinds = map[actionKind]ActionKind{actSet: SetAction, actRemove: RemoveAction, actAdd: AddAction, actDelete: DeleteAction}

// raiseRequest parses req's expressions and returns them as trees, or
// false when one does not parse.
func raiseRequest(req *Request) (*Trees, bool) {
	t := &Trees{}
	parse := func(src *string, fn func(p *parser, vals func() []attr.Value) error) bool {
		if src == nil {
			return true
		}
		refs := &refTable{}
		p := newParser(*src, req.Names, map[string]bool{}, refs)
		return fn(p, func() []attr.Value { return looseBind(refs, req.Values) }) == nil
	}
	cond := func(dst *Cond) func(p *parser, vals func() []attr.Value) error {
		return func(p *parser, vals func() []attr.Value) error {
			n, err := p.parseCondition()
			if err == nil {
				*dst = raiseNode(n, vals())
			}
			return err
		}
	}
	ok := parse(req.ConditionExpression, cond(&t.Condition)) &&
		parse(req.FilterExpression, cond(&t.Filter)) &&
		parse(req.KeyConditionExpression, cond(&t.KeyCondition)) &&
		parse(req.ProjectionExpression, func(p *parser, _ func() []attr.Value) error {
			pr, err := p.parseProjection()
			if err == nil {
				for _, path := range pr.paths {
					t.Projection = append(t.Projection, raisePath(path))
				}
			}
			return err
		}) &&
		parse(req.UpdateExpression, func(p *parser, vals func() []attr.Value) error {
			u, err := p.parseUpdate()
			if err != nil {
				return err
			}
			v := vals()
			for _, a := range u.actions {
				act := Action{Kind: actionKinds[a.kind], Path: raisePath(a.path)}
				if a.val != nil {
					act.Value = raiseOperand(a.val, v)
				}
				t.Update = append(t.Update, act)
			}
			return nil
		})
	return t, ok
}

func TestTreesFromTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	compared := 0
	for _, file := range files {
		for _, tc := range readCases(t, file) {
			req, keys := tc.request(t)
			if hasLegacy(req) {
				continue
			}
			if _, err := Compile(req, keys); err != nil {
				continue // errors are the differential tests' business
			}
			trees, ok := raiseRequest(req)
			if !ok {
				t.Fatalf("%s:%d: compiles but does not parse", tc.file, tc.line)
			}
			treeReq := &Request{Operation: req.Operation, Trees: trees}
			wf, wg := tc.runRequest(t, req, keys, Compile)
			gf, gg := tc.runRequest(t, treeReq, keys, Compile)
			if wf != gf || wg != gg {
				t.Errorf("%s:%d: tree %s %q, text %s %q", tc.file, tc.line, gf, gg, wf, wg)
			}
			w, _ := Compile(req, keys)
			g, err := Compile(treeReq, keys)
			if err != nil || dumpCompiled(w) != dumpCompiled(g) {
				t.Errorf("%s:%d: tree %v\n%s\ntext\n%s", tc.file, tc.line, err, dumpCompiled(g), dumpCompiled(w))
			}
			compared++
		}
	}
	t.Logf("%d cases compared", compared)
	if compared < 150 {
		t.Errorf("only %d cases compared", compared)
	}
}
