package expr

import (
	"strconv"
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

// benchBindings is how many distinct value sets the request benchmarks
// cycle through: far more than the cache holds, as in real traffic, where
// values (keys, timestamps, counters) rarely repeat.
const benchBindings = 4096

// benchValues returns n bindings of benchRequest's placeholders, so that
// a benchmark sends the same expression with different values, as real
// traffic does.
func benchValues(n int) []attr.Item {
	out := make([]attr.Item, n)
	for i := range out {
		out[i] = attr.Item{
			":open": attr.String("open-" + strconv.Itoa(i)),
			":n":    {Type: attr.TypeN, S: strconv.Itoa(i)},
			":p":    attr.String("Re:" + strconv.Itoa(i)),
		}
	}
	return out
}

// BenchmarkCompileUncached is the cost of parsing and checking a typical
// condition on every request.
func BenchmarkCompileUncached(b *testing.B) {
	req := benchRequest()
	vals := benchValues(benchBindings)
	i := 0
	for b.Loop() {
		req.Values = vals[i%len(vals)]
		i++
		if _, err := Compile(req, KeySchema{Hash: "id"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCached is the same request served from a Cache, with
// different values on every iteration: the per-request cost the engine
// pays for a repeated expression (key, lookup, parameter checks, bind).
func BenchmarkCompileCached(b *testing.B) {
	req := benchRequest()
	vals := benchValues(benchBindings)
	c := NewCache(128)
	i := 0
	for b.Loop() {
		req.Values = vals[i%len(vals)]
		i++
		if _, err := c.Compile(req, KeySchema{Hash: "id"}); err != nil {
			b.Fatal(err)
		}
	}
	if c.Len() != 1 {
		b.Fatalf("cache holds %d plans, want 1", c.Len())
	}
}

// BenchmarkRequestUpdateItem is everything package expr does for one
// conditional UpdateItem with ReturnValues UPDATED_NEW, through the cache
// with fresh values each time: compile, evaluate the condition, apply the
// update, and project the changed paths.
func BenchmarkRequestUpdateItem(b *testing.B) {
	c := NewCache(128)
	item := attr.Item{"id": attr.String("1"), "n": {Type: attr.TypeN, S: "41"}, "status": attr.String("open"), "tags": {Type: attr.TypeSS, Set: []string{"a"}}}
	key := attr.Item{"id": attr.String("1")}
	req := &Request{
		Operation:           "UpdateItem",
		UpdateExpression:    api.Ptr("SET n = if_not_exists(n, :zero) + :inc, #s = :s ADD tags :tag"),
		ConditionExpression: api.Ptr("attribute_exists(id) AND #s <> :closed"),
		Names:               map[string]string{"#s": "status"},
	}
	values := make([]attr.Item, benchBindings)
	for i := range values {
		values[i] = attr.Item{
			":zero":   {Type: attr.TypeN, S: "0"},
			":inc":    {Type: attr.TypeN, S: strconv.Itoa(i%7 + 1)},
			":s":      attr.String("open"),
			":closed": attr.String("closed"),
			":tag":    {Type: attr.TypeSS, Set: []string{"t" + strconv.Itoa(i%5)}},
		}
	}
	i := 0
	for b.Loop() {
		req.Values = values[i%len(values)]
		i++
		out, err := c.Compile(req, KeySchema{Hash: "id"})
		if err != nil {
			b.Fatal(err)
		}
		if ok, _ := out.Condition.Eval(item); !ok {
			b.Fatal("condition false")
		}
		next, err := out.Update.Apply(item, key)
		if err != nil {
			b.Fatal(err)
		}
		out.Update.Paths().Apply(next)
	}
}

// BenchmarkRequestQuery is package expr's share of one Query with a key
// condition, a filter and a projection, through the cache with fresh
// values each time, filtering and projecting one item.
func BenchmarkRequestQuery(b *testing.B) {
	c := NewCache(128)
	item := attr.Item{"pk": attr.String("user#1"), "sk": attr.String("order#0042"), "amount": {Type: attr.TypeN, S: "99.5"}, "state": attr.String("paid")}
	req := &Request{
		Operation:              "Query",
		KeyConditionExpression: api.Ptr("pk = :pk AND begins_with(sk, :prefix)"),
		FilterExpression:       api.Ptr("amount >= :min AND #st IN (:a, :b)"),
		ProjectionExpression:   api.Ptr("sk, amount, #st"),
		Names:                  map[string]string{"#st": "state"},
	}
	values := make([]attr.Item, benchBindings)
	for i := range values {
		values[i] = attr.Item{
			":pk":     attr.String("user#1"),
			":prefix": attr.String("order#"),
			":min":    {Type: attr.TypeN, S: strconv.Itoa(i % 50)},
			":a":      attr.String("paid"),
			":b":      attr.String("shipped"),
		}
	}
	i := 0
	for b.Loop() {
		req.Values = values[i%len(values)]
		i++
		out, err := c.Compile(req, KeySchema{Hash: "pk", Range: "sk"})
		if err != nil {
			b.Fatal(err)
		}
		if !out.Key.Matches(item) {
			b.Fatal("key condition false")
		}
		if ok, _ := out.Filter.Eval(item); !ok {
			b.Fatal("filter false")
		}
		out.Projection.Apply(item)
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
