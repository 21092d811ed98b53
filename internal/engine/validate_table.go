package engine

// Validation of CreateTable and UpdateTable requests, with DynamoDB's
// messages and in DynamoDB's order, beyond the API model's constraints
// (required members, lengths, enums), which every request has passed
// before an operation runs (operations.go).

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// tableNamePattern is the model's pattern for table names.
var tableNamePattern = regexp.MustCompile(`^[a-zA-Z0-9_.-]+$`)

// DynamoDB's limits on table settings.
const (
	minTableNameLen = 3
	maxTableNameLen = 255

	// maxCapacityUnits is the largest ReadCapacityUnits or
	// WriteCapacityUnits DynamoDB accepts in a request (its account limits
	// are far lower, but this is where its validation draws the line).
	maxCapacityUnits = 1_000_000_000_000
)

// validateArnTableName checks the table name inside an ARN given as
// CreateTable's TableName: the model's constraints apply to the member as
// an ARN, not to the name it holds.
func validateArnTableName(name string) error {
	if n := len(name); n < minTableNameLen || n > maxTableNameLen {
		return apierr.Validation("TableName must be at least 3 characters long and at most 255 characters long")
	}
	if !tableNamePattern.MatchString(name) {
		return apierr.Validationf("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+", name)
	}
	return nil
}

