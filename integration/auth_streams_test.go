package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/sdkhttp"
)

// A stream is its own resource, with its own resource-based policy:
// another account reads it only once the stream's policy allows it.
func TestAuthorizeStreamPolicyAcrossAccounts(t *testing.T) {
	s, _ := authServer(t)
	ctx := context.Background()
	a := keyClient(s, "AKIAADMINA", "secret-admin-a", "")
	streamsB := dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint:     aws.String(s.URL()),
		Region:           dynagotest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIAADMINB", "secret-admin-b", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Client(),
	})
	d := createStreamTable(t, a, "feed", types.StreamViewTypeNewImage)
	stream := aws.ToString(d.LatestStreamArn)
	if stream == "" {
		t.Fatal("no stream ARN")
	}
	_, err := streamsB.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(stream)})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::222222222222:user/admin is not authorized to perform: dynamodb:DescribeStream on resource: "+stream+
		" because no resource-based policy allows the dynamodb:DescribeStream action")

	// A table policy does not govern the stream; a stream policy naming
	// a table action is refused.
	bad := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"dynamodb:GetItem","Resource":"` + stream + `"}]}`
	_, err = a.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(stream), Policy: aws.String(bad)})
	wantAPIErrorPrefix(t, err, "ValidationException", "One or more parameter values were invalid: Invalid policy document: The following action names are invalid: ")

	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"dynamodb:DescribeStream","Resource":"` + stream + `"}]}`
	if _, err := a.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(stream), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	out, err := streamsB.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(stream)})
	if err != nil || aws.ToString(out.StreamDescription.StreamArn) != stream {
		t.Fatalf("DescribeStream of A's stream with its policy allowing B: %v, %v", out, err)
	}
	// GetRecords is authorized on the stream its iterator names: A's
	// iterator is refused to B until the policy allows GetRecords.
	put(t, a, "feed", item{"pk": S("k")})
	streamsA := dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint: aws.String(s.URL()), Region: dynagotest.Region, RetryMaxAttempts: 1, HTTPClient: sdkhttp.Client(),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAADMINA", "secret-admin-a", ""),
	})
	shard := out.StreamDescription.Shards[0].ShardId
	itOut, err := streamsA.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(stream), ShardId: shard, ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = streamsB.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: itOut.ShardIterator})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::222222222222:user/admin is not authorized to perform: dynamodb:GetRecords on resource: "+stream+
		" because no resource-based policy allows the dynamodb:GetRecords action")
	policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["dynamodb:DescribeStream","dynamodb:GetRecords"],"Resource":"` + stream + `"}]}`
	if _, err := a.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(stream), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	recs, err := streamsB.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: itOut.ShardIterator})
	if err != nil || len(recs.Records) != 1 {
		t.Fatalf("GetRecords of A's stream with its policy allowing B: %v, %v", recs, err)
	}

	// The table itself is still closed to B.
	b := keyClient(s, "AKIAADMINB", "secret-admin-b", "")
	table := "arn:aws:dynamodb:us-east-1:111111111111:table/feed"
	_, err = b.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::222222222222:user/admin is not authorized to perform: dynamodb:DescribeTable on resource: "+table+
		" because no resource-based policy allows the dynamodb:DescribeTable action")
}
