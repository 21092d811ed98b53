package engine

// Checks of the values writes give to secondary index key attributes,
// beyond the type and emptiness checks every write makes (checkIndexKeys):
// the size limits of key values, the checks PutItem and BatchWriteItem
// make before the condition, and UpdateItem's own rules and wording — an
// update whose actions alone give an index key the wrong type, or that
// reach inside an index key attribute, is refused before the item is
// read; one whose result has a wrong type (SET c = e, with e of another
// type in the item) gets UpdateItem's message.

import (
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/expr"
)

// Messages of UpdateItem on index keys (dynalite's test/updateItem.js
// records them from DynamoDB).
const (
	msgUpdateIndexType   = "The update expression attempted to update the secondary index key to unsupported type"
	msgUpdateIndexNested = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: "
)

// keyValueBytes is the size an S or B key value counts against the key
// size limits; numbers count nothing (their 38 digits bound them).
func keyValueBytes(v attr.Value) int {
	switch v.Type {
	case attr.TypeS:
		return len(v.S)
	case attr.TypeB:
		return len(v.B)
	}
	return 0
}

// checkIndexKeySizes refuses an item whose index key values exceed
// DynamoDB's key size limits: 2048 bytes for a partition key, 1024 for a
// sort key. For a multi-attribute key the limit applies to the sum over
// its attributes ("aggregated size of all range keys"), with the messages
// of table keys. Attributes of another type than the index's are not
// indexed and not counted.
func checkIndexKeySizes(ixs []*Index, item attr.Item) error {
	for _, ix := range ixs {
		if !ix.maintained() {
			continue
		}
		hash, rng := 0, 0
		for _, k := range ix.keyAttrs() {
			v, ok := item[k.Name]
			if !ok || v.Type != k.Type {
				continue
			}
			if ix.isHashAttr(k.Name) {
				hash += keyValueBytes(v)
			} else {
				rng += keyValueBytes(v)
			}
		}
		if hash > maxHashKeySize {
			return apierr.Validation(msgHashKeySize)
		}
		if rng > maxRangeKeySize {
			return apierr.Validation(msgRangeKeySize)
		}
	}
	return nil
}

// isHashAttr reports whether name is one of the index's partition key
// attributes.
func (ix *Index) isHashAttr(name string) bool {
	if len(ix.Hashes) == 0 {
		return name == ix.Hash.Name
	}
	for _, k := range ix.Hashes {
		if k.Name == name {
			return true
		}
	}
	return false
}

// indexKeyAttr returns the first maintained index (in catalog order) that
// has name among its key attributes, and that attribute.
func indexKeyAttr(ixs []*Index, name string) (*Index, KeyAttr, bool) {
	for _, ix := range ixs {
		if !ix.maintained() {
			continue
		}
		for _, k := range ix.keyAttrs() {
			if k.Name == name {
				return ix, k, true
			}
		}
	}
	return nil, KeyAttr{}, false
}

// checkUpdateIndexKeys refuses, before the item is read, an update whose
// actions give an index key attribute another type (or an empty value),
// then one that addresses inside an index key attribute.
func checkUpdateIndexKeys(ixs []*Index, u *expr.Update) error {
	if u == nil || len(ixs) == 0 {
		return nil
	}
	assigned := u.StaticAssignments()
	for _, a := range assigned {
		ix, k, ok := indexKeyAttr(ixs, a.Name)
		if ok && a.Type != k.Type {
			return apierr.Validationf(invalidPrefix+"Type mismatch for Index Key %s Expected: %s Actual: %s IndexName: %s",
				k.Name, k.Type, a.Type, ix.Name)
		}
	}
	for _, a := range assigned {
		if a.Value == nil {
			continue
		}
		if _, _, ok := indexKeyAttr(ixs, a.Name); ok {
			if err := checkIndexKeys(ixs, attr.Item{a.Name: *a.Value}); err != nil {
				return err
			}
		}
	}
	isKey := func(name string) bool {
		_, _, ok := indexKeyAttr(ixs, name)
		return ok
	}
	if n := u.NestedPathInto(isKey); n != "" {
		return apierr.Validation(msgUpdateIndexNested + n)
	}
	return nil
}

// checkUpdatedIndexKeys checks the item an update produced: an index key
// attribute of another type gets UpdateItem's message; the other rules
// are those of every write.
func checkUpdatedIndexKeys(ixs []*Index, item attr.Item) error {
	if item == nil {
		return nil
	}
	for _, ix := range ixs {
		if !ix.maintained() {
			continue
		}
		for _, k := range ix.keyAttrs() {
			if v, ok := item[k.Name]; ok && v.Type != k.Type {
				return apierr.Validation(msgUpdateIndexType)
			}
		}
	}
	return checkIndexKeys(ixs, item)
}
