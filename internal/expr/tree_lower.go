package expr

// Lowering a built syntax tree (tree.go) into the AST the evaluator runs.
// It walks the tree in the order the parser reads the equivalent text and
// records the same checks through the same checker methods, so that a
// tree and its text get the same compiled objects and, when something is
// wrong, the same DynamoDB error: the checks' priorities pick one error as
// they do for text, and equal priorities fall back on reading order.
//
// What text cannot express at all (an empty path, a nil operand,
// arithmetic in a condition, an ADD of a path) is refused at once, with a
// message of this package's own: those are mistakes of the code that
// built the tree, not of a user's expression, and the PartiQL planner is
// expected to have refused them with PartiQL's messages before.

import (
	"fmt"
	"strconv"

	"github.com/dynago/dynago/internal/attr"
)

// treeError is a tree that no expression text corresponds to.
func treeError(format string, args ...any) error {
	return &exprError{msg: "Invalid expression tree: " + fmt.Sprintf(format, args...)}
}

// cmpTok maps a CompareOp to the comparator token the AST records.
func cmpTok(op CompareOp) (tokKind, bool) {
	switch op {
	case EQ:
		return tokEQ, true
	case NE:
		return tokNE, true
	case LT:
		return tokLT, true
	case LE:
		return tokLE, true
	case GT:
		return tokGT, true
	case GE:
		return tokGE, true
	}
	return 0, false
}

// lowerCondition lowers a whole condition, filter or key condition tree,
// as parseCondition parses its text.
func (p *checker) lowerCondition(c Cond) (*node, error) {
	n, err := p.lowerCond(c)
	if err != nil {
		return nil, err
	}
	if err := p.checkOperators(); err != nil {
		return nil, err
	}
	return n, nil
}

func (p *checker) lowerCond(c Cond) (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	switch c := c.(type) {
	case And:
		return p.lowerJoin(nAnd, c.Left, c.Right)
	case Or:
		return p.lowerJoin(nOr, c.Left, c.Right)
	case Not:
		p.ops++
		kid, err := p.lowerCond(c.X)
		if err != nil {
			return nil, err
		}
		return &node{kind: nNot, kids: []*node{kid}}, nil
	case Comparison:
		cmp, ok := cmpTok(c.Op)
		if !ok {
			return nil, treeError("unknown comparator %d", c.Op)
		}
		left, err := p.lowerLeft(c.Left)
		if err != nil {
			return nil, err
		}
		p.ops++
		right, err := p.lowerOperand(c.Right)
		if err != nil {
			return nil, err
		}
		return p.comparison(cmp, left, right), nil
	case Between:
		v, err := p.lowerLeft(c.X)
		if err != nil {
			return nil, err
		}
		p.ops++
		lo, err := p.lowerOperand(c.Low)
		if err != nil {
			return nil, err
		}
		hi, err := p.lowerOperand(c.High)
		if err != nil {
			return nil, err
		}
		return p.between(v, lo, hi), nil
	case In:
		if len(c.List) == 0 {
			return nil, treeError("IN has an empty list")
		}
		v, err := p.lowerLeft(c.X)
		if err != nil {
			return nil, err
		}
		p.ops++
		args := make([]*operand, 1, 1+len(c.List))
		args[0] = v
		for _, o := range c.List {
			a, err := p.lowerOperand(o)
			if err != nil {
				return nil, err
			}
			args = append(args, a)
		}
		return p.in(args), nil
	case FuncCond:
		if c.Func == "size" {
			// size(a) as a condition is read as an operand, then refused.
			size, err := p.lowerOperand(Call{Func: c.Func, Args: c.Args})
			if err != nil {
				return nil, err
			}
			return p.sizeCondition(size), nil
		}
		p.checkCondFuncName(c.Func)
		args, err := p.lowerOperands(c.Args)
		if err != nil {
			return nil, err
		}
		return p.funcCondition(c.Func, args), nil
	case nil:
		return nil, treeError("a condition is nil")
	}
	return nil, treeError("a condition is of no kind a condition expression has")
}

// lowerJoin lowers Left AND Right or Left OR Right.
func (p *checker) lowerJoin(kind nodeKind, l, r Cond) (*node, error) {
	left, err := p.lowerCond(l)
	if err != nil {
		return nil, err
	}
	p.ops++
	right, err := p.lowerCond(r)
	if err != nil {
		return nil, err
	}
	return &node{kind: kind, kids: []*node{left, right}}, nil
}

