package engine

// pitrSetting is a table's point-in-time recovery setting. Only Enabled is
// defined here, so that refreshChangeLog can keep the change log on while
// PITR needs it; the backups work (backup_*.go) owns the rest of it.
type pitrSetting struct {
	Enabled bool `json:"enabled"`
}
