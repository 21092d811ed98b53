package expr

import (
	"strconv"
	"strings"

	"github.com/dynago/dynago/internal/attr"
)

// operandKind says what an operand of a condition or update is.
type operandKind uint8

const (
	opdPath        operandKind = iota // a document path
	opdValue                          // an ExpressionAttributeValue
	opdSize                           // size(path)
	opdIfNotExists                    // if_not_exists(path, operand)
	opdListAppend                     // list_append(operand, operand)
	opdPlus                           // operand + operand
	opdMinus                          // operand - operand
)

// operand is a value-producing node of the AST. A value operand either
// holds its value (legacy parameters, internal uses) or refers to one of
// the request's ExpressionAttributeValues, bound per request.
type operand struct {
	kind operandKind
	path docPath
	val  attr.Value // the value itself when ref is 0
	ref  int        // 1 + index into the bound values; 0: use val
	args []*operand
}

// value returns a value operand's value, given the request's bound values.
// An undefined placeholder reads as the zero Value (TypeInvalid).
func (o *operand) value(vals []attr.Value) attr.Value {
	if o.ref == 0 {
		return o.val
	}
	return vals[o.ref-1]
}

// nodeKind says what a boolean node of a condition is.
type nodeKind uint8

const (
	nAnd nodeKind = iota
	nOr
	nNot
	nCmp
	nBetween
	nIn
	nExists
	nNotExists
	nType
	nBeginsWith
	nContains
	// Legacy-only comparisons, whose semantics differ from any expression.
	nLegacyNotContains
	// nBare is an operand in parentheses awaiting its comparison; it only
	// exists during parsing.
	nBare
)

// node is a boolean node of a condition's AST.
type node struct {
	kind  nodeKind
	cmp   tokKind // for nCmp
	kids  []*node
	args  []*operand
	paren bool // written inside its own parentheses
}

// Condition is a parsed condition or filter expression, or the AST that
// legacy Expected, QueryFilter or ScanFilter translate into, bound to one
// request's values. The AST is shared by every request with the same
// expression; vals belong to this request.
type Condition struct {
	root *node
	vals []attr.Value
}

// condFuncs are the functions of condition expressions and their arity.
var condFuncs = map[string]int{
	"attribute_exists":     1,
	"attribute_not_exists": 1,
	"attribute_type":       2,
	"begins_with":          2,
	"contains":             2,
	"size":                 1,
}

// maxInOperands is the most values an IN list may hold.
const maxInOperands = 100

// parseCondition parses a whole condition expression.
func (p *parser) parseCondition() (*node, error) {
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if n.kind == nBare {
		return nil, p.s.syntaxError()
	}
	if err := p.finish(); err != nil {
		return nil, err
	}
	return n, nil
}

func (p *parser) parseOr() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.parseChain("OR", nOr, p.parseAnd)
}

func (p *parser) parseAnd() (*node, error) { return p.parseChain("AND", nAnd, p.parseNot) }

// parseChain parses operands (by next) joined by the keyword word into a
// left-leaning tree of kind nodes: OR over AND over NOT gives DynamoDB's
// precedence. A bare operand (a path or value that is not a condition) may
// not be joined.
func (p *parser) parseChain(word string, kind nodeKind, next func() (*node, error)) (*node, error) {
	left, err := next()
	if err != nil {
		return nil, err
	}
	for p.s.keyword(word) {
		if left.kind == nBare {
			return nil, p.s.syntaxError()
		}
		p.s.next()
		p.ops++
		right, err := next()
		if err != nil {
			return nil, err
		}
		if right.kind == nBare {
			return nil, p.s.syntaxError()
		}
		left = &node{kind: kind, kids: []*node{left, right}}
	}
	return left, nil
}

func (p *parser) parseNot() (*node, error) {
	if p.s.keyword("NOT") {
		p.s.next()
		p.ops++
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		kid, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		if kid.kind == nBare {
			return nil, p.s.syntaxError()
		}
		return &node{kind: nNot, kids: []*node{kid}}, nil
	}
	return p.parsePrimary()
}

