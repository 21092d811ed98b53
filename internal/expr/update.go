package expr

import (
	"strings"

	"github.com/dynago/dynago/internal/attr"
)

// actionKind is the clause an update action came from.
type actionKind uint8

const (
	actSet actionKind = iota
	actRemove
	actAdd
	actDelete
)

// action is one assignment of an update: SET path = value, REMOVE path,
// ADD path :v or DELETE path :v.
type action struct {
	kind actionKind
	path docPath
	val  *operand
}

// Update is a parsed update expression, or the actions legacy
// AttributeUpdates translate into, bound to one request's values. The
// actions are shared by every request with the same expression.
type Update struct {
	actions []action
	// legacyListAdd marks AttributeUpdates, whose ADD also appends lists.
	legacyListAdd bool
	vals          []attr.Value
	paths         *Projection // the changed paths, computed once
}

// updateFuncs are the functions of update expressions and their arity.
var updateFuncs = map[string]int{"if_not_exists": 2, "list_append": 2}

// parseUpdate parses a whole update expression.
func (p *parser) parseUpdate() (*Update, error) {
	u := &Update{}
	seen := map[string]bool{}
	for {
		t := p.s.peek()
		if t.kind != tokIdent {
			return nil, p.s.syntaxError()
		}
		clause := strings.ToUpper(t.text)
		var kind actionKind
		switch clause {
		case "SET":
			kind = actSet
		case "REMOVE":
			kind = actRemove
		case "ADD":
			kind = actAdd
		case "DELETE":
			kind = actDelete
		default:
			return nil, p.s.syntaxError()
		}
		p.s.next()
		if seen[clause] {
			p.fail(&exprError{msg: `The "` + clause + `" section can only be used once in an update expression;`}, prioSection)
		}
		seen[clause] = true
		for {
			a, err := p.parseAction(kind)
			if err != nil {
				return nil, err
			}
			u.actions = append(u.actions, a)
			if !p.s.accept(tokComma) {
				break
			}
		}
		if p.s.peek().kind == tokEOF {
			break
		}
	}
	p.checkActionPaths(u.actions)
	if err := p.finish(); err != nil {
		return nil, err
	}
	return u, nil
}

// checkActionPaths records DynamoDB's rule that the paths of one update
// may not overlap.
func (p *checker) checkActionPaths(actions []action) {
	paths := make([]docPath, len(actions))
	for i, a := range actions {
		paths[i] = a.path
	}
	if err := checkOverlap(paths); err != nil {
		p.fail(err, prioOverlap)
	}
}

func (p *parser) parseAction(kind actionKind) (action, error) {
	if t := p.s.peek(); t.kind == tokIdent && isClauseWord(t.text) {
		return action{}, p.s.syntaxError()
	}
	path, err := p.parsePath()
	if err != nil {
		return action{}, err
	}
	a := action{kind: kind, path: path}
	switch kind {
	case actSet:
		if _, err := p.s.expect(tokEQ); err != nil {
			return action{}, err
		}
		a.val, err = p.parseSetValue()
		if err != nil {
			return action{}, err
		}
	case actAdd, actDelete:
		t, err := p.s.expect(tokValue)
		if err != nil {
			return action{}, err
		}
		a.val = p.value(t)
		p.checkSetOperand(kind, a.val)
	}
	return a, nil
}

// checkSetOperand records the rule on the value of an ADD (a number or a
// set) or a DELETE (a set).
func (p *checker) checkSetOperand(kind actionKind, val *operand) {
	op := "ADD"
	if kind == actDelete {
		op = "DELETE"
	}
	p.checkValues(prioSemantic, func(vals []attr.Value) error {
		v := val.value(vals)
		if name := typeWord(v.Type); name != "" && !(kind == actAdd && v.Type == attr.TypeN) {
			return &exprError{msg: "Incorrect operand type for operator or function; operator: " + op + ", operand type: " + name}
		}
		return nil
	})
}

func isClauseWord(s string) bool {
	switch strings.ToUpper(s) {
	case "SET", "REMOVE", "ADD", "DELETE":
		return true
	}
	return false
}

// typeWord is the name DynamoDB uses for a non-set type in ADD and DELETE
// errors; sets return "".
func typeWord(t attr.Type) string {
	switch t {
	case attr.TypeS:
		return "STRING"
	case attr.TypeN:
		return "NUMBER"
	case attr.TypeB:
		return "BINARY"
	case attr.TypeNULL:
		return "NULL"
	case attr.TypeBOOL:
		return "BOOLEAN"
	case attr.TypeL:
		return "LIST"
	case attr.TypeM:
		return "MAP"
	}
	return ""
}

