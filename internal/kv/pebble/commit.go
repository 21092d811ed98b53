package pebble

import (
	"fmt"

	pdb "github.com/cockroachdb/pebble/v2"
)

// Every commit of the store goes through here (Update, its change-log
// path, DropRange, TrimLog), so that each one is refused while the disk is
// nearly full (space.go) or the store has failed (failure.go), registered
// for readers until it is durable (visibility.go), and handed to Pebble in
// the one way that returns WAL errors instead of calling Fatalf:
// DB.ApplyNoSyncWait, which returns once the batch is in the memtable and
// queued for the WAL, then Batch.SyncWait for the fsync. Group commit is
// unchanged: the syncs are Pebble's, shared by every batch queued while the
// previous one ran (see Update).

// admit reports whether a commit may start: nil, or why not.
func (s *Store) admit() error {
	if err := s.failure.get(); err != nil {
		return err
	}
	if err := s.space.check(); err != nil {
		return err
	}
	return nil
}

// commit commits b durably: see the comment at the top of this file. An
// in-memory store applies it and is done.
func (s *Store) commit(b *pdb.Batch) error {
	if err := s.admit(); err != nil {
		return err
	}
	if s.noWAL {
		if err := b.Commit(pdb.NoSync); err != nil {
			return fmt.Errorf("kv/pebble: commit: %w", err)
		}
		return nil
	}
	p, err := s.apply(b)
	if err != nil {
		return err
	}
	return s.synced(p, b.SyncWait())
}

// apply registers b and hands it to Pebble's commit pipeline; the caller
// then waits for b.SyncWait and calls synced. An error here means the
// pipeline is broken (a WAL write failed, or a memtable rotation could not
// create its WAL file): the batch may be half queued, and nothing later
// can commit, so the store fails.
func (s *Store) apply(b *pdb.Batch) (p *pending, err error) {
	p = s.unsynced.add(b)
	defer func() {
		// Pebble panics when its log writer already holds an error (the
		// batch that met it first got the error from SyncWait): the
		// commit pipeline's mutex is left locked, so the store is done.
		if r := recover(); r != nil {
			err = s.fatal(p, fmt.Errorf("kv/pebble: commit: %v", r))
		}
	}()
	if err := s.db.ApplyNoSyncWait(b, pdb.Sync); err != nil {
		return nil, s.fatal(p, fmt.Errorf("kv/pebble: commit: %w", err))
	}
	return p, nil
}

// synced ends the commit registered as p once its SyncWait returned
// syncErr: a failed fsync fails the store (Pebble's log writer keeps the
// error, so no later commit could succeed either).
func (s *Store) synced(p *pending, syncErr error) error {
	if syncErr != nil {
		return s.fatal(p, fmt.Errorf("kv/pebble: commit: WAL: %w", syncErr))
	}
	s.unsynced.done(p, nil)
	return nil
}

// fatal fails the store with err, leaves p registered as failed (so a read
// that may have seen its write fails too), and returns the store's failure
// error, which wraps ErrFailed and the first cause.
func (s *Store) fatal(p *pending, err error) error {
	failed := s.failure.fail(err)
	s.unsynced.done(p, failed)
	return failed
}
