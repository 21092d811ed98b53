package pebble

import (
	"fmt"

	pdb "github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/atomicfs"
)

// formatVersionMarker is the name of Pebble's atomic marker that records a
// store's format major version (Pebble's formatVersionMarkerName; the
// marker is part of the on-disk format, so the name is fixed).
const formatVersionMarker = "format-version"

// startAtNewestFormat marks an empty store directory as being at Pebble's
// newest format, before Pebble opens it.
//
// Pebble creates a new store at the oldest format it supports and then
// ratchets it one version at a time to Options.FormatMajorVersion, moving
// the version marker (a file and a directory sync) at each step: eleven
// directory syncs for Pebble v2.1's formats 14 to 24, each a disk flush
// before the server's first answer (one took 133 ms under load). A store
// with no data has nothing to migrate, so the marker is set once, at the
// newest version, in the same way Pebble moves it (atomicfs.Marker: the
// file, then a directory sync); Pebble then finds a store at that version
// with no manifest, and creates one.
//
// Only a directory that exists and holds nothing is marked: anything else
// (an existing store, a creation that crashed after taking the lock, a
// directory Pebble must create) is left to Pebble. If the marker cannot be
// written (another process marked it first), Pebble decides as before.
func startAtNewestFormat(fs vfs.FS, dir string) error {
	ls, err := fs.List(dir)
	if err != nil || len(ls) > 0 {
		return nil
	}
	m, vers, err := atomicfs.LocateMarkerInListing(fs, dir, formatVersionMarker, ls)
	if err != nil {
		return nil
	}
	defer m.Close()
	if vers != "" {
		return nil
	}
	return moveMarker(m, pdb.FormatNewest.String())
}

// moveMarker is m.Move, whose failed directory sync panics, with that
// panic turned into an error.
func moveMarker(m *atomicfs.Marker, value string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("kv/pebble: format marker: %w", e)
				return
			}
			err = fmt.Errorf("kv/pebble: format marker: %v", r)
		}
	}()
	// A marker file that could not be created (another process created
	// it first) leaves the decision to Pebble; only a failed sync, which
	// means the disk lost writes, is an error.
	_ = m.Move(value)
	return nil
}
