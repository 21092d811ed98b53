package engine

// UpdateTable's GlobalSecondaryIndexUpdates: Create adds a GSI in state
// CREATING (Backfilling) and starts its backfill; Delete moves a GSI to
// DELETING and starts the drop of its entries; Update changes a GSI's
// provisioned throughput or on-demand maximums at once.

import (
	"fmt"
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// msgOneOnlineIndex is DynamoDB's refusal of a second index creation or
// deletion while one is in progress (or in the same request).
const msgOneOnlineIndex = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"

// validateIndexUpdatesRequest checks GlobalSecondaryIndexUpdates without
// the table: one action per update, one update per index.
func validateIndexUpdatesRequest(in *api.UpdateTableInput) error {
	names := map[string]bool{}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		n := 0
		var name string
		if u.Create != nil {
			n++
			name = api.Str(u.Create.IndexName)
		}
		if u.Update != nil {
			n++
			name = api.Str(u.Update.IndexName)
		}
		if u.Delete != nil {
			n++
			name = api.Str(u.Delete.IndexName)
		}
		if n > 1 {
			return apierr.Validation(invalidPrefix + "Only one global secondary index action is allowed per GlobalSecondaryIndexUpdate object")
		}
		if names[name] {
			return apierr.Validationf(invalidPrefix+"Only one global secondary index update per index is allowed simultaneously. Index: %s", name)
		}
		names[name] = true
	}
	return nil
}

