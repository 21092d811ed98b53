package attr

import (
	"testing"
	"unsafe"
)

// TestValueSize guards the layout: Go maps store values of more than 128
// bytes out of line, one allocation per attribute of every decoded item.
func TestValueSize(t *testing.T) {
	if size := unsafe.Sizeof(Value{}); size > 128 {
		t.Errorf("Value is %d bytes, want at most 128", size)
	}
}

func TestConstructors(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{String("a"), `{"S":"a"}`},
		{Binary([]byte("a")), `{"B":"YQ=="}`},
		{Bool(false), `{"BOOL":false}`},
		{Null(), `{"NULL":true}`},
		{NumberFromInt(-7), `{"N":"-7"}`},
		{StringSet("a", "b"), `{"SS":["a","b"]}`},
		{NumberSet("1", "2"), `{"NS":["1","2"]}`},
		{BinarySet([]byte{1}), `{"BS":["AQ=="]}`},
		{List(), `{"L":[]}`},
		{List(Null(), Bool(true)), `{"L":[{"NULL":true},{"BOOL":true}]}`},
		{Map(nil), `{"M":{}}`},
		{Map(Item{"k": String("v")}), `{"M":{"k":{"S":"v"}}}`},
		{Value{}, `{}`},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("%s, want %s", got, tt.want)
		}
		if err := tt.v.Validate(); (err == nil) != (tt.v.Type != TypeInvalid) {
			t.Errorf("%s.Validate() = %v", tt.v, err)
		}
	}
	for typ := TypeInvalid; typ <= TypeBS+1; typ++ {
		if typ.String() == "" {
			t.Errorf("Type(%d).String() is empty", typ)
		}
	}
}
