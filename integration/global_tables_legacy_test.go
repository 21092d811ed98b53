package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The legacy (2017.11.29) global-table operations and the replica auto
// scaling pair answer as DynamoDB does in 2026 for a regional table and for
// a missing name alike (engine/global_tables_legacy.go, from the
// ack-api-quirks lab's probes).
func TestGlobalTablesLegacy(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	in := createTableInput("regional", hashRangeS)
	in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, "regional")
	const legacy = "One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 is not supported. We recommend using DynamoDB global tables version 2019.11.21, instead of version 2017.11.29 (Legacy)."
	group := []types.Replica{{RegionName: aws.String("us-east-1")}, {RegionName: aws.String("us-west-2")}}

	_, err := c.CreateGlobalTable(ctx, &dynamodb.CreateGlobalTableInput{GlobalTableName: aws.String("regional"), ReplicationGroup: group})
	wantAPIError(t, err, "ValidationException", legacy)
	_, err = c.CreateGlobalTable(ctx, &dynamodb.CreateGlobalTableInput{GlobalTableName: aws.String("missing"), ReplicationGroup: group})
	wantAPIError(t, err, "ValidationException", legacy)

	for _, name := range []string{"regional", "missing"} {
		_, err = c.DescribeGlobalTable(ctx, &dynamodb.DescribeGlobalTableInput{GlobalTableName: aws.String(name)})
		wantAPIError(t, err, "GlobalTableNotFoundException", "Global table not found: Global table with name: '"+name+"' does not exist.")
		_, err = c.DescribeGlobalTableSettings(ctx, &dynamodb.DescribeGlobalTableSettingsInput{GlobalTableName: aws.String(name)})
		wantAPIError(t, err, "GlobalTableNotFoundException", "Global table with name: '"+name+"' does not exist.")
		_, err = c.UpdateGlobalTableSettings(ctx, &dynamodb.UpdateGlobalTableSettingsInput{GlobalTableName: aws.String(name), GlobalTableBillingMode: types.BillingModePayPerRequest})
		wantAPIError(t, err, "GlobalTableNotFoundException", "Global table with name: '"+name+"' does not exist.")
		_, err = c.UpdateGlobalTable(ctx, &dynamodb.UpdateGlobalTableInput{GlobalTableName: aws.String(name),
			ReplicaUpdates: []types.ReplicaUpdate{{Delete: &types.DeleteReplicaAction{RegionName: aws.String("us-west-2")}}}})
		wantAPIError(t, err, "GlobalTableNotFoundException", "Global table with name: '"+name+"' does not exist.")
		// A Create is refused for the version before the name is looked up.
		_, err = c.UpdateGlobalTable(ctx, &dynamodb.UpdateGlobalTableInput{GlobalTableName: aws.String(name),
			ReplicaUpdates: []types.ReplicaUpdate{{Create: &types.CreateReplicaAction{RegionName: aws.String("us-west-2")}}}})
		wantAPIError(t, err, "ValidationException", legacy)
		_, err = c.UpdateGlobalTable(ctx, &dynamodb.UpdateGlobalTableInput{GlobalTableName: aws.String(name), ReplicaUpdates: []types.ReplicaUpdate{}})
		wantAPIError(t, err, "ValidationException", "One or more parameter values were invalid")

		_, err = c.DescribeTableReplicaAutoScaling(ctx, &dynamodb.DescribeTableReplicaAutoScalingInput{TableName: aws.String(name)})
		wantAPIError(t, err, "ResourceNotFoundException", "Global table with name: "+name+" does not exist.")
		_, err = c.UpdateTableReplicaAutoScaling(ctx, &dynamodb.UpdateTableReplicaAutoScalingInput{TableName: aws.String(name),
			ProvisionedWriteCapacityAutoScalingUpdate: &types.AutoScalingSettingsUpdate{AutoScalingDisabled: aws.Bool(true)}})
		wantAPIError(t, err, "ResourceNotFoundException", "Global table with name: "+name+" does not exist.")
	}

	list, err := c.ListGlobalTables(ctx, &dynamodb.ListGlobalTablesInput{RegionName: aws.String("us-east-1"), Limit: aws.Int32(1)})
	if err != nil || list.GlobalTables == nil || len(list.GlobalTables) != 0 || list.LastEvaluatedGlobalTableName != nil {
		t.Fatalf("ListGlobalTables: %+v, %v; want an empty list and no LastEvaluatedGlobalTableName", list, err)
	}
	// The regional table is untouched by all of it.
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("regional")})
	if err != nil || d.Table.TableStatus != types.TableStatusActive || d.Table.GlobalTableVersion != nil || d.Table.Replicas != nil {
		t.Fatalf("DescribeTable after: %+v, %v", d, err)
	}
}
