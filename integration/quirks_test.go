package integration

// Control-plane answers as the ack-api-quirks lab probed them against
// DynamoDB (October 2026): the requests whose answer depends on a table's
// earlier state, which errors.txt's one-request cases cannot set up.
// docs/validation.md ("Control plane, as probed") lists the findings.

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestQuirksTTLChecksAttributeFirst: on a table whose TTL is enabled, a
// request naming another attribute is refused with the current one's name,
// whether it enables or disables (DDB-TABLE-146, -147); the same attribute
// again is "already enabled".
func TestQuirksTTLChecksAttributeFirst(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "ttlq", hashS)
	update := func(name string, enabled bool) error {
		_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String("ttlq"),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(name), Enabled: aws.Bool(enabled)},
		})
		return err
	}
	// TTL on the partition key is accepted.
	enableTTL(t, c, "ttlq", "pk")
	wantAPIError(t, update("ttl_b", true), "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is pk")
	wantAPIError(t, update("ttl_b", false), "ValidationException", "TimeToLive is active on a different AttributeName: current AttributeName is pk")
	wantAPIError(t, update("pk", true), "ValidationException", "TimeToLive is already enabled")
	if st, a := ttlStatus(t, c, "ttlq"); st != types.TimeToLiveStatusEnabled || a != "pk" {
		t.Errorf("after the refused updates: %s %q, want ENABLED \"pk\"", st, a)
	}
	// A rename is a disable and an enable, with no cooldown in between.
	if err := update("pk", false); err != nil {
		t.Fatalf("disabling: %v", err)
	}
	enableTTL(t, c, "ttlq", "ttl_b")
	if st, a := ttlStatus(t, c, "ttlq"); st != types.TimeToLiveStatusEnabled || a != "ttl_b" {
		t.Errorf("after the rename: %s %q, want ENABLED \"ttl_b\"", st, a)
	}
}

// TestQuirksSSEResends: of the encryption re-sends, only the ARN of the
// table's own key is refused as a no-op (DDB-TABLE-082); an
// SSESpecification with SSEType KMS and no Enabled turns KMS on
// (DDB-TABLE-044), and {} is the default key.
func TestQuirksSSEResends(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	in := createTableInput("sseq", hashS)
	in.SSESpecification = &types.SSESpecification{SSEType: types.SSETypeKms}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "sseq")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("sseq")})
	if err != nil {
		t.Fatal(err)
	}
	sse := d.Table.SSEDescription
	if sse == nil || sse.SSEType != types.SSETypeKms || sse.Status != types.SSEStatusEnabled || aws.ToString(sse.KMSMasterKeyArn) == "" {
		t.Fatalf("SSEDescription after CreateTable with SSEType KMS: %+v", sse)
	}
	updateSSE := func(s *types.SSESpecification) error {
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("sseq"), SSESpecification: s})
		return err
	}
	wantAPIError(t, updateSSE(&types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms, KMSMasterKeyId: sse.KMSMasterKeyArn}),
		"ValidationException", "One or more parameter values were invalid: Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key")
	if err := updateSSE(&types.SSESpecification{Enabled: aws.Bool(true)}); err != nil {
		t.Errorf("re-sending {Enabled: true}: %v", err)
	}
	if err := updateSSE(&types.SSESpecification{}); err != nil {
		t.Fatalf("back to the default key: %v", err)
	}
	wantAPIError(t, updateSSE(&types.SSESpecification{Enabled: aws.Bool(false)}),
		"ValidationException", "One or more parameter values were invalid: Table is already encrypted by default")
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("sseq")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.SSEDescription != nil {
		t.Errorf("SSEDescription on the default key: %+v", d.Table.SSEDescription)
	}
}

// TestQuirksUpdateTableOneChange: UpdateTable makes one logical change per
// call, and a refused combination changes nothing (DDB-TABLE-382, -433);
// a switch to PAY_PER_REQUEST with a stream is one of the pairs accepted.
func TestQuirksUpdateTableOneChange(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	in := createTableInput("oneq", hashS)
	in.BillingMode = types.BillingModeProvisioned
	in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "oneq")
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("oneq"),
		DeletionProtectionEnabled: aws.Bool(true), TableClass: types.TableClassStandardInfrequentAccess})
	wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid: TableClass modification must be the only operation in the request")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("oneq")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToBool(d.Table.DeletionProtectionEnabled) || d.Table.TableClassSummary != nil {
		t.Fatalf("the refused update changed the table: protection %v, class %+v", aws.ToBool(d.Table.DeletionProtectionEnabled), d.Table.TableClassSummary)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("oneq"),
		BillingMode:         types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}})
	if err != nil {
		t.Fatalf("PAY_PER_REQUEST with a stream: %v", err)
	}
	waitActive(t, c, "oneq")
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("oneq")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.BillingModeSummary == nil || d.Table.BillingModeSummary.BillingMode != types.BillingModePayPerRequest ||
		d.Table.StreamSpecification == nil || !aws.ToBool(d.Table.StreamSpecification.StreamEnabled) {
		t.Errorf("after the switch with a stream: billing %+v, stream %+v", d.Table.BillingModeSummary, d.Table.StreamSpecification)
	}
}

// TestQuirksTableClassStandardOnNewTable: TableClass STANDARD on a table
// that never had a class is answered and leaves TableClassSummary absent
// (DDB-TABLE-283); another class is recorded.
func TestQuirksTableClassStandardOnNewTable(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "classq", hashS)
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("classq"), TableClass: types.TableClassStandard}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("classq")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Table.TableClassSummary != nil {
		t.Errorf("TableClassSummary after STANDARD on a new table: %+v, want none", d.Table.TableClassSummary)
	}
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("classq"), TableClass: types.TableClassStandardInfrequentAccess}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "classq")
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("classq")})
	if err != nil {
		t.Fatal(err)
	}
	if s := d.Table.TableClassSummary; s == nil || s.TableClass != types.TableClassStandardInfrequentAccess {
		t.Errorf("TableClassSummary after STANDARD_INFREQUENT_ACCESS: %+v", s)
	}
}

// TestQuirksIndexThroughputWillNotChange: an index's throughput re-sent
// unchanged is refused as the table's is; a partial change passes
// (DDB-TABLE-164).
func TestQuirksIndexThroughputWillNotChange(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	pt := func(r, w int64) *types.ProvisionedThroughput {
		return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(r), WriteCapacityUnits: aws.Int64(w)}
	}
	in := createTableInput("gsipt", hashS)
	in.BillingMode = types.BillingModeProvisioned
	in.ProvisionedThroughput = pt(5, 5)
	in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS})
	in.GlobalSecondaryIndexes = []types.GlobalSecondaryIndex{{IndexName: aws.String("gsi1"),
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
		Projection:            &types.Projection{ProjectionType: types.ProjectionTypeAll},
		ProvisionedThroughput: pt(2, 2)}}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "gsipt")
	updateIndex := func(p *types.ProvisionedThroughput) error {
		_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("gsipt"),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("gsi1"), ProvisionedThroughput: p}}}})
		return err
	}
	wantAPIErrorPrefix(t, updateIndex(pt(2, 2)), "ValidationException",
		"The provisioned throughput for the index gsi1 will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for index gsi1: 2. Requested ReadCapacityUnits: 2. Current WriteCapacityUnits")
	if err := updateIndex(pt(2, 3)); err != nil {
		t.Fatalf("changing only the write units: %v", err)
	}
}