// parsePrimary parses a parenthesised condition, a boolean function call,
// or a comparison. "(" is ambiguous: it opens either a condition or an
// operand such as (a) = :v. Rather than backtrack (which is exponential in
// the nesting depth), an operand directly followed by ")" comes back as an
// nBare node, and the enclosing parenthesis turns it into the left side of
// a comparison.
func (p *parser) parsePrimary() (*node, error) {
	if p.s.peek().kind == tokLParen {
		p.s.next()
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if _, err := p.s.expect(tokRParen); err != nil {
			return nil, err
		}
		if inner.paren {
			p.fail(&exprError{msg: "The expression has redundant parentheses;"}, prioParens)
		}
		if inner.kind == nBare && (p.comparatorAt(0) || p.s.peek().kind != tokRParen) {
			return p.parseComparison(inner.args[0])
		}
		inner.paren = true
		return inner, nil
	}
	if t := p.s.peek(); t.kind == tokIdent && p.s.peekAt(1).kind == tokLParen && t.text != "size" {
		name := t.text
		p.checkCondFuncName(name)
		p.s.next()
		args, err := p.parseArgs()
		if err != nil {
			return nil, err
		}
		n := p.funcCondition(name, args)
		if !p.comparatorAt(0) {
			return n, nil
		}
		// attribute_exists(a) = :v: parse on to report the misuse.
		p.misused(name)
		return p.parseComparison(&operand{kind: opdValue})
	}
	left, err := p.parseOperand()
	if err != nil {
		return nil, err
	}
	if p.s.peek().kind == tokRParen && !p.comparatorAt(0) {
		return &node{kind: nBare, args: []*operand{left}}, nil
	}
	return p.parseComparison(left)
}

// comparatorAt reports whether the token n ahead continues a comparison.
func (p *parser) comparatorAt(n int) bool {
	t := p.s.peekAt(n)
	switch t.kind {
	case tokEQ, tokNE, tokLT, tokLE, tokGT, tokGE:
		return true
	case tokIdent:
		return strings.EqualFold(t.text, "BETWEEN") || strings.EqualFold(t.text, "IN")
	}
	return false
}

func (p *parser) parseComparison(left *operand) (*node, error) {
	t := p.s.peek()
	switch t.kind {
	case tokEQ, tokNE, tokLT, tokLE, tokGT, tokGE:
		p.s.next()
		p.ops++
		right, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return p.comparison(t.kind, left, right), nil
	}
	if p.s.keyword("BETWEEN") {
		p.s.next()
		p.ops++
		lo, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		if !p.s.keyword("AND") {
			return nil, p.s.syntaxError()
		}
		p.s.next()
		hi, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		return p.between(left, lo, hi), nil
	}
	if p.s.keyword("IN") {
		p.s.next()
		p.ops++
		if _, err := p.s.expect(tokLParen); err != nil {
			return nil, err
		}
		args := []*operand{left}
		for {
			o, err := p.parseOperand()
			if err != nil {
				return nil, err
			}
			args = append(args, o)
			if !p.s.accept(tokComma) {
				break
			}
		}
		if _, err := p.s.expect(tokRParen); err != nil {
			return nil, err
		}
		return p.in(args), nil
	}
	if left.kind == opdSize {
		return p.sizeCondition(left), nil
	}
	return nil, p.s.syntaxError()
}

// parseOperand parses a condition operand: a path, a :value, size(path),
// or one of these in parentheses.
func (p *parser) parseOperand() (*operand, error) {
	return p.parseOperandOf(p.parseSize, isConditionKeyword)
}

// parseOperandOf parses a path, a :value, a function call (parsed by
// call), or one of these in parentheses. Condition and update expressions
// share this shape and differ only in their functions and in the words
// (reserved) that cannot start a path there.
func (p *parser) parseOperandOf(call func() (*operand, error), reserved func(string) bool) (*operand, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.s.peek()
	switch t.kind {
	case tokLParen:
		p.s.next()
		o, err := p.parseOperandOf(call, reserved)
		if err != nil {
			return nil, err
		}
		if _, err := p.s.expect(tokRParen); err != nil {
			return nil, err
		}
		return o, nil
	case tokValue:
		p.s.next()
		return p.value(t), nil
	case tokIdent:
		if p.s.peekAt(1).kind == tokLParen {
			return call()
		}
		if reserved(t.text) {
			return nil, p.s.syntaxError()
		}
	}
	path, err := p.parsePath()
	if err != nil {
		return nil, err
	}
	return &operand{kind: opdPath, path: path}, nil
}

func isConditionKeyword(s string) bool {
	switch strings.ToUpper(s) {
	case "AND", "OR", "NOT", "BETWEEN", "IN":
		return true
	}
	return false
}

// parseSize parses a function call in operand position; only size is
// allowed there.
func (p *parser) parseSize() (*operand, error) {
	name := p.s.next().text
	args, err := p.parseArgs()
	if err != nil {
		return nil, err
	}
	return p.sizeCall(name, args), nil
}

