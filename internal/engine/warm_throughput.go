package engine

import (
	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// Warm throughput is the read and write rate a table or a GSI can take
// at once, before DynamoDB has to split partitions: informational for
// Dynago, whose capacity is the account's and the table's limits
// (throttle.go), but DynamoDB describes it on every table and index, and
// CreateTable and UpdateTable take it (CloudFormation, CDK and Terraform
// send it), so Dynago keeps what was asked and describes it as DynamoDB
// does:
//
//   - a table or index nobody set it on has DynamoDB's starting values,
//     12 000 read and 4 000 write units a second, whatever its billing
//     mode (a provisioned table of 2 and 2 units describes exactly that);
//   - a value set is described as set (DynamoDB accepts any value from 1,
//     below the starting values on a provisioned table), raised to the
//     provisioned capacity when that is higher, since provisioning more
//     warms the table to it;
//   - it only rises: an UpdateTable that lowers either value is refused;
//   - its Status follows the table's (or the index's) status. DynamoDB
//     shows UPDATING while it pre-warms; Dynago has nothing to warm, so an
//     increase is ACTIVE as soon as the update is.
const (
	defaultWarmReadUnits  = 12_000
	defaultWarmWriteUnits = 4_000
)

// warmValues are the read and write units a request's WarmThroughput sets
// over the current ones (zero: not set yet). A member left out keeps its
// current value.
func warmValues(curR, curW int64, w *api.WarmThroughput) (r, wr int64) {
	r, wr = curR, curW
	if w == nil {
		return r, wr
	}
	if w.ReadUnitsPerSecond != nil {
		r = *w.ReadUnitsPerSecond
	}
	if w.WriteUnitsPerSecond != nil {
		wr = *w.WriteUnitsPerSecond
	}
	return r, wr
}

// emptyWarm reports whether w asks for nothing: absent, or {} (taken as
// absent, as an empty OnDemandThroughput is).
func emptyWarm(w *api.WarmThroughput) bool {
	return w == nil || w.ReadUnitsPerSecond == nil && w.WriteUnitsPerSecond == nil
}

// warm is the one form Dynago handles warm throughput in: the table's
// and a GSI's API shapes have the same members, and convert to it
// (indexWarm, fromIndexWarm).
type warm = api.TableWarmThroughputDescription

func indexWarm(w *warm) *api.GlobalSecondaryIndexWarmThroughputDescription {
	if w == nil {
		return nil
	}
	g := api.GlobalSecondaryIndexWarmThroughputDescription(*w)
	return &g
}

func fromIndexWarm(g *api.GlobalSecondaryIndexWarmThroughputDescription) *warm {
	if g == nil {
		return nil
	}
	w := warm(*g)
	return &w
}

// newTableWarm records a CreateTable's WarmThroughput, the table's or a
// GSI's (nil when it set none, so the description shows the starting
// values).
func newTableWarm(w *api.WarmThroughput) *warm {
	if emptyWarm(w) {
		return nil
	}
	r, wr := warmValues(0, 0, w)
	return &warm{ReadUnitsPerSecond: positiveOrNil(r), WriteUnitsPerSecond: positiveOrNil(wr)}
}

// newIndexWarm records a GSI's WarmThroughput, as newTableWarm does.
func newIndexWarm(w *api.WarmThroughput) *api.GlobalSecondaryIndexWarmThroughputDescription {
	return indexWarm(newTableWarm(w))
}

func positiveOrNil(n int64) *int64 {
	if n <= 0 {
		return nil
	}
	return api.Ptr(n)
}

// effectiveWarm is what a table or index describes: the values set (the
// starting values where none was), raised to the provisioned capacity.
func effectiveWarm(set *warm, pt *api.ProvisionedThroughputDescription) (r, w int64) {
	r, w = defaultWarmReadUnits, defaultWarmWriteUnits
	if set != nil {
		r, w = api.Int(set.ReadUnitsPerSecond, r), api.Int(set.WriteUnitsPerSecond, w)
	}
	if pt != nil {
		r = max(r, api.Int(pt.ReadCapacityUnits, 0))
		w = max(w, api.Int(pt.WriteCapacityUnits, 0))
	}
	return r, w
}

// validateWarm refuses a WarmThroughput member below 1, the smallest
// value DynamoDB describes; what names the table or the index as
// errWarmDecrease does. (The wording follows DynamoDB's for an
// OnDemandThroughput out of range; no capture has this one.)
func validateWarm(w *api.WarmThroughput, what string) error {
	if w == nil {
		return nil
	}
	for _, m := range []struct {
		name string
		v    *int64
	}{{"ReadUnitsPerSecond", w.ReadUnitsPerSecond}, {"WriteUnitsPerSecond", w.WriteUnitsPerSecond}} {
		if m.v != nil && *m.v < 1 {
			return apierr.Validationf(invalidPrefix+"Requested %s for WarmThroughput for %s is outside of valid range", m.name, what)
		}
	}
	return nil
}

// validateCreateWarm checks a CreateTable's warm throughput, the table's
// and its GSIs'.
func validateCreateWarm(in *api.CreateTableInput) error {
	if err := validateWarm(in.WarmThroughput, "table"); err != nil {
		return err
	}
	for _, g := range in.GlobalSecondaryIndexes {
		if err := validateWarm(g.WarmThroughput, "index : "+api.Str(g.IndexName)); err != nil {
			return err
		}
	}
	return nil
}

// errWarmDecrease refuses an UpdateTable that would lower warm
// throughput. what names the table or the index as DynamoDB's other
// throughput messages do ("table", "index : <name>").
func errWarmDecrease(member, what string, current, requested int64) error {
	return apierr.Validationf(invalidPrefix+"Requested %s for WarmThroughput for %s is lower than the current value (current: %d, requested: %d): decreasing WarmThroughput is not supported",
		member, what, current, requested)
}

// raiseWarm applies an UpdateTable's WarmThroughput over the effective
// values cur (read, write), refusing a decrease of either.
func raiseWarm(curR, curW int64, w *api.WarmThroughput, what string) (r, wr int64, err error) {
	if err := validateWarm(w, what); err != nil {
		return 0, 0, err
	}
	r, wr = warmValues(curR, curW, w)
	switch {
	case r < curR:
		return 0, 0, errWarmDecrease("ReadUnitsPerSecond", what, curR, r)
	case wr < curW:
		return 0, 0, errWarmDecrease("WriteUnitsPerSecond", what, curW, wr)
	}
	return r, wr, nil
}

// raisedWarm is set after an UpdateTable's WarmThroughput w, or set
// itself when w asks for nothing.
func raisedWarm(set *warm, pt *api.ProvisionedThroughputDescription, w *api.WarmThroughput, what string) (*warm, error) {
	if emptyWarm(w) {
		return set, nil
	}
	curR, curW := effectiveWarm(set, pt)
	r, wr, err := raiseWarm(curR, curW, w, what)
	if err != nil {
		return nil, err
	}
	return &warm{ReadUnitsPerSecond: api.Ptr(r), WriteUnitsPerSecond: api.Ptr(wr)}, nil
}

// updateTableWarm applies UpdateTable's WarmThroughput to the table.
func updateTableWarm(d *api.TableDescription, w *api.WarmThroughput) error {
	next, err := raisedWarm(d.WarmThroughput, d.ProvisionedThroughput, w, "table")
	if err == nil {
		d.WarmThroughput = next
	}
	return err
}

// updateIndexWarm applies a GSI update's WarmThroughput to g.
func updateIndexWarm(g *api.GlobalSecondaryIndexDescription, w *api.WarmThroughput) error {
	next, err := raisedWarm(fromIndexWarm(g.WarmThroughput), g.ProvisionedThroughput, w, "index : "+api.Str(g.IndexName))
	if err == nil {
		g.WarmThroughput = indexWarm(next)
	}
	return err
}

// describeWarm fills in d's warm throughput and its GSIs' as DynamoDB
// describes them; d is a copy the caller owns, its statuses set.
func describeWarm(d *api.TableDescription) {
	d.WarmThroughput = describedWarm(d.WarmThroughput, d.ProvisionedThroughput, d.TableStatus)
	for i := range d.GlobalSecondaryIndexes {
		g := &d.GlobalSecondaryIndexes[i]
		g.WarmThroughput = indexWarm(describedWarm(fromIndexWarm(g.WarmThroughput), g.ProvisionedThroughput, g.IndexStatus))
	}
}

func describedWarm(set *warm, pt *api.ProvisionedThroughputDescription, status *string) *warm {
	r, w := effectiveWarm(set, pt)
	return &warm{ReadUnitsPerSecond: api.Ptr(r), WriteUnitsPerSecond: api.Ptr(w), Status: api.Ptr(api.Str(status))}
}
