package attr

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
)

// TestValuesTestdata decodes, validates and re-encodes each AttributeValue
// in testdata/values.txt.
func TestValuesTestdata(t *testing.T) {
	for _, c := range readCases(t, "values.txt", false) {
		got := decodeValidateEncode(c.input)
		if got != c.want {
			t.Errorf("line %d: %s\n got %s\nwant %s", c.line, c.input, got, c.want)
		}
	}
}

func decodeValidateEncode(in string) string {
	v, err := DecodeJSON([]byte(in))
	if err == nil {
		err = v.Validate()
	}
	if err != nil {
		if apierr.As(err) == nil {
			return "not an apierr: " + err.Error()
		}
		return err.Error()
	}
	return "ok " + string(AppendJSON(nil, v))
}

// TestDecodeItemErrors checks the item-level shape errors.
func TestDecodeItemErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`"a"`, "SerializationException: Expected map or null"},
		{`[]`, "SerializationException: Start of list found where not expected"},
		{`{"a":5}`, "SerializationException: Expected null"},
		{`{"a":{"S":5}}`, "SerializationException: class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String"},
		{`{"a"}`, "SerializationException: Malformed JSON"},
		{``, "SerializationException: Malformed JSON"},
	}
	for _, tt := range tests {
		_, err := DecodeItemJSON([]byte(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("DecodeItemJSON(%s) error = %v, want %s", tt.in, err, tt.want)
		}
	}
	it, err := DecodeItemJSON([]byte(" null "))
	if err != nil || it != nil {
		t.Errorf("DecodeItemJSON(null) = %v, %v; want nil, nil", it, err)
	}
}

