package engine

// A table being filled by a restore or an import. Such a table is in the
// catalog (its name is taken, so a second restore or CreateTable of the
// name fails with ResourceInUseException as DynamoDB's does) but is
// described CREATING and serves no item operation, UpdateTable or
// DeleteTable until the job that fills it clears tableRecord.Loading in
// the same commit as its last write: a half-restored table is never
// ACTIVE.

import (
	"github.com/dynago/dynago/internal/apierr"
)

// loadingState says what fills a CREATING table, so that a restart's job
// finds the table it owns.
type loadingState struct {
	// Kind is "restore" or "import".
	Kind string `json:"kind"`
	// Job is the key of the leased job filling the table.
	Job string `json:"job"`
	// Backup is the id of the backup a restore reads (DeleteBackup
	// refuses to delete it meanwhile); Source the id of the table a
	// point-in-time restore reads (its base is not rolled meanwhile).
	Backup string `json:"backup,omitempty"`
	Source uint64 `json:"source,omitempty"`
}

// errTableLoading is DynamoDB's answer to a change of a table that is
// still being created.
func errTableLoading(name string) error {
	return apierr.Newf(apierr.ResourceInUseException,
		"Attempt to change a resource which is still in use: Table is being created: %s", name)
}
