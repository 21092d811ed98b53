package expr

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/dynago/dynago/internal/attr"
)

// Eval reports whether item satisfies the condition. A nil item is an item
// that does not exist. Evaluation never fails: a comparison between values
// of different types is simply false, as in DynamoDB.
func (c *Condition) Eval(item attr.Item) (bool, error) {
	if c == nil || c.root == nil {
		return true, nil
	}
	return evalNode(c.root, item, c.vals), nil
}

func evalNode(n *node, item attr.Item, vals []attr.Value) bool {
	switch n.kind {
	case nAnd:
		return evalNode(n.kids[0], item, vals) && evalNode(n.kids[1], item, vals)
	case nOr:
		return evalNode(n.kids[0], item, vals) || evalNode(n.kids[1], item, vals)
	case nNot:
		return !evalNode(n.kids[0], item, vals)
	case nCmp:
		a, aok := evalOperand(n.args[0], item, vals)
		b, bok := evalOperand(n.args[1], item, vals)
		if n.cmp == tokNE {
			return !(aok && bok && attr.Equal(a, b))
		}
		if !aok || !bok {
			return false
		}
		if n.cmp == tokEQ {
			return attr.Equal(a, b)
		}
		c, ok := compareScalar(a, b)
		if !ok {
			return false
		}
		switch n.cmp {
		case tokLT:
			return c < 0
		case tokLE:
			return c <= 0
		case tokGT:
			return c > 0
		case tokGE:
			return c >= 0
		}
		return false
	case nBetween:
		v, ok1 := evalOperand(n.args[0], item, vals)
		lo, ok2 := evalOperand(n.args[1], item, vals)
		hi, ok3 := evalOperand(n.args[2], item, vals)
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		c1, ok1 := compareScalar(lo, v)
		c2, ok2 := compareScalar(v, hi)
		return ok1 && ok2 && c1 <= 0 && c2 <= 0
	case nIn:
		v, ok := evalOperand(n.args[0], item, vals)
		if !ok {
			return false
		}
		for _, a := range n.args[1:] {
			if w, ok := evalOperand(a, item, vals); ok && attr.Equal(v, w) {
				return true
			}
		}
		return false
	case nExists:
		_, ok := evalOperand(n.args[0], item, vals)
		return ok
	case nNotExists:
		_, ok := evalOperand(n.args[0], item, vals)
		return !ok
	case nType:
		v, ok := evalOperand(n.args[0], item, vals)
		t, tok := evalOperand(n.args[1], item, vals)
		return ok && tok && t.Type == attr.TypeS && v.Type.String() == t.S
	case nBeginsWith:
		v, ok := evalOperand(n.args[0], item, vals)
		pre, pok := evalOperand(n.args[1], item, vals)
		if !ok || !pok || v.Type != pre.Type {
			return false
		}
		switch v.Type {
		case attr.TypeS:
			return strings.HasPrefix(v.S, pre.S)
		case attr.TypeB:
			return bytes.HasPrefix(v.B, pre.B)
		}
		return false
	case nContains:
		v, ok := evalOperand(n.args[0], item, vals)
		w, wok := evalOperand(n.args[1], item, vals)
		return ok && wok && contains(v, w)
	case nLegacyNotContains:
		v, ok := evalOperand(n.args[0], item, vals)
		w, wok := evalOperand(n.args[1], item, vals)
		return ok && wok && !contains(v, w)
	}
	return false
}

// contains is the contains() function: a substring of a string or binary,
// a member of a set, or an element of a list.
func contains(v, w attr.Value) bool {
	switch v.Type {
	case attr.TypeS:
		return w.Type == attr.TypeS && strings.Contains(v.S, w.S)
	case attr.TypeB:
		return w.Type == attr.TypeB && bytes.Contains(v.B, w.B)
	case attr.TypeSS:
		return w.Type == attr.TypeS && containsString(v.Set, w.S)
	case attr.TypeNS:
		if w.Type != attr.TypeN {
			return false
		}
		for _, s := range v.Set {
			if attr.CompareNumbers(s, w.S) == 0 {
				return true
			}
		}
		return false
	case attr.TypeBS:
		if w.Type != attr.TypeB {
			return false
		}
		for _, b := range v.BS {
			if bytes.Equal(b, w.B) {
				return true
			}
		}
		return false
	case attr.TypeL:
		for _, e := range v.L {
			if attr.Equal(e, w) {
				return true
			}
		}
	}
	return false
}

func containsString(set []string, s string) bool {
	for _, x := range set {
		if x == s {
			return true
		}
	}
	return false
}

// compareScalar orders two values of the same scalar type (S, N or B); ok
// is false for any other pair, which makes an ordering comparison false.
func compareScalar(a, b attr.Value) (int, bool) {
	if a.Type != b.Type {
		return 0, false
	}
	switch a.Type {
	case attr.TypeS:
		return strings.Compare(a.S, b.S), true
	case attr.TypeN:
		return attr.CompareNumbers(a.S, b.S), true
	case attr.TypeB:
		return bytes.Compare(a.B, b.B), true
	}
	return 0, false
}

// evalOperand computes an operand of a condition against item.
func evalOperand(o *operand, item attr.Item, vals []attr.Value) (attr.Value, bool) {
	switch o.kind {
	case opdPath:
		return o.path.get(item)
	case opdValue:
		v := o.value(vals)
		return v, v.Type != attr.TypeInvalid
	case opdSize:
		v, ok := evalOperand(o.args[0], item, vals)
		if !ok {
			return attr.Value{}, false
		}
		n, ok := sizeOf(v)
		if !ok {
			return attr.Value{}, false
		}
		return attr.Value{Type: attr.TypeN, S: strconv.Itoa(n)}, true
	}
	return attr.Value{}, false
}

// sizeOf is the size() function: UTF-16 code units of a string, bytes of
// a binary, elements of a set, list or map.
func sizeOf(v attr.Value) (int, bool) {
	switch v.Type {
	case attr.TypeS:
		// DynamoDB counts UTF-16 code units, as Java strings do.
		n := 0
		for _, r := range v.S {
			n += utf16.RuneLen(r)
		}
		return n, true
	case attr.TypeB:
		return len(v.B), true
	case attr.TypeSS, attr.TypeNS:
		return len(v.Set), true
	case attr.TypeBS:
		return len(v.BS), true
	case attr.TypeL:
		return len(v.L), true
	case attr.TypeM:
		return len(v.M), true
	}
	return 0, false
}

// TopLevel returns the distinct top-level attribute names the condition
// reads, sorted. Query uses it to refuse filters on key attributes, and the
// engine to check that an index projects what a filter needs.
func (c *Condition) TopLevel() []string {
	if c == nil || c.root == nil {
		return nil
	}
	seen := map[string]bool{}
	var walkOperand func(o *operand)
	walkOperand = func(o *operand) {
		if o.kind == opdPath {
			seen[o.path[0].name] = true
		}
		for _, a := range o.args {
			walkOperand(a)
		}
	}
	var walk func(n *node)
	walk = func(n *node) {
		for _, k := range n.kids {
			walk(k)
		}
		for _, a := range n.args {
			walkOperand(a)
		}
	}
	walk(c.root)
	return sortedKeys(seen)
}
