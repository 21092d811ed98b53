package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/partiql"
)

// TestPartiQLPlanData runs testdata/partiql_plans.txt: how each SELECT
// runs, as planned (partiql_select.go, partiql_decompose.go).
func TestPartiQLPlanData(t *testing.T) {
	db := newItemsDB(t)
	var music api.CreateTableInput
	if err := json.Unmarshal([]byte(musicTable), &music); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &music); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/partiql_plans.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var text string
	line, cases := 0, 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		switch {
		case s == "" || strings.HasPrefix(s, "#"):
		case strings.HasPrefix(s, "=> "):
			if got, want := planShape(t, db, text), strings.TrimPrefix(s, "=> "); got != want {
				t.Errorf("line %d: %s\n got: %s\nwant: %s", line, text, got, want)
			}
			cases++
		default:
			text = s
		}
	}
	if cases == 0 {
		t.Fatal("no cases")
	}
}

// planShape describes how text's SELECT runs.
func planShape(t *testing.T, db *DB, text string) string {
	sp, err := db.statementPlan(&text)
	if err != nil {
		return errText(err)
	}
	st, ok := sp.st.(*partiql.Select)
	if !ok {
		t.Fatalf("%s: not a SELECT", text)
	}
	tbl, err := db.table(context.Background(), st.From.Name.Name)
	if err != nil {
		return errText(err)
	}
	p := selectPlanFor(sp, &lowerer{}, tbl)
	switch {
	case p.err != nil:
		return errText(p.err)
	case p.branches == nil:
		return "scan"
	case len(p.branches) > 1:
		return fmt.Sprintf("reads %d", len(p.branches))
	case p.index == nil && !p.orderBy && p.branches[0].rangeEq != nil && len(p.branches[0].rest) == 0:
		return "get"
	}
	return "query"
}

func errText(err error) string {
	if e := apierr.As(err); e != nil {
		return string(e.Code) + ": " + e.Message
	}
	return err.Error()
}

// The plan of a statement is made once per table version and shared by
// every call; a new version (the table created again) is planned anew.
func TestPartiQLPlanCacheReuse(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	text := `SELECT * FROM items_range WHERE pk = ? AND sk = ?`
	in := &api.ExecuteStatementInput{Statement: &text}
	for i := range 3 {
		in.Parameters = []attr.Value{s("a"), n(fmt.Sprint(i))}
		if _, err := db.ExecuteStatement(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	sp := db.partiqlPlans.get(text)
	if sp == nil || db.partiqlPlans.len() != 1 {
		t.Fatalf("cache holds %d plans, statement's %v", db.partiqlPlans.len(), sp)
	}
	first := sp.sel.Load()
	if first == nil {
		t.Fatal("no SELECT plan")
	}
	if _, err := db.ExecuteStatement(ctx, in); err != nil || sp.sel.Load() != first {
		t.Fatalf("plan replaced without a schema change (err %v)", err)
	}
	if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr(tblRange)}); err != nil {
		t.Fatal(err)
	}
	mkTable(t, db, tblRange, KeyAttr{"pk", attr.TypeS}, KeyAttr{})
	in.Parameters = []attr.Value{s("a"), n("1")}
	if _, err := db.ExecuteStatement(ctx, in); err != nil {
		t.Fatal(err)
	}
	if p := sp.sel.Load(); p == first || p.rng != "" || p.branches[0].rangeEq != nil {
		t.Fatalf("plan not remade for the new table: %+v", p)
	}
}

// A SELECT read as a Query keeps its lowered trees in the plan, with its
// constants as placeholders, so every call binds new values to the same
// trees and the expression cache holds one plan for them; each call still
// answers with its own values.
func TestPartiQLQueryTreesCached(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	for _, p := range []string{"a", "b"} {
		for i := range 4 {
			put(t, db, tblRange, attr.Item{"pk": s(p), "sk": n(fmt.Sprint(i)), "v": s(p + fmt.Sprint(i%2))})
		}
	}
	text := `SELECT * FROM items_range WHERE pk = ? AND sk >= 1 AND v = ?`
	in := &api.ExecuteStatementInput{Statement: &text}
	before := db.exprs.Len()
	for _, p := range []string{"a", "b", "a"} {
		in.Parameters = []attr.Value{s(p), s(p + "1")}
		out, err := db.ExecuteStatement(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		q, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr(tblRange), KeyConditionExpression: api.Ptr("pk = :p AND sk >= :one"),
			FilterExpression: api.Ptr("v = :v"), ExpressionAttributeValues: attr.Item{":p": s(p), ":one": n("1"), ":v": s(p + "1")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 2 || fmt.Sprint(out.Items) != fmt.Sprint(q.Items) {
			t.Fatalf("pk %s: PartiQL %v, Query %v", p, out.Items, q.Items)
		}
	}
	sel := db.partiqlPlans.get(text).sel.Load()
	if lr := sel.lowered[0].Load(); lr == nil || len(lr.holes) != 3 || lr.trees.CacheKey == "" {
		t.Fatalf("lowered read %+v", lr)
	}
	// The statement's Query added one plan; the native Query another.
	if got := db.exprs.Len() - before; got != 2 {
		t.Errorf("expression cache grew by %d plans, want 2", got)
	}
}
