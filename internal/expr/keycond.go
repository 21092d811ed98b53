package expr

import (
	"github.com/dynago/dynago/internal/attr"
)

// keyTerm is one attribute's condition in a Query's key condition, in the
// legacy KeyConditions form both syntaxes reduce to.
type keyTerm struct {
	name string
	op   string // EQ, LT, LE, GT, GE, BETWEEN, BEGINS_WITH, or another legacy operator
	vals []*operand
}

func bareError(msg string) error { return &exprError{msg: msg, bare: true} }

// keyTerms flattens a parsed KeyConditionExpression into one term per key
// attribute, with DynamoDB's messages for what a key condition may not
// contain.
func keyTerms(n *node, terms *[]keyTerm) error {
	switch n.kind {
	case nAnd:
		for _, k := range n.kids {
			if err := keyTerms(k, terms); err != nil {
				return err
			}
		}
		return nil
	case nOr:
		return bareError("Invalid operator used in KeyConditionExpression: OR")
	case nNot:
		return bareError("Invalid operator used in KeyConditionExpression: NOT")
	case nIn:
		return bareError("Invalid operator used in KeyConditionExpression: IN")
	case nExists:
		return bareError("Invalid operator used in KeyConditionExpression: attribute_exists")
	case nNotExists:
		return bareError("Invalid operator used in KeyConditionExpression: attribute_not_exists")
	case nType:
		return bareError("Invalid operator used in KeyConditionExpression: attribute_type")
	case nContains:
		return bareError("Invalid operator used in KeyConditionExpression: contains")
	case nCmp:
		if n.cmp == tokNE {
			return bareError("Invalid operator used in KeyConditionExpression: <>")
		}
	case nBetween:
		if n.args[0].kind != opdPath {
			return bareError("Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand")
		}
	case nBeginsWith:
		if n.args[0].kind != opdPath {
			return bareError("Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand")
		}
	}
	name, at := "", 0
	for i, a := range n.args {
		switch a.kind {
		case opdSize:
			return bareError("KeyConditionExpressions cannot contain nested operations")
		case opdPath:
			if name != "" {
				return bareError("Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition")
			}
			if len(a.path) > 1 {
				return bareError("KeyConditionExpressions cannot have conditions on nested attributes")
			}
			name, at = a.path[0].name, i
		}
	}
	if name == "" {
		return bareError("Invalid condition in KeyConditionExpression: No key attribute specified")
	}
	for _, t := range *terms {
		if t.name == name {
			return bareError("KeyConditionExpressions must only contain one condition per key")
		}
	}
	t := keyTerm{name: name}
	switch n.kind {
	case nBetween:
		t.op, t.vals = "BETWEEN", []*operand{n.args[1], n.args[2]}
	case nBeginsWith:
		t.op, t.vals = "BEGINS_WITH", []*operand{n.args[1]}
	case nCmp:
		cmp := n.cmp
		if at != 0 { // :v < k is k > :v
			cmp = map[tokKind]tokKind{tokEQ: tokEQ, tokLT: tokGT, tokLE: tokGE, tokGT: tokLT, tokGE: tokLE}[cmp]
		}
		t.op = map[tokKind]string{tokEQ: "EQ", tokLT: "LT", tokLE: "LE", tokGT: "GT", tokGE: "GE"}[cmp]
		t.vals = []*operand{n.args[1-at]}
	}
	*terms = append(*terms, t)
	return nil
}

// keyPlan is a key condition before values are bound: the engine's seek
// description with operands in place of values.
type keyPlan struct {
	hashName  string
	hash      *operand
	rangeName string
	rangeOp   RangeOp
	rangeVals []*operand
	multi     *multiKeyPlan // a multi-attribute key's condition; the fields above unset
}

// bind resolves the plan's operands against one request's values into
// out, using rv (two values long) for the sort-key values.
func (k *keyPlan) bind(vals []attr.Value, out *KeyCondition, rv []attr.Value) {
	if k.multi != nil {
		*out = KeyCondition{Multi: k.multi.bind(vals)}
		return
	}
	*out = KeyCondition{HashName: k.hashName, Hash: k.hash.value(vals), RangeName: k.rangeName, RangeOp: k.rangeOp}
	if len(k.rangeVals) > 0 {
		rv = rv[:len(k.rangeVals)]
		for i, o := range k.rangeVals {
			rv[i] = o.value(vals)
		}
		out.RangeValues = rv
	}
}

// buildKeyCondition checks terms against the key schema and produces the
// engine's seek description.
func buildKeyCondition(terms []keyTerm, keys KeySchema) (*keyPlan, error) {
	if keys.isMulti() {
		return buildMultiKeyCondition(terms, keys)
	}
	if len(terms) != 1 && len(terms) != 2 {
		return nil, bareError("Conditions can be of length 1 or 2 only")
	}
	kc := &keyPlan{hashName: keys.Hash}
	var hash, rng *keyTerm
	for i := range terms {
		t := &terms[i]
		switch {
		case t.name == keys.Hash:
			hash = t
		case keys.Range != "" && t.name == keys.Range:
			rng = t
		}
	}
	if hash == nil {
		return nil, bareError("Query condition missed key schema element: " + keys.Hash)
	}
	if len(terms) == 2 && rng == nil {
		if keys.Range == "" {
			return nil, bareError("Query key condition not supported")
		}
		return nil, bareError("Query condition missed key schema element: " + keys.Range)
	}
	if hash.op != "EQ" {
		return nil, bareError("Query key condition not supported")
	}
	kc.hash = hash.vals[0]
	if rng != nil {
		ops := map[string]RangeOp{"EQ": RangeEQ, "LT": RangeLT, "LE": RangeLE, "GT": RangeGT, "GE": RangeGE, "BETWEEN": RangeBetween, "BEGINS_WITH": RangeBeginsWith}
		op, ok := ops[rng.op]
		if !ok {
			return nil, bareError("Query key condition not supported")
		}
		kc.rangeName, kc.rangeOp, kc.rangeVals = rng.name, op, rng.vals
	}
	return kc, nil
}

// Matches reports whether a key attribute map satisfies the key
// condition, for engines that scan a partition rather than seek.
func (k *KeyCondition) Matches(item attr.Item) bool {
	h, ok := item[k.HashName]
	if !ok || !attr.Equal(h, k.Hash) {
		return false
	}
	if k.RangeOp == RangeNone {
		return true
	}
	v, ok := item[k.RangeName]
	if !ok {
		return false
	}
	if k.RangeOp == RangeBeginsWith {
		return evalNode(&node{kind: nBeginsWith, args: []*operand{{kind: opdValue, val: v}, {kind: opdValue, val: k.RangeValues[0]}}}, nil, nil)
	}
	c, ok := compareScalar(v, k.RangeValues[0])
	if !ok {
		return false
	}
	switch k.RangeOp {
	case RangeEQ:
		return c == 0
	case RangeLT:
		return c < 0
	case RangeLE:
		return c <= 0
	case RangeGT:
		return c > 0
	case RangeGE:
		return c >= 0
	case RangeBetween:
		c2, ok := compareScalar(v, k.RangeValues[1])
		return ok && c >= 0 && c2 <= 0
	}
	return false
}