// sizeCall checks a function call in a condition's operand position, its
// arguments already parsed: only size is allowed there.
func (p *checker) sizeCall(name string, args []*operand) *operand {
	if _, ok := condFuncs[name]; !ok {
		p.fail(funcNotHere(name, "a condition", updateFuncs), prioUnknownFunc)
		return &operand{kind: opdValue}
	}
	if name != "size" {
		p.misused(name)
		return &operand{kind: opdValue}
	}
	if len(args) != 1 {
		p.fail(operandCount(name, len(args)), prioSemantic)
		return &operand{kind: opdSize, args: atLeastOne(args)[:1]}
	}
	if a := args[0]; a.kind == opdValue {
		p.checkValues(prioSemantic, func(vals []attr.Value) error {
			switch t := a.value(vals).Type; t {
			case attr.TypeN, attr.TypeBOOL, attr.TypeNULL:
				return operandType(name, t.String())
			}
			return nil
		})
	}
	return &operand{kind: opdSize, args: args}
}

// parseArgs parses "(" operand {"," operand} ")".
func (p *parser) parseArgs() ([]*operand, error) {
	if _, err := p.s.expect(tokLParen); err != nil {
		return nil, err
	}
	var args []*operand
	for {
		o, err := p.parseOperand()
		if err != nil {
			return nil, err
		}
		args = append(args, o)
		if !p.s.accept(tokComma) {
			break
		}
	}
	if _, err := p.s.expect(tokRParen); err != nil {
		return nil, err
	}
	return args, nil
}

// checkCondFuncName records an unknown function at the start of a
// condition, before its arguments are parsed.
func (p *checker) checkCondFuncName(name string) {
	if _, ok := condFuncs[name]; !ok {
		p.fail(funcNotHere(name, "a condition", updateFuncs), prioUnknownFunc)
	}
}

// misused records a function used where it cannot be: a boolean function
// as an operand, or size as a condition.
func (p *checker) misused(name string) {
	p.fail(&exprError{msg: "The function is not allowed to be used this way in an expression; function: " + name}, prioMisused)
}

