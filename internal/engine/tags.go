package engine

// Tags: TagResource, UntagResource and ListTagsOfResource, with the limits
// of DynamoDB's tagging restrictions. A table's tags live in its catalog
// record, so they are created, changed and dropped with the table.

import (
	"context"
	"strings"
	"unicode"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// Tagging limits (DynamoDB Developer Guide, "Tagging restrictions"). The key
// and value lengths are the API model's constraints, checked by the wire
// layer before the engine; Validate checks them again for Go callers.
const (
	maxTags           = 50  // tags per table
	maxTagKeyLength   = 128 // Unicode characters
	maxTagValueLength = 256 // Unicode characters
	reservedTagPrefix = "aws:"
)

// tagResource adds tags to a table, replacing the value of a key that is
// already present.
func (db *DB) tagResource(ctx context.Context, in *api.TagResourceInput) (*struct{}, error) {
	arn := api.Str(in.ResourceArn)
	e, err := db.taggedTable(arn, "TagResource")
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, errNoTags
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	_, err = db.updateRecord(ctx, e, errTagResourceNotFound(arn), func(rec *tableRecord) error {
		tags := mergeTags(rec.Tags, in.Tags)
		if len(tags) > maxTags {
			return errTooManyTags
		}
		rec.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// untagResource removes tags from a table by key. Removing a key the table
// does not have is not an error.
func (db *DB) untagResource(ctx context.Context, in *api.UntagResourceInput) (*struct{}, error) {
	arn := api.Str(in.ResourceArn)
	e, err := db.taggedTable(arn, "UntagResource")
	if err != nil {
		return nil, err
	}
	if len(in.TagKeys) == 0 {
		return nil, errNoTagKeys
	}
	for _, k := range in.TagKeys {
		if err := validateTagKey(k); err != nil {
			return nil, err
		}
	}
	_, err = db.updateRecord(ctx, e, errTagResourceNotFound(arn), func(rec *tableRecord) error {
		drop := make(map[string]bool, len(in.TagKeys))
		for _, k := range in.TagKeys {
			drop[k] = true
		}
		kept := rec.Tags[:0:0]
		for _, t := range rec.Tags {
			if !drop[api.Str(t.Key)] {
				kept = append(kept, t)
			}
		}
		rec.Tags = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// listTagsOfResource lists a table's tags. A table has at most 50 tags, so
// one page holds them all and NextToken is never returned.
func (db *DB) listTagsOfResource(ctx context.Context, in *api.ListTagsOfResourceInput) (*api.ListTagsOfResourceOutput, error) {
	e, err := db.taggedTable(api.Str(in.ResourceArn), "ListTagsOfResource")
	if err != nil {
		return nil, err
	}
	out := &api.ListTagsOfResourceOutput{Tags: make([]api.Tag, 0, len(e.rec.Tags))}
	for _, t := range e.rec.Tags {
		out.Tags = append(out.Tags, api.Tag{Key: api.Ptr(api.Str(t.Key)), Value: api.Ptr(api.Str(t.Value))})
	}
	return out, nil
}

// errTooManyTags is the refusal of a TagResource (or CreateTable) that would
// leave a table with more than 50 tags: a ValidationException, counted on
// the tags after the merge (ack-api-quirks DDB-TABLE-107, -108).
var errTooManyTags = apierr.Validation("Number of Tags exceed the current limit for the provided ResourceArn")

// DynamoDB's refusals of a TagResource without tags and an UntagResource
// without keys (the API model allows empty lists; the service does not).
// The wording, "Atleast" included, is as recorded by the dynoxide
// emulator from the real service; the AWS documentation does not quote it.
var (
	errNoTags    = apierr.Validation("Atleast one Tag needs to be provided as Input.")
	errNoTagKeys = apierr.Validation("Atleast one Tag Key needs to be provided as Input.")
)

// errTagResourceNotFound is DynamoDB's answer to tagging a table that does
// not exist; the misspelt "ResourcArn" is DynamoDB's own.
func errTagResourceNotFound(arn string) error {
	return apierr.Newf(apierr.ResourceNotFoundException, "Requested resource not found: ResourcArn: %s not found", arn)
}

// taggedTable resolves the ResourceArn of a tagging request by op: it must
// be the ARN of a table of this server's region and account, and the table
// must exist.
//
// DynamoDB authorizes the request on the ARN before it looks at it, so a
// string that is not an ARN of a resource ("tbl", "a:b:c:d:e:f", no
// "type/name" part) and an ARN of another account are refused by IAM, with
// AccessDeniedException, and only a well-formed ARN of the caller's
// account that names no table of this region is "Invalid TableArn"
// (dynalite's test/tagResource.js and untagResource.js record these
// answers).
func (db *DB) taggedTable(arn, op string) (*catalogEntry, error) {
	if arn == "" {
		return nil, apierr.Validation("Invalid TableArn")
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.Contains(parts[5], "/") {
		return nil, db.errTagAccessDenied(op, arn, "")
	}
	if parts[4] != db.opts.AccountID && strings.HasPrefix(arn, "arn:") {
		return nil, db.errTagAccessDenied(op, arn, " because no resource-based policy allows the dynamodb:"+op+" action")
	}
	if !strings.HasPrefix(arn, "arn:") || parts[2] != "dynamodb" || !strings.HasPrefix(parts[5], "table/") {
		return nil, apierr.Validationf("Invalid TableArn: Invalid ResourceArn provided as input %s", arn)
	}
	name := strings.TrimPrefix(parts[5], "table/")
	if strings.Contains(name, "/index/") && parts[3] == db.opts.Region {
		// DDB-TABLE-212, -442.
		return nil, apierr.Validationf(invalidPrefix+"Invalid resource arn provided, only table or stream is accepted. Provided resource arn: %s", arn)
	}
	if name == "" || strings.Contains(name, "/") || parts[3] != db.opts.Region {
		return nil, apierr.Validationf("Invalid TableArn: Invalid ResourceArn provided as input %s", arn)
	}
	e := db.cat.get(name)
	if e == nil {
		return nil, errTagResourceNotFound(arn)
	}
	if e.restoring() {
		return nil, errTableNotFound(name)
	}
	return e, nil
}

// errTagAccessDenied is IAM's refusal of a tagging operation on arn, in
// the words of its messages ("User: <principal> is not authorized to
// perform: dynamodb:TagResource on resource: <arn>", then why). Without
// --auth the caller is the account's root.
func (db *DB) errTagAccessDenied(op, arn, why string) error {
	return apierr.Newf(apierr.AccessDeniedException, "User: arn:aws:iam::%s:root is not authorized to perform: dynamodb:%s on resource: %s%s", db.opts.AccountID, op, arn, why)
}

// validateTags checks the tags of a TagResource or CreateTable request,
// with DynamoDB's messages (ack-api-quirks DDB-TABLE-107, -442): a key or
// value of the wrong length or with a character tags do not allow is
// quoted back, an absent one is "null".
func validateTags(tags []api.Tag) error {
	if len(tags) > maxTags {
		return errTooManyTags
	}
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if t.Key == nil {
			return apierr.Validation("The Tag Key provided is invalid, Key: null")
		}
		if err := validateTagKey(*t.Key); err != nil {
			return err
		}
		if t.Value == nil {
			return apierr.Validation("The Tag Value provided is invalid, Value: null")
		}
		if v := *t.Value; len([]rune(v)) > maxTagValueLength || !tagText(v) {
			return apierr.Validationf("The Tag Value provided is invalid, Value: %s", v)
		}
	}
	for _, t := range tags {
		k := *t.Key
		if seen[k] {
			return apierr.Validationf("Duplicate Tag Keys provided as input: Duplicate Tag Key found %s", k)
		}
		seen[k] = true
	}
	return nil
}

// validateTagKey checks one tag key: its length, its characters, and the
// "aws:" prefix DynamoDB reserves for the tags AWS itself assigns.
func validateTagKey(k string) error {
	if n := len([]rune(k)); n == 0 || n > maxTagKeyLength || !tagText(k) {
		return apierr.Validationf("The Tag Key provided is invalid, Key: %s", k)
	}
	if strings.HasPrefix(strings.ToLower(k), reservedTagPrefix) {
		return apierr.Validationf("Tag Key cannot be prefixed with aws:, Key: %s", k)
	}
	return nil
}

// tagText reports whether s uses only the characters DynamoDB allows in
// tags: letters, digits, white space and + - = . _ : / @.
func tagText(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || strings.ContainsRune("+-=._:/@", r) {
			continue
		}
		return false
	}
	return true
}

// mergeTags returns cur with add applied: a new key is appended, an
// existing key gets the new value. A key repeated within add takes its last
// value.
func mergeTags(cur, add []api.Tag) []api.Tag {
	out := make([]api.Tag, 0, len(cur)+len(add))
	at := make(map[string]int, len(cur)+len(add))
	for _, t := range append(cur[:len(cur):len(cur)], add...) {
		k, v := api.Str(t.Key), api.Str(t.Value)
		if i, ok := at[k]; ok {
			out[i].Value = api.Ptr(v)
			continue
		}
		at[k] = len(out)
		out = append(out, api.Tag{Key: api.Ptr(k), Value: api.Ptr(v)})
	}
	return out
}
