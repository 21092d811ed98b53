package integration

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// sortedNumbers are sort keys whose numeric order differs from their
// string order, in numeric order.
var sortedNumbers = []string{"-100", "-10.5", "-1", "0", "0.001", "1", "2", "10", "10.5", "100", "1000"}

// seedNumbers fills "QueryT" with partition "p" over sortedNumbers, and a
// decoy partition "other".
func seedNumbers(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	makeTable(t, c, "QueryT", hashRangeN)
	for i := len(sortedNumbers) - 1; i >= 0; i-- { // written out of order
		put(t, c, "QueryT", item{"pk": S("p"), "sk": N(sortedNumbers[i]), "i": N(fmt.Sprint(i))})
		put(t, c, "QueryT", item{"pk": S("other"), "sk": N(sortedNumbers[i])})
	}
}

func sortKeys(t *testing.T, items []item) []string {
	t.Helper()
	var s []string
	for _, it := range items {
		s = append(s, nval(t, it["sk"]))
	}
	return s
}

func TestQueryKeyConditionExpression(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	seedNumbers(t, c)
	cases := []struct {
		cond   string
		values item
		want   []string
	}{
		{"pk = :p", item{}, sortedNumbers},
		{"pk = :p AND sk = :a", item{":a": N("10.5")}, []string{"10.5"}},
		{"pk = :p AND sk < :a", item{":a": N("0")}, []string{"-100", "-10.5", "-1"}},
		{"pk = :p AND sk <= :a", item{":a": N("0")}, []string{"-100", "-10.5", "-1", "0"}},
		{"pk = :p AND sk > :a", item{":a": N("10")}, []string{"10.5", "100", "1000"}},
		{"pk = :p AND sk >= :a", item{":a": N("10")}, []string{"10", "10.5", "100", "1000"}},
		{"pk = :p AND sk BETWEEN :a AND :b", item{":a": N("-1"), ":b": N("2")}, []string{"-1", "0", "0.001", "1", "2"}},
		{"#k = :p and #s between :a and :b", item{":a": N("1e1"), ":b": N("1E2")}, []string{"10", "10.5", "100"}},
		{"sk > :a AND pk = :p", item{":a": N("100")}, []string{"1000"}},
	}
	for _, tc := range cases {
		vals := item{":p": S("p")}
		for k, v := range tc.values {
			vals[k] = v
		}
		in := &dynamodb.QueryInput{TableName: aws.String("QueryT"), KeyConditionExpression: aws.String(tc.cond), ExpressionAttributeValues: vals}
		if tc.cond[0] == '#' {
			in.ExpressionAttributeNames = map[string]string{"#k": "pk", "#s": "sk"}
		}
		out, err := c.Query(ctx, in)
		if err != nil {
			t.Errorf("Query %q: %v", tc.cond, err)
			continue
		}
		if got := sortKeys(t, out.Items); !slices.Equal(got, tc.want) {
			t.Errorf("Query %q = %v, want %v", tc.cond, got, tc.want)
		}
		if int(out.Count) != len(tc.want) {
			t.Errorf("Query %q Count = %d, want %d", tc.cond, out.Count, len(tc.want))
		}
		// Backwards gives the reverse order.
		in.ScanIndexForward = aws.Bool(false)
		back, err := c.Query(ctx, in)
		if err != nil {
			t.Errorf("Query %q backwards: %v", tc.cond, err)
			continue
		}
		rev := slices.Clone(tc.want)
		slices.Reverse(rev)
		if got := sortKeys(t, back.Items); !slices.Equal(got, rev) {
			t.Errorf("Query %q backwards = %v, want %v", tc.cond, got, rev)
		}
	}
}

