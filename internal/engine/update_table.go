package engine

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// updateTable changes a table's billing mode, provisioned throughput,
// on-demand maximums, deletion protection, table class and encryption
// setting, its indexes and its stream (stream_catalog.go). Replica changes
// are later work and refused with a ValidationException. As in DynamoDB,
// the response reports the table UPDATING (its status as it is for a
// change of deletion protection, encryption or on-demand maximums alone:
// inPlaceUpdate) and,
// for a throughput change, the throughput before it; unlike
// DynamoDB, the change is complete when the call returns and DescribeTable
// reports the table ACTIVE with the new values.
func (db *DB) updateTable(ctx context.Context, in *api.UpdateTableInput) (*api.UpdateTableOutput, error) {
	if err := validateUpdateTableRequest(in); err != nil {
		return nil, err
	}
	name := *in.TableName
	e := db.lookup(name)
	if e == nil {
		return nil, errTableNotFound(name)
	}
	if e.restoring() {
		return nil, errTableNotFound(name)
	}
	if e.rec.Loading != nil {
		return nil, errTableLoading(e.table.Name)
	}
	now := db.opts.Now()
	inPlace, admitted := inPlaceUpdate(in)
	var before *api.ProvisionedThroughputDescription
	splitMore := false
	var submitted []jobRef
	status := api.TableStatusUpdating
	ne, err := db.changeCatalog(ctx, e.table.Name, nil, func(txn kv.Txn, rec *tableRecord) (*tableRecord, error) {
		before, splitMore, submitted = nil, false, nil
		if rec == nil {
			return nil, errTableNotFound(name)
		}
		switch cur := db.transientStatus(&catalogEntry{rec: rec}); {
		case admitted && cur == api.TableStatusUpdating:
			// Admitted while another update runs (DDB-TABLE-119).
		default:
			if err := db.checkChangeable(rec); err != nil {
				return nil, err
			}
		}
		if inPlace {
			// Leaves the table's status as it is (DDB-TABLE-017, -135).
			status = db.transientStatus(&catalogEntry{rec: rec})
		} else {
			rec.UpdatedAt = now.UnixNano()
		}
		var err error
		if before, err = db.applyTableUpdate(rec, in, now); err != nil {
			return nil, err
		}
		if err := db.applyIndexUpdates(rec, in); err != nil {
			return nil, err
		}
		if err := db.applyStreamSpec(ctx, txn, rec, in.StreamSpecification, now); err != nil {
			return nil, err
		}
		// Throughput that needs more partitions splits the stream's
		// shards (stream_split.go).
		if _, splitMore, err = db.splitStream(ctx, txn, rec, now, throughputPartitions(rec)); err != nil {
			return nil, err
		}
		submitted, err = submitIndexJobs(ctx, txn, rec)
		return rec, err
	})
	if err != nil {
		return nil, err
	}
	if splitMore {
		if err := db.splitStreamGenerations(ctx, ne); err != nil {
			return nil, err
		}
	}
	// The update's own jobs only (an index backfill or drop): waking the
	// runner for a scan of every job record costs more the more jobs
	// finished lately (jobs.Runner.WakeFor).
	for _, j := range submitted {
		db.wakeJob(j.kind, j.id)
	}

	items, size, err := db.cachedTableStats(ctx, ne.table)
	if err != nil {
		return nil, err
	}
	d := db.describe(ne, status, items, size)
	if before != nil {
		// DynamoDB answers while the new capacity is still being
		// provisioned: the response shows the old units.
		d.ProvisionedThroughput.ReadCapacityUnits = before.ReadCapacityUnits
		d.ProvisionedThroughput.WriteCapacityUnits = before.WriteCapacityUnits
	}
	return &api.UpdateTableOutput{TableDescription: d}, nil
}

// inPlaceUpdate reports whether an UpdateTable request changes only
// deletion protection, only encryption, only the on-demand maximums or
// only the warm throughput:
// DynamoDB applies these without taking the table through UPDATING
// (deletion protection and the maximums synchronously; encryption shows
// its own SSEDescription status instead), and admits the first two while
// another update runs (admitted), not the maximums.
func inPlaceUpdate(in *api.UpdateTableInput) (inPlace, admitted bool) {
	c := updateTableChanges(in)
	if len(c) != 1 {
		return false, false
	}
	switch c[0] {
	case "DeletionProtectionEnabled", "SSESpecification":
		return true, true
	case "OnDemandThroughput", "WarmThroughput":
		// Warm throughput has a status of its own; the table stays
		// ACTIVE (warm_throughput.go).
		return true, false
	}
	return false, false
}

