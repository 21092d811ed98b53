package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// matchesTable is AWS's multi-attribute key example: a GSI partitioned by
// (tournamentId, region) and sorted by (round, bracket, matchId), plus a
// GSI with a numeric second sort attribute.
const matchesTable = `{"TableName": "Matches",
 "KeySchema": [{"AttributeName": "matchId", "KeyType": "HASH"}],
 "AttributeDefinitions": [{"AttributeName": "matchId", "AttributeType": "S"},
   {"AttributeName": "tournamentId", "AttributeType": "S"}, {"AttributeName": "region", "AttributeType": "S"},
   {"AttributeName": "round", "AttributeType": "S"}, {"AttributeName": "bracket", "AttributeType": "S"},
   {"AttributeName": "player", "AttributeType": "S"}, {"AttributeName": "day", "AttributeType": "N"}],
 "BillingMode": "PAY_PER_REQUEST",
 "GlobalSecondaryIndexes": [
   {"IndexName": "TournamentRegionIndex", "KeySchema": [
      {"AttributeName": "tournamentId", "KeyType": "HASH"}, {"AttributeName": "region", "KeyType": "HASH"},
      {"AttributeName": "round", "KeyType": "RANGE"}, {"AttributeName": "bracket", "KeyType": "RANGE"}, {"AttributeName": "matchId", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "ALL"}},
   {"IndexName": "PlayerDayIndex", "KeySchema": [
      {"AttributeName": "player", "KeyType": "HASH"}, {"AttributeName": "round", "KeyType": "RANGE"}, {"AttributeName": "day", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"}}]}`

func newMatchesDB(t *testing.T) *DB {
	t.Helper()
	db, _ := newTablesDB(t)
	var in api.CreateTableInput
	if err := json.Unmarshal([]byte(matchesTable), &in); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTable(context.Background(), &in); err != nil {
		t.Fatal(err)
	}
	return db
}

func match(id, tournament, region, round, bracket, player string, day int) attr.Item {
	it := attr.Item{"matchId": s(id)}
	for k, v := range map[string]string{"tournamentId": tournament, "region": region, "round": round, "bracket": bracket, "player": player} {
		if v != "" {
			it[k] = s(v)
		}
	}
	if day != 0 {
		it["day"] = n(fmt.Sprint(day))
	}
	return it
}

func matchIDs(items []attr.Item) string {
	var out []string
	for _, it := range items {
		out = append(out, it["matchId"].S)
	}
	return strings.Join(out, ",")
}

