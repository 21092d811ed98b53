package attr

import (
	"encoding/base64"
	"strings"

	"github.com/dynago/dynago/internal/apierr"
)

// MaxNestingDepth is how many levels deep DynamoDB stores a value,
// counting the attribute itself as level 1: an attribute built from 31
// nested maps or lists around a scalar (the scalar at level 32) is the
// deepest it accepts, and one more level is a ValidationException
// (captured against DynamoDB in several regions, 2026-06 and 2026-10).
const MaxNestingDepth = 32

// MaxNameLen is the longest attribute name DynamoDB stores, in bytes of
// UTF-8, at the top of an item and in every map inside it.
const MaxNameLen = 65535

// MaxItemSize is DynamoDB's limit on an item's size (ItemSize): 400 KB.
const MaxItemSize = 400 * 1024

// Validate returns the ValidationException DynamoDB gives for v, or nil:
// an empty AttributeValue or one with several types, an invalid number, a
// NULL that is not true, an empty set, a set with duplicates, nesting deeper
// than MaxNestingDepth. The JSON decoder leaves these checks to Validate so
// that they come after the request's own constraints, as in DynamoDB.
// Key attribute rules (non-empty strings, key types and sizes) are the
// engine's, which knows the schema.
func (v Value) Validate() error {
	return v.validate(0)
}

// ValidateItem validates every attribute of it (see Value.Validate). When
// several are invalid, the first in byte order of attribute names is
// reported, so the answer does not depend on map iteration.
func ValidateItem(it Item) error {
	return validateMap(it, 0)
}

// validateMap validates each entry once, its value before its name; when
// several are invalid, it reports the one with the smallest name.
func validateMap(m map[string]Value, depth int) error {
	var first error
	var firstKey string
	for k, v := range m {
		if first != nil && k >= firstKey {
			continue
		}
		err := v.validate(depth)
		if err == nil {
			err = ValidateName(k)
		}
		if err != nil {
			first, firstKey = err, k
		}
	}
	return first
}

// ValidateName returns the ValidationException DynamoDB gives for an
// attribute name an item or a map carries, or nil: an empty name, or one
// longer than MaxNameLen bytes.
func ValidateName(name string) error {
	switch {
	case name == "":
		return apierr.Validation(msgEmptyName)
	case len(name) > MaxNameLen:
		return apierr.Validation(msgNameTooLong)
	}
	return nil
}

// flaw is a problem found by the JSON decoder and reported by Validate.
type flaw uint8

const (
	flawNone flaw = iota
	flawMultipleTypes
	flawNullInSS
	flawNullInNS
	flawNullInBS
)

// message is the ValidationException message for f.
func (f flaw) message() string {
	switch f {
	case flawMultipleTypes:
		return msgMultipleTypes
	case flawNullInSS:
		return msgNullInSS
	case flawNullInNS:
		return msgNumberNotNumeric
	case flawNullInBS:
		return msgNullInBS
	}
	return ""
}

func (v Value) validate(depth int) error {
	if v.flaw != flawNone && v.flaw != flawMultipleTypes {
		return apierr.Validation(v.flaw.message())
	}
	if err := v.validateContent(depth); err != nil {
		return err
	}
	if v.flaw == flawMultipleTypes {
		return apierr.Validation(msgMultipleTypes)
	}
	return nil
}

func (v Value) validateContent(depth int) error {
	switch v.Type {
	case TypeInvalid:
		return apierr.Validation(msgEmptyValue)
	case TypeN:
		_, err := CanonicalNumber(v.S)
		return err
	case TypeM:
		if depth+1 >= MaxNestingDepth && len(v.M) > 0 {
			return apierr.Validation(msgNestingTooDeep)
		}
		return validateMap(v.M, depth+1)
	case TypeL:
		if depth+1 >= MaxNestingDepth && len(v.L) > 0 {
			return apierr.Validation(msgNestingTooDeep)
		}
		for _, e := range v.L {
			if err := e.validate(depth + 1); err != nil {
				return err
			}
		}
	case TypeSS:
		if len(v.Set) == 0 {
			return apierr.Validation(msgEmptySS)
		}
		if hasDuplicate(v.Set, identity) {
			return apierr.Validation(msgInvalidPrefix + "Input collection [" +
				strings.Join(v.Set, ", ") + "] contains duplicates.")
		}
	case TypeNS:
		if len(v.Set) == 0 {
			return apierr.Validation(msgEmptyNS)
		}
		canonical := true
		for _, s := range v.Set {
			c, err := CanonicalNumber(s)
			if err != nil {
				return err
			}
			canonical = canonical && c == s
		}
		key := identity
		if !canonical {
			key = canonicalOrSelf
		}
		if hasDuplicate(v.Set, key) {
			return apierr.Validation(msgDuplicateNS)
		}
	case TypeBS:
		if len(v.BS) == 0 {
			return apierr.Validation(msgEmptyBS)
		}
		if hasDuplicateBytes(v.BS) {
			enc := make([]string, len(v.BS))
			for i, b := range v.BS {
				enc[i] = base64.StdEncoding.EncodeToString(b)
			}
			return apierr.Validation(msgInvalidPrefix + "Input collection [" +
				strings.Join(enc, ", ") + "]of type BS contains duplicates.")
		}
	}
	return nil
}

func hasDuplicate(set []string, key func(string) string) bool {
	if len(set) <= smallSet {
		for i := range set {
			for j := i + 1; j < len(set); j++ {
				if key(set[i]) == key(set[j]) {
					return true
				}
			}
		}
		return false
	}
	seen := make(map[string]struct{}, len(set))
	for _, s := range set {
		k := key(s)
		if _, ok := seen[k]; ok {
			return true
		}
		seen[k] = struct{}{}
	}
	return false
}

func hasDuplicateBytes(set [][]byte) bool {
	seen := make(map[string]struct{}, len(set))
	for _, b := range set {
		if _, ok := seen[string(b)]; ok {
			return true
		}
		seen[string(b)] = struct{}{}
	}
	return false
}

// CheckNesting returns the ValidationException DynamoDB gives for an item
// nested deeper than MaxNestingDepth, or nil. Validate checks the values a
// request carries; an update builds an item from paths and the values
// already stored (SET m.m = m nests m one level deeper each time), so its
// result needs this check too, or the store takes an item that no read
// can return (docs/reliability.md, bug 4).
func CheckNesting(it Item) error {
	for _, v := range it {
		if !v.nestingOK(0) {
			return apierr.Validation(msgNestingTooDeep)
		}
	}
	return nil
}

// MsgNestingTooDeep is the message of CheckNesting's error.
const MsgNestingTooDeep = msgNestingTooDeep

// nestingOK reports whether v, at the given depth (0 for an attribute),
// holds nothing deeper than Validate accepts.
func (v Value) nestingOK(depth int) bool {
	switch v.Type {
	case TypeM:
		if len(v.M) > 0 && depth+1 >= MaxNestingDepth {
			return false
		}
		for _, e := range v.M {
			if !e.nestingOK(depth + 1) {
				return false
			}
		}
	case TypeL:
		if len(v.L) > 0 && depth+1 >= MaxNestingDepth {
			return false
		}
		for _, e := range v.L {
			if !e.nestingOK(depth + 1) {
				return false
			}
		}
	}
	return true
}
