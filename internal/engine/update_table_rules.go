package engine

// UpdateTable's rules on which members one request may combine, as the
// ack-api-quirks lab probed them on DynamoDB (October 2026): UpdateTable
// makes one logical change per call. Encryption, the table class,
// deletion protection and warm throughput each must be the only change
// of their request; on-demand maximums combine only with a billing mode
// (DDB-TABLE-382, -433, -174). A refused request changes nothing.

import (
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// updateTableMembers are the members that make an UpdateTable request ask
// for a change, in the order DynamoDB's "At least one of …" message names
// them. MultiAccountReplicaReady and ReplicaTransitRoleArn are members of
// DynamoDB's own model, not of the public one: the message names them,
// and no request can carry them.
var updateTableMembers = []string{
	"ProvisionedThroughput", "BillingMode", "UpdateStreamEnabled", "GlobalSecondaryIndexUpdates",
	"SSESpecification", "ReplicaUpdates", "MultiAccountReplicaReady", "ReplicaTransitRoleArn",
	"MultiRegionConsistency", "DeletionProtectionEnabled", "OnDemandThroughput", "WarmThroughput", "TableClass",
}

// updateTableChanges names the members of in that ask for a change. An
// empty GlobalSecondaryIndexUpdates or OnDemandThroughput asks for
// nothing, and neither does MultiRegionConsistency alone: DynamoDB
// answers a request that carries only it as one without a change.
func updateTableChanges(in *api.UpdateTableInput) []string {
	var c []string
	add := func(present bool, name string) {
		if present {
			c = append(c, name)
		}
	}
	add(in.ProvisionedThroughput != nil, "ProvisionedThroughput")
	add(in.BillingMode != nil, "BillingMode")
	add(in.StreamSpecification != nil, "UpdateStreamEnabled")
	add(len(in.GlobalSecondaryIndexUpdates) > 0, "GlobalSecondaryIndexUpdates")
	add(in.SSESpecification != nil, "SSESpecification")
	add(len(in.ReplicaUpdates) > 0, "ReplicaUpdates")
	add(len(in.GlobalTableWitnessUpdates) > 0, "GlobalTableWitnessUpdates")
	add(in.GlobalTableSettingsReplicationMode != nil, "GlobalTableSettingsReplicationMode")
	add(in.DeletionProtectionEnabled != nil, "DeletionProtectionEnabled")
	add(!emptyOnDemand(in.OnDemandThroughput), "OnDemandThroughput")
	add(in.WarmThroughput != nil, "WarmThroughput")
	add(in.TableClass != nil, "TableClass")
	return c
}

// errNothingToUpdate is DynamoDB's answer to an UpdateTable without a
// change. Its list leaves out the members the request carries (a request
// with only MultiRegionConsistency is told the others).
func errNothingToUpdate(in *api.UpdateTableInput) error {
	names := make([]string, 0, len(updateTableMembers))
	for _, m := range updateTableMembers {
		if m == "MultiRegionConsistency" && in.MultiRegionConsistency != nil {
			continue
		}
		names = append(names, m)
	}
	last := len(names) - 1
	return apierr.Validation("At least one of " + strings.Join(names[:last], ", ") + " or " + names[last] + " is required")
}

// exclusiveUpdates are the changes that must be alone in their request,
// in the order DynamoDB picks the one its message names when a request
// holds several (DeletionProtection with SSE names SSE).
var exclusiveUpdates = []struct{ member, message string }{
	{"SSESpecification", invalidPrefix + "Server-Side Encryption modification must be the only operation in the request"},
	{"TableClass", invalidPrefix + "TableClass modification must be the only operation in the request"},
	{"DeletionProtectionEnabled", invalidPrefix + "DeletionProtection modification must be the only operation in the request"},
}

// checkSingleConcern refuses an UpdateTable that combines changes
// DynamoDB makes one per call; changes is updateTableChanges(in).
func checkSingleConcern(in *api.UpdateTableInput, changes []string) error {
	has := func(m string) bool {
		for _, c := range changes {
			if c == m {
				return true
			}
		}
		return false
	}
	if len(changes) < 2 {
		return nil
	}
	for _, x := range exclusiveUpdates {
		if has(x.member) {
			return apierr.Validation(x.message)
		}
	}
	if has("OnDemandThroughput") && (has("UpdateStreamEnabled") || has("WarmThroughput")) {
		return apierr.Validation(invalidPrefix + "OnDemandThroughput can only be combined with BillingMode in an UpdateTable request")
	}
	if has("WarmThroughput") {
		onlyIndexUpdates := len(changes) == 2 && has("GlobalSecondaryIndexUpdates")
		for _, u := range in.GlobalSecondaryIndexUpdates {
			if u.Create != nil {
				return apierr.Validation(invalidPrefix + "Create global secondary index cannot be specified when updating WarmThroughput")
			}
			onlyIndexUpdates = onlyIndexUpdates && u.Delete == nil
		}
		if onlyIndexUpdates {
			// The table's warm throughput and its indexes' in one call,
			// as the Developer Guide's update-table example does.
			return nil
		}
		return apierr.Validation(invalidPrefix + "WarmThroughput must be the only operation in the request")
	}
	return nil
}
