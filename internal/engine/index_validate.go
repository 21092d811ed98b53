package engine

// Validation of the GlobalSecondaryIndexes and LocalSecondaryIndexes of a
// CreateTable request, with DynamoDB's messages and in its order: the
// LSIs, then the GSIs, each index checked in turn, then the limits, then
// the attribute definitions no key uses.

import (
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// DynamoDB's limits on secondary indexes.
const (
	maxGSIs = 20
	maxLSIs = 5

	// maxProjectedNonKey is the total of NonKeyAttributes over every index
	// of a table (an attribute projected into two indexes counts twice).
	maxProjectedNonKey = 100
)

const invalidPrefix = "One or more parameter values were invalid: "

// validateCreateIndexes checks a CreateTable request's indexes against its
// key schema and attribute definitions, after the table's own key schema
// passed.
func validateCreateIndexes(in *api.CreateTableInput) error {
	if in.LocalSecondaryIndexes != nil && len(in.LocalSecondaryIndexes) == 0 {
		return apierr.Validation(invalidPrefix + "List of LocalSecondaryIndexes is empty")
	}
	if in.GlobalSecondaryIndexes != nil && len(in.GlobalSecondaryIndexes) == 0 {
		return apierr.Validation(invalidPrefix + "List of GlobalSecondaryIndexes is empty")
	}
	if len(in.LocalSecondaryIndexes) == 0 && len(in.GlobalSecondaryIndexes) == 0 {
		if len(in.KeySchema) != len(in.AttributeDefinitions) {
			return apierr.Validation(invalidPrefix + "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
		}
		return nil
	}
	defs := make([]string, len(in.AttributeDefinitions))
	defined := make(map[string]bool, len(defs))
	for i, d := range in.AttributeDefinitions {
		defs[i] = api.Str(d.AttributeName)
		defined[defs[i]] = true
	}
	used := []string{}
	use := func(ks []api.KeySchemaElement) {
		for _, k := range ks {
			n := api.Str(k.AttributeName)
			found := false
			for _, u := range used {
				found = found || u == n
			}
			if !found {
				used = append(used, n)
			}
		}
	}
	use(in.KeySchema)
	names := map[string]bool{}
	nonKey := 0
	onDemand := api.Str(in.BillingMode) == api.BillingModePayPerRequest

	if len(in.LocalSecondaryIndexes) > 0 {
		if len(in.KeySchema) != 2 {
			return apierr.Validation(invalidPrefix + "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
		tableHash := api.Str(in.KeySchema[0].AttributeName)
		for _, l := range in.LocalSecondaryIndexes {
			name := api.Str(l.IndexName)
			if len(l.KeySchema) > 2 {
				return apierr.Validationf(msgMultiLSI, name)
			}
			if err := validateIndexKeySchema(l.KeySchema, defs, defined, false); err != nil {
				return err
			}
			if len(l.KeySchema) != 2 {
				return apierr.Validationf(invalidPrefix+"Index KeySchema does not have a range key for index: %s", name)
			}
			if h := api.Str(l.KeySchema[0].AttributeName); h != tableHash {
				return apierr.Validationf(invalidPrefix+"Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", name, h, tableHash)
			}
			n, err := validateProjection(l.Projection)
			if err != nil {
				return err
			}
			nonKey += n
			if names[name] {
				return apierr.Validationf(invalidPrefix+"Duplicate index name: %s", name)
			}
			names[name] = true
			use(l.KeySchema)
		}
		if len(in.LocalSecondaryIndexes) > maxLSIs {
			return apierr.Validationf(invalidPrefix+"Number of LocalSecondaryIndexes exceeds per-table limit of %d", maxLSIs)
		}
	}
	for _, g := range in.GlobalSecondaryIndexes {
		name := api.Str(g.IndexName)
		if err := validateIndexKeySchema(g.KeySchema, defs, defined, true); err != nil {
			return err
		}
		n, err := validateProjection(g.Projection)
		if err != nil {
			return err
		}
		nonKey += n
		switch {
		case onDemand && g.ProvisionedThroughput != nil:
			return apierr.Validationf(invalidPrefix+"ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", name)
		case !onDemand && g.ProvisionedThroughput == nil:
			return apierr.Validationf(invalidPrefix+"ProvisionedThroughput is not specified for index: %s", name)
		case !onDemand:
			if err := validateThroughputBounds(g.ProvisionedThroughput); err != nil {
				return err
			}
		}
		if err := validateIndexOnDemand(g.OnDemandThroughput, onDemand, name); err != nil {
			return err
		}
		if names[name] {
			return apierr.Validationf(invalidPrefix+"Duplicate index name: %s", name)
		}
		names[name] = true
		use(g.KeySchema)
	}
	if len(in.GlobalSecondaryIndexes) > maxGSIs {
		return apierr.Validationf(invalidPrefix+"GlobalSecondaryIndex count exceeds the per-table limit of %d", maxGSIs)
	}
	if nonKey > maxProjectedNonKey {
		return apierr.Validationf(invalidPrefix+"Number of projected attributes in all indexes exceeds limit of %d", maxProjectedNonKey)
	}
	if len(used) != len(defs) {
		return apierr.Validationf(invalidPrefix+"Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]",
			strings.Join(defs, ", "), strings.Join(used, ", "))
	}
	return nil
}

// validateIndexKeySchema checks one index's key schema: its attributes
// defined, hash first, range second, distinct; or, for a GSI with several
// HASH or RANGE elements, the rules of multi-attribute keys (index_multi.go).
func validateIndexKeySchema(ks []api.KeySchemaElement, defs []string, defined map[string]bool, global bool) error {
	keys := make([]string, len(ks))
	for i, k := range ks {
		keys[i] = api.Str(k.AttributeName)
	}
	for _, k := range keys {
		if !defined[k] {
			return apierr.Validationf(invalidPrefix+"Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
				strings.Join(keys, ", "), strings.Join(defs, ", "))
		}
	}
	if global && isMultiKeySchema(ks) {
		return validateMultiKeySchema(ks)
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

// validateProjection checks an index's Projection and returns how many
// NonKeyAttributes it adds to the table's total.
func validateProjection(p *api.Projection) (int, error) {
	if p == nil || p.ProjectionType == nil {
		return 0, apierr.Validation(invalidPrefix + "Unknown ProjectionType: null")
	}
	t := *p.ProjectionType
	if t != api.ProjectionTypeInclude {
		if p.NonKeyAttributes != nil {
			return 0, apierr.Validationf(invalidPrefix+"ProjectionType is %s, but NonKeyAttributes is specified", t)
		}
		return 0, nil
	}
	if len(p.NonKeyAttributes) == 0 {
		return 0, apierr.Validation(invalidPrefix + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
	}
	seen := make(map[string]bool, len(p.NonKeyAttributes))
	for _, n := range p.NonKeyAttributes {
		if seen[n] {
			return 0, apierr.Validationf(invalidPrefix+"Duplicate element in NonKeyAttributes: %s", n)
		}
		seen[n] = true
	}
	return len(p.NonKeyAttributes), nil
}

// validateIndexOnDemand checks a GSI's OnDemandThroughput.
func validateIndexOnDemand(odt *api.OnDemandThroughput, onDemand bool, index string) error {
	if emptyOnDemand(odt) {
		return nil
	}
	members := []struct {
		name string
		v    *int64
	}{{"MaxReadRequestUnits", odt.MaxReadRequestUnits}, {"MaxWriteRequestUnits", odt.MaxWriteRequestUnits}}
	for _, m := range members {
		if m.v == nil {
			continue
		}
		if !onDemand {
			return apierr.Validationf(invalidPrefix+"%s for OnDemandThroughput for index : %s cannot be specified when the table BillingMode is PROVISIONED", m.name, index)
		}
		if *m.v < 1 {
			return apierr.Validationf(invalidPrefix+"Requested %s for OnDemandThroughput for index : %s is outside of valid range", m.name, index)
		}
	}
	return nil
}
