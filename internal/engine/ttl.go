package engine

// Time to live: UpdateTimeToLive and DescribeTimeToLive. The setting lives
// in the table's catalog record; ttl_job.go deletes the expired items.
//
// DynamoDB passes through ENABLING and DISABLING (the latter for up to an
// hour) before settling. Dynago applies the change at once: the response
// echoes the specification as DynamoDB's does, and DescribeTimeToLive
// answers ENABLED or DISABLED straight away, so code that polls for ENABLED
// passes at its first poll.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// updateTimeToLive enables or disables TTL on a table.
func (db *DB) updateTimeToLive(ctx context.Context, in *api.UpdateTimeToLiveInput) (*api.UpdateTimeToLiveOutput, error) {
	spec := in.TimeToLiveSpecification // its members are required by the model
	attrName := *spec.AttributeName
	if attrName == "" {
		return nil, apierr.Validation("TimeToLiveSpecification.AttributeName must be non empty")
	}
	name := api.Str(in.TableName)
	e := db.lookup(name)
	if e == nil || e.restoring() {
		return nil, errTableNotFound(name)
	}
	if db.transientStatus(e) == api.TableStatusCreating {
		// DynamoDB admits TTL changes while a table is UPDATING, not while
		// it is CREATING (ack-api-quirks DDB-TABLE-115, -119).
		return nil, apierr.Newf(apierr.ResourceInUseException, "Attempt to change a resource which is still in use: Table %s is being created", e.table.Name)
	}
	enable := *spec.Enabled
	_, err := db.updateRecord(ctx, e, errTableNotFound(name), func(rec *tableRecord) error {
		enabled := rec.TTL != nil && api.Str(rec.TTL.TimeToLiveStatus) == api.TimeToLiveStatusEnabled
		// DynamoDB checks the attribute before the direction: enabling
		// another attribute of an enabled table names the current one, as
		// disabling it does (ack-api-quirks DDB-TABLE-146, -147).
		switch {
		case enabled && api.Str(rec.TTL.AttributeName) != attrName:
			return apierr.Validationf("TimeToLive is active on a different AttributeName: current AttributeName is %s", api.Str(rec.TTL.AttributeName))
		case enable && enabled:
			return apierr.Validation("TimeToLive is already enabled")
		case !enable && !enabled:
			return apierr.Validation("TimeToLive is already disabled")
		case enable:
			rec.TTL = &api.TimeToLiveDescription{AttributeName: api.Ptr(attrName), TimeToLiveStatus: api.Ptr(api.TimeToLiveStatusEnabled)}
		default:
			rec.TTL = &api.TimeToLiveDescription{TimeToLiveStatus: api.Ptr(api.TimeToLiveStatusDisabled)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if enable {
		db.wakeTTL(ctx)
	}
	return &api.UpdateTimeToLiveOutput{TimeToLiveSpecification: &api.TimeToLiveSpecification{
		AttributeName: api.Ptr(attrName),
		Enabled:       api.Ptr(enable),
	}}, nil
}

// describeTimeToLive answers a table's TTL status: DISABLED until enabled,
// then ENABLED with the attribute name.
func (db *DB) describeTimeToLive(ctx context.Context, in *api.DescribeTimeToLiveInput) (*api.DescribeTimeToLiveOutput, error) {
	name := api.Str(in.TableName)
	e := db.lookup(name)
	if e == nil {
		deleting, err := db.stillDeleting(ctx, name)
		if err != nil {
			return nil, err
		}
		if deleting {
			return nil, errTTLState(api.TableStatusDeleting)
		}
		return nil, errTableNotFound(name)
	}
	if e.restoring() {
		return nil, errTableNotFound(name)
	}
	if st := db.transientStatus(e); st == api.TableStatusCreating {
		return nil, errTTLState(st)
	}
	d := &api.TimeToLiveDescription{TimeToLiveStatus: api.Ptr(api.TimeToLiveStatusDisabled)}
	if t := e.rec.TTL; t != nil {
		d = &api.TimeToLiveDescription{TimeToLiveStatus: api.Ptr(api.Str(t.TimeToLiveStatus))}
		if t.AttributeName != nil {
			d.AttributeName = api.Ptr(*t.AttributeName)
		}
	}
	return &api.DescribeTimeToLiveOutput{TimeToLiveDescription: d}, nil
}

// errTTLState is DescribeTimeToLive's answer for a table that DescribeTable
// shows CREATING or DELETING (DDB-TABLE-115, -442).
func errTTLState(status string) error {
	return apierr.Validationf("Cannot describe time to live while table is in %s state: Current table state is %s", status, status)
}

// ttlAttribute returns the TTL attribute name of a table with TTL enabled,
// or "".
func (e *catalogEntry) ttlAttribute() string {
	if t := e.rec.TTL; t != nil && api.Str(t.TimeToLiveStatus) == api.TimeToLiveStatusEnabled {
		return api.Str(t.AttributeName)
	}
	return ""
}
