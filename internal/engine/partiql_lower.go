package engine

// Lowering PartiQL expressions to package expr's syntax trees
// (internal/expr/doc.go, "PartiQL"): values (literals and bound
// parameters) to attr.Value, paths to expr.Path, WHERE conditions to
// expr.Cond, SET values to expr.Operand. Nothing is printed as expression
// text, so nothing a user writes can change an expression's meaning.

import (
	"fmt"
	"strconv"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
	"github.com/dynago/dynago/internal/partiql"
)

// lowerer lowers one statement's expressions against its parameters.
type lowerer struct {
	params []attr.Value
	// holes, when not nil, receives the constants that operand lowers,
	// each as an expr.Placeholder (:0, :1, ... in lowering order) rather
	// than a Literal: a read's trees then have one shape for every call,
	// and expr.Cache keeps their compiled plan (expr.Trees.CacheKey).
	holes attr.Item
	// holeExprs, in holes mode, records the constant expression of each
	// placeholder, in order: what a later call evaluates to bind the same
	// trees again (loweredRead).
	holeExprs []partiql.Expr
}

// holeNames are the first placeholder names, made once.
var holeNames = func() (out [16]string) {
	for i := range out {
		out[i] = ":" + strconv.Itoa(i)
	}
	return out
}()

// holeName is the name of the i'th placeholder.
func holeName(i int) string {
	if i < len(holeNames) {
		return holeNames[i]
	}
	return ":" + strconv.Itoa(i)
}

// literal is the operand of the constant e, whose value is v: a Literal,
// or in holes mode a Placeholder bound to it.
func (l *lowerer) literal(e partiql.Expr, v attr.Value) expr.Operand {
	if l.holes == nil {
		return expr.Val(v)
	}
	name := holeName(len(l.holes))
	l.holes[name] = v
	l.holeExprs = append(l.holeExprs, e)
	return expr.Placeholder(name)
}

// value returns the constant e denotes: a literal, a parameter, or a
// list, bag or tuple of them. ok is false when e is not a constant (a
// path, an operator), which is the caller's question. The value is
// checked as an item attribute is (attr.Value.Validate: nesting depth,
// duplicate or empty sets, numbers), with the messages DynamoDB gives for
// an item's values, since a literal is one.
func (l *lowerer) value(e partiql.Expr) (v attr.Value, ok bool, err error) {
	v, ok, err = l.valueOf(e)
	if err != nil || !ok {
		return v, ok, err
	}
	switch v.Type {
	case attr.TypeM, attr.TypeL, attr.TypeSS, attr.TypeNS, attr.TypeBS:
		if err := v.Validate(); err != nil {
			return attr.Value{}, false, err
		}
	}
	return v, true, nil
}

// item returns the item an INSERT's tuple denotes, checked as PutItem
// checks an item: its attributes are at the item's top level, not one
// level down inside a map, which matters for the nesting limit. ok is
// false when e is not a tuple of constants.
func (l *lowerer) item(e partiql.Expr) (it attr.Item, ok bool, err error) {
	v, ok, err := l.valueOf(e)
	if err != nil || !ok || v.Type != attr.TypeM {
		return nil, false, err
	}
	if err := attr.ValidateItem(v.M); err != nil {
		return nil, false, err
	}
	return v.M, true, nil
}

// valueOf is value without the checks of the whole value.
func (l *lowerer) valueOf(e partiql.Expr) (v attr.Value, ok bool, err error) {
	switch e := e.(type) {
	case *partiql.Param:
		if e.Index >= len(l.params) {
			return attr.Value{}, false, apierr.Validation("Number of parameters in request and statement don't match.")
		}
		return l.params[e.Index], true, nil
	case *partiql.Literal:
		switch e.Kind {
		case partiql.LitString:
			return attr.String(e.Text), true, nil
		case partiql.LitNumber:
			n, err := attr.Number(e.Text)
			if err != nil {
				return attr.Value{}, false, err
			}
			return n, true, nil
		case partiql.LitBool:
			return attr.Bool(e.Text == "true"), true, nil
		case partiql.LitNull:
			return attr.Null(), true, nil
		case partiql.LitMissing:
			return attr.Value{}, false, apierr.Validation("MISSING must be compared using IS operator")
		default:
			return attr.Value{}, false, apierr.Validation("Unsupported data type: Amazon Ion literals")
		}
	case *partiql.List:
		out := make([]attr.Value, 0, len(e.Elems))
		for _, x := range e.Elems {
			v, ok, err := l.valueOf(x)
			if err != nil || !ok {
				return attr.Value{}, ok, err
			}
			out = append(out, v)
		}
		return attr.List(out...), true, nil
	case *partiql.Tuple:
		m := make(attr.Item, len(e.Fields))
		for _, f := range e.Fields {
			k, ok, err := l.valueOf(f.Key)
			if err != nil || !ok {
				return attr.Value{}, ok, err
			}
			if k.Type != attr.TypeS {
				return attr.Value{}, false, apierr.Validationf("Tuple keys must be of type String. Actual type: %s", typeWord(k))
			}
			if _, dup := m[k.S]; dup {
				return attr.Value{}, false, apierr.Validationf("Duplicate tuple key: %s", k.S)
			}
			v, ok, err := l.valueOf(f.Value)
			if err != nil || !ok {
				return attr.Value{}, ok, err
			}
			m[k.S] = v
		}
		return attr.Map(m), true, nil
	case *partiql.Bag:
		return l.bag(e)
	case *partiql.Unary:
		if e.Op == partiql.OpPlus {
			return l.valueOf(e.X)
		}
	}
	return attr.Value{}, false, nil
}

