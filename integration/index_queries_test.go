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

func ks(hash, rng string) []types.KeySchemaElement {
	out := []types.KeySchemaElement{{AttributeName: aws.String(hash), KeyType: types.KeyTypeHash}}
	if rng != "" {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(rng), KeyType: types.KeyTypeRange})
	}
	return out
}

func adefs(pairs ...string) []types.AttributeDefinition {
	var out []types.AttributeDefinition
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, types.AttributeDefinition{AttributeName: aws.String(pairs[i]), AttributeType: types.ScalarAttributeType(pairs[i+1])})
	}
	return out
}

// musicInput is seed 002's MusicCollection: GenreYearIndex (GSI, ALL) and
// ArtistYearIndex (LSI, KEYS_ONLY), provisioned.
func musicInput() *dynamodb.CreateTableInput {
	pt := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	return &dynamodb.CreateTableInput{
		TableName:             aws.String("MusicCollection"),
		KeySchema:             ks("Artist", "Song"),
		AttributeDefinitions:  adefs("Artist", "S", "Song", "S", "Genre", "S", "Year", "N"),
		ProvisionedThroughput: pt,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("GenreYearIndex"), KeySchema: ks("Genre", "Year"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}, ProvisionedThroughput: pt}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("ArtistYearIndex"), KeySchema: ks("Artist", "Year"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	}
}

func makeMusic(t *testing.T) *dynamodb.Client {
	t.Helper()
	c := client(t)
	out, err := c.CreateTable(context.Background(), musicInput())
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	if st := out.TableDescription.GlobalSecondaryIndexes[0].IndexStatus; st != types.IndexStatusCreating {
		t.Errorf("CreateTable GSI status = %s", st)
	}
	waitActive(t, c, "MusicCollection")
	for i := 1; i <= 25; i++ {
		put(t, c, "MusicCollection", item{"Artist": S("The Beatles"), "Song": S(fmt.Sprintf("Song %02d", i)), "Album": S("Album 1"), "Genre": S("Rock"), "Year": N(fmt.Sprint(1968 + i))})
	}
	put(t, c, "MusicCollection", item{"Artist": S("The Beatles"), "Song": S("Hey Jude"), "Album": S("The White Album"), "Genre": S("Rock"), "Year": N("1968")})
	put(t, c, "MusicCollection", item{"Artist": S("Miles Davis"), "Song": S("So What"), "Genre": S("Jazz"), "Year": N("1959")})
	put(t, c, "MusicCollection", item{"Artist": S("Unknown"), "Song": S("No genre")})
	return c
}

func TestIndexDescribe(t *testing.T) {
	c := makeMusic(t)
	d, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("MusicCollection")})
	if err != nil {
		t.Fatal(err)
	}
	g := d.Table.GlobalSecondaryIndexes[0]
	if g.IndexStatus != types.IndexStatusActive || aws.ToString(g.IndexArn) != "arn:aws:dynamodb:us-east-1:000000000000:table/MusicCollection/index/GenreYearIndex" ||
		aws.ToInt64(g.ItemCount) != 27 || aws.ToInt64(g.ProvisionedThroughput.ReadCapacityUnits) != 5 {
		t.Errorf("GSI description: %s %s items=%d", g.IndexStatus, aws.ToString(g.IndexArn), aws.ToInt64(g.ItemCount))
	}
	l := d.Table.LocalSecondaryIndexes[0]
	if aws.ToString(l.IndexName) != "ArtistYearIndex" || aws.ToInt64(l.ItemCount) != 27 || l.Projection.ProjectionType != types.ProjectionTypeKeysOnly {
		t.Errorf("LSI description: %+v", l)
	}
}