// lowerLeft lowers the first operand of a comparison, BETWEEN or IN. Text
// that starts a condition with a function other than size reads it as a
// boolean function, and only then finds it compared: the function's own
// checks are recorded, its name first, and then the misuse.
func (p *checker) lowerLeft(o Operand) (*operand, error) {
	call, ok := o.(Call)
	if !ok || call.Func == "size" {
		return p.lowerOperand(o)
	}
	p.checkCondFuncName(call.Func)
	args, err := p.lowerOperands(call.Args)
	if err != nil {
		return nil, err
	}
	p.funcCondition(call.Func, args)
	p.misused(call.Func)
	return &operand{kind: opdValue}, nil
}

// lowerOperands lowers the arguments of a condition's function.
func (p *checker) lowerOperands(list []Operand) ([]*operand, error) {
	out := make([]*operand, len(list))
	for i, o := range list {
		a, err := p.lowerOperand(o)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// lowerOperand lowers an operand of a condition.
func (p *checker) lowerOperand(o Operand) (*operand, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	switch o := o.(type) {
	case Path:
		path, err := p.lowerPath(o)
		if err != nil {
			return nil, err
		}
		return &operand{kind: opdPath, path: path}, nil
	case Literal:
		return literal(o)
	case Placeholder:
		return p.placeholder(o)
	case Call:
		args, err := p.lowerOperands(o.Args)
		if err != nil {
			return nil, err
		}
		return p.sizeCall(o.Func, args), nil
	case Arith:
		return nil, treeError("arithmetic (%s) in a condition", arithText(o.Op))
	case nil:
		return nil, treeError("an operand is nil")
	}
	return nil, treeError("an operand is of no kind an expression has")
}

func arithText(op ArithOp) string {
	if op == OpMinus {
		return "-"
	}
	return "+"
}

// literal makes a Literal a value operand holding its value.
func literal(l Literal) (*operand, error) {
	if l.Value.Type == attr.TypeInvalid {
		return nil, treeError("a literal has no value")
	}
	return &operand{kind: opdValue, val: l.Value}, nil
}

// placeholder makes a Placeholder a value operand referring to the
// request's values, as parser.value does for text's :name.
func (p *checker) placeholder(name Placeholder) (*operand, error) {
	if name == "" || p.treeRefs == nil {
		return nil, treeError("a placeholder has no name")
	}
	ref := p.treeRefs.ref(string(name))
	p.checks = append(p.checks, check{prio: prioUndefined, undefined: ref})
	return &operand{kind: opdValue, ref: ref}, nil
}

// lowerPath checks a path as parsePath does.
func (p *checker) lowerPath(path Path) (docPath, error) {
	if len(path) == 0 {
		return nil, treeError("a document path is empty")
	}
	if path[0].IsIndex {
		return nil, treeError("a document path starts with a list index")
	}
	out := make(docPath, len(path))
	for i, e := range path {
		if !e.IsIndex {
			out[i] = pathElem{name: e.Name}
			continue
		}
		n := e.Index
		if n < 0 || n > maxListIndex {
			n = p.listIndex(n, false, strconv.Itoa(n))
		}
		out[i] = pathElem{index: n, isIndex: true}
	}
	p.checkPathDepth(out)
	return out, nil
}

// lowerProjection lowers a projection's paths, as parseProjection parses
// its text.
func (p *checker) lowerProjection(paths []Path) (*Projection, error) {
	if len(paths) == 0 {
		return nil, &exprError{msg: "The expression can not be empty;"}
	}
	out := make([]docPath, len(paths))
	for i, path := range paths {
		dp, err := p.lowerPath(path)
		if err != nil {
			return nil, err
		}
		out[i] = dp
	}
	p.checkProjectionPaths(out)
	return newProjection(out), nil
}

// lowerUpdate lowers an update's actions, as parseUpdate parses its text.
func (p *checker) lowerUpdate(actions []Action) (*Update, error) {
	if len(actions) == 0 {
		return nil, &exprError{msg: "The expression can not be empty;"}
	}
	u := &Update{actions: make([]action, 0, len(actions))}
	for _, a := range actions {
		path, err := p.lowerPath(a.Path)
		if err != nil {
			return nil, err
		}
		act := action{path: path}
		switch a.Kind {
		case SetAction:
			act.kind = actSet
			if act.val, err = p.lowerSetValue(a.Value); err != nil {
				return nil, err
			}
		case RemoveAction:
			act.kind = actRemove
			if a.Value != nil {
				return nil, treeError("REMOVE has a value")
			}
		case AddAction, DeleteAction:
			act.kind = actAdd
			if a.Kind == DeleteAction {
				act.kind = actDelete
			}
			lit, ok := a.Value.(Literal)
			if !ok {
				return nil, treeError("the value of ADD or DELETE is not a literal value")
			}
			if act.val, err = literal(lit); err != nil {
				return nil, err
			}
			p.checkSetOperand(act.kind, act.val)
		default:
			return nil, treeError("unknown action kind %d", a.Kind)
		}
		u.actions = append(u.actions, act)
	}
	p.checkActionPaths(u.actions)
	return u, nil
}

// lowerSetValue lowers the value of a SET, as parseSetValue parses it.
// Arithmetic may nest, which text cannot write.
func (p *checker) lowerSetValue(o Operand) (*operand, error) {
	a, ok := o.(Arith)
	if !ok {
		return p.lowerUpdateOperand(o)
	}
	if a.Op != OpPlus && a.Op != OpMinus {
		return nil, treeError("unknown arithmetic operator %d", a.Op)
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	left, err := p.lowerSetValue(a.Left)
	if err != nil {
		return nil, err
	}
	right, err := p.lowerSetValue(a.Right)
	if err != nil {
		return nil, err
	}
	kind := opdPlus
	if a.Op == OpMinus {
		kind = opdMinus
	}
	return p.arith(kind, left, right), nil
}

// lowerUpdateOperand lowers a path, literal or function call of an update
// value, as parseUpdateOperand parses it. Function arguments may hold
// arithmetic, which text cannot write.
func (p *checker) lowerUpdateOperand(o Operand) (*operand, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	switch o := o.(type) {
	case Path:
		path, err := p.lowerPath(o)
		if err != nil {
			return nil, err
		}
		return &operand{kind: opdPath, path: path}, nil
	case Literal:
		return literal(o)
	case Placeholder:
		return p.placeholder(o)
	case Call:
		args := make([]*operand, len(o.Args))
		for i, a := range o.Args {
			v, err := p.lowerSetValue(a)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
		return p.updateCall(o.Func, args), nil
	case Arith:
		return p.lowerSetValue(o)
	case nil:
		return nil, treeError("an operand is nil")
	}
	return nil, treeError("an operand is of no kind an expression has")
}

// BuildCondition compiles a condition tree alone, with the checks and
// errors of a ConditionExpression. A nil tree gives a nil Condition, which
// holds for every item.
func BuildCondition(c Cond) (*Condition, error) {
	out, err := Compile(&Request{Trees: &Trees{Condition: c}}, KeySchema{})
	if err != nil {
		return nil, err
	}
	return out.Condition, nil
}

// BuildKeyCondition compiles a Query's key condition tree against the key
// schema it addresses, with the checks and errors of a
// KeyConditionExpression.
func BuildKeyCondition(c Cond, keys KeySchema) (*KeyCondition, error) {
	out, err := Compile(&Request{Trees: &Trees{KeyCondition: c}}, keys)
	if err != nil {
		return nil, err
	}
	return out.Key, nil
}

// BuildProjection compiles a projection's paths, with the checks and
// errors of a ProjectionExpression.
func BuildProjection(paths ...Path) (*Projection, error) {
	if paths == nil {
		paths = []Path{}
	}
	out, err := Compile(&Request{Trees: &Trees{Projection: paths}}, KeySchema{})
	if err != nil {
		return nil, err
	}
	return out.Projection, nil
}

// BuildUpdate compiles an update's actions for a table with the key
// schema given (key attributes may not be updated), with the checks and
// errors of an UpdateExpression.
func BuildUpdate(actions []Action, keys KeySchema) (*Update, error) {
	if actions == nil {
		actions = []Action{}
	}
	out, err := Compile(&Request{Trees: &Trees{Update: actions}}, keys)
	if err != nil {
		return nil, err
	}
	return out.Update, nil
}
