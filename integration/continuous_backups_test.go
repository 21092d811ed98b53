package integration

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// UpdateContinuousBackups and DescribeContinuousBackups through the SDK:
// what Terraform's aws_dynamodb_table reads and sets on every table.
func TestContinuousBackupsSDK(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "pitr_sdk", hashS)

	d, err := c.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String("pitr_sdk")})
	if err != nil {
		t.Fatal(err)
	}
	if d.ContinuousBackupsDescription.ContinuousBackupsStatus != types.ContinuousBackupsStatusEnabled ||
		d.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusDisabled {
		t.Fatalf("new table: %+v", d.ContinuousBackupsDescription.PointInTimeRecoveryDescription)
	}

	before := time.Now().Add(-time.Second)
	u, err := c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
		TableName: aws.String("pitr_sdk"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: aws.Bool(true), RecoveryPeriodInDays: aws.Int32(7)},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := u.ContinuousBackupsDescription.PointInTimeRecoveryDescription
	if p.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled || aws.ToInt32(p.RecoveryPeriodInDays) != 7 {
		t.Fatalf("enabled: %+v", p)
	}
	if e := aws.ToTime(p.EarliestRestorableDateTime); e.Before(before) || e.After(time.Now()) {
		t.Errorf("EarliestRestorableDateTime %v, want about now", e)
	}

	_, err = c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
		TableName:                        aws.String("pitr_sdk_absent"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
	})
	wantAPIError(t, err, "TableNotFoundException", "Table not found: pitr_sdk_absent")

	u, err = c.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
		TableName:                        aws.String("pitr_sdk"),
		PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(false)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := u.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus; s != types.PointInTimeRecoveryStatusDisabled {
		t.Errorf("disabled: %s", s)
	}
}
