package expr

import (
	"sort"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

const invalidParams = "One or more parameter values were invalid: "

// argCounts is how many values each legacy ComparisonOperator takes; -1
// means one or more.
var argCounts = map[string]int{
	"EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1,
	"CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1,
	"NULL": 0, "NOT_NULL": 0, "IN": -1, "BETWEEN": 2,
}

// argTypes is which value types each legacy ComparisonOperator accepts.
// EQ and NE take every type, lists and maps included (the API Reference's
// Condition: "EQ is supported for all data types, including lists and
// maps").
var argTypes = map[string]string{
	"EQ": "S N B SS NS BS L M BOOL NULL", "NE": "S N B SS NS BS L M BOOL NULL",
	"LE": "S N B", "LT": "S N B", "GE": "S N B", "GT": "S N B",
	"CONTAINS": "S N B", "NOT_CONTAINS": "S N B", "BEGINS_WITH": "S B",
	"IN": "S N B", "BETWEEN": "S N B",
}

func typeIn(t attr.Type, list string) bool {
	name := t.String()
	for i := 0; i+len(name) <= len(list); i++ {
		if list[i:i+len(name)] == name && (i == 0 || list[i-1] == ' ') && (i+len(name) == len(list) || list[i+len(name)] == ' ') {
			return true
		}
	}
	return false
}

// legacyNode translates one ComparisonOperator condition on attribute name
// into the condition AST, validating its values as DynamoDB does.
func legacyNode(name, op string, vals []attr.Value, countMsg string) (*node, error) {
	for _, v := range vals {
		if err := checkValue(v); err != nil {
			return nil, err
		}
	}
	want, ok := argCounts[op]
	if !ok || (want >= 0 && len(vals) != want) || (want < 0 && len(vals) == 0) {
		if countMsg != "" {
			return nil, bareError(countMsg)
		}
		return nil, bareError(invalidParams + "Invalid number of argument(s) for the " + op + " ComparisonOperator")
	}
	for _, v := range vals[min(1, len(vals)):] {
		if v.Type != vals[0].Type {
			return nil, bareError(invalidParams + "AttributeValues inside AttributeValueList must be of same type")
		}
	}
	for _, v := range vals {
		if !typeIn(v.Type, argTypes[op]) {
			return nil, bareError(invalidParams + "ComparisonOperator " + op + " is not valid for " + v.Type.String() + " AttributeValue type")
		}
	}
	if op == "BETWEEN" {
		if c, ok := compareScalar(vals[0], vals[1]); ok && c > 0 {
			return nil, bareError("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
		}
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	path := &operand{kind: opdPath, path: docPath{{name: name}}}
	args := []*operand{path}
	for _, v := range vals {
		args = append(args, &operand{kind: opdValue, val: v})
	}
	switch op {
	case "EQ", "NE", "LE", "LT", "GE", "GT":
		cmp := map[string]tokKind{"EQ": tokEQ, "NE": tokNE, "LE": tokLE, "LT": tokLT, "GE": tokGE, "GT": tokGT}[op]
		return &node{kind: nCmp, cmp: cmp, args: args}, nil
	case "NULL":
		return &node{kind: nNotExists, args: args}, nil
	case "NOT_NULL":
		return &node{kind: nExists, args: args}, nil
	case "CONTAINS":
		return &node{kind: nContains, args: args}, nil
	case "NOT_CONTAINS":
		return &node{kind: nLegacyNotContains, args: args}, nil
	case "BEGINS_WITH":
		return &node{kind: nBeginsWith, args: args}, nil
	case "IN":
		return &node{kind: nIn, args: args}, nil
	default: // BETWEEN
		return &node{kind: nBetween, args: args}, nil
	}
}

// checkValue refuses a value no item could hold (attr.Value.Validate:
// an empty value, a malformed or out-of-range number, an empty set...),
// with the message an item gets: every value a request brings is held to
// the item rules, so a legacy condition or AttributeUpdates cannot store
// or compare what PutItem would refuse.
func checkValue(v attr.Value) error {
	if err := v.Validate(); err != nil {
		return bareError(validationMessage(err))
	}
	return nil
}

// checkName refuses an attribute name no item could hold (attr.ValidateName:
// empty, or over 65 535 bytes) wherever a legacy parameter names one, as
// DynamoDB checks every name a request carries with the same rule.
func checkName(name string) error {
	if err := attr.ValidateName(name); err != nil {
		return bareError(validationMessage(err))
	}
	return nil
}

// combine joins legacy conditions with ConditionalOperator (AND unless OR).
func combine(nodes []*node, operator *string) *node {
	if len(nodes) == 0 {
		return nil
	}
	kind := nAnd
	if operator != nil && *operator == "OR" {
		kind = nOr
	}
	n := nodes[0]
	for _, m := range nodes[1:] {
		n = &node{kind: kind, kids: []*node{n, m}}
	}
	return n
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compileExpected translates Expected into a Condition.
func compileExpected(expected map[string]api.ExpectedAttributeValue, operator *string) (*Condition, error) {
	var nodes []*node
	for _, name := range sortedKeys(expected) {
		e := expected[name]
		if e.AttributeValueList != nil && e.Value != nil {
			return nil, bareError(invalidParams + "Value and AttributeValueList cannot be used together for Attribute: " + name)
		}
		if e.ComparisonOperator != nil {
			op := *e.ComparisonOperator
			if e.Exists != nil {
				return nil, bareError(invalidParams + "Exists and ComparisonOperator cannot be used together for Attribute: " + name)
			}
			if op != "NULL" && op != "NOT_NULL" && e.AttributeValueList == nil && e.Value == nil {
				return nil, bareError(invalidParams + "Value or AttributeValueList must be used with ComparisonOperator: " + op + " for Attribute: " + name)
			}
			vals := e.AttributeValueList
			if e.Value != nil {
				vals = []attr.Value{*e.Value}
			}
			n, err := legacyNode(name, op, vals, "")
			if err != nil {
				return nil, err
			}
			nodes = append(nodes, n)
			continue
		}
		if e.AttributeValueList != nil {
			return nil, bareError(invalidParams + "AttributeValueList can only be used with a ComparisonOperator for Attribute: " + name)
		}
		exists := e.Exists == nil || *e.Exists
		switch {
		case exists && e.Value == nil:
			state := "null"
			if e.Exists != nil {
				state = "true"
			}
			return nil, bareError(invalidParams + "Value must be provided when Exists is " + state + " for Attribute: " + name)
		case !exists && e.Value != nil:
			return nil, bareError(invalidParams + "Value cannot be used when Exists is false for Attribute: " + name)
		case e.Value != nil:
			if err := checkValue(*e.Value); err != nil {
				return nil, err
			}
		}
		if err := checkName(name); err != nil {
			return nil, err
		}
		switch {
		case !exists:
			nodes = append(nodes, &node{kind: nNotExists, args: []*operand{{kind: opdPath, path: docPath{{name: name}}}}})
		default:
			nodes = append(nodes, &node{kind: nCmp, cmp: tokEQ, args: []*operand{{kind: opdPath, path: docPath{{name: name}}}, {kind: opdValue, val: *e.Value}}})
		}
	}
	return &Condition{root: combine(nodes, operator)}, nil
}

// compileFilter translates QueryFilter or ScanFilter into a Condition.
func compileFilter(filter map[string]api.Condition, operator *string) (*Condition, error) {
	var nodes []*node
	for _, name := range sortedKeys(filter) {
		c := filter[name]
		op := ""
		if c.ComparisonOperator != nil {
			op = *c.ComparisonOperator
		}
		n, err := legacyNode(name, op, c.AttributeValueList, "")
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return &Condition{root: combine(nodes, operator)}, nil
}

// compileKeyConditions translates legacy KeyConditions.
func compileKeyConditions(conds map[string]api.Condition, keys KeySchema) (*keyPlan, error) {
	var terms []keyTerm
	for _, name := range sortedKeys(conds) {
		c := conds[name]
		op := ""
		if c.ComparisonOperator != nil {
			op = *c.ComparisonOperator
		}
		if _, err := legacyNode(name, op, c.AttributeValueList, "The attempted filter operation is not supported for the provided filter argument count"); err != nil {
			return nil, err
		}
		vals := make([]*operand, len(c.AttributeValueList))
		for i, v := range c.AttributeValueList {
			vals[i] = &operand{kind: opdValue, val: v}
		}
		terms = append(terms, keyTerm{name: name, op: op, vals: vals})
	}
	return buildKeyCondition(terms, keys)
}

// compileAttributesToGet translates AttributesToGet into a Projection.
func compileAttributesToGet(names []string) (*Projection, error) {
	seen := map[string]bool{}
	paths := make([]docPath, 0, len(names))
	for _, n := range names {
		if err := checkName(n); err != nil {
			return nil, err
		}
		if seen[n] {
			return nil, bareError(invalidParams + "Duplicate value in attribute name: " + n)
		}
		seen[n] = true
		paths = append(paths, docPath{{name: n}})
	}
	return newProjection(paths), nil
}

// compileAttributeUpdates translates AttributeUpdates into an Update.
func compileAttributeUpdates(updates map[string]api.AttributeValueUpdate, keys KeySchema) (*Update, error) {
	u := &Update{legacyListAdd: true}
	for _, name := range sortedKeys(updates) {
		au := updates[name]
		act := "PUT"
		if au.Action != nil {
			act = *au.Action
		}
		path := docPath{{name: name}}
		if au.Value != nil {
			if err := checkValue(*au.Value); err != nil {
				return nil, err
			}
		}
		if err := checkName(name); err != nil {
			return nil, err
		}
		if au.Value == nil {
			if act != "DELETE" {
				return nil, bareError(invalidParams + "Only DELETE action is allowed when no attribute value is specified")
			}
			u.actions = append(u.actions, action{kind: actRemove, path: path})
			continue
		}
		v := *au.Value
		switch act {
		case "PUT":
			u.actions = append(u.actions, action{kind: actSet, path: path, val: &operand{kind: opdValue, val: v}})
		case "ADD":
			switch v.Type {
			case attr.TypeN, attr.TypeL, attr.TypeSS, attr.TypeNS, attr.TypeBS:
			default:
				return nil, bareError(invalidParams + "ADD action is not supported for the type " + v.Type.String())
			}
			u.actions = append(u.actions, action{kind: actAdd, path: path, val: &operand{kind: opdValue, val: v}})
		case "DELETE":
			switch v.Type {
			case attr.TypeSS, attr.TypeNS, attr.TypeBS:
			default:
				return nil, bareError(invalidParams + "DELETE action with value is not supported for the type " + v.Type.String())
			}
			u.actions = append(u.actions, action{kind: actDelete, path: path, val: &operand{kind: opdValue, val: v}})
		default:
			return nil, bareError("1 validation error detected: Value '" + act + "' at 'attributeUpdates." + name + ".member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]")
		}
	}
	if err := u.checkKeys(keys, true); err != nil {
		return nil, err
	}
	u.paths = u.changedPaths()
	return u, nil
}