// parseSetValue parses the right side of SET: term [+|- term], where a
// term is an operand or a parenthesised value.
func (p *parser) parseSetValue() (*operand, error) {
	left, err := p.parseSetTerm()
	if err != nil {
		return nil, err
	}
	t := p.s.peek()
	if t.kind != tokPlus && t.kind != tokMinus {
		return left, nil
	}
	if left.kind == opdPlus || left.kind == opdMinus {
		return nil, p.s.syntaxError()
	}
	p.s.next()
	right, err := p.parseSetTerm()
	if err != nil {
		return nil, err
	}
	if right.kind == opdPlus || right.kind == opdMinus {
		return nil, p.s.syntaxError()
	}
	kind := opdPlus
	if t.kind == tokMinus {
		kind = opdMinus
	}
	return p.arith(kind, left, right), nil
}

// arith checks left + right or left - right (kind opdPlus or opdMinus):
// values must be numbers.
func (p *checker) arith(kind operandKind, left, right *operand) *operand {
	op := "+"
	if kind == opdMinus {
		op = "-"
	}
	if left.kind == opdValue || right.kind == opdValue {
		p.checkValues(prioSemantic, func(vals []attr.Value) error {
			for _, a := range []*operand{left, right} {
				if a.kind != opdValue {
					continue
				}
				if typ := a.value(vals).Type; typ != attr.TypeN && typ != attr.TypeInvalid {
					return operandType(op, typ.String())
				}
			}
			return nil
		})
	}
	return &operand{kind: kind, args: []*operand{left, right}}
}

func (p *parser) parseSetTerm() (*operand, error) {
	if p.s.peek().kind != tokLParen {
		return p.parseUpdateOperand()
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	p.s.next()
	v, err := p.parseSetValue()
	if err != nil {
		return nil, err
	}
	if _, err := p.s.expect(tokRParen); err != nil {
		return nil, err
	}
	return v, nil
}

// parseUpdateOperand parses a path, a :value or a function call.
func (p *parser) parseUpdateOperand() (*operand, error) {
	return p.parseOperandOf(p.parseUpdateFunc, isClauseWord)
}

func (p *parser) parseUpdateFunc() (*operand, error) {
	name := p.s.next().text
	p.s.next() // (
	var args []*operand
	for {
		o, err := p.parseUpdateOperand()
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
	return p.updateCall(name, args), nil
}

// updateCall checks a function call of an update expression, its
// arguments already parsed.
func (p *checker) updateCall(name string, args []*operand) *operand {
	arity, ok := updateFuncs[name]
	if !ok {
		p.fail(funcNotHere(name, "an update", condFuncs), prioUnknownFunc)
		return &operand{kind: opdValue}
	}
	if arity != len(args) {
		p.fail(operandCount(name, len(args)), prioSemantic)
		return &operand{kind: opdValue}
	}
	switch name {
	case "if_not_exists":
		if args[0].kind != opdPath {
			p.fail(&exprError{msg: "Operator or function requires a document path; operator or function: " + name}, prioSemantic)
		}
		return &operand{kind: opdIfNotExists, args: args}
	default:
		p.checkValues(prioSemantic, func(vals []attr.Value) error {
			for _, a := range args {
				if a.kind != opdValue {
					continue
				}
				if t := a.value(vals).Type; t != attr.TypeL && t != attr.TypeInvalid {
					return operandType(name, t.String())
				}
			}
			return nil
		})
		for _, a := range args {
			if a.kind == opdListAppend {
				// DynamoDB parses list_append(list_append(…), …) but
				// refuses it.
				p.misused(name)
				break
			}
		}
		return &operand{kind: opdListAppend, args: args}
	}
}

// funcNotHere is the error for a function name unknown to one expression
// kind: a function of the other kind (a condition function in an update,
// an update function in a condition) is "not allowed in" this kind; any
// other name is invalid.
func funcNotHere(name, kind string, other map[string]int) *exprError {
	if _, ok := other[name]; ok {
		return &exprError{msg: "The function is not allowed in " + kind + " expression; function: " + name}
	}
	return &exprError{msg: "Invalid function name; function: " + name}
}

// Paths returns a projection of the paths the update changes, which gives
// UPDATED_OLD and UPDATED_NEW when applied to the old and new items.
func (u *Update) Paths() *Projection {
	if u.paths != nil {
		return u.paths
	}
	return u.changedPaths()
}

func (u *Update) changedPaths() *Projection {
	paths := make([]docPath, len(u.actions))
	for i, a := range u.actions {
		paths[i] = a.path
	}
	return newProjection(paths)
}

// checkKeys refuses an update of a key attribute.
func (u *Update) checkKeys(keys KeySchema, legacy bool) error {
	for _, a := range u.actions {
		name := a.path[0].name
		if name == keys.Hash || (keys.Range != "" && name == keys.Range) {
			msg := "One or more parameter values were invalid: Cannot update attribute " + name + ". This attribute is part of the key"
			return &exprError{msg: msg, bare: true}
		}
	}
	return nil
}
