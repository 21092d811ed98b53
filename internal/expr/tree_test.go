package expr

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// formItems are the items every form is evaluated on, besides random ones.
func formItems() []attr.Item {
	var items []attr.Item
	for _, s := range []string{
		`{"id":{"S":"k"},"sk":{"N":"5"},"a":{"S":"x"},"b":{"S":"y"},"n":{"N":"3"},"l":{"L":[{"S":"x"},{"N":"1"}]},"s":{"SS":["x","y"]},"m":{"M":{"k":{"L":[{"N":"0"},{"S":"v"}]}}}}`,
		`{"id":{"S":"k"},"sk":{"N":"1"},"a":{"NULL":true},"n":{"N":"-2"},"l":{"L":[]},"x.y":{"M":{"name":{"L":[{"N":"0"},{"N":"1"},{"S":"x"}]}}}}`,
		`{"id":{"S":"q"},"sk":{"N":"9"},"a":{"N":"10"},"b":{"N":"10"},"s":{"NS":["1"]},"name":{"S":"xy"}}`,
		`{"id":{"S":"k"},"sk":{"N":"2"},"a":{"S":"xyz"},"b":{"BOOL":true},"l":{"S":"not a list"}}`,
	} {
		var it attr.Item
		if err := json.Unmarshal([]byte(s), &it); err != nil {
			panic(err)
		}
		items = append(items, it)
	}
	g := &treeGen{ch: randChooser{rand.New(rand.NewPCG(21, 22))}}
	return append(append(items, nil), genItems(g, 30)...)
}

// form is one expression written both ways: as a tree, and as the text,
// names and values a client would send.
type form struct {
	name   string
	trees  *Trees
	op     string
	text   map[string]string // condition, filter, keycond, projection, update → text
	names  string            // JSON
	values string            // JSON
	err    string            // the error both must give; "" for none
}

func s(v string) attr.Value { return attr.String(v) }

var (
	vx   = Val(s("x"))
	vy   = Val(s("y"))
	n1   = Val(num("1"))
	n2   = Val(num("2"))
	ssxy = attr.Value{Type: attr.TypeSS, Set: []string{"x", "z"}}
)

func cond(c Cond) *Trees     { return &Trees{Condition: c} }
func upd(a ...Action) *Trees { return &Trees{Update: a} }
func key(c Cond) *Trees      { return &Trees{KeyCondition: c} }

