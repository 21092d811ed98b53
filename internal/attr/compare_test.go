package attr

import (
	"math/rand/v2"
	"testing"
)

func TestEqual(t *testing.T) {
	ss := func(s ...string) Value { return Value{Type: TypeSS, Set: s} }
	ns := func(s ...string) Value { return Value{Type: TypeNS, Set: s} }
	bs := func(b ...[]byte) Value { return Value{Type: TypeBS, BS: b} }
	n := func(s string) Value { return Value{Type: TypeN, S: s} }
	many := func(typ Type, k int) Value {
		v := Value{Type: typ}
		for i := range k {
			v.Set = append(v.Set, string(rune('a'+i)))
		}
		return v
	}
	reversed := func(v Value) Value {
		w := v.Clone()
		for i, j := 0, len(w.Set)-1; i < j; i, j = i+1, j-1 {
			w.Set[i], w.Set[j] = w.Set[j], w.Set[i]
		}
		return w
	}
	tests := []struct {
		a, b Value
		want bool
	}{
		{String("a"), String("a"), true},
		{String("a"), String("b"), false},
		{String("1"), n("1"), false},
		{n("1"), n("1.0"), true},
		{n("1"), n("-1"), false},
		{Binary([]byte{1}), Binary([]byte{1}), true},
		{Binary(nil), Binary([]byte{}), true},
		{Bool(true), Bool(true), true},
		{Bool(true), Bool(false), false},
		{Null(), Null(), true},
		{ss("a", "b"), ss("b", "a"), true},
		{ss("a", "b"), ss("a", "c"), false},
		{ss("a"), ss("a", "b"), false},
		{many(TypeSS, 20), reversed(many(TypeSS, 20)), true},
		{ns("1", "2.0"), ns("2", "1"), true},
		{bs([]byte{1}, []byte{2}), bs([]byte{2}, []byte{1}), true},
		{bs([]byte{1}, []byte{2}), bs([]byte{2}, []byte{3}), false},
		{Value{Type: TypeL, L: []Value{String("a"), n("1")}}, Value{Type: TypeL, L: []Value{String("a"), n("1.00")}}, true},
		{Value{Type: TypeL, L: []Value{String("a"), n("1")}}, Value{Type: TypeL, L: []Value{n("1"), String("a")}}, false},
		{Value{Type: TypeM, M: Item{"x": Null()}}, Value{Type: TypeM, M: Item{"x": Null()}}, true},
		{Value{Type: TypeM, M: Item{"x": Null()}}, Value{Type: TypeM, M: Item{"y": Null()}}, false},
		{Value{Type: TypeM, M: Item{}}, Value{Type: TypeL, L: []Value{}}, false},
	}
	for _, tt := range tests {
		if got := Equal(tt.a, tt.b); got != tt.want {
			t.Errorf("Equal(%+v, %+v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Equal(tt.b, tt.a); got != tt.want {
			t.Errorf("Equal(%+v, %+v) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	tests := []struct {
		a, b Value
		c    int
		ok   bool
	}{
		{String("a"), String("b"), -1, true},
		{String("b"), String("a"), 1, true},
		{String("Z"), String("a"), -1, true},
		{String("é"), String("z"), 1, true}, // UTF-8 byte order
		{String("\uffff"), String("😀"), -1, true},
		{Value{Type: TypeN, S: "10"}, Value{Type: TypeN, S: "9"}, 1, true},
		{Value{Type: TypeN, S: "-10"}, Value{Type: TypeN, S: "9"}, -1, true},
		{Binary([]byte{0x80}), Binary([]byte{0x7F}), 1, true},
		{Binary([]byte{1}), Binary([]byte{1, 0}), -1, true},
		{String("1"), Value{Type: TypeN, S: "1"}, 0, false},
		{Bool(true), Bool(true), 0, false},
		{Null(), Null(), 0, false},
	}
	for _, tt := range tests {
		c, ok := Compare(tt.a, tt.b)
		if c != tt.c || ok != tt.ok {
			t.Errorf("Compare(%+v, %+v) = %d, %v; want %d, %v", tt.a, tt.b, c, ok, tt.c, tt.ok)
		}
	}
}

// TestClone checks that a clone is equal and shares nothing mutable.
func TestClone(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 200 {
		it := randomItem(r, 3)
		c := it.Clone()
		if !ItemsEqual(it, c) {
			t.Fatal("clone differs")
		}
		before := string(AppendItemJSON(nil, it))
		scribble(c)
		if after := string(AppendItemJSON(nil, it)); after != before {
			t.Fatalf("changing the clone changed the original:\n%s\n%s", before, after)
		}
	}
	if Item(nil).Clone() != nil {
		t.Error("nil Item clone is not nil")
	}
}

// scribble overwrites every mutable part of an item in place.
func scribble(it Item) {
	for k, v := range it {
		scribbleValue(&v)
		it[k] = v
		it["scribbled"] = Null()
	}
}

func scribbleValue(v *Value) {
	for i := range v.B {
		v.B[i]++
	}
	for i := range v.Set {
		v.Set[i] += "x"
	}
	for _, b := range v.BS {
		for i := range b {
			b[i]++
		}
	}
	for i := range v.L {
		scribbleValue(&v.L[i])
	}
	if v.M != nil {
		scribble(v.M)
	}
}
