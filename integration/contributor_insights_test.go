package integration

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// insightsTable creates a table keyed by pk/sk with a hash-only GSI "byG"
// and an LSI "byL".
func insightsTable(t *testing.T, c *dynamodb.Client, name string) {
	t.Helper()
	in := createTableInput(name, hashRangeS)
	in.AttributeDefinitions = append(in.AttributeDefinitions,
		types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		types.AttributeDefinition{AttributeName: aws.String("l"), AttributeType: types.ScalarAttributeTypeS})
	all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
	in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), Projection: all,
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}}}}
	in.LocalSecondaryIndexes = []types.LocalSecondaryIndex{{IndexName: aws.String("byL"), Projection: all,
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("l"), KeyType: types.KeyTypeRange}}}}
	if _, err := c.CreateTable(context.Background(), in); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	waitActive(t, c, name)
}

func TestContributorInsightsLifecycle(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	insightsTable(t, c, "insights")

	describe := func(index *string) *dynamodb.DescribeContributorInsightsOutput {
		t.Helper()
		out, err := c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: aws.String("insights"), IndexName: index})
		if err != nil {
			t.Fatalf("DescribeContributorInsights: %v", err)
		}
		return out
	}
	update := func(index *string, action types.ContributorInsightsAction, mode types.ContributorInsightsMode) *dynamodb.UpdateContributorInsightsOutput {
		t.Helper()
		out, err := c.UpdateContributorInsights(ctx, &dynamodb.UpdateContributorInsightsInput{
			TableName: aws.String("insights"), IndexName: index, ContributorInsightsAction: action, ContributorInsightsMode: mode})
		if err != nil {
			t.Fatalf("UpdateContributorInsights %s %s: %v", action, mode, err)
		}
		return out
	}

	// Never configured: DISABLED, and nothing else.
	d := describe(nil)
	if d.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled || d.LastUpdateDateTime != nil || d.ContributorInsightsMode != "" || d.ContributorInsightsRuleList != nil {
		t.Fatalf("fresh table: %+v", d)
	}
	// DISABLE of a never-configured table is a no-op.
	if u := update(nil, types.ContributorInsightsActionDisable, ""); u.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled {
		t.Fatalf("DISABLE of a fresh table answered %s", u.ContributorInsightsStatus)
	}

	// ENABLE answers ENABLING and the default mode; Describe then shows
	// the four rules of a table with a sort key.
	u := update(nil, types.ContributorInsightsActionEnable, "")
	if u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabling || u.ContributorInsightsMode != types.ContributorInsightsModeAccessedAndThrottledKeys || aws.ToString(u.TableName) != "insights" {
		t.Fatalf("ENABLE answered %+v", u)
	}
	d = describe(nil)
	if d.ContributorInsightsStatus != types.ContributorInsightsStatusEnabled || d.LastUpdateDateTime == nil {
		t.Fatalf("after ENABLE: %+v", d)
	}
	if len(d.ContributorInsightsRuleList) != 4 {
		t.Fatalf("rules: %v", d.ContributorInsightsRuleList)
	}
	suffix := d.ContributorInsightsRuleList[0][strings.LastIndexByte(d.ContributorInsightsRuleList[0], '-')+1:]
	for i, kind := range []string{"PKC", "PKT", "SKC", "SKT"} {
		if want := fmt.Sprintf("DynamoDBContributorInsights-%s-insights-%s", kind, suffix); d.ContributorInsightsRuleList[i] != want {
			t.Errorf("rule %d = %s, want %s", i, d.ContributorInsightsRuleList[i], want)
		}
	}

	// ENABLE again in the same mode: a no-op answering ENABLED.
	if u := update(nil, types.ContributorInsightsActionEnable, types.ContributorInsightsModeAccessedAndThrottledKeys); u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabled {
		t.Fatalf("second ENABLE answered %s", u.ContributorInsightsStatus)
	}
	// A mode change is ENABLING again; the throttled-keys rules keep their suffix.
	if u := update(nil, types.ContributorInsightsActionEnable, types.ContributorInsightsModeThrottledKeys); u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabling || u.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys {
		t.Fatalf("mode change answered %+v", u)
	}
	d = describe(nil)
	want := []string{"DynamoDBContributorInsights-PKT-insights-" + suffix, "DynamoDBContributorInsights-SKT-insights-" + suffix}
	if !slices.Equal(d.ContributorInsightsRuleList, want) || d.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys {
		t.Fatalf("after the mode change: %+v", d)
	}

	// The GSI has its own entry; a hash-only key has only PK rules.
	if u := update(aws.String("byG"), types.ContributorInsightsActionEnable, ""); u.ContributorInsightsStatus != types.ContributorInsightsStatusEnabling || aws.ToString(u.IndexName) != "byG" {
		t.Fatalf("ENABLE of the GSI answered %+v", u)
	}
	g := describe(aws.String("byG"))
	if aws.ToString(g.IndexName) != "byG" || len(g.ContributorInsightsRuleList) != 2 || !strings.HasPrefix(g.ContributorInsightsRuleList[0], "DynamoDBContributorInsights-PKC-insights-byG-") {
		t.Fatalf("GSI: %+v", g)
	}

	// List: the table, then its GSI; paging by one.
	var got []string
	var token *string
	for page := 0; ; page++ {
		out, err := c.ListContributorInsights(ctx, &dynamodb.ListContributorInsightsInput{TableName: aws.String("insights"), MaxResults: 1, NextToken: token})
		if err != nil {
			t.Fatalf("ListContributorInsights: %v", err)
		}
		for _, s := range out.ContributorInsightsSummaries {
			got = append(got, aws.ToString(s.TableName)+"/"+aws.ToString(s.IndexName)+"/"+string(s.ContributorInsightsStatus)+"/"+string(s.ContributorInsightsMode))
		}
		if token = out.NextToken; token == nil || page > 5 {
			break
		}
	}
	if want := []string{"insights//ENABLED/THROTTLED_KEYS", "insights/byG/ENABLED/ACCESSED_AND_THROTTLED_KEYS"}; !slices.Equal(got, want) {
		t.Fatalf("ListContributorInsights = %v, want %v", got, want)
	}

	// DISABLE answers DISABLING and the entry's own mode, whatever the request names.
	if u := update(nil, types.ContributorInsightsActionDisable, types.ContributorInsightsModeAccessedAndThrottledKeys); u.ContributorInsightsStatus != types.ContributorInsightsStatusDisabling || u.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys {
		t.Fatalf("DISABLE answered %+v", u)
	}
	d = describe(nil)
	if d.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled || d.ContributorInsightsRuleList != nil || d.LastUpdateDateTime == nil || d.ContributorInsightsMode != types.ContributorInsightsModeThrottledKeys {
		t.Fatalf("after DISABLE: %+v", d)
	}
	out, err := c.ListContributorInsights(ctx, &dynamodb.ListContributorInsightsInput{})
	if err != nil || len(out.ContributorInsightsSummaries) != 1 || aws.ToString(out.ContributorInsightsSummaries[0].IndexName) != "byG" {
		t.Fatalf("ListContributorInsights after DISABLE: %+v, %v", out, err)
	}

	// Deleting the GSI removes its entry.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("insights"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byG")}}}}); err != nil {
		t.Fatalf("UpdateTable: %v", err)
	}
	out, err = c.ListContributorInsights(ctx, &dynamodb.ListContributorInsightsInput{})
	if err != nil || len(out.ContributorInsightsSummaries) != 0 {
		t.Fatalf("ListContributorInsights after the GSI's deletion: %+v, %v", out, err)
	}
}