func TestValidateItem(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":{"S":"x"},"b":{"N":"1"}}`, ""},
		{`{"a":null}`, msgEmptyValue},
		{`{"b":{"N":"x"},"a":{"SS":[]}}`, msgEmptySS}, // first by name
		{`{"b":{"N":"x"},"c":{"SS":[]}}`, msgNumberNotNumeric + ": x"},
		// DynamoDB counts the attribute as level 1: 31 wraps around a
		// scalar are the deepest it stores, an empty map may sit at level 32.
		{`{"a":` + strings.Repeat(`{"L":[`, 31) + `{"S":"x"}` + strings.Repeat(`]}`, 31) + `}`, ""},
		{`{"a":` + strings.Repeat(`{"M":{"m":`, 31) + `{"M":{}}` + strings.Repeat(`}}`, 31) + `}`, ""},
		{`{"a":` + strings.Repeat(`{"L":[`, 33) + `{"S":"x"}` + strings.Repeat(`]}`, 33) + `}`, msgNestingTooDeep},
		{`{"a":` + strings.Repeat(`{"L":[`, 32) + `{"S":"x"}` + strings.Repeat(`]}`, 32) + `}`, msgNestingTooDeep},
		{`{"a":` + strings.Repeat(`{"M":{"m":`, 32) + `{"S":"x"}` + strings.Repeat(`}}`, 32) + `}`, msgNestingTooDeep},
		{`{"a":` + strings.Repeat(`{"M":{"m":`, 33) + `{"S":"x"}` + strings.Repeat(`}}`, 33) + `}`, msgNestingTooDeep},
		{`{"":{"S":"x"}}`, msgEmptyName},
		{`{"m":{"M":{"":{"S":"x"}}}}`, msgEmptyName},
		{`{"":{"SS":[]}}`, msgEmptySS}, // the value before the name
		{`{"` + strings.Repeat("a", MaxNameLen) + `":{"S":"x"}}`, ""},
		{`{"` + strings.Repeat("a", MaxNameLen+1) + `":{"S":"x"}}`, msgNameTooLong},
		{`{"l":{"L":[{"M":{"` + strings.Repeat("é", MaxNameLen/2+1) + `":{"S":"x"}}}]}}`, msgNameTooLong}, // bytes, not characters
	}
	for _, tt := range tests {
		it, err := DecodeItemJSON([]byte(tt.in))
		if err != nil {
			t.Fatalf("DecodeItemJSON(%s): %v", tt.in, err)
		}
		err = ValidateItem(it)
		got := ""
		if err != nil {
			if !errors.Is(err, apierr.ValidationException) {
				t.Errorf("ValidateItem(%s) = %v, not a ValidationException", tt.in, err)
			}
			got = apierr.As(err).Message
		}
		if got != tt.want {
			t.Errorf("ValidateItem(%.60s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestValidateProgrammatic checks values built in Go, not decoded.
func TestValidateProgrammatic(t *testing.T) {
	tests := []struct {
		v    Value
		want string
	}{
		{String("a"), ""},
		{Value{}, msgEmptyValue},
		{Value{Type: TypeN, S: "1.0"}, ""},
		{Value{Type: TypeN, S: "1e200"}, msgNumberOverflow},
		{Value{Type: TypeNS, Set: []string{"1", "1.0"}}, msgDuplicateNS},
		{Value{Type: TypeBS, BS: [][]byte{{1}, {1}}}, msgInvalidPrefix + "Input collection [AQ==, AQ==]of type BS contains duplicates."},
		{Value{Type: TypeSS, Set: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "a"}}, msgInvalidPrefix + "Input collection [a, b, c, d, e, f, g, h, i, a] contains duplicates."},
		{Value{Type: TypeL, L: []Value{Null(), {}}}, msgEmptyValue},
	}
	for _, tt := range tests {
		got := ""
		if err := tt.v.Validate(); err != nil {
			got = apierr.As(err).Message
		}
		if got != tt.want {
			t.Errorf("%+v.Validate() = %q, want %q", tt.v, got, tt.want)
		}
	}
}

// randomValue returns a random valid Value, nested up to depth levels.
func randomValue(r *rand.Rand, depth int) Value {
	n := 10
	if depth <= 0 {
		n = 8 // no M or L
	}
	switch r.IntN(n) {
	case 0:
		return String(randomString(r))
	case 1:
		v, err := Number(randomNumber(r))
		if err != nil {
			panic(err)
		}
		return v
	case 2:
		return Binary(randomBytes(r))
	case 3:
		return Bool(r.IntN(2) == 0)
	case 4:
		return Null()
	case 5:
		seen := map[string]bool{}
		v := Value{Type: TypeSS}
		for range 1 + r.IntN(4) {
			s := randomString(r)
			if !seen[s] {
				seen[s] = true
				v.Set = append(v.Set, s)
			}
		}
		return v
	case 6:
		seen := map[string]bool{}
		v := Value{Type: TypeNS}
		for range 1 + r.IntN(4) {
			s, _ := CanonicalNumber(randomNumber(r))
			if !seen[s] {
				seen[s] = true
				v.Set = append(v.Set, s)
			}
		}
		return v
	case 7:
		seen := map[string]bool{}
		v := Value{Type: TypeBS}
		for range 1 + r.IntN(4) {
			b := randomBytes(r)
			if !seen[string(b)] {
				seen[string(b)] = true
				v.BS = append(v.BS, b)
			}
		}
		return v
	case 8:
		v := Value{Type: TypeL, L: []Value{}}
		for range r.IntN(4) {
			v.L = append(v.L, randomValue(r, depth-1))
		}
		return v
	default:
		return Value{Type: TypeM, M: randomItem(r, depth-1)}
	}
}

func randomItem(r *rand.Rand, depth int) Item {
	it := Item{}
	for range r.IntN(6) {
		it[randomName(r)] = randomValue(r, depth)
	}
	return it
}

// randomName is a randomString that is a valid attribute name (not empty).
func randomName(r *rand.Rand) string {
	if s := randomString(r); s != "" {
		return s
	}
	return "z"
}

// randomString favours the bytes that need care: quotes, backslashes,
// control characters, 0x00, multi-byte UTF-8.
func randomString(r *rand.Rand) string {
	const alphabet = "ab\"\\\n\t\x00\x01\x1f/é€😀z~\x7f"
	runes := []rune(alphabet)
	var b strings.Builder
	for range r.IntN(8) {
		b.WriteRune(runes[r.IntN(len(runes))])
	}
	return b.String()
}

func randomBytes(r *rand.Rand) []byte {
	b := make([]byte, r.IntN(8))
	for i := range b {
		switch r.IntN(3) {
		case 0:
			b[i] = 0
		case 1:
			b[i] = 0xFF
		default:
			b[i] = byte(r.IntN(256))
		}
	}
	return b
}

// TestJSONRoundTrip encodes random items, decodes them, and checks that
// the result is equal, re-encodes to the same bytes, validates, and that
// encoding/json agrees that the bytes are valid JSON.
func TestJSONRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		it := randomItem(r, 3)
		b := AppendItemJSON(nil, it)
		if !json.Valid(b) {
			t.Fatalf("invalid JSON: %s", b)
		}
		got, err := DecodeItemJSON(b)
		if err != nil {
			t.Fatalf("DecodeItemJSON(%s): %v", b, err)
		}
		if !ItemsEqual(it, got) {
			t.Fatalf("round trip changed the item:\n%s\n%s", b, AppendItemJSON(nil, got))
		}
		if b2 := AppendItemJSON(nil, got); !bytes.Equal(b, b2) {
			t.Fatalf("re-encoding differs:\n%s\n%s", b, b2)
		}
		if err := ValidateItem(got); err != nil {
			t.Fatalf("ValidateItem(%s): %v", b, err)
		}
		// encoding/json reads the strings the same way.
		var generic map[string]any
		if err := json.Unmarshal(b, &generic); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEncodingJSONIntegration checks MarshalJSON/UnmarshalJSON inside
// structs, with omitzero, pointers and JSON null.
func TestEncodingJSONIntegration(t *testing.T) {
	type request struct {
		Item  Item   `json:"Item,omitzero"`
		Value *Value `json:"Value,omitzero"`
		List  []Value
		Other string
	}
	in := `{"Item":{"b":{"N":"01.10"},"a":{"S":"x"}},"Value":{"BOOL":true},"List":[{"NULL":true},null],"Other":"o"}`
	var req request
	if err := json.Unmarshal([]byte(in), &req); err != nil {
		t.Fatal(err)
	}
	if req.Item["b"].S != "1.1" || req.Value == nil || !req.Value.Bool || len(req.List) != 2 || req.Other != "o" {
		t.Fatalf("decoded %+v", req)
	}
	if !req.List[1].IsZero() {
		t.Errorf("null list element = %+v, want zero", req.List[1])
	}
	out, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Item":{"a":{"S":"x"},"b":{"N":"1.1"}},"Value":{"BOOL":true},"List":[{"NULL":true},{}],"Other":"o"}`
	if string(out) != want {
		t.Errorf("Marshal = %s\nwant %s", out, want)
	}
	out, _ = json.Marshal(request{})
	if string(out) != `{"List":null,"Other":""}` {
		t.Errorf("Marshal(empty) = %s", out)
	}
	if err := json.Unmarshal([]byte(`{"Item":{"a":{"S":5}}}`), &req); !errors.Is(err, apierr.SerializationException) {
		t.Errorf("Unmarshal with bad S: %v, want SerializationException", err)
	}
	if err := json.Unmarshal([]byte(`{"Item":null,"Value":null}`), &req); err != nil {
		t.Errorf("Unmarshal nulls: %v", err)
	}
}

func TestAppendStringEscapes(t *testing.T) {
	got := string(appendString(nil, "a\"\\\n\r\t\b\f\x00\x1f\xffé/<"))
	want := `"a\"\\\n\r\t\b\f\u0000\u001f\ufffdé/<"`
	if got != want {
		t.Errorf("appendString = %s, want %s", got, want)
	}
}

// TestCheckNesting checks that CheckNesting draws the line where Validate
// does, for items built in Go (an update's result is never decoded).
func TestCheckNesting(t *testing.T) {
	wrap := func(n int, leaf Value) Value {
		for range n {
			leaf = Value{Type: TypeM, M: map[string]Value{"m": leaf}}
		}
		return leaf
	}
	for _, tt := range []struct {
		v    Value
		want bool
	}{
		{wrap(31, Value{Type: TypeS, S: "x"}), true},
		{wrap(31, Value{Type: TypeM, M: map[string]Value{}}), true},
		{wrap(32, Value{Type: TypeS, S: "x"}), false},
		{Value{Type: TypeL, L: []Value{{Type: TypeN, S: "1"}, wrap(31, Value{Type: TypeS, S: "x"})}}, false},
	} {
		it := Item{"a": tt.v}
		if got := CheckNesting(it) == nil; got != tt.want {
			t.Errorf("CheckNesting = %v, want ok %v", CheckNesting(it), tt.want)
		}
		if got := ValidateItem(it) == nil; got != tt.want {
			t.Errorf("ValidateItem = %v, want ok %v", ValidateItem(it), tt.want)
		}
	}
}
