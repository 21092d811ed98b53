package expr

import (
	"strconv"

	"github.com/dynago/dynago/internal/attr"
)

// exprError is a problem found in one expression. Compile prefixes it with
// "Invalid <Parameter>: " unless bare is set (DynamoDB reports some
// key-condition problems without the prefix).
type exprError struct {
	msg  string
	bare bool
}

func (e *exprError) Error() string { return e.msg }

// Error priorities: when an expression has several problems DynamoDB
// reports one of them, chosen by kind rather than position. Lower wins.
const (
	prioParens = iota
	prioUnknownFunc
	prioMisused
	prioReserved
	prioSection
	prioUndefined
	prioOverlap
	prioSemantic
)

// parser holds the state shared by the recursive-descent parsers of all
// expression kinds: the tokens, the name placeholders and which were used,
// the value placeholders of the whole request, and the semantic checks in
// the order the parse met them.
//
// The parser never sees ExpressionAttributeValues: a :placeholder becomes
// a reference, so that one parse serves every request that differs only
// in its values. Syntax errors stop the parse at once. Semantic errors,
// and the checks that need the values (an undefined placeholder, operand
// types, BETWEEN bounds), are recorded as checks and run when values are
// bound; DynamoDB reports the one of highest priority, as fail decides.
type parser struct {
	s         *scanner
	names     map[string]string
	usedNames map[string]bool
	refs      *refTable
	checker
}

// checker records an expression's semantic checks, counts its operators
// and bounds its nesting. The parser embeds one; the lowering of a built
// syntax tree (tree_lower.go) uses one alone, through the same check
// methods, so that text and trees are held to the same rules in the same
// order.
type checker struct {
	checks []check
	depth  int
	ops    int // operators seen, for DynamoDB's limit of 300
	// treeRefs is the plan's placeholder table when lowering a tree
	// (Placeholder nodes); the parser has its own, refs.
	treeRefs *refTable
}

func newParser(src string, names map[string]string, usedNames map[string]bool, refs *refTable) *parser {
	return &parser{s: newScanner(src), names: names, usedNames: usedNames, refs: refs}
}

// fail records a semantic error that does not depend on the values.
func (p *checker) fail(err error, prio int) {
	p.checks = append(p.checks, check{prio: prio, err: err})
}

// checkValues records a check that needs the bound values; fn returns the
// error to report, or nil.
func (p *checker) checkValues(prio int, fn func(vals []attr.Value) error) {
	p.checks = append(p.checks, check{prio: prio, fn: fn})
}

// value makes a :placeholder an operand that refers to the request's
// values, and records that the placeholder must be defined.
func (p *parser) value(t token) *operand {
	ref := p.refs.ref(t.text)
	p.checks = append(p.checks, check{prio: prioUndefined, undefined: ref})
	return &operand{kind: opdValue, ref: ref}
}

// finish checks that the whole input was consumed. The semantic checks
// stay in p.checks for bind.
func (p *parser) finish() error {
	if p.s.peek().kind != tokEOF {
		return p.s.syntaxError()
	}
	return p.checkOperators()
}

// checkOperators applies DynamoDB's limit on the operators of one
// expression, once the whole expression has been read.
func (p *checker) checkOperators() error {
	if p.ops > maxOperators {
		// DynamoDB stops counting at the first operator over the limit.
		return &exprError{msg: "The expression contains too many operators; operator count: " + strconv.Itoa(maxOperators+1)}
	}
	return nil
}

// maxDepth bounds recursion. The 4 KB size limit already bounds nesting,
// so this is only a safety net; it is set high enough that DynamoDB's own
// messages (redundant parentheses, too many operators) come first.
const maxDepth = maxExpressionSize

// maxOperators is the most comparators and logical operators one
// condition may hold.
const maxOperators = 300

func (p *checker) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &exprError{msg: "The expression has too many levels of nesting"}
	}
	return nil
}

func (p *checker) leave() { p.depth-- }
