package expr

// Key conditions on a multi-attribute GSI key (DynamoDB, November 2025): a
// GSI's partition key may be made of up to four attributes and its sort key
// of up to four more. A Query must test every partition key attribute for
// equality; the sort key attributes are used left to right with no gap,
// equality on each but the last one given, which may instead use any sort
// key comparison (<, <=, >, >=, BETWEEN, begins_with). Both syntaxes reduce
// to keyTerms first, so the rules and messages of keyTerms (OR, NOT,
// functions, one condition per key...) apply unchanged.

import (
	"github.com/dynago/dynago/internal/attr"
)

// MultiKeyCondition is a Query's key condition on a multi-attribute key,
// reduced to what the engine needs to seek: every partition key value, the
// values of a leading run of sort key attributes compared for equality, and
// an optional comparison on the sort key attribute after them.
type MultiKeyCondition struct {
	HashNames []string // every partition key attribute, in KeySchema order
	Hash      []attr.Value

	SortNames []string // the leading sort key attributes tested for equality
	Sort      []attr.Value

	RangeName   string // the sort key attribute after SortNames; "" when none
	RangeOp     RangeOp
	RangeValues []attr.Value // one value, or two for RangeBetween
}

// isMulti reports whether the key schema is a multi-attribute one.
func (k KeySchema) isMulti() bool { return len(k.Hashes) > 1 || len(k.Ranges) > 1 }

// isMultiKeyAttr reports whether name is one of a multi-attribute key's
// attributes.
func (k KeySchema) isMultiKeyAttr(name string) bool {
	for _, n := range k.Hashes {
		if n == name {
			return true
		}
	}
	for _, n := range k.Ranges {
		if n == name {
			return true
		}
	}
	return false
}

// multiKeyPlan is a MultiKeyCondition before values are bound.
type multiKeyPlan struct {
	hashNames []string
	hash      []*operand
	sortNames []string
	sort      []*operand
	rangeName string
	rangeOp   RangeOp
	rangeVals []*operand
}

// Messages of multi-attribute key conditions. "missed key schema element"
// and "not supported" are DynamoDB's messages for single-attribute keys;
// that DynamoDB reuses them for multi-attribute keys is not confirmed.
const (
	msgMissedKey       = "Query condition missed key schema element: "
	msgKeyNotSupported = "Query key condition not supported"
)

// rangeOpOf returns the sort key comparison of a key term's operator.
func rangeOpOf(op string) (RangeOp, bool) {
	switch op {
	case "EQ":
		return RangeEQ, true
	case "LT":
		return RangeLT, true
	case "LE":
		return RangeLE, true
	case "GT":
		return RangeGT, true
	case "GE":
		return RangeGE, true
	case "BETWEEN":
		return RangeBetween, true
	case "BEGINS_WITH":
		return RangeBeginsWith, true
	}
	return RangeNone, false
}

// buildMultiKeyCondition checks terms against a multi-attribute key schema:
// every partition key attribute with equality, then the sort key attributes
// as a gapless prefix, equality on all but the last given.
func buildMultiKeyCondition(terms []keyTerm, keys KeySchema) (*keyPlan, error) {
	hashes, ranges := keys.Hashes, keys.Ranges
	if len(hashes) == 0 {
		hashes = []string{keys.Hash}
	}
	if len(ranges) == 0 && keys.Range != "" {
		ranges = []string{keys.Range}
	}
	byName := make(map[string]*keyTerm, len(terms))
	for i := range terms {
		byName[terms[i].name] = &terms[i]
	}
	mp := &multiKeyPlan{}
	for _, h := range hashes {
		t := byName[h]
		if t == nil {
			return nil, bareError(msgMissedKey + h)
		}
		if t.op != "EQ" {
			return nil, bareError(msgKeyNotSupported)
		}
		mp.hashNames = append(mp.hashNames, h)
		mp.hash = append(mp.hash, t.vals[0])
	}
	// The sort key terms must be a prefix of ranges: the first attribute
	// without a term ends it, and no later one may have a term.
	given := 0
	for given < len(ranges) && byName[ranges[given]] != nil {
		given++
	}
	for _, r := range ranges[given:] {
		if byName[r] != nil {
			return nil, bareError(msgMissedKey + ranges[given])
		}
	}
	if len(hashes)+given != len(terms) { // a term on a non-key attribute
		if given < len(ranges) {
			return nil, bareError(msgMissedKey + ranges[given])
		}
		return nil, bareError(msgKeyNotSupported)
	}
	for i, r := range ranges[:given] {
		t := byName[r]
		op, ok := rangeOpOf(t.op)
		if !ok {
			return nil, bareError(msgKeyNotSupported)
		}
		if i < given-1 {
			if op != RangeEQ { // only the last sort key condition may be a range
				return nil, bareError(msgKeyNotSupported)
			}
			mp.sortNames = append(mp.sortNames, r)
			mp.sort = append(mp.sort, t.vals[0])
			continue
		}
		mp.rangeName, mp.rangeOp, mp.rangeVals = r, op, t.vals
	}
	return &keyPlan{multi: mp}, nil
}

// bind resolves the plan's operands against one request's values.
func (m *multiKeyPlan) bind(vals []attr.Value) *MultiKeyCondition {
	out := &MultiKeyCondition{
		HashNames: m.hashNames,
		Hash:      make([]attr.Value, len(m.hash)),
		SortNames: m.sortNames,
		RangeName: m.rangeName,
		RangeOp:   m.rangeOp,
	}
	for i, o := range m.hash {
		out.Hash[i] = o.value(vals)
	}
	if len(m.sort) > 0 {
		out.Sort = make([]attr.Value, len(m.sort))
		for i, o := range m.sort {
			out.Sort[i] = o.value(vals)
		}
	}
	if len(m.rangeVals) > 0 {
		out.RangeValues = make([]attr.Value, len(m.rangeVals))
		for i, o := range m.rangeVals {
			out.RangeValues[i] = o.value(vals)
		}
	}
	return out
}

// Matches reports whether an item's key attributes satisfy the condition.
func (m *MultiKeyCondition) Matches(item attr.Item) bool {
	for i, n := range m.HashNames {
		if v, ok := item[n]; !ok || !attr.Equal(v, m.Hash[i]) {
			return false
		}
	}
	for i, n := range m.SortNames {
		if v, ok := item[n]; !ok || !attr.Equal(v, m.Sort[i]) {
			return false
		}
	}
	if m.RangeOp == RangeNone {
		return true
	}
	single := KeyCondition{HashName: m.HashNames[0], Hash: m.Hash[0], RangeName: m.RangeName, RangeOp: m.RangeOp, RangeValues: m.RangeValues}
	return single.Matches(item)
}