// checkCreateTableSchema refuses a CreateTable without AttributeDefinitions
// or KeySchema, or with more than two key elements, in the model's
// wording. The current API model no longer marks the two members required
// nor bounds the key schema (a replica of a global table is created from
// its source's ARN without them), so the validator does not; DynamoDB
// still refuses a table created without them.
func checkCreateTableSchema(in *api.CreateTableInput) error {
	var errs []string
	if in.AttributeDefinitions == nil {
		errs = append(errs, "Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null")
	}
	switch {
	case in.KeySchema == nil:
		errs = append(errs, "Value null at 'keySchema' failed to satisfy constraint: Member must not be null")
	case len(in.KeySchema) > 2:
		errs = append(errs, fmt.Sprintf("Value '%s' at 'keySchema' failed to satisfy constraint: Member must have length less than or equal to 2", keySchemaString(in.KeySchema)))
	}
	// A local index keeps the table's partition key and one sort key:
	// multi-attribute keys are for global indexes only, and an LSI's key
	// schema is bounded at two elements as the table's is.
	for i, lsi := range in.LocalSecondaryIndexes {
		if len(lsi.KeySchema) > 2 {
			errs = append(errs, fmt.Sprintf("Value '%s' at 'localSecondaryIndexes.%d.member.keySchema' failed to satisfy constraint: Member must have length less than or equal to 2", keySchemaString(lsi.KeySchema), i+1))
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return apierr.Validation("1 validation error detected: " + errs[0])
	}
	return apierr.Validationf("%d validation errors detected: %s", len(errs), strings.Join(errs, "; "))
}

// keySchemaString renders a key schema as DynamoDB's validation messages
// quote it.
func keySchemaString(ks []api.KeySchemaElement) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("KeySchemaElement(attributeName=%s, keyType=%s)", api.Str(k.AttributeName), api.Str(k.KeyType))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// validateBillingAndThroughput checks CreateTable's billing mode against its
// provisioned throughput.
func validateBillingAndThroughput(in *api.CreateTableInput) error {
	pt := in.ProvisionedThroughput
	if api.Str(in.BillingMode) == api.BillingModePayPerRequest {
		if pt != nil {
			return errNoThroughputOnDemand
		}
		return nil
	}
	if pt == nil || pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
		return apierr.Validation("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	}
	return validateThroughputBounds(pt)
}

var errNoThroughputOnDemand = apierr.Validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")

// validateThroughputBounds refuses capacity beyond what DynamoDB accepts.
func validateThroughputBounds(pt *api.ProvisionedThroughput) error {
	if r := api.Int(pt.ReadCapacityUnits, 0); r > maxCapacityUnits {
		return apierr.Validationf("Given value %d for ReadCapacityUnits is out of bounds", r)
	}
	if w := api.Int(pt.WriteCapacityUnits, 0); w > maxCapacityUnits {
		return apierr.Validationf("Given value %d for WriteCapacityUnits is out of bounds", w)
	}
	return nil
}

// validateKeySchema checks the table's key schema against its attribute
// definitions, in the order DynamoDB reports the problems.
func validateKeySchema(ks []api.KeySchemaElement, defs []api.AttributeDefinition) error {
	keys := make([]string, len(ks))
	for i, k := range ks {
		keys[i] = api.Str(k.AttributeName)
	}
	names := make([]string, len(defs))
	defined := make(map[string]bool, len(defs))
	for i, d := range defs {
		names[i] = api.Str(d.AttributeName)
		if defined[names[i]] {
			// DynamoDB's own sentence, without the usual prefix
			// (ack-api-quirks DDB-TABLE-442).
			return apierr.Validationf("Attribute Name is duplicated: %s", names[i])
		}
		defined[names[i]] = true
	}
	if len(keys) > len(names) {
		return apierr.Validation("Invalid KeySchema: Some index key attribute have no definition")
	}
	for _, k := range keys {
		if !defined[k] {
			return apierr.Validationf("One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
				strings.Join(keys, ", "), strings.Join(names, ", "))
		}
	}
	if len(keys) == 2 && keys[0] == keys[1] {
		return apierr.Validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	if api.Str(ks[0].KeyType) != api.KeyTypeHash {
		return apierr.Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(ks) == 2 && api.Str(ks[1].KeyType) != api.KeyTypeRange {
		return apierr.Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	}
	return nil
}

// validateCreateTable checks everything about a CreateTable request that
// does not depend on the catalog.
func validateCreateTable(in *api.CreateTableInput) error {
	if err := validateTableClass(in.TableClass); err != nil {
		return err
	}
	if err := checkCreateTableSchema(in); err != nil {
		return err
	}
	if err := validateBillingAndThroughput(in); err != nil {
		return err
	}
	if err := validateKeySchema(in.KeySchema, in.AttributeDefinitions); err != nil {
		return err
	}
	if err := refuseUnsupportedCreate(in); err != nil {
		return err
	}
	if err := validateCreateIndexes(in); err != nil {
		return err
	}
	if s := in.StreamSpecification; s != nil {
		switch {
		case !api.Bool(s.StreamEnabled) && s.StreamViewType != nil:
			return apierr.Validation("One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified")
		case api.Bool(s.StreamEnabled) && s.StreamViewType == nil:
			return apierr.Validation("One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required")
		}
	}
	if err := validateSSESpecification(in.SSESpecification); err != nil {
		return err
	}
	return validateOnDemandThroughput(in.OnDemandThroughput, api.Str(in.BillingMode) == api.BillingModePayPerRequest, false)
}

// errUnsupported refuses a DynamoDB feature Dynago does not implement yet.
// It is a ValidationException, so that clients fail loudly instead of
// believing a setting took effect.
func errUnsupported(feature string) error {
	return apierr.Validationf("Dynago does not support %s yet", feature)
}

// refuseUnsupportedCreate refuses the CreateTable members whose features
// are later work. A member that asks for nothing (StreamEnabled false) is
// accepted.
func refuseUnsupportedCreate(in *api.CreateTableInput) error {
	switch {
	case in.GlobalTableSourceArn != nil || in.GlobalTableSettingsReplicationMode != nil:
		return errUnsupported("global tables")
	}
	return validateCreateWarm(in)
}

// validateOnDemandThroughput checks OnDemandThroughput's maximums against
// the billing mode the table will have. UpdateTable accepts -1, which
// removes a maximum; CreateTable does not. The two operations word the
// billing-mode refusal slightly differently, as DynamoDB does.
func validateOnDemandThroughput(odt *api.OnDemandThroughput, onDemand, update bool) error {
	if emptyOnDemand(odt) {
		return nil
	}
	members := []struct {
		name string
		v    *int64
	}{{"MaxReadRequestUnits", odt.MaxReadRequestUnits}, {"MaxWriteRequestUnits", odt.MaxWriteRequestUnits}}
	if !onDemand {
		for _, m := range members {
			if m.v == nil {
				continue
			}
			if update {
				return apierr.Validationf("One or more parameter values were invalid: %s for OnDemandThroughput cannot be specified when the table BillingMode is PROVISIONED", m.name)
			}
			return apierr.Validationf("One or more parameter values were invalid: %s for OnDemandThroughput cannot be specified when table BillingMode is PROVISIONED.", m.name)
		}
	}
	for _, m := range members {
		if m.v == nil {
			continue
		}
		if v := *m.v; v == 0 || v < -1 || (v == -1 && !update) {
			return apierr.Validationf("One or more parameter values were invalid: Requested %s for OnDemandThroughput for table is outside of valid range", m.name)
		}
	}
	return nil
}

// validateUpdateTableRequest checks everything about an UpdateTable request
// that does not depend on the table, which DynamoDB reports before it looks
// the table up.
func validateUpdateTableRequest(in *api.UpdateTableInput) error {
	if err := validateTableClass(in.TableClass); err != nil {
		return err
	}
	if api.Str(in.BillingMode) == api.BillingModePayPerRequest && in.ProvisionedThroughput != nil {
		return errNoThroughputOnDemand
	}
	if in.ProvisionedThroughput != nil {
		if err := validateThroughputBounds(in.ProvisionedThroughput); err != nil {
			return err
		}
	}
	changes := updateTableChanges(in)
	if len(changes) == 0 {
		return errNothingToUpdate(in)
	}
	if in.GlobalSecondaryIndexUpdates != nil && len(in.GlobalSecondaryIndexUpdates) == 0 {
		// An empty list counts as absent for the check above only.
		return apierr.Validation(invalidPrefix + "List of GlobalSecondaryIndexUpdates is empty")
	}
	if err := checkSingleConcern(in, changes); err != nil {
		return err
	}
	if err := validateSSESpecification(in.SSESpecification); err != nil {
		return err
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create == nil && u.Update == nil && u.Delete == nil {
			return apierr.Validation("One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null")
		}
	}
	if s := in.StreamSpecification; s != nil {
		switch {
		case api.Bool(s.StreamEnabled) && s.StreamViewType == nil:
			return apierr.Validation("One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required")
		case !api.Bool(s.StreamEnabled) && s.StreamViewType != nil:
			return apierr.Validation("One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified")
		case len(in.GlobalSecondaryIndexUpdates) > 0:
			return apierr.Validation("One or more parameter values were invalid: You cannot create or delete index while changing stream status")
		case in.ProvisionedThroughput != nil || api.Str(in.BillingMode) == api.BillingModeProvisioned:
			// Even a switch to PROVISIONED without throughput (DDB-TABLE-382).
			return apierr.Validation("One or more parameter values were invalid: You cannot modify stream status while updating table IOPS")
		}
	}
	switch {
	case len(in.ReplicaUpdates) > 0 || len(in.GlobalTableWitnessUpdates) > 0 ||
		in.MultiRegionConsistency != nil || in.GlobalTableSettingsReplicationMode != nil:
		return errUnsupported("global tables")
	}
	return nil
}

// emptyOnDemand reports whether an OnDemandThroughput asks for nothing: an
// object without members is the same as none.
func emptyOnDemand(odt *api.OnDemandThroughput) bool {
	return odt == nil || (odt.MaxReadRequestUnits == nil && odt.MaxWriteRequestUnits == nil)
}

// validateTableClass refuses a TableClass outside the enum with DynamoDB's
// own sentence, which it answers instead of the model's enum constraint
// (ack-api-quirks DDB-TABLE-442; the validator leaves the member here).
func validateTableClass(c *string) error {
	if c == nil || *c == api.TableClassStandard || *c == api.TableClassStandardInfrequentAccess {
		return nil
	}
	return apierr.Validation("Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS].")
}