// applyIndexUpdates applies a request's GlobalSecondaryIndexUpdates to
// rec. New indexes get ids and the state CREATING; deleted ones DELETING.
func (db *DB) applyIndexUpdates(rec *tableRecord, in *api.UpdateTableInput) error {
	if err := validateIndexUpdatesRequest(in); err != nil {
		return err
	}
	if err := applyIndexBilling(rec, in); err != nil {
		return err
	}
	if len(in.GlobalSecondaryIndexUpdates) == 0 {
		return nil
	}
	d := &rec.Desc
	onDemand := isOnDemand(d)
	if in.BillingMode != nil {
		onDemand = *in.BillingMode == api.BillingModePayPerRequest
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		// Creating or deleting an index that is being deleted is refused
		// before the one-online-change limit (DDB-TABLE-163).
		name := ""
		switch {
		case u.Create != nil:
			name = api.Str(u.Create.IndexName)
		case u.Delete != nil:
			name = api.Str(u.Delete.IndexName)
		}
		if i := gsiAt(d, name); name != "" && i >= 0 && api.Str(d.GlobalSecondaryIndexes[i].IndexStatus) == api.IndexStatusDeleting {
			return errIndexBeingDeleted(rec, name)
		}
	}
	online := 0
	for _, g := range d.GlobalSecondaryIndexes {
		if s := api.Str(g.IndexStatus); s == api.IndexStatusCreating || s == api.IndexStatusDeleting {
			online++
		}
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		if u.Create != nil || u.Delete != nil {
			if in.ProvisionedThroughput != nil {
				return apierr.Validation(invalidPrefix + "You cannot create or delete index while updating table IOPS")
			}
			online++
		}
	}
	if online > 1 {
		return apierr.New(apierr.LimitExceededException, msgOneOnlineIndex)
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		var err error
		switch {
		case u.Create != nil:
			err = db.createIndexUpdate(rec, in, u.Create, onDemand)
		case u.Delete != nil:
			err = deleteIndexUpdate(rec, api.Str(u.Delete.IndexName))
		case u.Update != nil:
			err = updateIndexUpdate(rec, u.Update, onDemand)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// gsiAt returns the position of the GSI named name in d, or -1.
func gsiAt(d *api.TableDescription, name string) int {
	for i, g := range d.GlobalSecondaryIndexes {
		if api.Str(g.IndexName) == name {
			return i
		}
	}
	return -1
}

func hasLSI(d *api.TableDescription, name string) bool {
	for _, l := range d.LocalSecondaryIndexes {
		if api.Str(l.IndexName) == name {
			return true
		}
	}
	return false
}

func (db *DB) createIndexUpdate(rec *tableRecord, in *api.UpdateTableInput, c *api.CreateGlobalSecondaryIndexAction, onDemand bool) error {
	d := &rec.Desc
	name := api.Str(c.IndexName)
	if gsiAt(d, name) >= 0 || hasLSI(d, name) {
		return apierr.Validation("Attempting to create an index which already exists")
	}
	if in.AttributeDefinitions == nil {
		return apierr.Validationf(invalidPrefix+"AttributeDefinitions is not specified for index: %s", name)
	}
	// The request's definitions join the table's; a redefinition must
	// agree with the table's.
	merged := append([]api.AttributeDefinition(nil), d.AttributeDefinitions...)
	have := map[string]string{}
	for _, a := range merged {
		have[api.Str(a.AttributeName)] = api.Str(a.AttributeType)
	}
	var added []api.AttributeDefinition
	for _, a := range in.AttributeDefinitions {
		an, at := api.Str(a.AttributeName), api.Str(a.AttributeType)
		if old, ok := have[an]; ok {
			if old != at {
				return apierr.Validationf(invalidPrefix+"Cannot change the type of attribute %s from %s to %s", an, old, at)
			}
			continue
		}
		have[an] = at
		added = append(added, api.AttributeDefinition{AttributeName: api.Ptr(an), AttributeType: api.Ptr(at)})
	}
	defs := make([]string, len(in.AttributeDefinitions))
	defined := map[string]bool{}
	for i, a := range in.AttributeDefinitions {
		defs[i] = api.Str(a.AttributeName)
		defined[defs[i]] = true
	}
	if err := validateIndexKeySchema(c.KeySchema, defs, defined, true); err != nil {
		return err
	}
	if _, err := validateProjection(c.Projection); err != nil {
		return err
	}
	switch {
	case onDemand && c.ProvisionedThroughput != nil:
		return apierr.Validationf(invalidPrefix+"Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: %s when BillingMode is PAY_PER_REQUEST", name)
	case !onDemand && c.ProvisionedThroughput == nil:
		return apierr.Validationf(invalidPrefix+"ProvisionedThroughput must be specified for index: %s", name)
	case !onDemand:
		if err := validateThroughputBounds(c.ProvisionedThroughput); err != nil {
			return err
		}
	}
	if len(d.GlobalSecondaryIndexes) >= maxGSIs {
		return apierr.Newf(apierr.LimitExceededException, invalidPrefix+"GlobalSecondaryIndex count exceeds the per-table limit of %d", maxGSIs)
	}
	for _, a := range added {
		for _, k := range c.KeySchema {
			if api.Str(k.AttributeName) == api.Str(a.AttributeName) {
				d.AttributeDefinitions = append(d.AttributeDefinitions, a)
			}
		}
	}
	rec.assignIndexID(name)
	g := db.gsiDescription(api.Str(d.TableName), c.IndexName, c.KeySchema, c.Projection, c.ProvisionedThroughput, c.OnDemandThroughput, onDemand, api.IndexStatusCreating)
	g.Backfilling = api.Ptr(true)
	g.WarmThroughput = newIndexWarm(c.WarmThroughput)
	d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, g)
	return nil
}

// errIndexUpdateNotFound is DynamoDB's answer to an UpdateTable that
// deletes or updates a global secondary index the table does not
// have (ack-api-quirks DDB-TABLE-161, 2026-10-08). A local secondary
// index's name is not found either, as issue 18 records it; the lab
// recorded a ValidationException for it instead ("Cannot delete an index
// that is not a GlobalSecondaryIndex: <name>", DDB-TABLE-137), which
// docs/validation.md leaves open.
func errIndexUpdateNotFound(rec *tableRecord, name string) error {
	return apierr.Newf(apierr.ResourceNotFoundException, "Requested resource not found: Index %s for table %s", name, api.Str(rec.Desc.TableName))
}

// errIndexBeingDeleted refuses a change to an index that is DELETING.
func errIndexBeingDeleted(rec *tableRecord, name string) error {
	return apierr.Newf(apierr.ResourceInUseException, "Index is being deleted. Table: %s Index: %s", api.Str(rec.Desc.TableName), name)
}

func deleteIndexUpdate(rec *tableRecord, name string) error {
	i := gsiAt(&rec.Desc, name)
	if i < 0 {
		return errIndexUpdateNotFound(rec, name)
	}
	g := &rec.Desc.GlobalSecondaryIndexes[i]
	if api.Str(g.IndexStatus) == api.IndexStatusDeleting {
		return errIndexBeingDeleted(rec, name)
	}
	g.IndexStatus = api.Ptr(api.IndexStatusDeleting)
	g.Backfilling = nil
	delete(rec.Insights, name) // its Contributor Insights rules go with it
	return nil
}

func updateIndexUpdate(rec *tableRecord, u *api.UpdateGlobalSecondaryIndexAction, onDemand bool) error {
	name := api.Str(u.IndexName)
	i := gsiAt(&rec.Desc, name)
	if i < 0 {
		return errIndexUpdateNotFound(rec, name)
	}
	g := &rec.Desc.GlobalSecondaryIndexes[i]
	if u.ProvisionedThroughput != nil {
		if onDemand {
			return apierr.Validationf(invalidPrefix+"The only Updates for index: %s when TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, WarmThroughput", name)
		}
		pt := u.ProvisionedThroughput
		if pt.ReadCapacityUnits == nil || pt.WriteCapacityUnits == nil {
			return apierr.Validationf(invalidPrefix+"Both ReadCapacityUnits and WriteCapacityUnits must be specified for index: %s", name)
		}
		if err := validateThroughputBounds(pt); err != nil {
			return err
		}
		if g.ProvisionedThroughput == nil {
			g.ProvisionedThroughput = &api.ProvisionedThroughputDescription{NumberOfDecreasesToday: api.Ptr[int64](0)}
		}
		curR, curW := api.Int(g.ProvisionedThroughput.ReadCapacityUnits, 0), api.Int(g.ProvisionedThroughput.WriteCapacityUnits, 0)
		if newR, newW := *pt.ReadCapacityUnits, *pt.WriteCapacityUnits; newR == curR && newW == curW {
			// As for the table's throughput (DDB-TABLE-164).
			return apierr.Validationf("The provisioned throughput for the index %s will not change. The requested value equals the current value. "+
				"Current ReadCapacityUnits provisioned for index %s: %d. Requested ReadCapacityUnits: %d. "+
				"Current WriteCapacityUnits provisioned for index %s: %d. Requested WriteCapacityUnits: %d. "+
				"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
				name, name, curR, newR, name, curW, newW)
		}
		g.ProvisionedThroughput.ReadCapacityUnits = copyInt(pt.ReadCapacityUnits)
		g.ProvisionedThroughput.WriteCapacityUnits = copyInt(pt.WriteCapacityUnits)
	}
	if !emptyOnDemand(u.OnDemandThroughput) {
		if err := validateIndexOnDemand(u.OnDemandThroughput, onDemand, name); err != nil {
			return err
		}
		g.OnDemandThroughput = mergeOnDemand(g.OnDemandThroughput, u.OnDemandThroughput)
	}
	return updateIndexWarm(g, u.WarmThroughput)
}

// pruneAttributeDefinitions drops the definitions no key of the table or
// of its remaining indexes uses, as DynamoDB does when an index goes.
func pruneAttributeDefinitions(d *api.TableDescription) {
	schemas := [][]api.KeySchemaElement{d.KeySchema}
	for _, g := range d.GlobalSecondaryIndexes {
		schemas = append(schemas, g.KeySchema)
	}
	for _, l := range d.LocalSecondaryIndexes {
		schemas = append(schemas, l.KeySchema)
	}
	d.AttributeDefinitions = definitionsUsed(d.AttributeDefinitions[:0], d.AttributeDefinitions, schemas)
}

// definitionsUsed appends to out the definitions of defs that a key of
// one of schemas names.
func definitionsUsed(out, defs []api.AttributeDefinition, schemas [][]api.KeySchemaElement) []api.AttributeDefinition {
	used := map[string]bool{}
	for _, ks := range schemas {
		for _, k := range ks {
			used[api.Str(k.AttributeName)] = true
		}
	}
	for _, a := range defs {
		if used[api.Str(a.AttributeName)] {
			out = append(out, a)
		}
	}
	return out
}

// indexJobKey returns "j/backfill/<table id>/<index id>" (hex), where a
// backfill keeps the last base item key it finished.
func indexJobKey(tableID, indexID uint64) []byte {
	return fmt.Appendf(nil, "j/backfill/%016x/%016x", tableID, indexID)
}

// applyIndexBilling follows a change of billing mode on the GSIs: an
// on-demand table's GSIs have no provisioned capacity, and a table
// switched to PROVISIONED needs capacity for every GSI in the same request
// (an Update action per index).
func applyIndexBilling(rec *tableRecord, in *api.UpdateTableInput) error {
	if in.BillingMode == nil {
		return nil
	}
	gs := rec.Desc.GlobalSecondaryIndexes
	switch *in.BillingMode {
	case api.BillingModePayPerRequest:
		for i := range gs {
			if pt := gs[i].ProvisionedThroughput; pt != nil {
				pt.ReadCapacityUnits, pt.WriteCapacityUnits = api.Ptr[int64](0), api.Ptr[int64](0)
			}
		}
	case api.BillingModeProvisioned:
		given := map[string]bool{}
		for _, u := range in.GlobalSecondaryIndexUpdates {
			if u.Update != nil && u.Update.ProvisionedThroughput != nil {
				given[api.Str(u.Update.IndexName)] = true
			}
		}
		var missing []string
		for _, g := range gs {
			pt := g.ProvisionedThroughput
			if !given[api.Str(g.IndexName)] && (pt == nil || api.Int(pt.ReadCapacityUnits, 0) == 0) {
				missing = append(missing, api.Str(g.IndexName))
			}
		}
		if len(missing) > 0 {
			return apierr.Validationf(invalidPrefix+"ProvisionedThroughput must be specified for index: %s", strings.Join(missing, ","))
		}
	}
	return nil
}