func TestMultiAttributeIndexQuery(t *testing.T) {
	needExpr(t)
	db := newMatchesDB(t)
	ctx := context.Background()
	for _, it := range []attr.Item{
		match("m1", "W24", "NA", "FINAL", "UPPER", "ann", 9),
		match("m2", "W24", "NA", "SEMI", "UPPER", "ann", 5),
		match("m3", "W24", "NA", "SEMI", "LOWER", "bob", 4),
		match("m4", "W24", "NA", "SEMI", "LOWER", "bob", 10),
		match("m5", "W24", "EU", "SEMI", "UPPER", "ann", 3),
		match("m6", "W24", "NA", "QUARTER", "UPPER", "ann", 1),
		match("m7", "W24", "NA", "SEMI", "", "ann", 2), // no bracket: not in TournamentRegionIndex
		match("m8", "W24", "", "SEMI", "UPPER", "", 0), // no region nor player: in neither
	} {
		put(t, db, "Matches", it)
	}
	checkClean(t, db)
	vals := attr.Item{":t": s("W24"), ":r": s("NA"), ":round": s("SEMI"), ":b": s("LOWER"),
		":m": s("m4"), ":p": s("ann"), ":d": n("3"), ":d2": n("9"), ":pre": s("S")}
	tests := []struct {
		index, kce string
		forward    bool
		want       string
	}{
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r", true, "m1,m6,m3,m4,m2"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r", false, "m2,m4,m3,m6,m1"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND round = :round", true, "m3,m4,m2"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND round = :round AND bracket = :b", true, "m3,m4"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND round = :round AND bracket = :b AND matchId < :m", true, "m3"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND round = :round AND bracket > :b", true, "m2"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND round >= :round", true, "m3,m4,m2"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND round < :round", true, "m1,m6"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND begins_with(round, :pre)", true, "m3,m4,m2"},
		{"PlayerDayIndex", "player = :p AND round = :round AND #day BETWEEN :d AND :d2", true, "m5,m2"},
		{"PlayerDayIndex", "player = :p AND round = :round", true, "m7,m5,m2"},
		{"PlayerDayIndex", "player = :p", true, "m1,m6,m7,m5,m2"},
	}
	for _, tc := range tests {
		t.Run(tc.index+" "+tc.kce, func(t *testing.T) {
			used := attr.Item{}
			for k, v := range vals {
				if strings.Contains(tc.kce+" ", k+" ") || strings.Contains(tc.kce, k+")") {
					used[k] = v
				}
			}
			names := map[string]string{}
			if strings.Contains(tc.kce, "#region") {
				names["#region"] = "region"
			}
			if strings.Contains(tc.kce, "#day") {
				names["#day"] = "day"
			}
			if len(names) == 0 {
				names = nil
			}
			out, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr("Matches"), IndexName: api.Ptr(tc.index),
				KeyConditionExpression: api.Ptr(tc.kce), ExpressionAttributeNames: names, ExpressionAttributeValues: used,
				ScanIndexForward: api.Ptr(tc.forward)})
			if err != nil {
				t.Fatal(err)
			}
			if got := matchIDs(out.Items); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}

	// Scan of a multi-attribute index: only items with every key attribute.
	sc, err := db.Scan(ctx, &api.ScanInput{TableName: api.Ptr("Matches"), IndexName: api.Ptr("TournamentRegionIndex")})
	if err != nil {
		t.Fatal(err)
	}
	if api.Int(sc.Count, 0) != 6 {
		t.Fatalf("Scan Count %d, want 6", api.Int(sc.Count, 0))
	}

	// Pagination through a multi-attribute key.
	var got []string
	var esk attr.Item
	for range 10 {
		out, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr("Matches"), IndexName: api.Ptr("TournamentRegionIndex"),
			KeyConditionExpression:    api.Ptr("tournamentId = :t AND #region = :r AND round = :round"),
			ExpressionAttributeNames:  map[string]string{"#region": "region"},
			ExpressionAttributeValues: attr.Item{":t": s("W24"), ":r": s("NA"), ":round": s("SEMI")},
			Limit:                     api.Ptr[int64](1), ExclusiveStartKey: esk})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, matchIDs(out.Items))
		if esk = out.LastEvaluatedKey; esk == nil {
			break
		}
		if len(esk) != 5 { // matchId, tournamentId, region, round, bracket
			t.Fatalf("LastEvaluatedKey %v", esk)
		}
	}
	if s := strings.Join(got, ","); s != "m3,m4,m2," && s != "m3,m4,m2" {
		t.Fatalf("pages %q", s)
	}

	// An update that removes a key attribute drops the entry (sparse).
	if _, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr("Matches"), Key: attr.Item{"matchId": s("m3")},
		UpdateExpression: api.Ptr("REMOVE bracket")}); err != nil {
		t.Fatal(err)
	}
	checkClean(t, db)
}

