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
