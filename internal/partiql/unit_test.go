package partiql

import (
	"errors"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
)

// TestPositions checks the positions DynamoDB's translator quotes
// (line:column:length of a token), on the statements whose messages carry
// one in the captured suite: "Unrecognized function: exists at 1:48:6".
func TestPositions(t *testing.T) {
	find := func(s Statement, pred func(Node) bool) Node {
		var got Node
		Walk(s, func(n Node) bool {
			if got == nil && pred(n) {
				got = n
			}
			return got == nil
		})
		return got
	}
	isCall := func(name string) func(Node) bool {
		return func(n Node) bool { c, ok := n.(*Call); return ok && c.Name == name }
	}
	for _, c := range []struct {
		src  string
		pred func(Node) bool
		want string
	}{
		{`SELECT * FROM "Tab" WHERE pk = 'pq-fn-msg' AND EXISTS(ss)`, isCall("exists"), "1:48:6"},
		{`SELECT attribute_exists(ss) FROM "Tab" WHERE pk = 'x'`, isCall("attribute_exists"), "1:8:16"},
		{`UPDATE "Tab" SET t = set_add(ss, <<'x'>>) WHERE pk = 'x'`, isCall("set_add"), "1:22:7"},
		{"SELECT *\r\nFROM \"Tab\"\nWHERE\n  size(a) > 1", isCall("size"), "4:3:4"},
		{`SELECT * FROM "Tab" WHERE 'é☃' = "ünï"(x)`, isCall("ünï"), "1:34:5"},
		{`SELECT * FROM "Tab" WHERE "quoted" = 1`, func(n Node) bool { id, ok := n.(*Ident); return ok && id.Quoted && id.Name == "quoted" }, "1:27:8"},
		{`SELECT * FROM "Tab" WHERE a NOT IN [1]`, func(n Node) bool { _, ok := n.(*In); return ok }, "1:29:6"},
		{`SELECT * FROM "Tab" WHERE a IS NOT MISSING`, func(n Node) bool { _, ok := n.(*Is); return ok }, "1:29:6"},
		{`SELECT * FROM "Tab" WHERE a = ?`, func(n Node) bool { _, ok := n.(*Param); return ok }, "1:31:1"},
		{`SELECT * FROM "Tab" WHERE a.b[2] = 1`, func(n Node) bool { _, ok := n.(*Path); return ok }, "1:27:1"},
	} {
		s, err := Parse(c.src)
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		n := find(s, c.pred)
		if n == nil {
			t.Fatalf("%q: node not found", c.src)
		}
		if got := n.Position().String(); got != c.want {
			t.Errorf("%q: %T at %s, want %s", c.src, n, got, c.want)
		}
	}

	// The table, the index and the statement keyword.
	s, err := Parse(`  select * FROM "Music"."ByArtist"`)
	if err != nil {
		t.Fatal(err)
	}
	sel := s.(*Select)
	if sel.Pos.String() != "1:3:6" || sel.From.Name.Pos.String() != "1:17:7" || sel.From.Index.Pos.String() != "1:25:10" {
		t.Errorf("select %s, table %s, index %s", sel.Pos, sel.From.Name.Pos, sel.From.Index.Pos)
	}
}

// TestErrorType checks that errors are *Error values that carry
// DynamoDB's exception type.
func TestErrorType(t *testing.T) {
	_, err := Parse(`SELECT * FROM "Tab" WHERE`)
	var pe *Error
	if !errors.As(err, &pe) || !pe.Syntax || pe.Detail != "Unexpected term" {
		t.Fatalf("got %#v", err)
	}
	ae := pe.APIError()
	if !errors.Is(ae, apierr.ValidationException) || ae.Message != NotWellFormed+"Unexpected term" {
		t.Errorf("APIError %v", ae)
	}
	if pe.Pos.String() != "1:26:0" {
		t.Errorf("the error is at the end of the statement, not %s", pe.Pos)
	}
	_, err = Parse(`DELETE FROM "Tab" t WHERE pk = 1`)
	if !errors.As(err, &pe) || pe.Syntax || pe.Detail != "" || pe.Message != "Aliasing is not supported" || pe.Pos.String() != "1:19:1" {
		t.Errorf("alias: %#v", err)
	}
}