func forms() []form {
	a, b, l, n := Attr("a"), Attr("b"), Attr("l"), Attr("n")
	return []form{
		// Comparisons, values on either side or both.
		{name: "=", trees: cond(Compare(EQ, a, vx)), text: map[string]string{"condition": "a = :x"}, values: `{":x":{"S":"x"}}`},
		{name: "<>", trees: cond(Compare(NE, a, vx)), text: map[string]string{"condition": "a <> :x"}, values: `{":x":{"S":"x"}}`},
		{name: "<", trees: cond(Compare(LT, a, n2)), text: map[string]string{"condition": "a < :n"}, values: `{":n":{"N":"2"}}`},
		{name: "<=", trees: cond(Compare(LE, n, n2)), text: map[string]string{"condition": "n <= :n"}, values: `{":n":{"N":"2"}}`},
		{name: ">", trees: cond(Compare(GT, a, vx)), text: map[string]string{"condition": "a > :x"}, values: `{":x":{"S":"x"}}`},
		{name: ">=", trees: cond(Compare(GE, n1, n)), text: map[string]string{"condition": ":n >= n"}, values: `{":n":{"N":"1"}}`},
		{name: "values both sides", trees: cond(Compare(EQ, n1, n1)), text: map[string]string{"condition": ":a = :b"}, values: `{":a":{"N":"1"},":b":{"N":"1.0"}}`},
		{name: "paths both sides", trees: cond(Compare(EQ, a, b)), text: map[string]string{"condition": "a = b"}},
		{name: "BETWEEN", trees: cond(Between{n, Val(num("-5")), n2}), text: map[string]string{"condition": "n BETWEEN :lo AND :hi"}, values: `{":lo":{"N":"-5"},":hi":{"N":"2"}}`},
		{name: "IN", trees: cond(In{a, []Operand{vx, vy, b}}), text: map[string]string{"condition": "a IN (:x, :y, b)"}, values: `{":x":{"S":"x"},":y":{"S":"y"}}`},
		{name: "AND OR NOT", trees: cond(Or{And{Compare(EQ, a, vx), Not{AttributeExists(b)}}, Compare(GT, n, n2)}),
			text: map[string]string{"condition": "a = :x AND NOT attribute_exists(b) OR n > :n"}, values: `{":x":{"S":"x"},":n":{"N":"2"}}`},
		{name: "OR under AND", trees: cond(AllOf(AnyOf(Compare(EQ, a, vx), Compare(EQ, b, vy)), Compare(GT, n, n2))),
			text: map[string]string{"condition": "(a = :x OR b = :y) AND n > :n"}, values: `{":x":{"S":"x"},":y":{"S":"y"},":n":{"N":"2"}}`},
		{name: "attribute_exists nested", trees: cond(AttributeExists(Attr("m").Key("k").At(1))), text: map[string]string{"condition": "attribute_exists(m.k[1])"}},
		{name: "attribute_not_exists", trees: cond(AttributeNotExists(a)), text: map[string]string{"condition": "attribute_not_exists(a)"}},
		{name: "attribute_type", trees: cond(AttributeType(a, attr.TypeNULL)), text: map[string]string{"condition": "attribute_type(a, :t)"}, values: `{":t":{"S":"NULL"}}`},
		{name: "begins_with", trees: cond(BeginsWith(a, vx)), text: map[string]string{"condition": "begins_with(a, :x)"}, values: `{":x":{"S":"x"}}`},
		{name: "contains", trees: cond(Contains(l, vx)), text: map[string]string{"condition": "contains(l, :x)"}, values: `{":x":{"S":"x"}}`},
		{name: "size operand", trees: cond(Compare(GT, Size(l), n1)), text: map[string]string{"condition": "size(l) > :n"}, values: `{":n":{"N":"1"}}`},
		{name: "size on the right", trees: cond(Compare(LT, n1, Size(a))), text: map[string]string{"condition": ":n < size(a)"}, values: `{":n":{"N":"1"}}`},
		{name: "names that need placeholders", trees: cond(Compare(EQ, Attr("x.y").Key("name").At(2), vx)),
			text: map[string]string{"condition": "#a.#b[2] = :x"}, names: `{"#a":"x.y","#b":"name"}`, values: `{":x":{"S":"x"}}`},

		// PartiQL's IS tests and what they are.
		{name: "IS MISSING", trees: cond(IsMissing(b)), text: map[string]string{"condition": "attribute_not_exists(b)"}},
		{name: "IS NOT MISSING", trees: cond(IsNotMissing(b)), text: map[string]string{"condition": "NOT attribute_not_exists(b)"}},
		{name: "IS NULL", trees: cond(IsNull(a)), text: map[string]string{"condition": "a = :null"}, values: `{":null":{"NULL":true}}`},
		{name: "IS NOT NULL", trees: cond(IsNotNull(a)), text: map[string]string{"condition": "NOT a = :null"}, values: `{":null":{"NULL":true}}`},
		{name: "IS STRING", trees: cond(IsType(a, attr.TypeS)), text: map[string]string{"condition": "attribute_type(a, :t)"}, values: `{":t":{"S":"S"}}`},
		{name: "IS MISSING of a literal", trees: cond(IsMissing(vx)), text: map[string]string{"condition": "attribute_not_exists(:x)"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_not_exists"},

		// Condition errors.
		{name: "same path twice", trees: cond(Compare(EQ, a, a)), text: map[string]string{"condition": "a = a"},
			err: "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]"},
		{name: "begins_with a number", trees: cond(BeginsWith(a, n1)), text: map[string]string{"condition": "begins_with(a, :n)"}, values: `{":n":{"N":"1"}}`,
			err: "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
		{name: "function compared", trees: cond(Compare(EQ, Call{Func: "attribute_exists", Args: []Operand{a}}, vx)),
			text: map[string]string{"condition": "attribute_exists(a) = :x"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists"},
		{name: "size as a condition", trees: cond(And{FuncCond{Func: "size", Args: []Operand{a}}, Compare(EQ, b, vx)}),
			text: map[string]string{"condition": "size(a) AND b = :x"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size"},
		{name: "unknown function first", trees: cond(Compare(EQ, Call{Func: "foo", Args: []Operand{Call{Func: "bar", Args: []Operand{a}}}}, vx)),
			text: map[string]string{"condition": "foo(bar(a)) = :x"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid ConditionExpression: Invalid function name; function: foo"},
		{name: "unknown function in an operand", trees: cond(Compare(EQ, vx, Call{Func: "foo", Args: []Operand{Call{Func: "bar", Args: []Operand{a}}}})),
			text: map[string]string{"condition": ":x = foo(bar(a))"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid ConditionExpression: Invalid function name; function: bar"},
		{name: "BETWEEN bounds reversed", trees: cond(Between{n, n2, n1}), text: map[string]string{"condition": "n BETWEEN :hi AND :lo"}, values: `{":lo":{"N":"1"},":hi":{"N":"2"}}`,
			err: "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}"},
		{name: "list index out of range", trees: cond(AttributeExists(l.At(maxListIndex + 1))), text: map[string]string{"condition": "attribute_exists(l[16777217])"},
			err: "Invalid ConditionExpression: List index is out of range; index: 16777217"},

		// Key conditions.
		{name: "key: hash", trees: key(Compare(EQ, Attr("id"), Val(s("k")))), text: map[string]string{"keycond": "id = :h"}, values: `{":h":{"S":"k"}}`},
		{name: "key: range <", trees: key(And{Compare(EQ, Attr("id"), Val(s("k"))), Compare(LT, Attr("sk"), Val(num("5")))}),
			text: map[string]string{"keycond": "id = :h AND sk < :r"}, values: `{":h":{"S":"k"},":r":{"N":"5"}}`},
		{name: "key: value first", trees: key(And{Compare(LE, Val(num("2")), Attr("sk")), Compare(EQ, Attr("id"), Val(s("k")))}),
			text: map[string]string{"keycond": ":r <= sk AND id = :h"}, values: `{":h":{"S":"k"},":r":{"N":"2"}}`},
		{name: "key: BETWEEN", trees: key(And{Compare(EQ, Attr("id"), Val(s("k"))), Between{Attr("sk"), n1, Val(num("5"))}}),
			text: map[string]string{"keycond": "id = :h AND sk BETWEEN :a AND :b"}, values: `{":h":{"S":"k"},":a":{"N":"1"},":b":{"N":"5"}}`},
		{name: "key: begins_with", trees: &Trees{KeyCondition: And{Compare(EQ, Attr("id"), Val(s("k"))), BeginsWith(Attr("sk"), Val(s("x")))}},
			text: map[string]string{"keycond": "id = :h AND begins_with(sk, :p)"}, values: `{":h":{"S":"k"},":p":{"S":"x"}}`},
		{name: "key: OR", trees: key(Or{Compare(EQ, Attr("id"), Val(s("k"))), Compare(EQ, Attr("id"), Val(s("q")))}),
			text: map[string]string{"keycond": "id = :h OR id = :q"}, values: `{":h":{"S":"k"},":q":{"S":"q"}}`,
			err: "Invalid operator used in KeyConditionExpression: OR"},
		{name: "key: nested", trees: key(Compare(EQ, Attr("id").Key("x"), Val(s("k")))), text: map[string]string{"keycond": "id.x = :h"}, values: `{":h":{"S":"k"}}`,
			err: "KeyConditionExpressions cannot have conditions on nested attributes"},
		{name: "key: no hash", trees: key(Compare(EQ, Attr("sk"), n1)), text: map[string]string{"keycond": "sk = :r"}, values: `{":r":{"N":"1"}}`,
			err: "Query condition missed key schema element: id"},

		// Projections.
		{name: "projection", trees: &Trees{Projection: []Path{Attr("a"), Attr("m").Key("k").At(1), Attr("name"), Attr("x.y").Key("name")}},
			text: map[string]string{"projection": "a, m.k[1], #n, #xy.#n"}, names: `{"#n":"name","#xy":"x.y"}`},
		{name: "projection overlap", trees: &Trees{Projection: []Path{Attr("m").Key("k"), Attr("m")}}, text: map[string]string{"projection": "m.k, m"},
			err: "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m, k], path two: [m]"},

		// Updates.
		{name: "SET value", trees: upd(Set(a, vx), Set(Attr("c"), b)), text: map[string]string{"update": "SET a = :x, c = b"}, values: `{":x":{"S":"x"}}`},
		{name: "SET +", trees: upd(Set(n, Plus(n, n2))), text: map[string]string{"update": "SET n = n + :n"}, values: `{":n":{"N":"2"}}`},
		{name: "SET -", trees: upd(Set(n, Minus(n2, n))), text: map[string]string{"update": "SET n = :n - n"}, values: `{":n":{"N":"2"}}`},
		{name: "SET list_append", trees: upd(Set(l, ListAppend(l, Val(attr.Value{Type: attr.TypeL, L: []attr.Value{s("z")}})))),
			text: map[string]string{"update": "SET l = list_append(l, :l)"}, values: `{":l":{"L":[{"S":"z"}]}}`},
		{name: "SET if_not_exists", trees: upd(Set(Attr("c"), Plus(IfNotExists(Attr("c"), Val(num("0"))), n1))),
			text: map[string]string{"update": "SET c = if_not_exists(c, :z) + :one"}, values: `{":z":{"N":"0"},":one":{"N":"1"}}`},
		{name: "SET list element", trees: upd(Set(Attr("l").At(5), vx), Set(Attr("m").Key("k").At(0), vy)),
			text: map[string]string{"update": "SET l[5] = :x, m.k[0] = :y"}, values: `{":x":{"S":"x"},":y":{"S":"y"}}`},
		{name: "REMOVE", trees: upd(Remove(a), Remove(l.At(0)), Remove(Attr("m").Key("k").At(1))), text: map[string]string{"update": "REMOVE a, l[0], m.k[1]"}},
		{name: "ADD", trees: upd(Add(n, num("5")), Add(Attr("s"), ssxy)), text: map[string]string{"update": "ADD n :n, s :s"}, values: `{":n":{"N":"5"},":s":{"SS":["x","z"]}}`},
		{name: "DELETE", trees: upd(Delete(Attr("s"), ssxy)), text: map[string]string{"update": "DELETE s :s"}, values: `{":s":{"SS":["x","z"]}}`},
		{name: "every clause", trees: upd(Remove(b), Set(a, vx), Add(n, num("1")), Delete(Attr("s"), ssxy)),
			text: map[string]string{"update": "REMOVE b SET a = :x ADD n :n DELETE s :s"}, values: `{":x":{"S":"x"},":n":{"N":"1"},":s":{"SS":["x","z"]}}`},
		{name: "update overlap", trees: upd(Set(a, vx), Remove(a)), text: map[string]string{"update": "SET a = :x REMOVE a"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
		{name: "update a key", trees: upd(Set(Attr("id"), vx)), text: map[string]string{"update": "SET id = :x"}, values: `{":x":{"S":"x"}}`,
			err: "One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key"},
		{name: "ADD a string", trees: upd(Add(a, s("x"))), text: map[string]string{"update": "ADD a :x"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
		{name: "list_append of a string", trees: upd(Set(l, ListAppend(l, vx))), text: map[string]string{"update": "SET l = list_append(l, :x)"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S"},
		{name: "+ of a string", trees: upd(Set(n, Plus(n, vx))), text: map[string]string{"update": "SET n = n + :x"}, values: `{":x":{"S":"x"}}`,
			err: "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S"},
		{name: "if_not_exists of a value", trees: upd(Set(n, Call{Func: "if_not_exists", Args: []Operand{n1, n2}})),
			text: map[string]string{"update": "SET n = if_not_exists(:a, :b)"}, values: `{":a":{"N":"1"},":b":{"N":"2"}}`,
			err: "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists"},
		{name: "size in an update", trees: upd(Set(n, Size(l))), text: map[string]string{"update": "SET n = size(l)"},
			err: "Invalid UpdateExpression: The function is not allowed in an update expression; function: size"},

		// Several expressions in one request, in DynamoDB's order of checks.
		{name: "Query", op: "Query", trees: &Trees{
			KeyCondition: And{Compare(EQ, Attr("id"), Val(s("k"))), Compare(GE, Attr("sk"), n1)},
			Filter:       Compare(EQ, a, vx),
			Projection:   []Path{a, Attr("sk")},
		}, text: map[string]string{"keycond": "id = :h AND sk >= :r", "filter": "a = :x", "projection": "a, sk"}, values: `{":h":{"S":"k"},":r":{"N":"1"},":x":{"S":"x"}}`},
		{name: "Query filter on a key", op: "Query", trees: &Trees{KeyCondition: Compare(EQ, Attr("id"), Val(s("k"))), Filter: Compare(EQ, Attr("sk"), n1)},
			text: map[string]string{"keycond": "id = :h", "filter": "sk = :r"}, values: `{":h":{"S":"k"},":r":{"N":"1"}}`,
			err: "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"},
		{name: "UpdateItem", op: "UpdateItem", trees: &Trees{Update: []Action{Set(a, vx)}, Condition: AttributeExists(Attr("id"))},
			text: map[string]string{"update": "SET a = :x", "condition": "attribute_exists(id)"}, values: `{":x":{"S":"x"}}`},
		{name: "update error before condition error", trees: &Trees{Update: []Action{Set(a, vx), Set(a, vy)}, Condition: Compare(EQ, b, b)},
			text: map[string]string{"update": "SET a = :x, a = :y", "condition": "b = b"}, values: `{":x":{"S":"x"},":y":{"S":"y"}}`,
			err: "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]"},
	}
}

// textRequest is the request a client sends for f.
func (f form) textRequest(t *testing.T) *Request {
	req := &Request{Operation: f.op}
	for k, v := range f.text {
		v := v
		switch k {
		case "condition":
			req.ConditionExpression = &v
		case "filter":
			req.FilterExpression = &v
		case "keycond":
			req.KeyConditionExpression = &v
		case "projection":
			req.ProjectionExpression = &v
		case "update":
			req.UpdateExpression = &v
		default:
			t.Fatalf("unknown field %s", k)
		}
	}
	if f.names != "" {
		must(t, json.Unmarshal([]byte(f.names), &req.Names))
	}
	if f.values != "" {
		must(t, json.Unmarshal([]byte(f.values), &req.Values))
	}
	return req
}

// TestTreeForms builds every expression form as a tree and as text, and
// requires the same compiled objects, the same behaviour on items, or the
// same error, which is also the one DynamoDB gives for the text.
func TestTreeForms(t *testing.T) {
	items := formItems()
	for _, f := range forms() {
		t.Run(f.name, func(t *testing.T) {
			want, werr := Compile(f.textRequest(t), diffKeys)
			got, gerr := Compile(&Request{Operation: f.op, Trees: f.trees}, diffKeys)
			if fmt.Sprint(werr) != fmt.Sprint(gerr) {
				t.Fatalf("errors differ\n tree: %v\n text: %v", gerr, werr)
			}
			if f.err != "" || werr != nil {
				if werr == nil || werr.Error() != "ValidationException: "+f.err {
					t.Fatalf("error %v, want %s", werr, f.err)
				}
				return
			}
			if w, g := dumpCompiled(want), dumpCompiled(got); w != g {
				t.Fatalf("compiled objects differ\n tree: %s\n text: %s", g, w)
			}
			if msg := sameBehaviour(want, got, items); msg != "" {
				t.Fatal(msg)
			}
			// The cache compiles a tree afresh and keeps nothing of it.
			c := NewCache(4)
			cached, err := c.Compile(&Request{Operation: f.op, Trees: f.trees}, diffKeys)
			if err != nil || dumpCompiled(cached) != dumpCompiled(got) || c.Len() != 0 {
				t.Errorf("cached: %v, %d plans", err, c.Len())
			}
		})
	}
}

// TestTreeSemantics pins what the PartiQL forms and the tree-only
// extensions do, on items, rather than against text.
func TestTreeSemantics(t *testing.T) {
	null := attr.Value{Type: attr.TypeNULL}
	items := map[string]attr.Item{
		"missing": {"id": s("k")},
		"null":    {"id": s("k"), "a": null},
		"string":  {"id": s("k"), "a": s("x")},
	}
	for _, tc := range []struct {
		name string
		c    Cond
		want map[string]bool
	}{
		{"IS MISSING", IsMissing(Attr("a")), map[string]bool{"missing": true, "null": false, "string": false}},
		{"IS NOT MISSING", IsNotMissing(Attr("a")), map[string]bool{"missing": false, "null": true, "string": true}},
		{"IS NULL", IsNull(Attr("a")), map[string]bool{"missing": false, "null": true, "string": false}},
		{"IS NOT NULL", IsNotNull(Attr("a")), map[string]bool{"missing": true, "null": false, "string": true}},
		{"IS STRING", IsType(Attr("a"), attr.TypeS), map[string]bool{"missing": false, "null": false, "string": true}},
		{"1 = 1", Compare(EQ, n1, Val(num("1.0"))), map[string]bool{"missing": true, "null": true, "string": true}},
		{"1 <> 1", Compare(NE, n1, n1), map[string]bool{"missing": false, "null": false, "string": false}},
		{"missing <> x", Compare(NE, Attr("a"), vx), map[string]bool{"missing": true, "null": true, "string": false}},
	} {
		c, err := BuildCondition(tc.c)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for name, it := range items {
			if got, _ := c.Eval(it); got != tc.want[name] {
				t.Errorf("%s on %s: %v", tc.name, name, got)
			}
		}
	}

	// Arithmetic nests in a tree, and runs inside function arguments.
	u, err := BuildUpdate([]Action{
		Set(Attr("n"), Minus(Plus(Attr("n"), Val(num("10"))), Val(num("0.5")))),
		Set(Attr("m"), IfNotExists(Attr("m"), Plus(Attr("n"), n1))),
	}, KeySchema{Hash: "id"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := u.Apply(attr.Item{"id": s("k"), "n": num("1")}, attr.Item{"id": s("k")})
	if err != nil {
		t.Fatal(err)
	}
	if out["n"].S != "10.5" || out["m"].S != "2" {
		t.Errorf("nested arithmetic: %s", itemJSON(out))
	}
	// A nested arithmetic's literal is checked like text's.
	if _, err := BuildUpdate([]Action{Set(Attr("n"), Plus(Plus(Attr("n"), vx), n1))}, KeySchema{Hash: "id"}); err == nil ||
		err.Error() != "ValidationException: Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S" {
		t.Errorf("nested arithmetic of a string: %v", err)
	}

	// set_add and set_delete are ADD and DELETE: on a missing attribute
	// ADD creates the set, and DELETE of every member removes it.
	u, err = BuildUpdate([]Action{Add(Attr("s"), ssxy), Delete(Attr("t"), ssxy)}, KeySchema{Hash: "id"})
	if err != nil {
		t.Fatal(err)
	}
	out, err = u.Apply(attr.Item{"id": s("k"), "t": {Type: attr.TypeSS, Set: []string{"z"}}}, attr.Item{"id": s("k")})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out["t"]; ok || !attr.Equal(out["s"], ssxy) {
		t.Errorf("set_add/set_delete: %s", itemJSON(out))
	}
	// Actions need not be grouped by clause, and keep their order: two
	// appends past a list's end land in that order.
	u, err = BuildUpdate([]Action{Set(Attr("l").At(7), vx), Remove(Attr("a")), Set(Attr("l").At(8), vy)}, KeySchema{Hash: "id"})
	if err != nil {
		t.Fatal(err)
	}
	out, _ = u.Apply(attr.Item{"id": s("k"), "a": s("x"), "l": {Type: attr.TypeL}}, attr.Item{"id": s("k")})
	if l := out["l"].L; len(l) != 2 || l[0].S != "x" || l[1].S != "y" || out["a"].Type != attr.TypeInvalid {
		t.Errorf("ungrouped actions: %s", itemJSON(out))
	}

	k, err := BuildKeyCondition(AllOf(Compare(EQ, Attr("pk"), vx), BeginsWith(Attr("sk"), Val(s("ab")))), KeySchema{Hash: "pk", Range: "sk"})
	if err != nil {
		t.Fatal(err)
	}
	if k.HashName != "pk" || !attr.Equal(k.Hash, s("x")) || k.RangeName != "sk" || k.RangeOp != RangeBeginsWith || !attr.Equal(k.RangeValues[0], s("ab")) {
		t.Errorf("key condition %s", renderKey(k))
	}
	p, err := BuildProjection(Attr("a").At(1), Attr("b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Apply(attr.Item{"a": {Type: attr.TypeL, L: []attr.Value{s("0"), s("1")}}, "b": s("b"), "c": s("c")}); itemJSON(got) != `{"a":{"L":[{"S":"1"}]},"b":{"S":"b"}}` {
		t.Errorf("projection %s", itemJSON(got))
	}
}

// TestTreeErrors covers trees no text corresponds to, and the rules of
// Request.Trees.
func TestTreeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  *Request
		err  string
	}{
		{"nil operand", &Request{Trees: cond(Compare(EQ, nil, vx))}, "Invalid ConditionExpression: Invalid expression tree: an operand is nil"},
		{"nil condition", &Request{Trees: cond(And{Compare(EQ, Attr("a"), vx), nil})}, "Invalid ConditionExpression: Invalid expression tree: a condition is nil"},
		{"empty path", &Request{Trees: cond(AttributeExists(Path{}))}, "Invalid ConditionExpression: Invalid expression tree: a document path is empty"},
		{"index first", &Request{Trees: cond(AttributeExists(Path{ListIndex(0)}))}, "Invalid ConditionExpression: Invalid expression tree: a document path starts with a list index"},
		{"negative index", &Request{Trees: cond(AttributeExists(Attr("a").At(-1)))}, "Invalid ConditionExpression: List index is out of range; index: -1"},
		{"arithmetic in a condition", &Request{Trees: cond(Compare(EQ, Plus(Attr("a"), n1), n2))}, "Invalid ConditionExpression: Invalid expression tree: arithmetic (+) in a condition"},
		{"empty IN", &Request{Trees: cond(In{Attr("a"), nil})}, "Invalid ConditionExpression: Invalid expression tree: IN has an empty list"},
		{"empty literal", &Request{Trees: cond(Compare(EQ, Attr("a"), Literal{}))}, "Invalid ConditionExpression: Invalid expression tree: a literal has no value"},
		{"bad comparator", &Request{Trees: cond(Compare(0, Attr("a"), vx))}, "Invalid ConditionExpression: Invalid expression tree: unknown comparator 0"},
		{"pointer node", &Request{Trees: cond(&Not{AttributeExists(Attr("a"))})}, "Invalid ConditionExpression: Invalid expression tree: a condition is of no kind a condition expression has"},
		{"function without arguments", &Request{Trees: cond(FuncCond{Func: "attribute_exists"})},
			"Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 0"},
		{"size without arguments", &Request{Trees: cond(Compare(EQ, Call{Func: "size"}, n1))},
			"Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 0"},
		{"ADD of a path", &Request{Trees: upd(Action{Kind: AddAction, Path: Attr("a"), Value: Attr("b")})}, "Invalid UpdateExpression: Invalid expression tree: the value of ADD or DELETE is not a literal value"},
		{"REMOVE with a value", &Request{Trees: upd(Action{Kind: RemoveAction, Path: Attr("a"), Value: vx})}, "Invalid UpdateExpression: Invalid expression tree: REMOVE has a value"},
		{"no actions", &Request{Trees: &Trees{Update: []Action{}}}, "Invalid UpdateExpression: The expression can not be empty;"},
		{"no paths", &Request{Trees: &Trees{Projection: []Path{}}}, "Invalid ProjectionExpression: The expression can not be empty;"},
		{"text and tree", &Request{ConditionExpression: api.Ptr("a = b"), Trees: cond(AttributeExists(Attr("a")))},
			"Invalid ConditionExpression: the request gives the expression both as text and as a tree"},
		{"tree and legacy", &Request{Trees: cond(AttributeExists(Attr("a"))), Expected: map[string]api.ExpectedAttributeValue{"a": {Exists: api.Ptr(false)}}},
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"},
		{"tree and unused values", &Request{Trees: cond(AttributeExists(Attr("a"))), Values: attr.Item{":v": s("x")}},
			"Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"},
		{"Query with a key tree", &Request{Operation: "Query", Trees: &Trees{Filter: Compare(EQ, Attr("a"), vx)}},
			"Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."},
	} {
		_, err := Compile(tc.req, diffKeys)
		if err == nil || !errors.Is(err, apierr.ValidationException) || err.Error() != "ValidationException: "+tc.err {
			t.Errorf("%s:\n got: %v\nwant: %s", tc.name, err, tc.err)
		}
	}
	// A tree may sit beside text that uses placeholders.
	c, err := Compile(&Request{
		Operation:           "UpdateItem",
		ConditionExpression: api.Ptr("#a = :v"),
		Names:               map[string]string{"#a": "a"},
		Values:              attr.Item{":v": s("x")},
		Trees:               upd(Set(Attr("b"), vy)),
	}, diffKeys)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Condition.Eval(attr.Item{"a": s("x")}); !ok || c.Update == nil {
		t.Errorf("text beside a tree: %v %v", ok, c.Update)
	}
}

// TestTreeOperatorLimit holds trees to DynamoDB's 300 operators, as text.
func TestTreeOperatorLimit(t *testing.T) {
	for _, n := range []int{300, 301} {
		var c Cond = AttributeExists(Attr("a"))
		text := "attribute_exists(a)"
		for range n {
			c = Not{c}
			text = "NOT " + text
		}
		_, werr := Compile(&Request{ConditionExpression: &text}, diffKeys)
		_, gerr := Compile(&Request{Trees: cond(c)}, diffKeys)
		if fmt.Sprint(werr) != fmt.Sprint(gerr) {
			t.Errorf("%d NOTs: tree %v, text %v", n, gerr, werr)
		}
		if (n > maxOperators) != (gerr != nil) {
			t.Errorf("%d NOTs: %v", n, gerr)
		}
	}
	// A tree deeper than any text can be is refused, not run.
	var c Cond = AttributeExists(Attr("a"))
	for range 2 * maxDepth {
		c = Not{c}
	}
	if _, err := BuildCondition(c); err == nil || !strings.Contains(err.Error(), "too many levels of nesting") {
		t.Errorf("deep tree: %v", err)
	}
}
