package pebble

import (
	"context"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// OpenOnFS opens a store whose files go through fs, for the fault tests of
// the external test package (faults_test.go), which run the engine and the
// wire handler over a store on an error-injecting filesystem. It exists
// only in tests; docs/reliability.md describes the exported hook a
// server-level fault test would need instead.
func OpenOnFS(dir string, opts Options, fs vfs.FS) (*Store, error) {
	opts.fs = fs
	return Open(dir, opts)
}

// CompactAll flushes the memtable and compacts the whole key space, so a
// test can make Pebble read every sstable.
func (s *Store) CompactAll() error {
	if err := s.db.Flush(); err != nil {
		return err
	}
	return s.db.Compact(context.Background(), nil, []byte{0xff, 0xff, 0xff, 0xff}, true)
}
