package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// tableArnOf returns a table's ARN as DescribeTable reports it.
func tableArnOf(t *testing.T, c *dynamodb.Client, name string) string {
	t.Helper()
	out, err := c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTable %s: %v", name, err)
	}
	return aws.ToString(out.Table.TableArn)
}

// tagsOf lists a table's tags as "k=v" strings in the order returned.
func tagsOf(t *testing.T, c *dynamodb.Client, arn string) []string {
	t.Helper()
	out, err := c.ListTagsOfResource(context.Background(), &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListTagsOfResource: %v", err)
	}
	var got []string
	for _, tg := range out.Tags {
		got = append(got, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
	}
	return got
}

func tag(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

func TestTagsLifecycle(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	in := createTableInput("tagged", hashS)
	in.Tags = []types.Tag{tag("env", "test"), tag("team", "dynago")}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatalf("CreateTable with Tags: %v", err)
	}
	arn := tableArnOf(t, c, "tagged")
	if got, want := strings.Join(tagsOf(t, c, arn), ","), "env=test,team=dynago"; got != want {
		t.Errorf("tags after CreateTable = %s, want %s", got, want)
	}
	// An existing key takes the new value; a new key is added.
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn),
		Tags: []types.Tag{tag("env", "prod"), tag("cost-center", "42")}}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
	if got, want := strings.Join(tagsOf(t, c, arn), ","), "env=prod,team=dynago,cost-center=42"; got != want {
		t.Errorf("tags after TagResource = %s, want %s", got, want)
	}
	// Removing a key the table does not have is no error.
	if _, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{"team", "absent"}}); err != nil {
		t.Fatalf("UntagResource: %v", err)
	}
	if got, want := strings.Join(tagsOf(t, c, arn), ","), "env=prod,cost-center=42"; got != want {
		t.Errorf("tags after UntagResource = %s, want %s", got, want)
	}
	// The tags go with the table: a new table of the same name has none.
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("tagged")}); err != nil {
		t.Fatal(err)
	}
	makeTable(t, c, "tagged", hashS)
	if got := tagsOf(t, c, arn); len(got) != 0 {
		t.Errorf("tags of a recreated table = %v, want none", got)
	}
}

func TestTagErrors(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "tbl", hashS)
	arn := tableArnOf(t, c, "tbl")
	missing := strings.TrimSuffix(arn, "/tbl") + "/missing"

	tests := []struct {
		name     string
		call     func() error
		code     string
		message  string
		contains bool
	}{
		{"unknown table", func() error {
			_, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(missing)})
			return err
		}, "ResourceNotFoundException", "Requested resource not found: ResourcArn: " + missing + " not found", false},
		{"tag unknown table", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(missing), Tags: []types.Tag{tag("a", "b")}})
			return err
		}, "ResourceNotFoundException", "Requested resource not found: ResourcArn: " + missing + " not found", false},
		{"not an ARN: IAM refuses it", func() error {
			_, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("tbl")})
			return err
		}, "AccessDeniedException", "is not authorized to perform: dynamodb:ListTagsOfResource on resource: tbl", true},
		{"reserved prefix", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("aws:owner", "x")}})
			return err
		}, "ValidationException", "Tag Key cannot be prefixed with aws:, Key: aws:owner", false},
		{"key too long", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag(strings.Repeat("k", 129), "x")}})
			return err
		}, "ValidationException", "The Tag Key provided is invalid, Key: " + strings.Repeat("k", 129), false},
		{"value too long", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("k", strings.Repeat("v", 257))}})
			return err
		}, "ValidationException", "The Tag Value provided is invalid, Value: " + strings.Repeat("v", 257), false},
		{"no tags", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{}})
			return err
		}, "ValidationException", "Atleast one Tag needs to be provided as Input.", false},
		{"no tag keys", func() error {
			_, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: []string{}})
			return err
		}, "ValidationException", "Atleast one Tag Key needs to be provided as Input.", false},
		{"index ARN", func() error {
			_, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn + "/index/gsi")})
			return err
		}, "ValidationException", "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: " + arn + "/index/gsi", false},
		{"bad character", func() error {
			_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("k", "semi;colon")}})
			return err
		}, "ValidationException", "The Tag Value provided is invalid, Value: semi;colon", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !tc.contains {
				wantAPIError(t, err, tc.code, tc.message)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.code) || !strings.Contains(err.Error(), tc.message) {
				t.Errorf("got %v, want %s containing %q", err, tc.code, tc.message)
			}
		})
	}

	// 50 tags are fine, a 51st is refused and changes nothing.
	var fifty []types.Tag
	for i := range 50 {
		fifty = append(fifty, tag(fmt.Sprintf("k%02d", i), "v"))
	}
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: fifty}); err != nil {
		t.Fatalf("TagResource with 50 tags: %v", err)
	}
	_, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn), Tags: []types.Tag{tag("one-more", "v")}})
	wantAPIError(t, err, "ValidationException", "Number of Tags exceed the current limit for the provided ResourceArn")
	if n := len(tagsOf(t, c, arn)); n != 50 {
		t.Errorf("%d tags after a refused 51st, want 50", n)
	}
}
