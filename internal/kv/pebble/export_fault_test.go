package pebble

import "context"

// CompactAll flushes the memtable and compacts the whole key space, so a
// test can make Pebble read every sstable.
func (s *Store) CompactAll() error {
	if err := s.db.Flush(); err != nil {
		return err
	}
	return s.db.Compact(context.Background(), nil, []byte{0xff, 0xff, 0xff, 0xff}, true)
}