func TestContributorInsightsErrors(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	insightsTable(t, c, "insights")

	_, err := c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: aws.String("nothere")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nothere not found")
	_, err = c.UpdateContributorInsights(ctx, &dynamodb.UpdateContributorInsightsInput{TableName: aws.String("nothere"), ContributorInsightsAction: types.ContributorInsightsActionEnable})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nothere not found")
	_, err = c.ListContributorInsights(ctx, &dynamodb.ListContributorInsightsInput{TableName: aws.String("nothere")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nothere not found")
	// An LSI has no Contributor Insights of its own.
	for _, index := range []string{"ghost", "byL"} {
		_, err = c.UpdateContributorInsights(ctx, &dynamodb.UpdateContributorInsightsInput{TableName: aws.String("insights"), IndexName: aws.String(index), ContributorInsightsAction: types.ContributorInsightsActionEnable})
		wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Index: "+index+" not found for table: insights")
		_, err = c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: aws.String("insights"), IndexName: aws.String(index)})
		wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Index: "+index+" not found for table: insights")
	}
	// The table's ARN names it too.
	arn := "arn:aws:dynamodb:us-east-1:000000000000:table/insights"
	d, err := c.DescribeContributorInsights(ctx, &dynamodb.DescribeContributorInsightsInput{TableName: aws.String(arn)})
	if err != nil || aws.ToString(d.TableName) != "insights" {
		t.Fatalf("by ARN: %+v, %v", d, err)
	}
	// A deleted table's settings go with it.
	if _, err := c.UpdateContributorInsights(ctx, &dynamodb.UpdateContributorInsightsInput{TableName: aws.String("insights"), ContributorInsightsAction: types.ContributorInsightsActionEnable}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("insights")}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListContributorInsights(ctx, &dynamodb.ListContributorInsightsInput{})
	if err != nil || len(out.ContributorInsightsSummaries) != 0 {
		t.Fatalf("after DeleteTable: %+v, %v", out, err)
	}
	insightsTable(t, c, "insights")
	if d := describeInsights(t, c, "insights"); d.ContributorInsightsStatus != types.ContributorInsightsStatusDisabled || d.LastUpdateDateTime != nil {
		t.Fatalf("a new table of the same name inherited settings: %+v", d)
	}
}

func describeInsights(t *testing.T, c *dynamodb.Client, table string) *dynamodb.DescribeContributorInsightsOutput {
	t.Helper()
	d, err := c.DescribeContributorInsights(context.Background(), &dynamodb.DescribeContributorInsightsInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}