// bag returns a <<...>> literal as a string, number or binary set.
func (l *lowerer) bag(e *partiql.Bag) (attr.Value, bool, error) {
	if len(e.Elems) == 0 {
		return attr.Value{}, false, apierr.Validation("Empty bags are not supported")
	}
	var out attr.Value
	for i, x := range e.Elems {
		v, ok, err := l.valueOf(x)
		if err != nil || !ok {
			return attr.Value{}, ok, err
		}
		setType := map[attr.Type]attr.Type{attr.TypeS: attr.TypeSS, attr.TypeN: attr.TypeNS, attr.TypeB: attr.TypeBS}[v.Type]
		if setType == attr.TypeInvalid || (i > 0 && setType != out.Type) {
			return attr.Value{}, false, apierr.Validation("Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags")
		}
		out.Type = setType
		if v.Type == attr.TypeB {
			out.BS = append(out.BS, v.B)
		} else {
			out.Set = append(out.Set, v.S)
		}
	}
	// Duplicates are refused by value's attr check, with DynamoDB's
	// "Input collection [x, x] contains duplicates." (captured).
	return out, true, nil
}

// typeWord names a value's DynamoDB type for messages.
func typeWord(v attr.Value) string {
	return [...]string{attr.TypeS: "S", attr.TypeN: "N", attr.TypeB: "B", attr.TypeBOOL: "BOOL",
		attr.TypeNULL: "NULL", attr.TypeM: "M", attr.TypeL: "L", attr.TypeSS: "SS", attr.TypeNS: "NS",
		attr.TypeBS: "BS", attr.TypeInvalid: "?"}[v.Type]
}

// msgInOperands refuses an IN whose right-hand side is not a list of at
// least one value.
const msgInOperands = "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member"

// path returns e as a document path, or ok false when it is not one. Its
// names are held to the item rules (attr.ValidateName).
func (l *lowerer) path(e partiql.Expr) (expr.Path, bool, error) {
	root, steps, ok := partiql.DocPath(e)
	if !ok {
		return nil, false, nil
	}
	if err := attr.ValidateName(root.Name); err != nil {
		return nil, false, err
	}
	p := expr.Attr(root.Name)
	for _, s := range steps {
		switch s.Kind {
		case partiql.StepField:
			if err := attr.ValidateName(s.Name); err != nil {
				return nil, false, err
			}
			p = p.Key(s.Name)
		case partiql.StepIndex:
			lit, isLit := s.Index.(*partiql.Literal)
			if !isLit || lit.Kind != partiql.LitNumber {
				return nil, false, apierr.Validation("Path component cannot be an expression; only literal index values are supported")
			}
			i, err := strconv.Atoi(lit.Text)
			if err != nil || i < 0 {
				return nil, false, apierr.Validationf("List index is not within the allowable range; index: [%s]", lit.Text)
			}
			p = p.At(i)
		case partiql.StepWildcard:
			return nil, false, apierr.Validation("Wildcard path component like a[*].b are not supported")
		default:
			return nil, false, apierr.Validation("Unpivot path component like a.*.b are not supported")
		}
	}
	return p, true, nil
}

// operand lowers a condition operand: a path, a constant, or size(path).
func (l *lowerer) operand(e partiql.Expr) (expr.Operand, error) {
	if p, ok, err := l.path(e); err != nil || ok {
		return p, err
	}
	if v, ok, err := l.value(e); err != nil || ok {
		if err != nil {
			return nil, err
		}
		return l.literal(e, v), nil
	}
	if c, ok := e.(*partiql.Call); ok && c.Name == "size" {
		if len(c.Args) != 1 {
			return nil, apierr.Validation("Incorrect number of operands for operator or function; operator or function: size, number of operands: " + strconv.Itoa(len(c.Args)))
		}
		x, err := l.operand(c.Args[0])
		if err != nil {
			return nil, err
		}
		return expr.Size(x), nil
	}
	return nil, unsupportedExpr(e)
}

// unsupportedExpr is the refusal of an expression DynamoDB does not run
// where it appears.
func unsupportedExpr(e partiql.Expr) error {
	switch e := e.(type) {
	case *partiql.Call:
		return apierr.Validationf("Unrecognized function: %s at %s", e.Name, e.Pos)
	case *partiql.Binary:
		return apierr.Validationf("Unsupported operation: %s", binaryClass[e.Op])
	}
	return apierr.Validation(fmt.Sprintf("Unsupported expression at %s", e.Position()))
}

