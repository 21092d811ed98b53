package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// multiKS builds a multi-attribute KeySchema: hashes, then ranges.
func multiKS(hashes, ranges []string) []types.KeySchemaElement {
	var out []types.KeySchemaElement
	for _, h := range hashes {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(h), KeyType: types.KeyTypeHash})
	}
	for _, r := range ranges {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(r), KeyType: types.KeyTypeRange})
	}
	return out
}

// makeTournament creates AWS's multi-attribute key example: matches keyed
// by matchId, with TournamentRegionIndex partitioned by (tournamentId,
// region) and sorted by (round, bracket, matchId), and a numeric sort
// attribute in DayIndex (player; round, day).
func makeTournament(t *testing.T) *dynamodb.Client {
	t.Helper()
	c := client(t)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("TournamentMatches"),
		KeySchema:            ks("matchId", ""),
		AttributeDefinitions: adefs("matchId", "S", "tournamentId", "S", "region", "S", "round", "S", "bracket", "S", "player", "S", "day", "N"),
		BillingMode:          types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("TournamentRegionIndex"),
				KeySchema:  multiKS([]string{"tournamentId", "region"}, []string{"round", "bracket", "matchId"}),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}},
			{IndexName: aws.String("DayIndex"),
				KeySchema:  multiKS([]string{"player"}, []string{"round", "day"}),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"score"}}},
		},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	waitActive(t, c, "TournamentMatches")
	rows := []struct {
		id, tournament, region, round, bracket, player string
		day                                            int
	}{
		{"m1", "W24", "NA", "FINAL", "UPPER", "ann", 9},
		{"m2", "W24", "NA", "SEMI", "UPPER", "ann", 5},
		{"m3", "W24", "NA", "SEMI", "LOWER", "bob", 4},
		{"m4", "W24", "NA", "SEMI", "LOWER", "bob", 10},
		{"m5", "W24", "EU", "SEMI", "UPPER", "ann", 3},
		{"m6", "W24", "NA", "QUARTER", "UPPER", "ann", 1},
		{"m7", "W24", "NA", "SEMI", "", "ann", 2}, // no bracket: sparse in TournamentRegionIndex
	}
	for _, r := range rows {
		it := item{"matchId": S(r.id), "tournamentId": S(r.tournament), "region": S(r.region), "round": S(r.round),
			"player": S(r.player), "day": N(fmt.Sprint(r.day)), "score": N("1"), "notes": S("x")}
		if r.bracket != "" {
			it["bracket"] = S(r.bracket)
		}
		put(t, c, "TournamentMatches", it)
	}
	return c
}

func ids(items []item) string {
	var out []string
	for _, it := range items {
		out = append(out, it["matchId"].(*types.AttributeValueMemberS).Value)
	}
	return strings.Join(out, ",")
}

func TestMultiAttributeGSIDescribe(t *testing.T) {
	c := makeTournament(t)
	out, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("TournamentMatches")})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range out.Table.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) != "TournamentRegionIndex" {
			continue
		}
		var got []string
		for _, k := range g.KeySchema {
			got = append(got, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
		}
		if s := strings.Join(got, ","); s != "tournamentId:HASH,region:HASH,round:RANGE,bracket:RANGE,matchId:RANGE" {
			t.Fatalf("KeySchema %s", s)
		}
		if aws.ToInt64(g.ItemCount) != 6 {
			t.Errorf("ItemCount %d, want 6 (m7 has no bracket)", aws.ToInt64(g.ItemCount))
		}
		return
	}
	t.Fatal("TournamentRegionIndex not described")
}

func TestMultiAttributeGSIQuery(t *testing.T) {
	c := makeTournament(t)
	ctx := context.Background()
	names := map[string]string{"#region": "region", "#round": "round", "#day": "day"}
	vals := item{":t": S("W24"), ":r": S("NA"), ":round": S("SEMI"), ":b": S("LOWER"), ":m": S("m4"),
		":p": S("ann"), ":d1": N("3"), ":d2": N("9"), ":pre": S("S")}
	tests := []struct {
		index, kce string
		forward    bool
		want       string
	}{
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r", true, "m1,m6,m3,m4,m2"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r", false, "m2,m4,m3,m6,m1"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND #round = :round", true, "m3,m4,m2"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND #round = :round AND bracket = :b", true, "m3,m4"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND #round = :round AND bracket = :b AND matchId >= :m", true, "m4"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND #round >= :round", true, "m3,m4,m2"},
		{"TournamentRegionIndex", "tournamentId = :t AND #region = :r AND begins_with(#round, :pre)", true, "m3,m4,m2"},
		{"DayIndex", "player = :p AND #round = :round AND #day BETWEEN :d1 AND :d2", true, "m5,m2"},
		{"DayIndex", "player = :p AND #round = :round", false, "m2,m5,m7"},
	}
	for _, tc := range tests {
		t.Run(tc.kce, func(t *testing.T) {
			n, v := map[string]string{}, item{}
			for k, x := range names {
				if strings.Contains(tc.kce, k) {
					n[k] = x
				}
			}
			for k, x := range vals {
				if strings.Contains(tc.kce+" ", k+" ") || strings.Contains(tc.kce, k+")") {
					v[k] = x
				}
			}
			out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("TournamentMatches"), IndexName: aws.String(tc.index),
				KeyConditionExpression: aws.String(tc.kce), ExpressionAttributeNames: n, ExpressionAttributeValues: v,
				ScanIndexForward: aws.Bool(tc.forward)})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(out.Items); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if tc.index == "DayIndex" {
				for _, it := range out.Items {
					if _, ok := it["notes"]; ok || it["score"] == nil {
						t.Fatalf("INCLUDE projection: %v", showItem(it))
					}
				}
			}
		})
	}

	// The paginator walks a multi-attribute partition one item a page.
	p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{TableName: aws.String("TournamentMatches"), IndexName: aws.String("TournamentRegionIndex"),
		KeyConditionExpression:    aws.String("tournamentId = :t AND #region = :r"),
		ExpressionAttributeNames:  map[string]string{"#region": "region"},
		ExpressionAttributeValues: item{":t": S("W24"), ":r": S("NA")}, Limit: aws.Int32(2)})
	var all []item
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Items...)
	}
	if got := ids(all); got != "m1,m6,m3,m4,m2" {
		t.Fatalf("paginated %s", got)
	}
}