func TestQueryBeginsWith(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Stores", hashRangeS)
	for _, sk := range []string{"NE#OMAHA#68144", "NE#OMAHA#68022", "NE#LINCOLN#68508", "NEW#X", "NV#RENO#89501", "ne#lower"} {
		put(t, c, "Stores", item{"pk": S("US"), "sk": S(sk)})
	}
	cases := []struct {
		prefix string
		want   []string
	}{
		{"NE#OMAHA", []string{"NE#OMAHA#68022", "NE#OMAHA#68144"}},
		{"NE#", []string{"NE#LINCOLN#68508", "NE#OMAHA#68022", "NE#OMAHA#68144"}},
		{"NE", []string{"NE#LINCOLN#68508", "NE#OMAHA#68022", "NE#OMAHA#68144", "NEW#X"}},
		{"Z", nil},
	}
	for _, tc := range cases {
		out, err := c.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String("Stores"),
			KeyConditionExpression:    aws.String("pk = :c AND begins_with(sk, :p)"),
			ExpressionAttributeValues: item{":c": S("US"), ":p": S(tc.prefix)},
		})
		if err != nil {
			t.Errorf("begins_with %q: %v", tc.prefix, err)
			continue
		}
		var got []string
		for _, it := range out.Items {
			got = append(got, sval(t, it["sk"]))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("begins_with %q = %v, want %v", tc.prefix, got, tc.want)
		}
	}
}

// The legacy KeyConditions parameter means the same as the expression.
func TestQueryKeyConditions(t *testing.T) {
	c := client(t)
	seedNumbers(t, c)
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{
		TableName: aws.String("QueryT"),
		KeyConditions: map[string]types.Condition{
			"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{S("p")}},
			"sk": {ComparisonOperator: types.ComparisonOperatorBetween, AttributeValueList: []types.AttributeValue{N("0"), N("2")}},
		},
	})
	if err != nil {
		t.Fatalf("Query KeyConditions: %v", err)
	}
	if got, want := sortKeys(t, out.Items), []string{"0", "0.001", "1", "2"}; !slices.Equal(got, want) {
		t.Errorf("KeyConditions BETWEEN = %v, want %v", got, want)
	}
}

// Limit pages a query; the SDK's paginator follows LastEvaluatedKey.
func TestQueryPaging(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Paged", hashRangeN)
	const total = 30
	for i := 0; i < total; i++ {
		put(t, c, "Paged", item{"pk": S("p"), "sk": N(fmt.Sprint(i))})
	}
	for _, forward := range []bool{true, false} {
		p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{
			TableName:                 aws.String("Paged"),
			KeyConditionExpression:    aws.String("pk = :p"),
			ExpressionAttributeValues: item{":p": S("p")},
			Limit:                     aws.Int32(7),
			ScanIndexForward:          aws.Bool(forward),
		})
		var got []string
		pages := 0
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("page %d: %v", pages, err)
			}
			if len(page.Items) > 7 {
				t.Errorf("page %d has %d items, limit 7", pages, len(page.Items))
			}
			got = append(got, sortKeys(t, page.Items)...)
			pages++
		}
		var want []string
		for i := 0; i < total; i++ {
			want = append(want, fmt.Sprint(i))
		}
		if !forward {
			slices.Reverse(want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("forward=%v paged = %v, want %v", forward, got, want)
		}
		if pages != 5 {
			t.Errorf("forward=%v pages = %d, want 5", forward, pages)
		}
	}
}

func TestQuerySelectCount(t *testing.T) {
	c := client(t)
	seedNumbers(t, c)
	out, err := c.Query(context.Background(), &dynamodb.QueryInput{
		TableName:                 aws.String("QueryT"),
		KeyConditionExpression:    aws.String("pk = :p AND sk > :z"),
		ExpressionAttributeValues: item{":p": S("p"), ":z": N("0")},
		Select:                    types.SelectCount,
	})
	if err != nil {
		t.Fatalf("Query COUNT: %v", err)
	}
	if out.Count != 7 || out.ScannedCount != 7 || len(out.Items) != 0 {
		t.Errorf("COUNT: Count=%d ScannedCount=%d Items=%d, want 7, 7, 0", out.Count, out.ScannedCount, len(out.Items))
	}
}

func TestQueryErrors(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	seedNumbers(t, c)
	_, err := c.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String("QueryT"),
		KeyConditionExpression:    aws.String("sk = :a"),
		ExpressionAttributeValues: item{":a": N("1")},
	})
	wantAPIError(t, err, "ValidationException", "Query condition missed key schema element: pk")

	_, err = c.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String("Missing"),
		KeyConditionExpression:    aws.String("pk = :a"),
		ExpressionAttributeValues: item{":a": S("1")},
	})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
}
