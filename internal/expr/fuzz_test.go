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

// fuzzOtherValues binds the same placeholders to other values, some of
// other types, for the cached-versus-uncached comparison.
func fuzzOtherValues() attr.Item {
	return attr.Item{
		":s":  {Type: attr.TypeN, S: "7"},
		":n":  {Type: attr.TypeN, S: "100"},
		":m":  attr.String("zz"),
		":l":  {Type: attr.TypeSS, Set: []string{"x"}},
		":ss": {Type: attr.TypeL},
		":ns": {Type: attr.TypeNS, Set: []string{"2", "3"}},
		":b":  attr.String("b"),
		":t":  attr.String("NOPE"),
	}
}

// looseBind resolves a parse's placeholders against values, leaving the
// undefined ones zero, so that a parse with failing checks can still be
// evaluated: evaluation must not crash whatever the values.
func looseBind(refs *refTable, values attr.Item) []attr.Value {
	vals := make([]attr.Value, len(refs.names))
	for i, n := range refs.names {
		vals[i] = values[n]
	}
	return vals
}

// checkCached requires a Cache primed with other values to answer req
// exactly as an uncached Compile does.
func checkCached(t *testing.T, src string, req *Request, keys KeySchema) {
	c := NewCache(2)
	other := *req
	other.Values = fuzzOtherValues()
	c.Compile(&other, keys)
	_, want := Compile(req, keys)
	_, got := c.Compile(req, keys)
	if (want == nil) != (got == nil) || want != nil && want.Error() != got.Error() {
		t.Fatalf("%q: cached %v, uncached %v", src, got, want)
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
		refs := &refTable{}
		p := newParser(src, req.Names, map[string]bool{}, refs)
		n, perr := p.parseCondition()
		c, err := Compile(req, KeySchema{Hash: "id"})
		checkFuzzErr(t, src, err)
		if perr == nil && n != nil {
			// Failing checks aside, a parse that succeeds evaluates.
			for _, vals := range []attr.Item{fuzzValues(), fuzzOtherValues()} {
				cond := &Condition{root: n, vals: looseBind(refs, vals)}
				cond.Eval(fuzzItem())
				cond.Eval(nil)
			}
		}
		if err == nil {
			c.Condition.Eval(fuzzItem())
		}
		checkCached(t, src, req, KeySchema{Hash: "id"})
	})
}

func FuzzParseUpdate(f *testing.F) {
	addSeeds(f, "SET a = a + :n", "SET b[5] = list_append(b, :l) REMOVE c.d",
		"ADD a :n DELETE c.d :ss", "SET a = if_not_exists(a, :n) - :m", "SET #a = :s, #b = :s")
	f.Fuzz(func(t *testing.T, src string) {
		req := &Request{UpdateExpression: &src, Names: fuzzNames, Values: fuzzValues()}
		refs := &refTable{}
		p := newParser(src, req.Names, map[string]bool{}, refs)
		if u, err := p.parseUpdate(); err == nil {
			u.vals = looseBind(refs, fuzzValues())
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
		checkCached(t, src, req, KeySchema{Hash: "id"})
	})
}

func FuzzParseProjection(f *testing.F) {
	addSeeds(f, "a", "a, b[1].c, c.d", "#a, #b[0]", "b[0], b[1]")
	f.Fuzz(func(t *testing.T, src string) {
		req := &Request{ProjectionExpression: &src, Names: fuzzNames}
		p := newParser(src, req.Names, map[string]bool{}, &refTable{})
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
		checkCached(t, src, req, KeySchema{Hash: "id", Range: "sk"})
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