func TestMultiAttributeGSIErrors(t *testing.T) {
	c := makeTournament(t)
	ctx := context.Background()
	q := func(kce string, v item) error {
		_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("TournamentMatches"), IndexName: aws.String("TournamentRegionIndex"),
			KeyConditionExpression: aws.String(kce), ExpressionAttributeNames: map[string]string{"#region": "region"}, ExpressionAttributeValues: v})
		return err
	}
	wantAPIError(t, q("tournamentId = :t AND #region = :r OR bracket = :b", item{":t": S("W24"), ":r": S("NA"), ":b": S("x")}),
		"ValidationException", "Invalid operator used in KeyConditionExpression: OR")
	wantAPIError(t, q("tournamentId = :t AND #region = :r AND bracket = :b", item{":t": S("W24"), ":r": S("NA"), ":b": S("x")}),
		"ValidationException", "Query condition missed key schema element: round")
	wantAPIError(t, q("tournamentId = :t AND #region = :r", item{":t": S("W24"), ":r": N("1")}),
		"ValidationException", "One or more parameter values were invalid: Condition parameter type does not match schema type")
	wantAPIError(t, q("tournamentId = :t AND contains(#region, :r)", item{":t": S("W24"), ":r": S("NA")}),
		"ValidationException", "Invalid operator used in KeyConditionExpression: contains")

	// Writes check every key attribute's type; an item missing one is simply
	// not indexed.
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("TournamentMatches"),
		Item: item{"matchId": S("bad"), "region": N("1")}})
	wantAPIError(t, err, "ValidationException",
		"One or more parameter values were invalid: Type mismatch for Index Key region Expected: S Actual: N IndexName: TournamentRegionIndex")

	// An LSI may not have a multi-attribute key: its key schema is bounded
	// at two elements, as the table's is.
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("LsiMulti"),
		KeySchema: ks("pk", "sk"), AttributeDefinitions: adefs("pk", "S", "sk", "S", "a", "S", "b", "S"),
		BillingMode: types.BillingModePayPerRequest,
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("LsiIdx"),
			KeySchema: multiKS([]string{"pk"}, []string{"a", "b"}), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}})
	wantAPIError(t, err, "ValidationException",
		"1 validation error detected: Value '[KeySchemaElement(attributeName=pk, keyType=HASH), KeySchemaElement(attributeName=a, keyType=RANGE), KeySchemaElement(attributeName=b, keyType=RANGE)]' at 'localSecondaryIndexes.1.member.keySchema' failed to satisfy constraint: Member must have length less than or equal to 2")
}

// TestMultiAttributeGSIOnline adds a multi-attribute GSI through
// UpdateTable to a table that already has items.
func TestMultiAttributeGSIOnline(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Readings", hashS)
	for i := range 12 {
		put(t, c, "Readings", item{"pk": S(fmt.Sprint("r", i)), "device": S(fmt.Sprint("d", i%2)), "site": S("s1"),
			"year": N(fmt.Sprint(2020 + i%3)), "month": N(fmt.Sprint(12 - i))})
	}
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Readings"),
		AttributeDefinitions: adefs("device", "S", "site", "S", "year", "N", "month", "N"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("DeviceTime"), KeySchema: multiKS([]string{"device", "site"}, []string{"year", "month"}),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var out *dynamodb.QueryOutput
	for range 500 {
		out, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("Readings"), IndexName: aws.String("DeviceTime"),
			KeyConditionExpression:    aws.String("device = :d AND site = :s AND #y = :y AND #m > :m"),
			ExpressionAttributeNames:  map[string]string{"#y": "year", "#m": "month"},
			ExpressionAttributeValues: item{":d": S("d0"), ":s": S("s1"), ":y": N("2020"), ":m": N("1")}})
		if err == nil || !strings.Contains(err.Error(), "backfilling") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	// d0: i = 0, 2, ..., 10; year 2020 for i%3 == 0: i = 0, 6 → months 12, 6.
	var got []string
	for _, it := range out.Items {
		got = append(got, it["pk"].(*types.AttributeValueMemberS).Value)
	}
	if s := strings.Join(got, ","); s != "r6,r0" {
		t.Fatalf("got %s, want r6,r0 (month ascending)", s)
	}
}