func TestMultiAttributeIndexErrors(t *testing.T) {
	needExpr(t)
	db := newMatchesDB(t)
	ctx := context.Background()
	q := func(kce string, vals attr.Item) error {
		_, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr("Matches"), IndexName: api.Ptr("TournamentRegionIndex"),
			KeyConditionExpression: api.Ptr(kce), ExpressionAttributeNames: map[string]string{"#region": "region"},
			ExpressionAttributeValues: vals})
		return err
	}
	checkErr(t, q("tournamentId = :t AND #region = :r AND round = :round", attr.Item{":t": s("x"), ":r": n("1"), ":round": s("x")}),
		apierr.ValidationException, "One or more parameter values were invalid: Condition parameter type does not match schema type")
	checkErr(t, q("tournamentId = :t AND #region = :r AND round = :round AND bracket BETWEEN :b AND :a", attr.Item{":t": s("x"), ":r": s("y"), ":round": s("z"), ":b": s("b"), ":a": s("a")}),
		apierr.ValidationException, "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}")
	checkErr(t, q("tournamentId = :t AND #region = :r AND bracket = :b", attr.Item{":t": s("x"), ":r": s("y"), ":b": s("z")}),
		apierr.ValidationException, "Query condition missed key schema element: round")
	checkErr(t, q("tournamentId = :t AND #region = :r", attr.Item{":t": s("x"), ":r": s("")}),
		apierr.ValidationException, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: region")

	// Writes: each key attribute's type is checked.
	_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Matches"), Item: attr.Item{"matchId": s("x"), "day": s("Monday")}})
	checkErr(t, err, apierr.ValidationException,
		"One or more parameter values were invalid: Type mismatch for Index Key day Expected: N Actual: S IndexName: PlayerDayIndex")
}

func TestMultiAttributeKeySchemaValidation(t *testing.T) {
	db, _ := newTablesDB(t)
	ctx := context.Background()
	mk := func(global bool, ks ...string) *api.CreateTableInput {
		in := &api.CreateTableInput{TableName: api.Ptr("TTT"), BillingMode: api.Ptr(api.BillingModePayPerRequest),
			KeySchema:            []api.KeySchemaElement{{AttributeName: api.Ptr("pk"), KeyType: api.Ptr("HASH")}, {AttributeName: api.Ptr("sk"), KeyType: api.Ptr("RANGE")}},
			AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("pk"), AttributeType: api.Ptr("S")}, {AttributeName: api.Ptr("sk"), AttributeType: api.Ptr("S")}}}
		var schema []api.KeySchemaElement
		for _, e := range ks {
			name, typ, _ := strings.Cut(e, ":")
			schema = append(schema, api.KeySchemaElement{AttributeName: api.Ptr(name), KeyType: api.Ptr(typ)})
			if name != "pk" && name != "sk" && !strings.Contains(fmt.Sprint(in.AttributeDefinitions), name+" ") {
				found := false
				for _, d := range in.AttributeDefinitions {
					found = found || *d.AttributeName == name
				}
				if !found {
					in.AttributeDefinitions = append(in.AttributeDefinitions, api.AttributeDefinition{AttributeName: api.Ptr(name), AttributeType: api.Ptr("S")})
				}
			}
		}
		p := &api.Projection{ProjectionType: api.Ptr("ALL")}
		if global {
			in.GlobalSecondaryIndexes = []api.GlobalSecondaryIndex{{IndexName: api.Ptr("Idx"), KeySchema: schema, Projection: p}}
		} else {
			in.LocalSecondaryIndexes = []api.LocalSecondaryIndex{{IndexName: api.Ptr("Idx"), KeySchema: schema, Projection: p}}
		}
		return in
	}
	tests := []struct {
		name string
		in   *api.CreateTableInput
		msg  string // "" when accepted
	}{
		{"two hashes", mk(true, "a:HASH", "b:HASH"), ""},
		{"four and four", mk(true, "a:HASH", "b:HASH", "c:HASH", "d:HASH", "e:RANGE", "f:RANGE", "g:RANGE", "h:RANGE"), ""},
		{"one hash four ranges", mk(true, "a:HASH", "e:RANGE", "f:RANGE", "g:RANGE", "h:RANGE"), ""},
		{"five hashes", mk(true, "a:HASH", "b:HASH", "c:HASH", "d:HASH", "e:HASH"), "Invalid KeySchema: The number of HASH key type KeySchemaElements exceeds the limit of 4"},
		{"five ranges", mk(true, "a:HASH", "e:RANGE", "f:RANGE", "g:RANGE", "h:RANGE", "i:RANGE"), "Invalid KeySchema: The number of RANGE key type KeySchemaElements exceeds the limit of 4"},
		{"range first", mk(true, "e:RANGE", "a:HASH", "b:HASH"), "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"hash after range", mk(true, "a:HASH", "e:RANGE", "b:HASH"), "Invalid KeySchema: A HASH key type KeySchemaElement cannot follow a RANGE key type KeySchemaElement"},
		{"duplicate", mk(true, "a:HASH", "e:RANGE", "a:RANGE"), "Invalid KeySchema: Duplicate KeySchemaElement attribute name: a"},
		{"LSI", mk(false, "pk:HASH", "e:RANGE", "f:RANGE"), "1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=e, keyType=RANGE), KeySchemaElement(attributeName=f, keyType=RANGE)]' at 'localSecondaryIndexes.1.member.keySchema' failed to satisfy constraint: Member must have length less than or equal to 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.CreateTable(ctx, tc.in)
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				d := mustDescribe(t, db, "TTT")
				if got, want := len(d.GlobalSecondaryIndexes[0].KeySchema), len(tc.in.GlobalSecondaryIndexes[0].KeySchema); got != want {
					t.Fatalf("described %d key elements, want %d", got, want)
				}
				if _, err := db.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("TTT")}); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantAPIErr(t, err, apierr.ValidationException, tc.msg)
		})
	}
}

