package engine

// Point-in-time recovery settings: UpdateContinuousBackups and
// DescribeContinuousBackups. The setting lives in the table's catalog
// record (pitr_setting.go); turning it on turns on the table's change log
// with new images (refreshChangeLog), which is what a restore to a point
// in time replays onto a base copy (backup_data.go).
//
// Continuous backups (ContinuousBackupsStatus) are always ENABLED for a
// table, as DynamoDB reports them. DynamoDB's LatestRestorableDateTime lags
// the present by about five minutes; Dynago's lags it by logSlack, the
// time after which every change up to it is durable in the log.
//
// RestoreTableToPointInTime is in restore_pitr.go; the base copies it
// starts from, and the log's trim to the recovery period, in pitr_base.go.

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// defaultPITRBaseInterval is how often a PITR table's base copy is rolled
// forward: a restore replays at most this much log past the period start.
const defaultPITRBaseInterval = 24 * time.Hour

// pitrBaseInterval returns the configured base interval.
func (db *DB) pitrBaseInterval() time.Duration {
	if db.opts.PITRBaseInterval > 0 {
		return db.opts.PITRBaseInterval
	}
	return defaultPITRBaseInterval
}

// errContinuousTableNotFound is the TableNotFoundException the
// continuous-backup operations answer for a missing table.
func errContinuousTableNotFound(name string) error {
	return apierr.Newf(apierr.TableNotFoundException, "Table not found: %s", name)
}

// updateContinuousBackups turns point-in-time recovery on or off, or
// changes its recovery period.
func (db *DB) updateContinuousBackups(ctx context.Context, in *api.UpdateContinuousBackupsInput) (*api.UpdateContinuousBackupsOutput, error) {
	spec := in.PointInTimeRecoverySpecification // required by the model
	enable := api.Bool(spec.PointInTimeRecoveryEnabled)
	days := int64(defaultRecoveryDays)
	if spec.RecoveryPeriodInDays != nil {
		if !enable {
			// Even the default period is refused (ack-api-quirks DDB-TABLE-084).
			return nil, apierr.Validation("Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.")
		}
		days = *spec.RecoveryPeriodInDays
		if days < minRecoveryDays || days > maxRecoveryDays {
			return nil, apierr.Validationf("RecoveryPeriodInDays must be between %d and %d", minRecoveryDays, maxRecoveryDays)
		}
	}
	name := api.Str(in.TableName)
	e := db.lookup(name)
	if e == nil {
		return nil, errContinuousTableNotFound(name)
	}
	if e.restoring() {
		return nil, errContinuousTableNotFound(name)
	}
	if e.rec.Loading != nil {
		return nil, errTableLoading(e.table.Name)
	}
	if db.transientStatus(e) == api.TableStatusCreating {
		// ack-api-quirks DDB-TABLE-115; an UPDATING table is admitted.
		return nil, apierr.Newf(apierr.ContinuousBackupsUnavailableException, "Backups are being enabled for the table: %s. Please retry later", e.table.Name)
	}
	now := db.opts.Now()
	ne, err := db.updateRecord(ctx, e, errContinuousTableNotFound(name), func(rec *tableRecord) error {
		switch {
		case enable && rec.pitrEnabled():
			rec.PITR.RecoveryPeriodDays = days // the period changes; the log already runs
		case enable:
			rec.PITR = &pitrSetting{Enabled: true, RecoveryPeriodDays: days, EnabledAt: now.UnixMicro()}
		case rec.PITR != nil:
			rec.PITR.Enabled = false
		}
		refreshChangeLog(rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if enable && db.jobs != nil {
		// The base job copies the table's first base now.
		if err := db.jobs.RunSoon(ctx, jobPITRBase, pitrJobID); err != nil {
			return nil, err
		}
	}
	return &api.UpdateContinuousBackupsOutput{ContinuousBackupsDescription: db.continuousBackups(ne.rec, now)}, nil
}

// describeContinuousBackups answers a table's point-in-time recovery
// status and restorable window.
func (db *DB) describeContinuousBackups(ctx context.Context, in *api.DescribeContinuousBackupsInput) (*api.DescribeContinuousBackupsOutput, error) {
	name := api.Str(in.TableName)
	e := db.lookup(name)
	if e == nil || e.restoring() {
		return nil, errContinuousTableNotFound(name)
	}
	d := db.continuousBackups(e.rec, db.opts.Now())
	if err := db.raiseToBase(ctx, e.rec, d.PointInTimeRecoveryDescription); err != nil {
		return nil, err
	}
	return &api.DescribeContinuousBackupsOutput{ContinuousBackupsDescription: d}, nil
}

// raiseToBase raises a PITR window's EarliestRestorableDateTime to the
// table's base when the log before the base may be gone (pitrFloor): a
// recovery period lengthened after the log was trimmed to a shorter one
// cannot reach back further than what was kept.
func (db *DB) raiseToBase(ctx context.Context, rec *tableRecord, p *api.PointInTimeRecoveryDescription) error {
	if !rec.pitrEnabled() {
		return nil
	}
	floor, err := db.pitrFloor(ctx, rec)
	if err != nil || floor <= apiTimeMicros(*p.EarliestRestorableDateTime) {
		return err
	}
	// Described to the second, rounded up: every time in the window is
	// restorable.
	earliest := time.UnixMicro(floor).Add(time.Second - time.Microsecond).Truncate(time.Second)
	p.EarliestRestorableDateTime = api.Ptr(api.NewTime(earliest))
	if apiTime(*p.LatestRestorableDateTime).Before(earliest) {
		p.LatestRestorableDateTime = p.EarliestRestorableDateTime
	}
	return nil
}

// continuousBackups describes rec's continuous backups as of now.
func (db *DB) continuousBackups(rec *tableRecord, now time.Time) *api.ContinuousBackupsDescription {
	p := &api.PointInTimeRecoveryDescription{PointInTimeRecoveryStatus: api.Ptr(api.PointInTimeRecoveryStatusDisabled)}
	if rec.pitrEnabled() {
		earliest := time.UnixMicro(rec.PITR.EnabledAt)
		if start := now.Add(-rec.PITR.recoveryPeriod()); start.After(earliest) {
			earliest = start
		}
		latest := now.Add(-logSlack)
		if latest.Before(earliest) {
			latest = earliest
		}
		p = &api.PointInTimeRecoveryDescription{
			PointInTimeRecoveryStatus:  api.Ptr(api.PointInTimeRecoveryStatusEnabled),
			RecoveryPeriodInDays:       api.Ptr(rec.PITR.RecoveryPeriodDays),
			EarliestRestorableDateTime: api.Ptr(api.NewTime(earliest.Truncate(time.Second))),
			LatestRestorableDateTime:   api.Ptr(api.NewTime(latest.Truncate(time.Second))),
		}
	}
	return &api.ContinuousBackupsDescription{
		ContinuousBackupsStatus:        api.Ptr(api.ContinuousBackupsStatusEnabled),
		PointInTimeRecoveryDescription: p,
	}
}
