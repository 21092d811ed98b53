package expr

import (
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

func benchRequest() *Request {
	return &Request{
		ConditionExpression: api.Ptr("attribute_exists(id) AND #s = :open AND size(tags) > :n OR begins_with(title, :p)"),
		Names:               map[string]string{"#s": "status"},
		Values: attr.Item{
			":open": attr.String("open"),
			":n":    {Type: attr.TypeN, S: "2"},
			":p":    attr.String("Re:"),
		},
	}
}

// BenchmarkCompileUncached is the cost of parsing and checking a typical
// condition on every request.
func BenchmarkCompileUncached(b *testing.B) {
	req := benchRequest()
	for b.Loop() {
		if _, err := Compile(req, KeySchema{Hash: "id"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCached is the same request served from a Cache: the
// per-request cost the engine pays for a repeated expression.
func BenchmarkCompileCached(b *testing.B) {
	req := benchRequest()
	c := NewCache(128)
	for b.Loop() {
		if _, err := c.Compile(req, KeySchema{Hash: "id"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEval is one evaluation of the condition against an item.
func BenchmarkEval(b *testing.B) {
	c, err := Compile(benchRequest(), KeySchema{Hash: "id"})
	if err != nil {
		b.Fatal(err)
	}
	item := attr.Item{
		"id":     attr.String("1"),
		"status": attr.String("open"),
		"tags":   {Type: attr.TypeSS, Set: []string{"a", "b", "c"}},
		"title":  attr.String("Re: hello"),
	}
	for b.Loop() {
		if ok, _ := c.Condition.Eval(item); !ok {
			b.Fatal("condition false")
		}
	}
}

// BenchmarkUpdateApply is one SET/ADD update applied to an item.
func BenchmarkUpdateApply(b *testing.B) {
	c, err := Compile(&Request{
		UpdateExpression: api.Ptr("SET a = if_not_exists(a, :z) + :one, l = list_append(l, :l) ADD s :s"),
		Values: attr.Item{
			":z":   {Type: attr.TypeN, S: "0"},
			":one": {Type: attr.TypeN, S: "1"},
			":l":   {Type: attr.TypeL, L: []attr.Value{attr.String("x")}},
			":s":   {Type: attr.TypeSS, Set: []string{"x"}},
		},
	}, KeySchema{Hash: "id"})
	if err != nil {
		b.Fatal(err)
	}
	item := attr.Item{"id": attr.String("1"), "a": {Type: attr.TypeN, S: "41"}, "l": {Type: attr.TypeL}}
	for b.Loop() {
		if _, err := c.Update.Apply(item, attr.Item{"id": attr.String("1")}); err != nil {
			b.Fatal(err)
		}
	}
}
