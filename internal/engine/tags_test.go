package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

func TestValidateTags(t *testing.T) {
	many := func(n int) []api.Tag {
		var out []api.Tag
		for i := range n {
			out = append(out, api.Tag{Key: api.Ptr(fmt.Sprintf("k%d", i)), Value: api.Ptr("v")})
		}
		return out
	}
	tag := func(k, v string) []api.Tag { return []api.Tag{{Key: api.Ptr(k), Value: api.Ptr(v)}} }
	tests := []struct {
		name string
		tags []api.Tag
		msg  string // "" means valid
	}{
		{"plain", tag("env", "prod"), ""},
		{"allowed punctuation and unicode", tag("a+b-c=d.e_f:g/h@i j", "Zürich 東京"), ""},
		{"empty value", tag("k", ""), ""},
		{"50 tags", many(50), ""},
		{"51 tags", many(51), "Number of Tags exceed the current limit for the provided ResourceArn"},
		{"aws prefix", tag("aws:x", "v"), "Tag Key cannot be prefixed with aws:, Key: aws:x"},
		{"AWS prefix any case", tag("AWS:x", "v"), "Tag Key cannot be prefixed with aws:, Key: AWS:x"},
		{"empty key", tag("", "v"), "The Tag Key provided is invalid, Key: "},
		{"128-character key", tag(strings.Repeat("é", 128), "v"), ""},
		{"129-character key", tag(strings.Repeat("k", 129), "v"), "The Tag Key provided is invalid, Key: " + strings.Repeat("k", 129)},
		{"256-character value", tag("k", strings.Repeat("é", 256)), ""},
		{"257-character value", tag("k", strings.Repeat("v", 257)), "The Tag Value provided is invalid, Value: " + strings.Repeat("v", 257)},
		{"bad key character", tag("a;b", "v"), "The Tag Key provided is invalid, Key: a;b"},
		{"bad value character", tag("k", "a*b"), "The Tag Value provided is invalid, Value: a*b"},
		{"a pipe in a value", tag("k", "a|b"), "The Tag Value provided is invalid, Value: a|b"},
		{"no value", []api.Tag{{Key: api.Ptr("k")}}, "The Tag Value provided is invalid, Value: null"},
		{"no key", []api.Tag{{Value: api.Ptr("v")}}, "The Tag Key provided is invalid, Key: null"},
		{"a key twice", append(tag("dup", "1"), tag("dup", "2")...), "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := validateTags(tc.tags)
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			wantAPIErr(t, err, apierr.ValidationException, tc.msg)
		})
	}
}

func TestMergeTags(t *testing.T) {
	tags := func(kv ...string) []api.Tag {
		var out []api.Tag
		for i := 0; i < len(kv); i += 2 {
			out = append(out, api.Tag{Key: api.Ptr(kv[i]), Value: api.Ptr(kv[i+1])})
		}
		return out
	}
	show := func(ts []api.Tag) string {
		var b []string
		for _, t := range ts {
			b = append(b, api.Str(t.Key)+"="+api.Str(t.Value))
		}
		return strings.Join(b, ",")
	}
	cur := tags("a", "1", "b", "2")
	got := mergeTags(cur, tags("b", "3", "c", "4", "c", "5"))
	if s := show(got); s != "a=1,b=3,c=5" {
		t.Errorf("merge = %s, want a=1,b=3,c=5", s)
	}
	if s := show(cur); s != "a=1,b=2" {
		t.Errorf("merge changed its input: %s", s)
	}
}

func TestTagsPersistAcrossReopen(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	st := newTablesStore(t)
	db := openTablesDB(t, st, c)
	mustCreate(t, db, hashTable("tagged", 0))
	arn := db.tableArn("tagged")
	if _, err := db.TagResource(ctx, &api.TagResourceInput{ResourceArn: &arn, Tags: []api.Tag{{Key: api.Ptr("k"), Value: api.Ptr("v")}}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db2 := openTablesDB(t, st, c)
	out, err := db2.ListTagsOfResource(ctx, &api.ListTagsOfResourceInput{ResourceArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || api.Str(out.Tags[0].Key) != "k" || api.Str(out.Tags[0].Value) != "v" {
		t.Errorf("tags after reopen = %+v, want k=v", out.Tags)
	}
}

func TestTaggedTableARNs(t *testing.T) {
	db, _ := newTablesDB(t)
	mustCreate(t, db, hashTable("tbl", 0))
	tests := []struct {
		arn  string
		code apierr.Code
		msg  string
	}{
		{db.tableArn("tbl"), "", ""},
		{"", apierr.ValidationException, "1 validation error detected: Value at 'ResourceArn' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"tbl", apierr.AccessDeniedException, "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:ListTagsOfResource on resource: tbl"},
		{"a:b:c:d:e:f", apierr.AccessDeniedException, "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:ListTagsOfResource on resource: a:b:c:d:e:f"},
		{"arn:aws:s3:::bucket", apierr.AccessDeniedException, "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:ListTagsOfResource on resource: arn:aws:s3:::bucket"},
		{"arn:aws:s3:::bucket/key", apierr.AccessDeniedException, "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:ListTagsOfResource on resource: arn:aws:s3:::bucket/key because no resource-based policy allows the dynamodb:ListTagsOfResource action"},
		{"a:b:c:d:e:f/g", apierr.ValidationException, "Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g"},
		{"arn:aws:dynamodb:eu-west-1:000000000000:table/tbl", apierr.ValidationException, "Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:eu-west-1:000000000000:table/tbl"},
		{"arn:aws:dynamodb:us-east-1:000000000000:table/tbl/index/gsi", apierr.ValidationException, "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: arn:aws:dynamodb:us-east-1:000000000000:table/tbl/index/gsi"},
		{"arn:aws:dynamodb:us-east-1:111111111111:table/tbl", apierr.AccessDeniedException, "User: arn:aws:iam::000000000000:root is not authorized to perform: dynamodb:ListTagsOfResource on resource: arn:aws:dynamodb:us-east-1:111111111111:table/tbl because no resource-based policy allows the dynamodb:ListTagsOfResource action"},
		{"arn:aws:dynamodb:us-east-1:000000000000:table/nope", apierr.ResourceNotFoundException, "Requested resource not found: ResourcArn: arn:aws:dynamodb:us-east-1:000000000000:table/nope not found"},
	}
	for _, tc := range tests {
		t.Run(tc.arn, func(t *testing.T) {
			_, err := db.ListTagsOfResource(context.Background(), &api.ListTagsOfResourceInput{ResourceArn: api.Ptr(tc.arn)})
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantAPIErr(t, err, tc.code, tc.msg)
		})
	}
}
