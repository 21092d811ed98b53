package engine

// Multi-attribute GSI keys (DynamoDB, November 2025): a GSI's partition key
// may be made of up to four attributes and its sort key of up to four more,
// each keeping its own type. The KeySchema lists the HASH elements first,
// then the RANGE elements, and that order is the key's: the partition is
// the tuple of the HASH attributes (hashed together), and entries sort by
// the RANGE attributes compared left to right.
//
// Storage: <ipk> and <isk> of the index entry key (index_keys.go) are the
// attr.AppendKey encodings of the attributes concatenated in KeySchema
// order. The encodings are order-preserving and self-delimiting, so the
// concatenation sorts as the tuple does, and a prefix of sort key values
// is a key prefix: a Query with equality on the leading sort attributes
// and a comparison on the next one is still a single range seek.
//
// An item is indexed only when it has every key attribute (sparse index),
// as for single-attribute keys.

import (
	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// maxMultiKeyAttrs is how many attributes a GSI's partition key, and
// separately its sort key, may have.
const maxMultiKeyAttrs = 4

// multi reports whether the index has a multi-attribute partition or sort
// key.
func (ix *Index) multi() bool { return len(ix.Hashes) > 1 || len(ix.Ranges) > 1 }

// isKeyAttr reports whether name is one of the index's key attributes.
func (ix *Index) isKeyAttr(name string) bool {
	for _, k := range ix.keyAttrs() {
		if k.Name == name {
			return true
		}
	}
	return false
}

// exprKeys is the key schema a Query on the index compiles against.
func (ix *Index) exprKeys() expr.KeySchema {
	ks := expr.KeySchema{Hash: ix.Hash.Name, Range: ix.Range.Name}
	if ix.multi() {
		for _, k := range ix.Hashes {
			ks.Hashes = append(ks.Hashes, k.Name)
		}
		for _, k := range ix.Ranges {
			ks.Ranges = append(ks.Ranges, k.Name)
		}
	}
	return ks
}

// multiIndexEntryKey is indexEntryKey for a multi-attribute key.
func multiIndexEntryKey(t *Table, ix *Index, item attr.Item) []byte {
	pk := make([]attr.Value, len(ix.Hashes))
	for i, k := range ix.Hashes {
		pk[i] = item[k.Name]
	}
	b := appendIndexPartitionPrefix(make([]byte, 0, 128), t, ix, pk...)
	if len(ix.Ranges) > 0 {
		for _, k := range ix.Ranges {
			b = attr.AppendKey(b, item[k.Name])
		}
		b = append(b, '/')
	}
	b = attr.AppendKey(b, item[t.Hash.Name])
	b = append(b, '/')
	if t.Range.Name != "" {
		b = attr.AppendKey(b, item[t.Range.Name])
	}
	return b
}

// Messages of multi-attribute key schemas. DynamoDB's own wording for
// these cases could not be confirmed from its documentation; they follow
// the style of its single-attribute KeySchema messages.
const (
	msgMultiHashAfterRange = "Invalid KeySchema: A HASH key type KeySchemaElement cannot follow a RANGE key type KeySchemaElement"
	msgMultiTooManyHash    = "Invalid KeySchema: The number of HASH key type KeySchemaElements exceeds the limit of %d"
	msgMultiTooManyRange   = "Invalid KeySchema: The number of RANGE key type KeySchemaElements exceeds the limit of %d"
	msgMultiDuplicate      = "Invalid KeySchema: Duplicate KeySchemaElement attribute name: %s"
	msgMultiLSI            = "One or more parameter values were invalid: Multi-attribute keys are not supported for local secondary indexes. Index: %s"
)

// validateMultiKeySchema checks a GSI KeySchema of more than two elements,
// or of two HASH elements: HASH elements first, then RANGE elements, at
// most four of each, every attribute named once.
func validateMultiKeySchema(ks []api.KeySchemaElement) error {
	if api.Str(ks[0].KeyType) != api.KeyTypeHash {
		return apierr.Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	hashes, ranges := 0, 0
	seen := make(map[string]bool, len(ks))
	for _, k := range ks {
		name := api.Str(k.AttributeName)
		if seen[name] {
			return apierr.Validationf(msgMultiDuplicate, name)
		}
		seen[name] = true
		if api.Str(k.KeyType) == api.KeyTypeHash {
			if ranges > 0 {
				return apierr.Validation(msgMultiHashAfterRange)
			}
			hashes++
		} else {
			ranges++
		}
	}
	if hashes > maxMultiKeyAttrs {
		return apierr.Validationf(msgMultiTooManyHash, maxMultiKeyAttrs)
	}
	if ranges > maxMultiKeyAttrs {
		return apierr.Validationf(msgMultiTooManyRange, maxMultiKeyAttrs)
	}
	return nil
}

// isMultiKeySchema reports whether an index KeySchema asks for a
// multi-attribute key: more than two elements, or a second HASH element.
func isMultiKeySchema(ks []api.KeySchemaElement) bool {
	return len(ks) > 2 || (len(ks) == 2 && api.Str(ks[1].KeyType) == api.KeyTypeHash)
}

// checkMultiKeyCondition checks the values of a multi-attribute key
// condition against the index's key types, with the messages of
// single-attribute keys.
func checkMultiKeyCondition(ix *Index, m *expr.MultiKeyCondition, legacy bool) error {
	const mismatch = "One or more parameter values were invalid: Condition parameter type does not match schema type"
	attrOf := func(name string) KeyAttr {
		for _, k := range ix.keyAttrs() {
			if k.Name == name {
				return k
			}
		}
		return KeyAttr{Name: name}
	}
	for i, n := range m.HashNames {
		a := attrOf(n)
		if m.Hash[i].Type != a.Type {
			return apierr.Validation(mismatch)
		}
		if err := checkKeyValue(a, m.Hash[i], true); err != nil {
			return err
		}
	}
	for i, n := range m.SortNames {
		a := attrOf(n)
		if m.Sort[i].Type != a.Type {
			return apierr.Validation(mismatch)
		}
		if err := checkKeyValue(a, m.Sort[i], false); err != nil {
			return err
		}
	}
	if m.RangeOp == expr.RangeNone {
		return nil
	}
	// The last sort condition follows the single-attribute rules.
	it := &Table{Hash: KeyAttr{Name: m.HashNames[0], Type: m.Hash[0].Type}, Range: attrOf(m.RangeName)}
	return it.checkKeyCondition(&expr.KeyCondition{
		HashName: m.HashNames[0], Hash: m.Hash[0],
		RangeName: m.RangeName, RangeOp: m.RangeOp, RangeValues: m.RangeValues,
	}, legacy)
}

// multiQueryRange returns the entry key range [start, end) of a
// multi-attribute key condition.
func multiQueryRange(t *Table, ix *Index, m *expr.MultiKeyCondition) (start, end []byte) {
	p := appendIndexPartitionPrefix(nil, t, ix, m.Hash...)
	for _, v := range m.Sort {
		p = attr.AppendKey(p, v)
	}
	return indexQueryRange(p, &expr.KeyCondition{RangeOp: m.RangeOp, RangeValues: m.RangeValues})
}

// checkMultiStartKey checks that a Query's ExclusiveStartKey lies within
// its multi-attribute key condition.
func checkMultiStartKey(m *expr.MultiKeyCondition, esk attr.Item) error {
	for i, n := range m.HashNames {
		if !attr.Equal(esk[n], m.Hash[i]) {
			return apierr.Validation("The provided starting key is outside query boundaries based on provided conditions")
		}
	}
	if !m.Matches(esk) {
		return apierr.Validation("The provided starting key does not match the range key predicate")
	}
	return nil
}