// TestMultiAttributeIndexBackfill adds a multi-attribute GSI to a table
// that has items, through UpdateTable.
func TestMultiAttributeIndexBackfill(t *testing.T) {
	needExpr(t)
	db, _ := newTablesDB(t)
	ctx := context.Background()
	mustCreate(t, db, &api.CreateTableInput{TableName: api.Ptr("BBB"), BillingMode: api.Ptr(api.BillingModePayPerRequest),
		KeySchema:            []api.KeySchemaElement{{AttributeName: api.Ptr("id"), KeyType: api.Ptr("HASH")}},
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("id"), AttributeType: api.Ptr("S")}}})
	for i := range 5 {
		put(t, db, "BBB", attr.Item{"id": s(fmt.Sprint(i)), "a": s("x"), "b": n(fmt.Sprint(i % 2)), "c": n(fmt.Sprint(10 - i))})
	}
	_, err := db.UpdateTable(ctx, &api.UpdateTableInput{TableName: api.Ptr("BBB"),
		AttributeDefinitions: []api.AttributeDefinition{{AttributeName: api.Ptr("a"), AttributeType: api.Ptr("S")},
			{AttributeName: api.Ptr("b"), AttributeType: api.Ptr("N")}, {AttributeName: api.Ptr("c"), AttributeType: api.Ptr("N")}},
		GlobalSecondaryIndexUpdates: []api.GlobalSecondaryIndexUpdate{{Create: &api.CreateGlobalSecondaryIndexAction{
			IndexName: api.Ptr("ABC"), Projection: &api.Projection{ProjectionType: api.Ptr("KEYS_ONLY")},
			KeySchema: []api.KeySchemaElement{{AttributeName: api.Ptr("a"), KeyType: api.Ptr("HASH")}, {AttributeName: api.Ptr("b"), KeyType: api.Ptr("HASH")},
				{AttributeName: api.Ptr("c"), KeyType: api.Ptr("RANGE")}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	waitIndexes(t, db, "BBB")
	out, err := db.Query(ctx, &api.QueryInput{TableName: api.Ptr("BBB"), IndexName: api.Ptr("ABC"),
		KeyConditionExpression:    api.Ptr("a = :a AND b = :b"),
		ExpressionAttributeValues: attr.Item{":a": s("x"), ":b": n("0")}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range out.Items {
		ids = append(ids, it["id"].S)
	}
	if got := strings.Join(ids, ","); got != "4,2,0" {
		t.Fatalf("got %s, want 4,2,0 (c ascending)", got)
	}
	checkClean(t, db)
}