// TestHelpers covers the planner's accessors.
func TestHelpers(t *testing.T) {
	s, err := Parse(`UPDATE "Music" SET a[1] = ? , b = list_append(b, [?]) WHERE pk = ? AND sk IN [?, ?] RETURNING ALL NEW *`)
	if err != nil {
		t.Fatal(err)
	}
	if got := NumParams(s); got != 5 {
		t.Errorf("NumParams = %d", got)
	}
	for i, p := range Params(s) {
		if p.Index != i {
			t.Errorf("param %d has index %d", i, p.Index)
		}
	}
	u := s.(*Update)
	if TableOf(s).Name.Name != "Music" || TableOf(s).Index != nil || u.Returning.Mode.ReturnValues() != "ALL_NEW" {
		t.Errorf("table %+v, returning %v", TableOf(s), u.Returning)
	}
	root, steps, ok := DocPath(u.Actions[0].Path)
	if !ok || root.Name != "a" || len(steps) != 1 || steps[0].Kind != StepIndex {
		t.Errorf("DocPath: %v %v %v", root, steps, ok)
	}
	if _, _, ok := DocPath(u.Actions[1].Value); ok {
		t.Error("a call is no document path")
	}
	if s.Kind() != KindUpdate || s.Kind().IsRead() || !KindSelect.IsRead() || Kind(0).String() != "INVALID" {
		t.Error("kinds")
	}
	for m, want := range map[ReturnMode]string{ReturnAllOld: "ALL_OLD", ReturnModifiedOld: "UPDATED_OLD", ReturnModifiedNew: "UPDATED_NEW"} {
		if m.ReturnValues() != want {
			t.Errorf("%v: %s", m, m.ReturnValues())
		}
	}

	e, err := Parse(`EXISTS(SELECT * FROM "Music"."Idx" WHERE pk = ?)`)
	if err != nil {
		t.Fatal(err)
	}
	if tb := TableOf(e); tb.Name.Name != "Music" || tb.Index == nil || tb.Index.Name != "Idx" || NumParams(e) != 1 {
		t.Errorf("exists table %+v", tb)
	}

	// Walk visits everything, in source order, and stops where told.
	var names []string
	Walk(s, func(n Node) bool {
		switch n := n.(type) {
		case *Ident:
			names = append(names, n.Name)
		case *Call:
			names = append(names, n.Name+"()")
			return false
		}
		return true
	})
	if got := strings.Join(names, " "); got != "Music a b list_append() pk sk" {
		t.Errorf("walk: %s", got)
	}
}

// TestKeywordsCaseInsensitive runs one statement through every casing of
// its keywords.
func TestKeywordsCaseInsensitive(t *testing.T) {
	base := `SELECT a FROM "Music" WHERE a IS NOT MISSING AND b NOT IN [TRUE, NULL] AND c BETWEEN 1 AND 2 OR NOT d ORDER BY a DESC`
	want, err := Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, variant := range []string{strings.ToLower(base), strings.ToUpper(base)} {
		// Upper-casing also changes the identifiers; compare against the
		// same statement with its names cased the same way.
		got, err := Parse(variant)
		if err != nil {
			t.Fatalf("%q: %v", variant, err)
		}
		if !strings.EqualFold(Dump(got), Dump(want)) {
			t.Errorf("%q:\n got %s\nwant %s", variant, Dump(got), Dump(want))
		}
	}
}

// TestLexMerges checks the multi-word tokens and where they start.
func TestLexMerges(t *testing.T) {
	toks, err := lex("a IS  NOT b not\nin c INSERT INTO all old modified new double precision outer union all")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range toks {
		got = append(got, tk.kind.String()+":"+tk.text+"@"+tk.pos.String())
	}
	want := "IDENTIFIER:a@1:1:1 OPERATOR:is_not@1:3:7 IDENTIFIER:b@1:11:1 OPERATOR:not_in@1:13:6 " +
		"IDENTIFIER:c@2:4:1 KEYWORD:insert_into@2:6:11 KEYWORD:all_old@2:18:7 KEYWORD:modified_new@2:26:12 " +
		"KEYWORD:double_precision@2:39:16 OPERATOR:outer_union_all@2:56:15 EOF:@2:71:0"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("tokens\n got %s\nwant %s", s, want)
	}
}