func TestIndexQueries(t *testing.T) {
	c := makeMusic(t)
	ctx := context.Background()
	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("MusicCollection"), IndexName: aws.String("GenreYearIndex"),
		KeyConditionExpression: aws.String("Genre = :g"), ExpressionAttributeValues: item{":g": S("Rock")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 26 || sval(t, out.Items[0]["Song"]) != "Hey Jude" || sval(t, out.Items[0]["Album"]) != "The White Album" {
		t.Fatalf("GSI query: %d items, first %v", len(out.Items), out.Items[0])
	}
	for i := 1; i < len(out.Items); i++ {
		if nval(t, out.Items[i]["Year"]) <= nval(t, out.Items[i-1]["Year"]) && len(nval(t, out.Items[i]["Year"])) == 4 {
			t.Fatalf("GSI query not in Year order at %d", i)
		}
	}
	// LSI, KEYS_ONLY: table and index keys only; ALL_ATTRIBUTES fetches.
	lsi := &dynamodb.QueryInput{TableName: aws.String("MusicCollection"), IndexName: aws.String("ArtistYearIndex"),
		KeyConditionExpression:    aws.String("Artist = :a AND #y >= :y"),
		ExpressionAttributeNames:  map[string]string{"#y": "Year"},
		ExpressionAttributeValues: item{":a": S("The Beatles"), ":y": N("1990")}}
	out, err = c.Query(ctx, lsi)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 4 || len(out.Items[0]) != 3 {
		t.Fatalf("LSI query: %v", out.Items)
	}
	lsi.Select = types.SelectAllAttributes
	out, err = c.Query(ctx, lsi)
	if err != nil || sval(t, out.Items[0]["Album"]) != "Album 1" {
		t.Fatalf("LSI ALL_ATTRIBUTES: %v %v", out, err)
	}
	// Pagination with a LastEvaluatedKey carrying table and index keys.
	var all []string
	p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{TableName: aws.String("MusicCollection"), IndexName: aws.String("GenreYearIndex"),
		KeyConditionExpression: aws.String("Genre = :g"), ExpressionAttributeValues: item{":g": S("Rock")}, Limit: aws.Int32(7), ScanIndexForward: aws.Bool(false)})
	pages := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if page.LastEvaluatedKey != nil && len(page.LastEvaluatedKey) != 4 {
			t.Fatalf("LastEvaluatedKey %v", page.LastEvaluatedKey)
		}
		for _, it := range page.Items {
			all = append(all, sval(t, it["Song"]))
		}
	}
	if len(all) != 26 || all[0] != "Song 25" || all[25] != "Hey Jude" || pages != 4 {
		t.Errorf("reverse pages: %d pages, %v", pages, all)
	}
	// Scan of a GSI: indexed items only.
	sc, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("MusicCollection"), IndexName: aws.String("GenreYearIndex")})
	if err != nil || sc.Count != 27 {
		t.Fatalf("Scan GSI: %v %v", sc, err)
	}
}

func TestIndexErrors(t *testing.T) {
	c := makeMusic(t)
	ctx := context.Background()
	q := func(mod func(*dynamodb.QueryInput)) error {
		in := &dynamodb.QueryInput{TableName: aws.String("MusicCollection"), IndexName: aws.String("GenreYearIndex"),
			KeyConditionExpression: aws.String("Genre = :g"), ExpressionAttributeValues: item{":g": S("Rock")}}
		mod(in)
		_, err := c.Query(ctx, in)
		return err
	}
	wantAPIError(t, q(func(in *dynamodb.QueryInput) { in.ConsistentRead = aws.Bool(true) }),
		"ValidationException", "Consistent reads are not supported on global secondary indexes")
	wantAPIError(t, q(func(in *dynamodb.QueryInput) { in.IndexName = aws.String("NoSuchIndex") }),
		"ValidationException", "The table does not have the specified index: NoSuchIndex")
	wantAPIError(t, q(func(in *dynamodb.QueryInput) { in.KeyConditionExpression = aws.String("Artist = :g") }),
		"ValidationException", "Query condition missed key schema element: Genre")
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("MusicCollection"), Item: item{"Artist": S("a"), "Song": S("b"), "Year": S("1968")}})
	wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key Year Expected: N Actual: S IndexName: GenreYearIndex")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("MusicCollection"), Item: item{"Artist": S("a"), "Song": S("b"), "Genre": S("")}})
	wantAPIError(t, err, "ValidationException", "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: GenreYearIndex, IndexKey: Genre")

	bad := musicInput()
	bad.TableName = aws.String("Bad")
	bad.LocalSecondaryIndexes[0].KeySchema = ks("Genre", "Year")
	_, err = c.CreateTable(ctx, bad)
	wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: ArtistYearIndex. index hash key: Genre, table hash key: Artist")
	bad = musicInput()
	bad.TableName = aws.String("Bad")
	bad.GlobalSecondaryIndexes[0].ProvisionedThroughput = nil
	_, err = c.CreateTable(ctx, bad)
	wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: ProvisionedThroughput is not specified for index: GenreYearIndex")
}

