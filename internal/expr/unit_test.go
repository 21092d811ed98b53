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
	req := func(src string) *Request {
		return &Request{ConditionExpression: &src, Values: attr.Item{":v": attr.String("x")}}
	}
	a1, err := c.Compile(req("a = :v"), KeySchema{Hash: "id"})
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := c.Compile(req("a = :v"), KeySchema{Hash: "id"})
	if a1 != a2 {
		t.Error("a cache hit should return the same compiled request")
	}
	// Different values are a different entry.
	other := req("a = :v")
	other.Values[":v"] = attr.String("y")
	if o, _ := c.Compile(other, KeySchema{Hash: "id"}); o == a1 {
		t.Error("different values must not share an entry")
	}
	c.Compile(req("b = :v"), KeySchema{Hash: "id"})
	c.Compile(req("c = :v"), KeySchema{Hash: "id"})
	if n := c.Len(); n != 2 {
		t.Errorf("cache holds %d entries, want 2", n)
	}
	if a3, _ := c.Compile(req("a = :v"), KeySchema{Hash: "id"}); a3 == a1 {
		t.Error("the oldest entry should have been evicted")
	}
	if _, err := c.Compile(req("a = "), KeySchema{Hash: "id"}); !errors.Is(err, apierr.ValidationException) {
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
