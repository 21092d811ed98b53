package engine

// Checks of items and keys against a table's key schema, with DynamoDB's
// messages. The value-level checks (empty sets, duplicate set members,
// numbers) belong to package attr; these are the ones that need the table.

import (
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// DynamoDB's size limits.
const (
	maxItemSize     = attr.MaxItemSize // 400 KB, by attr.ItemSize
	maxHashKeySize  = 2048             // bytes of an S or B partition key value
	maxRangeKeySize = 1024             // bytes of an S or B sort key value
)

// Messages shared by several operations.
const (
	msgKeySchema     = "The provided key element does not match the schema"
	msgItemTooLarge  = "Item size has exceeded the maximum allowed size"
	msgUpdateTooBig  = "Item size to update has exceeded the maximum allowed size"
	msgHashKeySize   = "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"
	msgRangeKeySize  = "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"
	msgEmptyKeyS     = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: "
	msgEmptyKeyB     = "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: "
	msgConditionFail = "The conditional request failed"
)

// keyAttrs returns the table's key attributes, partition key first.
func (t *Table) keyAttrs() []KeyAttr {
	if t.Range.Name == "" {
		return []KeyAttr{t.Hash}
	}
	return []KeyAttr{t.Hash, t.Range}
}

// checkKeyValue checks the value of one key attribute whose type is already
// known to match: not empty (DynamoDB allows empty strings and binaries
// everywhere but in keys) and within the key size limits.
func checkKeyValue(k KeyAttr, v attr.Value, isHash bool) error {
	n := 0
	switch v.Type {
	case attr.TypeS:
		if v.S == "" {
			return apierr.Validation(msgEmptyKeyS + k.Name)
		}
		n = len(v.S)
	case attr.TypeB:
		if len(v.B) == 0 {
			return apierr.Validation(msgEmptyKeyB + k.Name)
		}
		n = len(v.B)
	default:
		return nil // numbers are bounded by their 38 digits
	}
	if isHash && n > maxHashKeySize {
		return apierr.Validation(msgHashKeySize)
	}
	if !isHash && n > maxRangeKeySize {
		return apierr.Validation(msgRangeKeySize)
	}
	return nil
}

// validateKey checks a Key parameter (GetItem, DeleteItem, UpdateItem,
// BatchGetItem, a DeleteRequest): exactly the table's key attributes, of
// the right types. DynamoDB answers every shape mistake with the same
// message.
func (t *Table) validateKey(key attr.Item) error {
	attrs := t.keyAttrs()
	if len(key) != len(attrs) {
		return keyMismatch(apierr.Validation(msgKeySchema))
	}
	for i, k := range attrs {
		v, ok := key[k.Name]
		if !ok || v.Type != k.Type {
			return keyMismatch(apierr.Validation(msgKeySchema))
		}
		if err := checkKeyValue(k, v, i == 0); err != nil {
			return err
		}
	}
	return nil
}

// validateItemKey checks that an item to be written (PutItem, a
// PutRequest) carries the table's key attributes with the right types.
func (t *Table) validateItemKey(item attr.Item) error {
	for i, k := range t.keyAttrs() {
		v, ok := item[k.Name]
		if !ok {
			return keyMismatch(apierr.Validationf("One or more parameter values were invalid: Missing the key %s in the item", k.Name))
		}
		if v.Type != k.Type {
			return keyMismatch(apierr.Validationf("One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s", k.Name, k.Type, v.Type))
		}
		if err := checkKeyValue(k, v, i == 0); err != nil {
			return err
		}
	}
	return nil
}

// keyOf returns the key attributes of item.
func (t *Table) keyOf(item attr.Item) attr.Item {
	k := make(attr.Item, 2)
	k[t.Hash.Name] = item[t.Hash.Name]
	if t.Range.Name != "" {
		k[t.Range.Name] = item[t.Range.Name]
	}
	return k
}

// validateItemValues checks every attribute value of an item a request
// carries, and the item's size, before the table is even looked up (as
// DynamoDB does: a malformed item is a ValidationException even for a
// table that does not exist).
func validateItemValues(item attr.Item) error {
	if err := attr.ValidateItem(item); err != nil {
		return err
	}
	if attr.ItemSize(item) > maxItemSize {
		return apierr.Validation(msgItemTooLarge)
	}
	return nil
}

// validateKeyValues checks the attribute values of a Key parameter.
func validateKeyValues(key attr.Item) error {
	return attr.ValidateItem(key)
}
