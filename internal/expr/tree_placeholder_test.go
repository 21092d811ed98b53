package expr

import (
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// A Placeholder in a tree is text's :name: the same compiled objects, the
// same errors when its value is missing or of the wrong type, and with a
// CacheKey the cache keeps one plan that each request binds its own values
// to.
func TestTreePlaceholders(t *testing.T) {
	keys := KeySchema{Hash: "id", Range: "sk"}
	trees := func() *Trees {
		return &Trees{
			KeyCondition: And{Compare(EQ, Attr("id"), Placeholder(":h")), Compare(GT, Attr("sk"), Placeholder(":s"))},
			Filter:       Or{Compare(EQ, Attr("a"), Placeholder(":a")), Compare(GT, Size(Attr("l")), Placeholder(":s"))},
			CacheKey:     "q1",
		}
	}
	text := func(vals attr.Item) *Request {
		return &Request{Operation: "Query", KeyConditionExpression: api.Ptr("id = :h AND sk > :s"),
			FilterExpression: api.Ptr("a = :a OR size(l) > :s"), Values: vals}
	}
	c := NewCache(8)
	for i, vals := range []attr.Item{
		{":h": s("k"), ":s": num("1"), ":a": s("x")},
		{":h": s("q"), ":s": num("4"), ":a": s("y")},
	} {
		want, err := Compile(text(vals), keys)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Compile(&Request{Operation: "Query", Trees: trees(), Values: vals}, keys)
		if err != nil {
			t.Fatal(err)
		}
		if w, g := dumpCompiled(want), dumpCompiled(got); w != g {
			t.Fatalf("request %d: compiled objects differ\n tree: %s\n text: %s", i, g, w)
		}
		if msg := sameBehaviour(want, got, formItems()); msg != "" {
			t.Fatalf("request %d: %s", i, msg)
		}
		if got.Key.Hash.S != vals[":h"].S {
			t.Errorf("request %d: hash %v, want %v", i, got.Key.Hash, vals[":h"])
		}
	}
	if c.Len() != 1 {
		t.Errorf("cache holds %d plans, want 1 for one CacheKey", c.Len())
	}

	// The errors of a placeholder are text's, cached or not.
	for _, tc := range []struct {
		name string
		vals attr.Item
	}{
		{"undefined", attr.Item{":h": s("k"), ":s": num("1")}},
		{"unused", attr.Item{":h": s("k"), ":s": num("1"), ":a": s("x"), ":extra": s("e")}},
	} {
		werr := fmt.Sprint(compileErr(Compile(text(tc.vals), keys)))
		for _, cache := range []*Cache{nil, c} {
			_, gerr := cache.Compile(&Request{Operation: "Query", Trees: trees(), Values: tc.vals}, keys)
			if gerr == nil || fmt.Sprint(gerr) != werr {
				t.Errorf("%s: tree %v, text %v", tc.name, gerr, werr)
			}
		}
	}
	sz := &Trees{Condition: Compare(GT, Size(Placeholder(":n")), Val(num("1"))), CacheKey: "size"}
	_, werr := Compile(&Request{ConditionExpression: api.Ptr("size(:n) > :one"), Values: attr.Item{":n": num("3"), ":one": num("1")}}, keys)
	_, gerr := c.Compile(&Request{Trees: sz, Values: attr.Item{":n": num("3")}}, keys)
	if werr == nil || fmt.Sprint(werr) != fmt.Sprint(gerr) {
		t.Errorf("size of a number: tree %v, text %v", gerr, werr)
	}

	// Without a CacheKey a tree is compiled afresh; an unnamed
	// placeholder is the caller's mistake.
	n := c.Len()
	uncached := trees()
	uncached.CacheKey = ""
	if _, err := c.Compile(&Request{Operation: "Query", Trees: uncached, Values: attr.Item{":h": s("k"), ":s": num("1"), ":a": s("x")}}, keys); err != nil || c.Len() != n {
		t.Errorf("uncached tree: %v, %d plans (was %d)", err, c.Len(), n)
	}
	if _, err := Compile(&Request{Trees: &Trees{Condition: Compare(EQ, Attr("a"), Placeholder(""))}}, keys); err == nil {
		t.Error("an empty placeholder name compiled")
	}
}

func compileErr(_ *Compiled, err error) error { return err }
