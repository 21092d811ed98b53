package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

const (
	msgGenreType = "One or more parameter values were invalid: Type mismatch for Index Key Genre Expected: S Actual: N IndexName: GenreYearIndex"
	msgYearType  = "One or more parameter values were invalid: Type mismatch for Index Key Year Expected: N Actual: S IndexName: GenreYearIndex"
)

func TestUpdateItemIndexKeyChecks(t *testing.T) {
	needExpr(t)
	db := newMusicDB(t)
	ctx := context.Background()
	key := attr.Item{"Artist": s("Beatles"), "Song": s("Help")}
	put(t, db, "Music", attr.Item{"Artist": s("Beatles"), "Song": s("Help"), "Genre": s("Rock"), "Plays": n("3"),
		"Info": attr.Map(attr.Item{"x": s("y")}), "Blank": s("")})
	tests := []struct {
		name string
		in   api.UpdateItemInput
		msg  string
	}{
		{"SET value", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Genre = :v"), ExpressionAttributeValues: attr.Item{":v": n("1")}}, msgGenreType},
		{"ADD number", api.UpdateItemInput{UpdateExpression: api.Ptr("ADD Genre :v"), ExpressionAttributeValues: attr.Item{":v": n("1")}}, msgGenreType},
		{"arithmetic", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Extra = Genre[1], Genre = Plays + :v"), ExpressionAttributeValues: attr.Item{":v": n("1")}}, msgGenreType},
		{"list_append", api.UpdateItemInput{UpdateExpression: api.Ptr("SET #y = list_append(:l, :l)"), ExpressionAttributeNames: map[string]string{"#y": "Year"},
			ExpressionAttributeValues: attr.Item{":l": attr.List()}},
			"One or more parameter values were invalid: Type mismatch for Index Key Year Expected: N Actual: L IndexName: GenreYearIndex"},
		{"legacy PUT", api.UpdateItemInput{AttributeUpdates: map[string]api.AttributeValueUpdate{"Year": {Value: &attr.Value{Type: attr.TypeS, S: "x"}}}}, msgYearType},
		{"type before nested path", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Info.a = Plays ADD Genre :v"), ExpressionAttributeValues: attr.Item{":v": n("1")}}, msgGenreType},
		{"nested target", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Genre.a = :v"), ExpressionAttributeValues: attr.Item{":v": n("1")}},
			"Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: Genre"},
		{"nested operand", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Extra = Album[1]")},
			"Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: Album"},
		{"empty value", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Album = :e"), ExpressionAttributeValues: attr.Item{":e": s("")}},
			"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: AlbumIndex, IndexKey: Album"},
		{"value from the item", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Genre = Plays")}, msgUpdateIndexType},
		{"value from the item, if_not_exists", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Album = if_not_exists(Album, :v)"), ExpressionAttributeValues: attr.Item{":v": n("1")}}, msgUpdateIndexType},
		{"hash key too long", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Album = :v"), ExpressionAttributeValues: attr.Item{":v": s(strings.Repeat("a", 2049))}}, msgHashKeySize},
		// Static checks come before the condition.
		{"before the condition", api.UpdateItemInput{UpdateExpression: api.Ptr("SET Genre = :v"), ConditionExpression: api.Ptr("attribute_not_exists(Artist)"),
			ExpressionAttributeValues: attr.Item{":v": n("1")}}, msgGenreType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.TableName, in.Key = api.Ptr("Music"), key
			_, err := db.UpdateItem(ctx, &in)
			checkErr(t, err, apierr.ValidationException, tc.msg)
		})
	}
	// The empty string the item holds, copied into a key: the write's rule.
	_, err := db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr("Music"), Key: key, UpdateExpression: api.Ptr("SET Album = Blank")})
	checkErr(t, err, apierr.ValidationException,
		"One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: AlbumIndex, IndexKey: Album")
	// A runtime type error is still reported after a failing condition.
	_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr("Music"), Key: key, UpdateExpression: api.Ptr("SET Genre = Plays"),
		ConditionExpression: api.Ptr("attribute_not_exists(Artist)")})
	checkErr(t, err, apierr.ConditionalCheckFailedException, "The conditional request failed")
	if got := get(t, db, "Music", key); got["Genre"].S != "Rock" {
		t.Fatalf("item changed: %v", got)
	}
	checkClean(t, db)
}

func TestIndexKeyChecksBeforeCondition(t *testing.T) {
	needExpr(t)
	db := newMusicDB(t)
	ctx := context.Background()
	put(t, db, "Music", song("Beatles", "Help", "Rock", 1965, ""))
	bad := song("Beatles", "Help", "", 1965, "")
	bad["Genre"] = n("1")
	_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"), Item: bad, ConditionExpression: api.Ptr("attribute_not_exists(Artist)")})
	checkErr(t, err, apierr.ValidationException, msgGenreType)

	_, err = db.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"Music": {
		{PutRequest: &api.PutRequest{Item: song("Kinks", "Lola", "Rock", 1970, "")}},
		{PutRequest: &api.PutRequest{Item: bad}}}}})
	checkErr(t, err, apierr.ValidationException, msgGenreType)
	if get(t, db, "Music", attr.Item{"Artist": s("Kinks"), "Song": s("Lola")}) != nil {
		t.Fatal("a refused batch wrote")
	}
	checkClean(t, db)
}

func TestIndexKeySizeLimits(t *testing.T) {
	needExpr(t)
	ctx := context.Background()
	music := newMusicDB(t)
	long := func(n int) attr.Value { return s(strings.Repeat("a", n)) }
	_, err := music.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Music"),
		Item: attr.Item{"Artist": s("a"), "Song": s("b"), "Album": long(2049)}})
	checkErr(t, err, apierr.ValidationException, msgHashKeySize)
	put(t, music, "Music", attr.Item{"Artist": s("a"), "Song": s("b"), "Album": long(2048)})

	matches := newMatchesDB(t)
	tests := []struct {
		name string
		item attr.Item
		msg  string
	}{
		{"sort key attributes summed", attr.Item{"matchId": s("m"), "tournamentId": s("t"), "region": s("r"), "round": long(600), "bracket": long(425)}, msgRangeKeySize},
		{"partition key attributes summed", attr.Item{"matchId": s("m"), "tournamentId": long(1100), "region": long(949), "round": s("r"), "bracket": s("b")}, msgHashKeySize},
		{"at the limits", attr.Item{"matchId": s("m"), "tournamentId": long(1100), "region": long(948), "round": long(600), "bracket": long(423)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := matches.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("Matches"), Item: tc.item})
			if tc.msg == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			checkErr(t, err, apierr.ValidationException, tc.msg)
		})
	}
	checkClean(t, music)
	checkClean(t, matches)
}
