package expr

import (
	"bytes"
	"errors"
	"sort"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// DynamoDB's messages for updates that parse but cannot apply to the item
// at hand.
const (
	msgMissingAttr = "The provided expression refers to an attribute that does not exist in the item"
	msgBadOperand  = "An operand in the update expression has an incorrect data type"
	msgBadPath     = "The document path provided in the update expression is invalid for update"
)

// Apply returns the item that results from applying the update to item
// (nil when the item does not exist yet). key holds the key attributes the
// new item must carry. item is not modified.
//
// Every right-hand side reads the item as it was before the update, as in
// DynamoDB, so SET a = b, b = a swaps.
//
// An update of a missing item that only takes attributes away (REMOVE, a
// set DELETE, AttributeUpdates' DELETE) has nothing to take them from: it
// returns nil, and the item is not created, as in DynamoDB.
func (u *Update) Apply(item attr.Item, key attr.Item) (attr.Item, error) {
	if item == nil && u.onlyTakesAway() {
		return nil, nil
	}
	var out attr.Item
	if item != nil {
		out = item.Clone()
	} else {
		out = key.Clone()
		if out == nil {
			out = attr.Item{}
		}
	}
	for k, v := range key {
		if _, ok := out[k]; !ok {
			out[k] = v.Clone()
		}
	}
	vals := make([]attr.Value, len(u.actions))
	for i, a := range u.actions {
		if a.kind != actSet {
			continue
		}
		v, err := evalUpdateOperand(a.val, item, u.vals)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	var removes []docPath
	for i, a := range u.actions {
		var err error
		switch a.kind {
		case actSet:
			err = setPath(out, a.path, vals[i])
		case actAdd:
			err = u.add(out, a.path, a.val.value(u.vals))
		case actDelete:
			err = deleteFromSet(out, a.path, a.val.value(u.vals))
		case actRemove:
			removes = append(removes, a.path)
		}
		if err != nil {
			return nil, err
		}
	}
	// List indexes name elements of the item before the update, so the
	// highest index goes first.
	sort.SliceStable(removes, func(i, j int) bool { return pathAfter(removes[i], removes[j]) })
	for _, p := range removes {
		if err := removePath(out, p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// onlyTakesAway reports whether every action removes an attribute or
// deletes from a set.
func (u *Update) onlyTakesAway() bool {
	for _, a := range u.actions {
		if a.kind != actRemove && a.kind != actDelete {
			return false
		}
	}
	return true
}

// pathAfter orders paths so that, among elements of one list, the larger
// index comes first.
func pathAfter(a, b docPath) bool {
	for k := 0; k < len(a) && k < len(b); k++ {
		if a[k] == b[k] {
			continue
		}
		if a[k].isIndex && b[k].isIndex {
			return a[k].index > b[k].index
		}
		return false
	}
	return false
}

func validation(msg string) error { return apierr.Validation(msg) }

// evalUpdateOperand computes the right side of a SET against the old item.
func evalUpdateOperand(o *operand, item attr.Item, vals []attr.Value) (attr.Value, error) {
	switch o.kind {
	case opdValue:
		return o.value(vals).Clone(), nil
	case opdPath:
		v, ok := o.path.get(item)
		if !ok {
			return attr.Value{}, validation(msgMissingAttr)
		}
		return v.Clone(), nil
	case opdIfNotExists:
		if v, ok := o.args[0].path.get(item); ok {
			return v.Clone(), nil
		}
		return evalUpdateOperand(o.args[1], item, vals)
	case opdListAppend:
		a, err := evalUpdateOperand(o.args[0], item, vals)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := evalUpdateOperand(o.args[1], item, vals)
		if err != nil {
			return attr.Value{}, err
		}
		if a.Type != attr.TypeL || b.Type != attr.TypeL {
			return attr.Value{}, validation(msgBadOperand)
		}
		l := make([]attr.Value, 0, len(a.L)+len(b.L))
		l = append(append(l, a.L...), b.L...)
		return attr.Value{Type: attr.TypeL, L: l}, nil
	case opdPlus, opdMinus:
		a, err := evalUpdateOperand(o.args[0], item, vals)
		if err != nil {
			return attr.Value{}, err
		}
		b, err := evalUpdateOperand(o.args[1], item, vals)
		if err != nil {
			return attr.Value{}, err
		}
		if a.Type != attr.TypeN || b.Type != attr.TypeN {
			return attr.Value{}, validation(msgBadOperand)
		}
		var s string
		if o.kind == opdPlus {
			s, err = attr.AddNumbers(a.S, b.S)
		} else {
			s, err = attr.SubNumbers(a.S, b.S)
		}
		if err != nil {
			return attr.Value{}, numberError(err)
		}
		return attr.Value{Type: attr.TypeN, S: s}, nil
	}
	return attr.Value{}, validation(msgBadOperand)
}

// numberError keeps attr's DynamoDB error (overflow) and makes any other
// failure a ValidationException.
func numberError(err error) error {
	var e *apierr.Error
	if errors.As(err, &e) {
		return err
	}
	return validation(err.Error())
}

// setPath stores v at p, creating the last step only: a missing parent is
// an error, and a list index past the end appends.
func setPath(item attr.Item, p docPath, v attr.Value) error {
	if len(p) == 1 {
		item[p[0].name] = v
		return nil
	}
	cur, ok := item[p[0].name]
	if !ok {
		return validation(msgBadPath)
	}
	nv, err := setIn(cur, p[1:], v)
	if err != nil {
		return err
	}
	item[p[0].name] = nv
	return nil
}

func setIn(cur attr.Value, p docPath, v attr.Value) (attr.Value, error) {
	e := p[0]
	if e.isIndex {
		if cur.Type != attr.TypeL {
			return cur, validation(msgBadPath)
		}
		if len(p) == 1 {
			if e.index >= len(cur.L) {
				cur.L = append(cur.L, v)
			} else {
				cur.L[e.index] = v
			}
			return cur, nil
		}
		if e.index >= len(cur.L) {
			return cur, validation(msgBadPath)
		}
		child, err := setIn(cur.L[e.index], p[1:], v)
		if err != nil {
			return cur, err
		}
		cur.L[e.index] = child
		return cur, nil
	}
	if cur.Type != attr.TypeM {
		return cur, validation(msgBadPath)
	}
	if len(p) == 1 {
		if cur.M == nil {
			cur.M = map[string]attr.Value{}
		}
		cur.M[e.name] = v
		return cur, nil
	}
	child, ok := cur.M[e.name]
	if !ok {
		return cur, validation(msgBadPath)
	}
	child, err := setIn(child, p[1:], v)
	if err != nil {
		return cur, err
	}
	cur.M[e.name] = child
	return cur, nil
}

// removePath deletes the value at p; a missing value is not an error.
func removePath(item attr.Item, p docPath) error {
	if len(p) == 1 {
		delete(item, p[0].name)
		return nil
	}
	cur, ok := item[p[0].name]
	if !ok {
		return nil
	}
	nv, err := removeIn(cur, p[1:])
	if err != nil {
		return err
	}
	item[p[0].name] = nv
	return nil
}

func removeIn(cur attr.Value, p docPath) (attr.Value, error) {
	e := p[0]
	if e.isIndex {
		if cur.Type != attr.TypeL {
			return cur, validation(msgBadPath)
		}
		if e.index >= len(cur.L) {
			return cur, nil
		}
		if len(p) == 1 {
			cur.L = append(cur.L[:e.index:e.index], cur.L[e.index+1:]...)
			return cur, nil
		}
		child, err := removeIn(cur.L[e.index], p[1:])
		cur.L[e.index] = child
		return cur, err
	}
	if cur.Type != attr.TypeM {
		return cur, validation(msgBadPath)
	}
	if len(p) == 1 {
		delete(cur.M, e.name)
		return cur, nil
	}
	child, ok := cur.M[e.name]
	if !ok {
		return cur, nil
	}
	child, err := removeIn(child, p[1:])
	cur.M[e.name] = child
	return cur, err
}

// add is ADD: sum numbers, union sets, and (AttributeUpdates only) append
// lists. A missing attribute takes the value.
func (u *Update) add(item attr.Item, p docPath, v attr.Value) error {
	old, ok := p.get(item)
	if !ok {
		return setPath(item, p, v.Clone())
	}
	if old.Type != v.Type {
		return validation(msgBadOperand)
	}
	switch v.Type {
	case attr.TypeN:
		s, err := attr.AddNumbers(old.S, v.S)
		if err != nil {
			return numberError(err)
		}
		return setPath(item, p, attr.Value{Type: attr.TypeN, S: s})
	case attr.TypeSS, attr.TypeNS:
		set := append([]string(nil), old.Set...)
		for _, s := range v.Set {
			if !setHas(old, s) {
				set = append(set, s)
			}
		}
		return setPath(item, p, attr.Value{Type: v.Type, Set: set})
	case attr.TypeBS:
		set := append([][]byte(nil), old.BS...)
		for _, b := range v.BS {
			if !bsHas(old.BS, b) {
				set = append(set, bytes.Clone(b))
			}
		}
		return setPath(item, p, attr.Value{Type: v.Type, BS: set})
	case attr.TypeL:
		if u.legacyListAdd {
			l := append(append([]attr.Value(nil), old.L...), v.Clone().L...)
			return setPath(item, p, attr.Value{Type: attr.TypeL, L: l})
		}
	}
	return validation(msgBadOperand)
}

// deleteFromSet is DELETE: remove set members; an emptied set disappears.
func deleteFromSet(item attr.Item, p docPath, v attr.Value) error {
	old, ok := p.get(item)
	if !ok {
		return nil
	}
	if old.Type != v.Type {
		return validation(msgBadOperand)
	}
	out := attr.Value{Type: old.Type}
	n := 0
	switch old.Type {
	case attr.TypeSS, attr.TypeNS:
		for _, s := range old.Set {
			if !setHas(v, s) {
				out.Set = append(out.Set, s)
			}
		}
		n = len(out.Set)
	case attr.TypeBS:
		for _, b := range old.BS {
			if !bsHas(v.BS, b) {
				out.BS = append(out.BS, b)
			}
		}
		n = len(out.BS)
	default:
		return validation(msgBadOperand)
	}
	if n == 0 {
		return removePath(item, p)
	}
	return setPath(item, p, out)
}

// setHas reports whether a string or number set holds s (numbers compare
// by value).
func setHas(set attr.Value, s string) bool {
	for _, x := range set.Set {
		if x == s || set.Type == attr.TypeNS && attr.CompareNumbers(x, s) == 0 {
			return true
		}
	}
	return false
}

func bsHas(set [][]byte, b []byte) bool {
	for _, x := range set {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}