// starbucksInput is seed 004's StarbucksLocations.
func starbucksInput() *dynamodb.CreateTableInput {
	pt := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	return &dynamodb.CreateTableInput{
		TableName:             aws.String("StarbucksLocations"),
		AttributeDefinitions:  adefs("Country", "S", "StateCityPostcode", "S", "StoreNumber", "S"),
		KeySchema:             ks("StoreNumber", ""),
		ProvisionedThroughput: pt,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("StoreLocationIndex"), KeySchema: ks("Country", "StateCityPostcode"),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}, ProvisionedThroughput: pt}},
	}
}

func TestIndexHierarchicalBeginsWith(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	if _, err := c.CreateTable(ctx, starbucksInput()); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "StarbucksLocations")
	stores := []struct{ num, country, state, city, post string }{
		{"1", "US", "NE", "OMAHA", "68144"}, {"2", "US", "NE", "OMAHA", "68144"}, {"3", "US", "NE", "OMAHA", "68102"},
		{"4", "US", "NE", "LINCOLN", "68508"}, {"5", "US", "NY", "NEW YORK", "10001"}, {"6", "CA", "ON", "TORONTO", "M5V"},
	}
	for _, s := range stores {
		put(t, c, "StarbucksLocations", item{"StoreNumber": S(s.num), "Country": S(s.country), "State": S(s.state), "City": S(s.city),
			"Postcode": S(s.post), "StateCityPostcode": S(s.state + "#" + s.city + "#" + s.post)})
	}
	count := func(prefix string) int32 {
		in := &dynamodb.QueryInput{TableName: aws.String("StarbucksLocations"), IndexName: aws.String("StoreLocationIndex"),
			KeyConditionExpression: aws.String("Country = :country"), ExpressionAttributeValues: item{":country": S("US")}}
		if prefix != "" {
			in.KeyConditionExpression = aws.String("Country = :country AND begins_with(StateCityPostcode, :scp)")
			in.ExpressionAttributeValues[":scp"] = S(prefix)
		}
		out, err := c.Query(ctx, in)
		if err != nil {
			t.Fatalf("Query %q: %v", prefix, err)
		}
		return out.Count
	}
	for prefix, want := range map[string]int32{"": 5, "NE": 4, "NE#OMAHA": 3, "NE#OMAHA#68144": 2, "NY": 1, "ON": 0} {
		if got := count(prefix); got != want {
			t.Errorf("US stores under %q = %d, want %d", prefix, got, want)
		}
	}
}

func TestIndexOnlineCreate(t *testing.T) {
	c := makeMusic(t)
	ctx := context.Background()
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("MusicCollection"),
		AttributeDefinitions: adefs("Album", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("AlbumIndex"), KeySchema: ks("Album", ""), Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}}}})
	if err != nil {
		t.Fatal(err)
	}
	q := &dynamodb.QueryInput{TableName: aws.String("MusicCollection"), IndexName: aws.String("AlbumIndex"),
		KeyConditionExpression: aws.String("Album = :a"), ExpressionAttributeValues: item{":a": S("Album 1")}}
	_, err = c.Query(ctx, q)
	wantAPIError(t, err, "ValidationException", "Cannot read from backfilling global secondary index: AlbumIndex")
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("MusicCollection")})
		if err != nil {
			t.Fatal(err)
		}
		if g := d.Table.GlobalSecondaryIndexes[1]; g.IndexStatus == types.IndexStatusActive {
			break
		} else if !strings.Contains(string(g.IndexStatus), "CREATING") || !aws.ToBool(g.Backfilling) {
			t.Fatalf("index while backfilling: %s backfilling=%v", g.IndexStatus, aws.ToBool(g.Backfilling))
		}
		if time.Now().After(deadline) {
			t.Fatal("index never became ACTIVE")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := c.Query(ctx, q)
	if err != nil || out.Count != 25 {
		t.Fatalf("AlbumIndex after backfill: %v %v", out, err)
	}
}
