package expr

import (
	"errors"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// fuzzNames and fuzzValues give the fuzzers placeholders to hit, so that
// inputs get past "not defined" into the deeper checks.
var fuzzNames = map[string]string{"#a": "a", "#b": "b", "#n": "name", "#k": "id"}

func fuzzValues() attr.Item {
	return attr.Item{
		":s":  attr.String("ab"),
		":n":  {Type: attr.TypeN, S: "1"},
		":m":  {Type: attr.TypeN, S: "99999999999999999999999999999999999999"},
		":l":  {Type: attr.TypeL, L: []attr.Value{attr.String("x")}},
		":ss": {Type: attr.TypeSS, Set: []string{"a"}},
		":ns": {Type: attr.TypeNS, Set: []string{"1"}},
		":b":  attr.Binary([]byte{1}),
		":t":  attr.String("S"),
	}
}

func fuzzItem() attr.Item {
	return attr.Item{
		"id": attr.String("k"),
		"a":  {Type: attr.TypeN, S: "5"},
		"b":  {Type: attr.TypeL, L: []attr.Value{attr.String("x"), {Type: attr.TypeM, M: map[string]attr.Value{"c": attr.String("y")}}}},
		"c":  {Type: attr.TypeM, M: map[string]attr.Value{"d": {Type: attr.TypeSS, Set: []string{"a", "b"}}}},
		"s":  attr.String("abc"),
	}
}

// checkFuzzErr requires every failure to be a ValidationException.
func checkFuzzErr(t *testing.T, src string, err error) {
	if err != nil && !errors.Is(err, apierr.ValidationException) {
		t.Fatalf("%q: error %v is not a ValidationException", src, err)
	}
}

func addSeeds(f *testing.F, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
}

func FuzzParseCondition(f *testing.F) {
	addSeeds(f, "a = :n", "#a.b[1] <> :s AND NOT (a BETWEEN :n AND :m OR a IN (:n, :m))",
		"attribute_exists(b[1].c) AND size(s) > :n", "begins_with(s, :s) OR contains(c.d, :s)",
		"attribute_type(a, :t)", "((a = :n))", "(a) = :n")
	f.Fuzz(func(t *testing.T, src string) {
		req := &Request{ConditionExpression: &src, Names: fuzzNames, Values: fuzzValues()}
		p := newParser(src, req.Names, req.Values, map[string]bool{}, map[string]bool{})
		n, perr := p.parseCondition()
		c, err := Compile(req, KeySchema{Hash: "id"})
		checkFuzzErr(t, src, err)
		if perr == nil && n != nil {
			// Unused placeholders aside, a parse that succeeds evaluates.
			(&Condition{root: n}).Eval(fuzzItem())
			(&Condition{root: n}).Eval(nil)
		}
		if err == nil {
			c.Condition.Eval(fuzzItem())
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	addSeeds(f, "SET a = a + :n", "SET b[5] = list_append(b, :l) REMOVE c.d",
		"ADD a :n DELETE c.d :ss", "SET a = if_not_exists(a, :n) - :m", "SET #a = :s, #b = :s")
	f.Fuzz(func(t *testing.T, src string) {
		req := &Request{UpdateExpression: &src, Names: fuzzNames, Values: fuzzValues()}
		p := newParser(src, req.Names, req.Values, map[string]bool{}, map[string]bool{})
		if u, err := p.parseUpdate(); err == nil {
			before := fuzzItem()
			out, err := u.Apply(before, attr.Item{"id": attr.String("k")})
			checkFuzzErr(t, src, err)
			if err == nil && !attr.Equal(out["id"], attr.String("k")) && !u.touchesKey("id") {
				t.Fatalf("%q: key changed", src)
			}
			u.Paths().Apply(out)
			if !attr.ItemsEqual(before, fuzzItem()) {
				t.Fatalf("%q: Apply modified its input", src)
			}
			if _, err := u.Apply(nil, attr.Item{"id": attr.String("k")}); err != nil {
				checkFuzzErr(t, src, err)
			}
		}
		_, err := Compile(req, KeySchema{Hash: "id"})
		checkFuzzErr(t, src, err)
	})
}

func FuzzParseProjection(f *testing.F) {
	addSeeds(f, "a", "a, b[1].c, c.d", "#a, #b[0]", "b[0], b[1]")
	f.Fuzz(func(t *testing.T, src string) {
		req := &Request{ProjectionExpression: &src, Names: fuzzNames}
		p := newParser(src, req.Names, nil, map[string]bool{}, map[string]bool{})
		if pr, err := p.parseProjection(); err == nil {
			pr.Apply(fuzzItem())
		}
		_, err := Compile(req, KeySchema{Hash: "id"})
		checkFuzzErr(t, src, err)
	})
}

func FuzzParseKeyCondition(f *testing.F) {
	addSeeds(f, "id = :s", "id = :s AND sk BETWEEN :n AND :m", "#k = :s AND begins_with(sk, :s)",
		":n <= sk AND id = :s", "id = :s OR sk = :n")
	f.Fuzz(func(t *testing.T, src string) {
		req := &Request{KeyConditionExpression: &src, Names: fuzzNames, Values: fuzzValues()}
		c, err := Compile(req, KeySchema{Hash: "id", Range: "sk"})
		checkFuzzErr(t, src, err)
		if err == nil && c.Key != nil {
			c.Key.Matches(attr.Item{"id": attr.String("ab"), "sk": {Type: attr.TypeN, S: "1"}})
		}
	})
}

// touchesKey reports whether an action's path starts at attribute name.
func (u *Update) touchesKey(name string) bool {
	for _, a := range u.actions {
		if a.path[0].name == name {
			return true
		}
	}
	return false
}
