package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fill sets every field JSON carries, all the way down, to a value that
// is not zero (each string, number and bool its own), and gives every
// map an entry and every slice two elements.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), n)
		fill(s.Index(1), n)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, n)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if copiedField(v.Type().Field(i)) {
				fill(v.Field(i), n)
			}
		}
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)) + string(rune('0'+*n%10)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n%100 + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n%100 + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.5)
	}
}

// clone (a reflective deep copy) gives what the JSON round trip gave, for
// a record with every field set, and shares nothing with its original.
func TestCloneMatchesJSON(t *testing.T) {
	if !recordCopyable() {
		t.Fatal("tableRecord holds a type the deep copy does not handle: clone falls back to JSON")
	}
	var n int
	rec := new(tableRecord)
	fill(reflect.ValueOf(rec).Elem(), &n)
	if n < 100 {
		t.Fatalf("filled only %d values", n)
	}
	want := rec.cloneJSON()
	got := rec.clone()
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.Marshal(got)
		wb, _ := json.Marshal(want)
		t.Fatalf("clone differs from the JSON round trip:\n got %s\nwant %s", gb, wb)
	}
	before, _ := json.Marshal(rec)
	// Change everything in the copy, through its pointers, slices and
	// maps; the original must not move.
	mutate(reflect.ValueOf(got).Elem())
	if after, _ := json.Marshal(rec); string(after) != string(before) {
		t.Errorf("changing the clone changed the original:\nbefore %s\n after %s", before, after)
	}
	// And the zero record.
	if z := new(tableRecord); !reflect.DeepEqual(z.clone(), z.cloneJSON()) {
		t.Errorf("clone of the zero record differs from the JSON round trip")
	}
}

// mutate writes through every pointer, slice element and map value of v.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			mutate(e)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if copiedField(v.Type().Field(i)) {
				mutate(v.Field(i))
			}
		}
	case reflect.String:
		v.SetString(v.String() + "!")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	}
}
