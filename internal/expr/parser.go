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
// expression kinds: the tokens, the placeholders and which were used, and
// the highest-priority semantic error seen so far. Syntax errors stop the
// parse at once; semantic errors are collected so the right one is
// reported.
type parser struct {
	s          *scanner
	names      map[string]string
	values     attr.Item
	usedNames  map[string]bool
	usedValues map[string]bool
	err        error
	prio       int
	depth      int
	ops        int // operators seen, for DynamoDB's limit of 300
}

func newParser(src string, names map[string]string, values attr.Item, usedNames, usedValues map[string]bool) *parser {
	return &parser{s: newScanner(src), names: names, values: values, usedNames: usedNames, usedValues: usedValues}
}

// fail records a semantic error unless one of higher priority is known.
func (p *parser) fail(err error, prio int) {
	if p.err == nil || prio < p.prio {
		p.err, p.prio = err, prio
	}
}

// value resolves a :placeholder.
func (p *parser) value(t token) attr.Value {
	v, ok := p.values[t.text]
	if !ok {
		p.fail(&exprError{msg: "An expression attribute value used in expression is not defined; attribute value: " + t.text}, prioUndefined)
		return attr.Value{}
	}
	p.usedValues[t.text] = true
	return v
}

// finish checks that the whole input was consumed and returns the first
// error by priority.
func (p *parser) finish() error {
	if p.s.peek().kind != tokEOF {
		return p.s.syntaxError()
	}
	if p.ops > maxOperators {
		// DynamoDB stops counting at the first operator over the limit.
		return &exprError{msg: "The expression contains too many operators; operator count: " + strconv.Itoa(maxOperators+1)}
	}
	return p.err
}

// maxDepth bounds recursion. The 4 KB size limit already bounds nesting,
// so this is only a safety net; it is set high enough that DynamoDB's own
// messages (redundant parentheses, too many operators) come first.
const maxDepth = maxExpressionSize

// maxOperators is the most comparators and logical operators one
// condition may hold.
const maxOperators = 300

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &exprError{msg: "The expression has too many levels of nesting"}
	}
	return nil
}

func (p *parser) leave() { p.depth-- }
