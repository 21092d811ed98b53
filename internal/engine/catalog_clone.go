package engine

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// clone returns a deep copy of rec, for copy-on-write updates and for
// descriptions handed to callers, who may keep or change them.
//
// It copies with reflection, field by field, what a JSON round trip
// copies: exported fields not tagged json:"-" (the rest stay zero, as
// they would after the round trip). The round trip it replaces was most
// of every DescribeTable, CreateTable and DeleteTable (BenchmarkDescribeTable);
// TestCloneMatchesJSON checks both give the same record. A type the copy
// does not know (an interface, a channel, a func) falls back to JSON.
func (rec *tableRecord) clone() *tableRecord {
	if !recordCopyable() {
		return rec.cloneJSON()
	}
	out := new(tableRecord)
	deepCopy(reflect.ValueOf(out).Elem(), reflect.ValueOf(rec).Elem())
	return out
}

// cloneJSON is clone by a JSON round trip.
func (rec *tableRecord) cloneJSON() *tableRecord {
	b, err := json.Marshal(rec)
	if err != nil {
		panic(fmt.Sprintf("engine: cloning table record: %v", err)) // plain data: cannot fail
	}
	out := new(tableRecord)
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("engine: cloning table record: %v", err))
	}
	return out
}

// recordCopyable reports, once, whether deepCopy handles every type a
// tableRecord holds.
var recordCopyable = sync.OnceValue(func() bool {
	return copyable(reflect.TypeFor[tableRecord](), map[reflect.Type]bool{})
})

// copyable reports whether every type reachable from t is one deepCopy
// copies: basic kinds, pointers, slices, arrays, maps and structs of
// those. seen holds the types being or already checked.
func copyable(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return true // checked, or being checked higher up a recursive type
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return copyable(t.Elem(), seen)
	case reflect.Map:
		return copyable(t.Key(), seen) && copyable(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); copiedField(f) && !copyable(f.Type, seen) {
				return false
			}
		}
		return true
	case reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer, reflect.Uintptr, reflect.Complex64, reflect.Complex128:
		return false
	}
	return true
}

// copiedField reports whether a JSON round trip carries f.
func copiedField(f reflect.StructField) bool {
	if !f.IsExported() {
		return false
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name != "-"
}

// deepCopy copies src into dst, which is zero and of the same type.
func deepCopy(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		deepCopy(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			deepCopy(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			deepCopy(dst.Index(i), src.Index(i))
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(src.Type().Key()).Elem()
			deepCopy(k, it.Key())
			v := reflect.New(src.Type().Elem()).Elem()
			deepCopy(v, it.Value())
			m.SetMapIndex(k, v)
		}
		dst.Set(m)
	case reflect.Struct:
		t := src.Type()
		for i := range t.NumField() {
			if copiedField(t.Field(i)) {
				deepCopy(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}