// applyTableUpdate applies a validated UpdateTable request to rec, checking
// what depends on the table's current settings. It returns the throughput
// before a change of provisioned throughput within PROVISIONED mode (for the
// response), or nil.
func (db *DB) applyTableUpdate(rec *tableRecord, in *api.UpdateTableInput, now time.Time) (*api.ProvisionedThroughputDescription, error) {
	d := &rec.Desc
	t := api.NewTime(now)
	wasOnDemand := isOnDemand(d)
	onDemand := wasOnDemand
	if in.BillingMode != nil {
		onDemand = *in.BillingMode == api.BillingModePayPerRequest
	}
	switch {
	case wasOnDemand && in.BillingMode == nil && in.ProvisionedThroughput != nil:
		return nil, errNoThroughputOnDemand
	case wasOnDemand && !onDemand && in.ProvisionedThroughput == nil:
		return nil, apierr.Validation("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	}
	if err := validateOnDemandThroughput(in.OnDemandThroughput, onDemand, true); err != nil {
		return nil, err
	}
	if d.ProvisionedThroughput == nil {
		d.ProvisionedThroughput = &api.ProvisionedThroughputDescription{NumberOfDecreasesToday: api.Ptr[int64](0)}
	}
	pt := d.ProvisionedThroughput
	curR, curW := api.Int(pt.ReadCapacityUnits, 0), api.Int(pt.WriteCapacityUnits, 0)
	var before *api.ProvisionedThroughputDescription
	if in.ProvisionedThroughput != nil {
		newR, newW := api.Int(in.ProvisionedThroughput.ReadCapacityUnits, 0), api.Int(in.ProvisionedThroughput.WriteCapacityUnits, 0)
		if !wasOnDemand {
			if newR == curR && newW == curW {
				return nil, apierr.Validationf("The provisioned throughput for the table will not change. The requested value equals the current value. "+
					"Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. "+
					"Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. "+
					"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
					curR, newR, curW, newW)
			}
			before = &api.ProvisionedThroughputDescription{ReadCapacityUnits: api.Ptr(curR), WriteCapacityUnits: api.Ptr(curW)}
		}
		if newR > curR || newW > curW {
			pt.LastIncreaseDateTime = &t
		}
		if newR < curR || newW < curW {
			pt.LastDecreaseDateTime = &t
			n := int64(0)
			if rec.DecreasesDay == utcDay(now) {
				n = api.Int(pt.NumberOfDecreasesToday, 0)
			}
			pt.NumberOfDecreasesToday = api.Ptr(n + 1)
			rec.DecreasesDay = utcDay(now)
		}
		pt.ReadCapacityUnits, pt.WriteCapacityUnits = api.Ptr(newR), api.Ptr(newW)
	}
	switch {
	case onDemand && !wasOnDemand:
		pt.ReadCapacityUnits, pt.WriteCapacityUnits = api.Ptr[int64](0), api.Ptr[int64](0)
		d.BillingModeSummary = &api.BillingModeSummary{
			BillingMode:                       api.Ptr(api.BillingModePayPerRequest),
			LastUpdateToPayPerRequestDateTime: &t,
		}
	case !onDemand && wasOnDemand:
		d.BillingModeSummary.BillingMode = api.Ptr(api.BillingModeProvisioned)
		d.OnDemandThroughput = nil // the maximums belong to on-demand mode
	}
	if !emptyOnDemand(in.OnDemandThroughput) {
		d.OnDemandThroughput = mergeOnDemand(d.OnDemandThroughput, in.OnDemandThroughput)
	}
	if in.DeletionProtectionEnabled != nil {
		d.DeletionProtectionEnabled = api.Ptr(*in.DeletionProtectionEnabled)
	}
	switch {
	case in.TableClass == nil:
	case d.TableClassSummary == nil && *in.TableClass == api.TableClassStandard:
		// A table that never had a class is STANDARD: DynamoDB answers
		// the request and leaves TableClassSummary absent (DDB-TABLE-283).
	default:
		d.TableClassSummary = &api.TableClassSummary{TableClass: api.Ptr(*in.TableClass), LastUpdateDateTime: &t}
	}
	if in.SSESpecification != nil {
		if err := checkSSEChange(d.SSEDescription, in.SSESpecification); err != nil {
			return nil, err
		}
		d.SSEDescription = db.sseDescription(in.SSESpecification)
	}
	if err := updateTableWarm(d, in.WarmThroughput); err != nil {
		return nil, err
	}
	return before, nil
}

// checkSSEChange refuses the two encryption re-sends DynamoDB answers as
// no-ops (DDB-TABLE-082): the default key for a table on the default key,
// and the ARN of the key the table has. Any other re-send (an alias, a
// key id, {Enabled: true}) re-encrypts and succeeds.
func checkSSEChange(cur *api.SSEDescription, s *api.SSESpecification) error {
	switch {
	case cur == nil && !sseEnabled(s):
		return apierr.Validation(invalidPrefix + "Table is already encrypted by default")
	case cur != nil && s.KMSMasterKeyId != nil && *s.KMSMasterKeyId == api.Str(cur.KMSMasterKeyArn):
		return apierr.Validation(invalidPrefix + "Table is already encrypted with given KMSMasterKeyId. Use KMSMasterKeyId parameter if you want to change Master Key")
	}
	return nil
}

// isOnDemand reports whether a table is in PAY_PER_REQUEST mode. A table
// created PROVISIONED has no BillingModeSummary until it is first switched.
func isOnDemand(d *api.TableDescription) bool {
	return d.BillingModeSummary != nil && api.Str(d.BillingModeSummary.BillingMode) == api.BillingModePayPerRequest
}

// mergeOnDemand applies UpdateTable's OnDemandThroughput to the current
// maximums: a member sets its maximum, -1 removes it, an absent member keeps
// it. No maximums left means none.
func mergeOnDemand(cur, req *api.OnDemandThroughput) *api.OnDemandThroughput {
	out := &api.OnDemandThroughput{}
	if cur != nil {
		out.MaxReadRequestUnits, out.MaxWriteRequestUnits = copyInt(cur.MaxReadRequestUnits), copyInt(cur.MaxWriteRequestUnits)
	}
	set := func(dst **int64, v *int64) {
		switch {
		case v == nil:
		case *v == -1:
			*dst = nil
		default:
			*dst = api.Ptr(*v)
		}
	}
	set(&out.MaxReadRequestUnits, req.MaxReadRequestUnits)
	set(&out.MaxWriteRequestUnits, req.MaxWriteRequestUnits)
	if emptyOnDemand(out) {
		return nil
	}
	return out
}
