package engine

// The table's point-in-time recovery setting, and what it asks of the
// change log. The streams engine (stream_*.go) derives the same change-log
// setting from a table's stream; refreshChangeLog is the one place both
// needs are combined, so whichever of the two lands second merges its
// condition into it.

import (
	"time"

	"github.com/dynago/dynago/internal/api"
)

// pitrSetting is a table's point-in-time recovery setting, as
// UpdateContinuousBackups last set it.
type pitrSetting struct {
	Enabled bool `json:"enabled"`
	// RecoveryPeriodDays is RecoveryPeriodInDays, 1 to 35.
	RecoveryPeriodDays int64 `json:"days"`
	// EnabledAt is when PITR was last turned on (unix microseconds): the
	// change log of this period starts there, and nothing earlier is
	// restorable.
	EnabledAt int64 `json:"enabledAt"`
}

// Bounds of RecoveryPeriodInDays; DynamoDB's default is the maximum.
const (
	minRecoveryDays     = 1
	maxRecoveryDays     = 35
	defaultRecoveryDays = maxRecoveryDays
)

// pitrEnabled reports whether rec has point-in-time recovery on.
func (rec *tableRecord) pitrEnabled() bool { return rec.PITR != nil && rec.PITR.Enabled }

// recoveryPeriod returns how far back a PITR table is restorable.
func (p *pitrSetting) recoveryPeriod() time.Duration {
	return time.Duration(p.RecoveryPeriodDays) * 24 * time.Hour
}

// defaultChangeLogShards is how many logs a table's changes are spread
// over: one, since every backend here numbers a log's records without a
// shared bottleneck that more logs would relieve (see changelog.go).
const defaultChangeLogShards = 1

// refreshChangeLog derives rec.ChangeLog from the settings that need the
// change log: point-in-time recovery needs every record's new image (its
// restores replay them); an enabled stream needs the images its view type
// shows (stream_catalog.go); a backup being copied needs every record's
// old image (backup_resume.go); a Kinesis streaming destination being
// enabled or delivered to needs both (kinesis_destination.go). A table
// whose change log is already on keeps
// its shard count, so that one item's records stay in one log; a new
// stream brings its own count.
func refreshChangeLog(rec *tableRecord) {
	stream := rec.Stream != nil && rec.Stream.enabled()
	backingUp := len(rec.Backups) > 0
	kinesis := rec.kinesisLive()
	if !rec.pitrEnabled() && !stream && !backingUp && !kinesis {
		rec.ChangeLog = nil
		return
	}
	cl := &changeLogSetting{Shards: defaultChangeLogShards}
	switch {
	case rec.ChangeLog != nil:
		cl.Shards = rec.ChangeLog.Shards
	case rec.Stream != nil && len(rec.Stream.Logs) > 0:
		cl.Shards = len(rec.Stream.Logs)
	}
	if stream {
		vt := rec.Stream.ViewType
		cl.Old = vt == api.StreamViewTypeOldImage || vt == api.StreamViewTypeNewAndOldImages
		cl.New = vt == api.StreamViewTypeNewImage || vt == api.StreamViewTypeNewAndOldImages
	}
	cl.New = cl.New || rec.pitrEnabled() || kinesis
	cl.Old = cl.Old || backingUp || kinesis
	rec.ChangeLog = cl
}

// changeLogRetention returns how long the table's change-log records must
// be kept for point-in-time recovery (zero when it is off): the recovery
// period plus one base interval, since the rolling base lags the start of
// the period by up to one interval (pitr.go). A trim job of another user
// of the log (streams, whose records live 24 hours) keeps records at least
// this long; the PITR job itself trims only records its base already
// holds, which are older than the period and so older than any stream
// reader needs (the period is at least a day).
func (db *DB) changeLogRetention(rec *tableRecord) time.Duration {
	if !rec.pitrEnabled() {
		return 0
	}
	return rec.PITR.recoveryPeriod() + db.pitrBaseInterval()
}

// streamLogRetention is how long the stream job keeps change-log records
// of rec: a stream's retention, or longer while PITR needs them.
func (db *DB) streamLogRetention(rec *tableRecord) time.Duration {
	return max(db.streamRetention(), db.changeLogRetention(rec))
}
