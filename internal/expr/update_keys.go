package expr

// What an update does to attributes, seen before it is applied: DynamoDB
// refuses an UpdateItem that would give a secondary index key attribute
// the wrong type, or that addresses inside one (a.b, a[1]), before it
// reads the item or evaluates the condition, when the update alone shows
// it. The engine, which knows the indexes, asks these questions.

import (
	"github.com/dynago/dynago/internal/attr"
)

// StaticAssignment is what one update action stores in a top-level
// attribute when that does not depend on the item.
type StaticAssignment struct {
	Name  string
	Type  attr.Type   // the type the attribute will have
	Value *attr.Value // the value itself when the action stores a request value as is (SET a = :v, legacy PUT); nil otherwise
}

// StaticAssignments lists, in action order, the actions of u on top-level
// attributes whose result type is known without the item: SET to a value,
// to arithmetic (a number) or to list_append (a list), and ADD of a value
// (its type). SET to a path or if_not_exists, REMOVE and DELETE depend on
// the item and are left out.
func (u *Update) StaticAssignments() []StaticAssignment {
	var out []StaticAssignment
	for _, a := range u.actions {
		if len(a.path) != 1 || a.path[0].isIndex {
			continue
		}
		name := a.path[0].name
		switch a.kind {
		case actSet:
			switch a.val.kind {
			case opdValue:
				v := a.val.value(u.vals)
				out = append(out, StaticAssignment{Name: name, Type: v.Type, Value: &v})
			case opdPlus, opdMinus:
				out = append(out, StaticAssignment{Name: name, Type: attr.TypeN})
			case opdListAppend:
				out = append(out, StaticAssignment{Name: name, Type: attr.TypeL})
			}
		case actAdd:
			if a.val != nil && a.val.kind == opdValue {
				out = append(out, StaticAssignment{Name: name, Type: a.val.value(u.vals).Type})
			}
		}
	}
	return out
}

// NestedPathInto returns the first top-level attribute, among those
// isKey accepts, that u addresses below its top level (a.b or a[1]),
// whether as an action's target or in a value it reads; "" when none.
func (u *Update) NestedPathInto(isKey func(name string) bool) string {
	nested := func(p docPath) string {
		if len(p) > 1 && !p[0].isIndex && isKey(p[0].name) {
			return p[0].name
		}
		return ""
	}
	var walk func(o *operand) string
	walk = func(o *operand) string {
		if o == nil {
			return ""
		}
		if o.kind == opdPath {
			return nested(o.path)
		}
		for _, a := range o.args {
			if n := walk(a); n != "" {
				return n
			}
		}
		return ""
	}
	for _, a := range u.actions {
		if n := nested(a.path); n != "" {
			return n
		}
		if n := walk(a.val); n != "" {
			return n
		}
	}
	return ""
}