// funcCondition checks a boolean function call, its arguments already
// parsed, and returns its node. An unknown name was recorded by
// checkCondFuncName.
func (p *checker) funcCondition(name string, args []*operand) *node {
	arity, ok := condFuncs[name]
	if !ok {
		return &node{kind: nExists, args: atLeastOne(args)} // error already recorded
	}
	if arity != len(args) {
		p.fail(operandCount(name, len(args)), prioSemantic)
		return &node{kind: nExists, args: atLeastOne(args)}
	}
	n := &node{args: args}
	switch name {
	case "attribute_exists", "attribute_not_exists":
		n.kind = nExists
		if name == "attribute_not_exists" {
			n.kind = nNotExists
		}
		if args[0].kind != opdPath {
			p.fail(&exprError{msg: "Operator or function requires a document path; operator or function: " + name}, prioSemantic)
		}
	case "attribute_type":
		n.kind = nType
		p.checkDistinct(name, args[0], args[1])
		if a := args[1]; a.kind != opdValue {
			p.fail(operandType(name, "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"), prioSemantic)
		} else {
			p.checkValues(prioSemantic, func(vals []attr.Value) error {
				v := a.value(vals)
				if v.Type != attr.TypeS {
					return operandType(name, v.Type.String())
				}
				if !validTypeName(v.S) {
					return &exprError{msg: "Invalid attribute type name found; type: " + v.S + ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"}
				}
				return nil
			})
		}
	case "begins_with":
		n.kind = nBeginsWith
		p.checkDistinct(name, args[0], args[1])
		p.checkValues(prioSemantic, func(vals []attr.Value) error {
			for _, a := range args {
				if a.kind != opdValue {
					continue
				}
				if t := a.value(vals).Type; t != attr.TypeS && t != attr.TypeB && t != attr.TypeInvalid {
					return operandType(name, t.String())
				}
			}
			return nil
		})
	case "contains":
		n.kind = nContains
		p.checkDistinct(name, args[0], args[1])
	case "size":
		p.misused(name)
		n.kind = nExists
	}
	return n
}

// atLeastOne returns args, or one empty value operand when there are none
// (a built tree may call a function without arguments), so that a node
// always has the operands its evaluation reads.
func atLeastOne(args []*operand) []*operand {
	if len(args) == 0 {
		return []*operand{{kind: opdValue}}
	}
	return args
}

func validTypeName(s string) bool {
	switch s {
	case "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS":
		return true
	}
	return false
}

func operandCount(name string, n int) error {
	return &exprError{msg: "Incorrect number of operands for operator or function; operator or function: " + name + ", number of operands: " + strconv.Itoa(n)}
}

func operandType(name, typ string) error {
	return &exprError{msg: "Incorrect operand type for operator or function; operator or function: " + name + ", operand type: " + typ}
}

// comparison checks a comparison (= <> < <= > >=) and returns its node.
func (p *checker) comparison(cmp tokKind, left, right *operand) *node {
	p.checkDistinct(cmpText(cmp), left, right)
	if cmp != tokEQ && cmp != tokNE {
		p.checkOrderable(cmpText(cmp), left, right)
	}
	return &node{kind: nCmp, cmp: cmp, args: []*operand{left, right}}
}

// checkOrderable refuses, once the values are bound, an ordering operator
// (< <= > >= BETWEEN) with a value operand of a type that has no order (a
// list, a map, a set, a boolean, NULL): DynamoDB rejects the expression,
// where comparing two scalars of different types is merely false.
func (p *checker) checkOrderable(op string, args ...*operand) {
	p.checkValues(prioSemantic, func(vals []attr.Value) error {
		for _, a := range args {
			if a.kind != opdValue {
				continue
			}
			switch t := a.value(vals).Type; t {
			case attr.TypeS, attr.TypeN, attr.TypeB, attr.TypeInvalid:
			default:
				return operandType(op, t.String())
			}
		}
		return nil
	})
}

// cmpText is a comparator as DynamoDB quotes it.
func cmpText(cmp tokKind) string {
	switch cmp {
	case tokEQ:
		return "="
	case tokNE:
		return "<>"
	case tokLT:
		return "<"
	case tokLE:
		return "<="
	case tokGT:
		return ">"
	case tokGE:
		return ">="
	}
	return "?"
}

// between checks v BETWEEN lo AND hi and returns its node.
func (p *checker) between(v, lo, hi *operand) *node {
	p.checkOrderable("BETWEEN", v, lo, hi)
	p.checkBetween(lo, hi)
	return &node{kind: nBetween, args: []*operand{v, lo, hi}}
}

// in checks v IN (list...), args holding v and then the list, and returns
// its node.
func (p *checker) in(args []*operand) *node {
	if len(args)-1 > maxInOperands {
		p.fail(&exprError{msg: "The IN operator is provided with too many operands; number of operands: " + strconv.Itoa(len(args)-1)}, prioSemantic)
	}
	return &node{kind: nIn, args: args}
}

// sizeCondition is size(path) written where a condition belongs.
func (p *checker) sizeCondition(size *operand) *node {
	p.misused("size")
	return &node{kind: nExists, args: size.args}
}

// checkDistinct refuses an operator whose two operands are the same path.
func (p *checker) checkDistinct(op string, a, b *operand) {
	if a.kind == opdPath && b.kind == opdPath && a.path.equal(b.path) {
		p.fail(&exprError{msg: "The first operand must be distinct from the remaining operands for this operator or function; operator: " + op + ", first operand: " + a.path.String()}, prioSemantic)
	}
}

// checkBetween validates constant bounds of BETWEEN, once the values are
// bound.
func (p *checker) checkBetween(lo, hi *operand) {
	if lo.kind != opdValue || hi.kind != opdValue {
		return
	}
	p.checkValues(prioSemantic, func(vals []attr.Value) error {
		return betweenError(lo.value(vals), hi.value(vals))
	})
}

// betweenError is DynamoDB's complaint about constant BETWEEN bounds of
// different types or in the wrong order, or nil.
func betweenError(lo, hi attr.Value) error {
	if lo.Type == attr.TypeInvalid || hi.Type == attr.TypeInvalid {
		return nil
	}
	desc := func() string {
		return "lower bound operand: AttributeValue: {" + lo.Type.String() + ":" + scalarText(lo) + "}, upper bound operand: AttributeValue: {" + hi.Type.String() + ":" + scalarText(hi) + "}"
	}
	if lo.Type != hi.Type {
		return &exprError{msg: "The BETWEEN operator requires same data type for lower and upper bounds; " + desc()}
	}
	if c, ok := compareScalar(lo, hi); ok && c > 0 {
		return &exprError{msg: "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " + desc()}
	}
	return nil
}

// scalarText renders a scalar for an error message.
func scalarText(v attr.Value) string {
	switch v.Type {
	case attr.TypeS, attr.TypeN:
		return v.S
	case attr.TypeB:
		return string(v.B)
	case attr.TypeBOOL:
		return strconv.FormatBool(v.Bool)
	case attr.TypeNULL:
		return "true"
	}
	return ""
}