// binaryClass names operators as DynamoDB's translator does in
// "Unsupported operation: %s".
var binaryClass = [...]string{partiql.OpOr: "Or", partiql.OpAnd: "And", partiql.OpEq: "Eq",
	partiql.OpNe: "Ne", partiql.OpLt: "Lt", partiql.OpLe: "Lte", partiql.OpGt: "Gt", partiql.OpGe: "Gte",
	partiql.OpAdd: "Plus", partiql.OpSub: "Minus", partiql.OpMul: "Times", partiql.OpDiv: "Divide",
	partiql.OpMod: "Modulo", partiql.OpConcat: "Concat"}

var compareOps = map[partiql.BinaryOp]expr.CompareOp{partiql.OpEq: expr.EQ, partiql.OpNe: expr.NE,
	partiql.OpLt: expr.LT, partiql.OpLe: expr.LE, partiql.OpGt: expr.GT, partiql.OpGe: expr.GE}

// isTypes maps IS type names to the DynamoDB type attribute_type tests.
var isTypes = map[string]attr.Type{"boolean": attr.TypeBOOL, "numeric": attr.TypeN, "integer": attr.TypeN,
	"string": attr.TypeS, "blob": attr.TypeB, "struct": attr.TypeM, "tuple": attr.TypeM, "list": attr.TypeL}

// cond lowers a WHERE condition (or the part of one left after the key).
func (l *lowerer) cond(e partiql.Expr) (expr.Cond, error) {
	switch e := e.(type) {
	case *partiql.Binary:
		switch e.Op {
		case partiql.OpAnd, partiql.OpOr:
			a, err := l.cond(e.L)
			if err != nil {
				return nil, err
			}
			b, err := l.cond(e.R)
			if err != nil {
				return nil, err
			}
			if e.Op == partiql.OpAnd {
				return expr.And{Left: a, Right: b}, nil
			}
			return expr.Or{Left: a, Right: b}, nil
		}
		op, ok := compareOps[e.Op]
		if !ok {
			return nil, unsupportedExpr(e)
		}
		a, err := l.operand(e.L)
		if err != nil {
			return nil, err
		}
		b, err := l.operand(e.R)
		if err != nil {
			return nil, err
		}
		return expr.Compare(op, a, b), nil
	case *partiql.Unary:
		if e.Op != partiql.OpNot {
			return nil, unsupportedExpr(e)
		}
		x, err := l.cond(e.X)
		if err != nil {
			return nil, err
		}
		return expr.Not{X: x}, nil
	case *partiql.Between:
		ops, err := l.operands(e.X, e.Lo, e.Hi)
		if err != nil {
			return nil, err
		}
		var c expr.Cond = expr.Between{X: ops[0], Low: ops[1], High: ops[2]}
		if e.Not {
			c = expr.Not{X: c}
		}
		return c, nil
	case *partiql.In:
		list, ok := e.Set.(*partiql.List)
		if !ok || len(list.Elems) == 0 {
			// DynamoDB Local's sentence (docs/partiql.md): a bag, a
			// parameter or an empty list is not a Seq with a member.
			return nil, apierr.Validation(msgInOperands)
		}
		if len(list.Elems) > maxInOperands {
			return nil, tooManyInOperands(len(list.Elems))
		}
		x, err := l.operand(e.X)
		if err != nil {
			return nil, err
		}
		vals, err := l.operands(list.Elems...)
		if err != nil {
			return nil, err
		}
		var c expr.Cond = expr.In{X: x, List: vals}
		if e.Not {
			c = expr.Not{X: c}
		}
		return c, nil
	case *partiql.Is:
		x, err := l.operand(e.X)
		if err != nil {
			return nil, err
		}
		var c expr.Cond
		switch e.Type.Name {
		case "missing":
			c = expr.IsMissing(x)
		case "null":
			c = expr.IsNull(x)
		default:
			t, ok := isTypes[e.Type.Name]
			if !ok {
				return nil, apierr.Validation("Unsupported operation: IsType")
			}
			c = expr.IsType(x, t)
		}
		if e.Not {
			c = expr.Not{X: c}
		}
		return c, nil
	case *partiql.Call:
		return l.funcCond(e)
	}
	return nil, unsupportedExpr(e)
}

// funcCond lowers a function used as a condition.
func (l *lowerer) funcCond(c *partiql.Call) (expr.Cond, error) {
	switch c.Name {
	case "begins_with", "contains", "attribute_exists", "attribute_not_exists", "attribute_type":
	default:
		return nil, unsupportedExpr(c)
	}
	args, err := l.operands(c.Args...)
	if err != nil {
		return nil, err
	}
	return expr.FuncCond{Func: c.Name, Args: args}, nil
}

func (l *lowerer) operands(es ...partiql.Expr) ([]expr.Operand, error) {
	out := make([]expr.Operand, len(es))
	for i, e := range es {
		o, err := l.operand(e)
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, nil
}
