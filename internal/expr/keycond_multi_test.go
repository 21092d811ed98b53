package expr

import (
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// tournament is the multi-attribute key of AWS's documentation example:
// partition key (tournamentId, region), sort key (round, bracket, matchId).
var tournamentKeys = KeySchema{
	Hash: "tournamentId", Range: "round",
	Hashes: []string{"tournamentId", "region"},
	Ranges: []string{"round", "bracket", "matchId"},
}

func TestMultiKeyCondition(t *testing.T) {
	vals := attr.Item{
		":t": attr.String("W24"), ":r": attr.String("NA"), ":round": attr.String("SEMI"),
		":b": attr.String("UP"), ":b2": attr.String("UQ"), ":m": attr.String("m1"),
	}
	cases := []struct {
		kce  string
		want string // "hash=...|sort=...|range=op name vals" or the error
	}{
		{"tournamentId = :t AND #region = :r", "W24,NA||"},
		{"#region = :r AND tournamentId = :t", "W24,NA||"},
		{"tournamentId = :t AND #region = :r AND round = :round", "W24,NA||1 round SEMI"},
		{"tournamentId = :t AND #region = :r AND round >= :round", "W24,NA||5 round SEMI"},
		{"tournamentId = :t AND #region = :r AND round = :round AND bracket BETWEEN :b AND :b2", "W24,NA|round=SEMI|6 bracket UP,UQ"},
		{"tournamentId = :t AND #region = :r AND round = :round AND begins_with(bracket, :b)", "W24,NA|round=SEMI|7 bracket UP"},
		{"tournamentId = :t AND #region = :r AND round = :round AND bracket = :b AND matchId < :m", "W24,NA|round=SEMI,bracket=UP|2 matchId m1"},
		{":t = tournamentId AND :r = #region AND :round < round", "W24,NA||4 round SEMI"},
		// Errors.
		{"tournamentId = :t", "Query condition missed key schema element: region"},
		{"tournamentId = :t AND round = :round", "Query condition missed key schema element: region"},
		{"tournamentId = :t AND #region > :r", "Query key condition not supported"},
		{"tournamentId = :t AND #region = :r AND bracket = :b", "Query condition missed key schema element: round"},
		{"tournamentId = :t AND #region = :r AND round = :round AND matchId = :m", "Query condition missed key schema element: bracket"},
		{"tournamentId = :t AND #region = :r AND round > :round AND bracket = :b", "Query key condition not supported"},
		{"tournamentId = :t AND #region = :r AND colour = :b", "Query condition missed key schema element: round"},
		{"tournamentId = :t AND #region = :r AND round = :round AND bracket = :b AND matchId = :m AND colour = :b2", "Query key condition not supported"},
		{"tournamentId = :t AND #region = :r OR round = :round", "Invalid operator used in KeyConditionExpression: OR"},
		{"tournamentId = :t AND #region = :r AND round = :round AND round = :b", "KeyConditionExpressions must only contain one condition per key"},
	}
	for _, c := range cases {
		t.Run(c.kce, func(t *testing.T) {
			used := attr.Item{}
			for k, v := range vals {
				if strings.Contains(c.kce, k+" ") || strings.HasSuffix(c.kce, k) || strings.Contains(c.kce, k+")") {
					used[k] = v
				}
			}
			req := &Request{Operation: "Query", KeyConditionExpression: &c.kce, Values: used}
			if strings.Contains(c.kce, "#region") {
				req.Names = map[string]string{"#region": "region"}
			}
			got, err := Compile(req, tournamentKeys)
			if err != nil {
				if err.Error() != c.want && !strings.HasSuffix(err.Error(), c.want) {
					t.Fatalf("error %q, want %q", err, c.want)
				}
				return
			}
			if got.Key == nil || got.Key.Multi == nil {
				t.Fatalf("no multi-attribute key condition")
			}
			if s := describeMulti(got.Key.Multi); s != c.want {
				t.Fatalf("got %q, want %q", s, c.want)
			}
		})
	}
}

func describeMulti(m *MultiKeyCondition) string {
	var hs, ss, rs []string
	for _, v := range m.Hash {
		hs = append(hs, v.S)
	}
	for i, n := range m.SortNames {
		ss = append(ss, n+"="+m.Sort[i].S)
	}
	r := ""
	if m.RangeOp != RangeNone {
		for _, v := range m.RangeValues {
			rs = append(rs, v.S)
		}
		r = string(rune('0'+m.RangeOp)) + " " + m.RangeName + " " + strings.Join(rs, ",")
	}
	return strings.Join(hs, ",") + "|" + strings.Join(ss, ",") + "|" + r
}

func TestMultiKeyConditionLegacyAndCache(t *testing.T) {
	eq := func(v string) api.Condition {
		return api.Condition{ComparisonOperator: api.Ptr("EQ"), AttributeValueList: []attr.Value{attr.String(v)}}
	}
	got, err := Compile(&Request{Operation: "Query", KeyConditions: map[string]api.Condition{
		"tournamentId": eq("W24"), "region": eq("NA"), "round": eq("SEMI"),
	}}, tournamentKeys)
	if err != nil {
		t.Fatal(err)
	}
	if s := describeMulti(got.Key.Multi); s != "W24,NA||1 round SEMI" {
		t.Fatalf("legacy: %q", s)
	}
	_, err = Compile(&Request{Operation: "Query", KeyConditions: map[string]api.Condition{"tournamentId": eq("W24")}}, tournamentKeys)
	if err == nil || !strings.HasSuffix(err.Error(), "Query condition missed key schema element: region") {
		t.Fatalf("legacy missing hash: %v", err)
	}

	// The cache must not hand a single-key plan to a multi-key schema.
	c := NewCache(16)
	kce := "tournamentId = :t"
	req := &Request{Operation: "Query", KeyConditionExpression: &kce, Values: attr.Item{":t": attr.String("x")}}
	if _, err := c.Compile(req, KeySchema{Hash: "tournamentId", Range: "round"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Compile(req, tournamentKeys); err == nil {
		t.Fatal("cached single-key plan reused for a multi-attribute key")
	}

	m := &MultiKeyCondition{HashNames: []string{"a", "b"}, Hash: []attr.Value{attr.String("1"), attr.String("2")},
		SortNames: []string{"c"}, Sort: []attr.Value{attr.String("3")}, RangeName: "d", RangeOp: RangeBeginsWith, RangeValues: []attr.Value{attr.String("x")}}
	if !m.Matches(attr.Item{"a": attr.String("1"), "b": attr.String("2"), "c": attr.String("3"), "d": attr.String("xy")}) {
		t.Fatal("Matches: want true")
	}
	if m.Matches(attr.Item{"a": attr.String("1"), "b": attr.String("2"), "c": attr.String("4"), "d": attr.String("xy")}) {
		t.Fatal("Matches: want false")
	}
}
