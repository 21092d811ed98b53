package expr

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func TestReservedWords(t *testing.T) {
	if n := len(reservedWords); n != 573 {
		t.Errorf("reserved word list has %d words, the AWS list has 573", n)
	}
	for _, w := range []string{"name", "STATUS", "Date", "size", "ttl", "zone", "abort", "key", "value", "data"} {
		if !isReserved(w) {
			t.Errorf("%q should be reserved", w)
		}
	}
	for _, w := range []string{"id", "title", "price", "createdAt", "foo", "attribute_exists"} {
		if isReserved(w) {
			t.Errorf("%q should not be reserved", w)
		}
	}
}

// TestNestingIsLinear guards against exponential backtracking: deep
// parentheses must fail fast with a ValidationException.
func TestNestingIsLinear(t *testing.T) {
	for _, src := range []string{
		strings.Repeat("(", 5000) + "a = :v" + strings.Repeat(")", 5000),
		strings.Repeat("(", 40) + "a" + strings.Repeat(")", 40) + " = :v",
		strings.Repeat("NOT ", 5000) + "a = :v",
		strings.Repeat("(", 5000),
	} {
		start := time.Now()
		_, err := Compile(&Request{ConditionExpression: &src, Values: attr.Item{":v": attr.String("x")}}, KeySchema{Hash: "id"})
		if !errors.Is(err, apierr.ValidationException) {
			t.Errorf("%.20q...: got %v, want a ValidationException", src, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%.20q...: took %v", src, d)
		}
	}
	src := "SET a = " + strings.Repeat("(", 5000) + ":v" + strings.Repeat(")", 5000)
	if _, err := Compile(&Request{UpdateExpression: &src, Values: attr.Item{":v": attr.String("x")}}, KeySchema{Hash: "id"}); !errors.Is(err, apierr.ValidationException) {
		t.Errorf("deep SET: got %v", err)
	}
}

func TestUpdateDoesNotModifyInput(t *testing.T) {
	c, err := Compile(&Request{
		UpdateExpression: api.Ptr("SET l[0] = :v, m.k = :v ADD s :s REMOVE l[1] DELETE t :s"),
		Values:           attr.Item{":v": attr.String("new"), ":s": {Type: attr.TypeSS, Set: []string{"x"}}},
	}, KeySchema{Hash: "id"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func() attr.Item {
		return attr.Item{
			"id": attr.String("1"),
			"l":  {Type: attr.TypeL, L: []attr.Value{attr.String("a"), attr.String("b")}},
			"m":  {Type: attr.TypeM, M: map[string]attr.Value{"k": attr.String("old")}},
			"s":  {Type: attr.TypeSS, Set: []string{"y"}},
			"t":  {Type: attr.TypeSS, Set: []string{"x", "z"}},
		}
	}
	in := mk()
	out, err := c.Update.Apply(in, attr.Item{"id": attr.String("1")})
	if err != nil {
		t.Fatal(err)
	}
	if !attr.ItemsEqual(in, mk()) {
		t.Errorf("input modified: %v", in)
	}
	if got := out["m"].M["k"].S; got != "new" {
		t.Errorf("m.k = %q", got)
	}
	// Applying again to the output must not see values shared with the AST.
	out2, _ := c.Update.Apply(out, attr.Item{"id": attr.String("1")})
	out2["m"].M["k"] = attr.String("mutated")
	if out3, _ := c.Update.Apply(in, attr.Item{"id": attr.String("1")}); out3["m"].M["k"].S != "new" {
		t.Errorf("AST value was shared with a result")
	}
}

func TestCacheEvictsAndShares(t *testing.T) {
	c := NewCache(2)
	req := func(src string, v attr.Value) *Request {
		return &Request{ConditionExpression: &src, Values: attr.Item{":v": v}}
	}
	item := attr.Item{"a": attr.String("x")}
	for _, tc := range []struct {
		v    attr.Value
		want bool
	}{{attr.String("x"), true}, {attr.String("y"), false}, {attr.String("x"), true}, {attr.Value{Type: attr.TypeN, S: "1"}, false}} {
		out, err := c.Compile(req("a = :v", tc.v), KeySchema{Hash: "id"})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := out.Condition.Eval(item); ok != tc.want {
			t.Errorf(":v=%v: got %v, want %v", tc.v, ok, tc.want)
		}
	}
	// Different values share one plan.
	if n := c.Len(); n != 1 {
		t.Errorf("cache holds %d plans for one expression, want 1", n)
	}
	// Names are part of the key: the same text means another path.
	src := "#n = :v"
	for _, name := range []string{"a", "b"} {
		out, err := c.Compile(&Request{ConditionExpression: &src, Names: map[string]string{"#n": name}, Values: attr.Item{":v": attr.String("x")}}, KeySchema{Hash: "id"})
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := out.Condition.Eval(item); ok != (name == "a") {
			t.Errorf("#n=%s: got %v", name, ok)
		}
	}
	c.Compile(req("b = :v", attr.String("x")), KeySchema{Hash: "id"})
	c.Compile(req("c = :v", attr.String("x")), KeySchema{Hash: "id"})
	if n := c.Len(); n != 2 {
		t.Errorf("cache holds %d entries, want 2", n)
	}
	if _, err := c.Compile(req("a = ", attr.String("x")), KeySchema{Hash: "id"}); !errors.Is(err, apierr.ValidationException) {
		t.Errorf("cached compile of a bad expression: %v", err)
	}
	// A different key schema is a different entry (key checks differ).
	u := "SET id = :v"
	if _, err := c.Compile(&Request{UpdateExpression: &u, Values: attr.Item{":v": attr.String("x")}}, KeySchema{Hash: "pk"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile(&Request{UpdateExpression: &u, Values: attr.Item{":v": attr.String("x")}}, KeySchema{Hash: "id"}); err == nil {
		t.Error("key attribute update allowed from the cache")
	}
}

// TestCacheValueChecks binds one cached plan to values that pass and fail
// DynamoDB's value-dependent checks, in turn.
func TestCacheValueChecks(t *testing.T) {
	c := NewCache(8)
	n := func(s string) attr.Value { return attr.Value{Type: attr.TypeN, S: s} }
	for _, tc := range []struct {
		src    string
		values attr.Item
		err    string
	}{
		{"a BETWEEN :lo AND :hi", attr.Item{":lo": n("1"), ":hi": n("2")}, ""},
		{"a BETWEEN :lo AND :hi", attr.Item{":lo": n("3"), ":hi": n("2")}, "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:3}, upper bound operand: AttributeValue: {N:2}"},
		{"a BETWEEN :lo AND :hi", attr.Item{":lo": n("1"), ":hi": attr.String("2")}, "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:2}"},
		{"a BETWEEN :lo AND :hi", attr.Item{":lo": n("1")}, "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :hi"},
		{"a BETWEEN :lo AND :hi", attr.Item{":lo": n("1"), ":hi": n("2"), ":x": n("3")}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}"},
		{"a BETWEEN :lo AND :hi", attr.Item{":lo": n("1"), ":hi": n("2")}, ""},
		{"begins_with(a, :p)", attr.Item{":p": attr.String("x")}, ""},
		{"begins_with(a, :p)", attr.Item{":p": n("1")}, "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{"attribute_type(a, :t)", attr.Item{":t": attr.String("SS")}, ""},
		{"attribute_type(a, :t)", attr.Item{":t": attr.String("XX")}, "Invalid ConditionExpression: Invalid attribute type name found; type: XX, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
	} {
		_, err := c.Compile(&Request{ConditionExpression: &tc.src, Values: tc.values}, KeySchema{Hash: "id"})
		got := ""
		if err != nil {
			got = strings.TrimPrefix(err.Error(), "ValidationException: ")
		}
		if got != tc.err {
			t.Errorf("%s %v:\n got: %s\nwant: %s", tc.src, tc.values, got, tc.err)
		}
	}
	if c.Len() != 3 {
		t.Errorf("cache holds %d plans, want 3", c.Len())
	}
}

func TestKeyConditionMatches(t *testing.T) {
	src := "pk = :p AND sk BETWEEN :a AND :b"
	c, err := Compile(&Request{KeyConditionExpression: &src, Values: attr.Item{
		":p": attr.String("x"), ":a": {Type: attr.TypeN, S: "1"}, ":b": {Type: attr.TypeN, S: "5"},
	}}, KeySchema{Hash: "pk", Range: "sk"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sk   string
		want bool
	}{{"0", false}, {"1", true}, {"3.5", true}, {"5", true}, {"5.01", false}} {
		got := c.Key.Matches(attr.Item{"pk": attr.String("x"), "sk": {Type: attr.TypeN, S: tc.sk}})
		if got != tc.want {
			t.Errorf("sk=%s: got %v", tc.sk, got)
		}
	}
	if c.Key.Matches(attr.Item{"pk": attr.String("y"), "sk": {Type: attr.TypeN, S: "2"}}) {
		t.Error("other partition matched")
	}
}

func TestNilParts(t *testing.T) {
	var c *Condition
	if ok, err := c.Eval(nil); !ok || err != nil {
		t.Error("a nil condition holds")
	}
	var p *Projection
	it := attr.Item{"a": attr.String("x")}
	if got := p.Apply(it); !attr.ItemsEqual(got, it) {
		t.Error("a nil projection keeps everything")
	}
	out, err := Compile(&Request{}, KeySchema{Hash: "id"})
	if err != nil || out.Condition != nil || out.Update != nil {
		t.Errorf("empty request: %+v %v", out, err)
	}
}

// TestCacheConcurrent shares one cache between goroutines; run with -race.
func TestCacheConcurrent(t *testing.T) {
	c := NewCache(8)
	done := make(chan error)
	for g := range 4 {
		go func() {
			var err error
			for i := range 200 {
				src := "a = :v OR b" + string(rune('a'+(i+g)%12)) + " = :v"
				var out *Compiled
				out, err = c.Compile(&Request{ConditionExpression: &src, Values: attr.Item{":v": attr.String("x")}}, KeySchema{Hash: "id"})
				if err != nil {
					break
				}
				if ok, _ := out.Condition.Eval(attr.Item{"a": attr.String("x")}); !ok {
					err = errors.New("wrong result")
					break
				}
			}
			done <- err
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if c.Len() > 8 {
		t.Errorf("cache grew to %d", c.Len())
	}
}
