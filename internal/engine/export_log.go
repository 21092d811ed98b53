package engine

// What exports read from the change log: the state at a time of the items
// a snapshot holds changed after it (a full export rolls those back), and
// the changes of a window (an incremental export).
//
// The state of item k at time T is the new image of the last record of k
// at or before T. When the log holds no such record (k was not changed
// since the log began, or its older records were trimmed), it is known
// only if the first record after T tells it: an insert (k did not exist)
// or a record carrying the old image (a stream with old images). Otherwise
// the state is unknown and errStateUnknown says so: the export fails
// rather than write a guess. A full export reads the table's PITR base
// (pitr_base.go) instead whenever the base is older than its time, which
// removes the case; what is here serves the times before the first base
// and incremental exports.
//
// Each log is read from its start: the base job's trim bounds it to the
// recovery period.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// errStateUnknown means the change log cannot tell an item's state at the
// export's time.
var errStateUnknown = errors.New("the change log does not hold the state of an item at the export time (it was last changed before point-in-time recovery was enabled)")

// itemState is an item's state at a time: its stored bytes, or nil when
// it did not exist.
type itemState struct {
	known bool
	val   []byte
}

// firstAfter is what the first record of an item after a time tells of
// its state before it.
func firstAfter(r *changeRecord) itemState {
	switch {
	case r.Event == eventInsert:
		return itemState{known: true}
	case len(r.Old) > 0:
		return itemState{known: true, val: bytes.Clone(r.Old)}
	}
	return itemState{}
}

// after returns the state a record leaves its item in.
func (r *changeRecord) after() itemState {
	if r.Event == eventRemove {
		return itemState{known: true}
	}
	return itemState{known: true, val: bytes.Clone(r.New)}
}

// walkLog calls fn for every change record (not boundary markers) of t's
// logs, shard by shard, with Seq at most upTo[shard] (when upTo is set),
// and the record's item key. fn returns false to stop reading that shard.
func (db *DB) walkLog(ctx context.Context, t *Table, shards int, upTo []kv.Seq, fn func(key []byte, r *changeRecord) bool) error {
	for shard := range max(shards, 1) {
		log := changeLogName(t.ID, shard)
		var after kv.Seq
	shard:
		for {
			recs, err := db.store.ReadLog(ctx, log, after, logReadBatch)
			if err != nil {
				return err
			}
			if len(recs) == 0 {
				break
			}
			for _, lr := range recs {
				after = lr.Seq
				if upTo != nil && (shard >= len(upTo) || lr.Seq > upTo[shard]) {
					break shard
				}
				r, err := decodeChange(lr.Value)
				if err != nil {
					return err
				}
				if r.Marker != "" {
					continue
				}
				keys, err := attr.DecodeItemJSON(r.Keys)
				if err != nil {
					return fmt.Errorf("engine: change-log record keys: %w", err)
				}
				if !fn(itemKey(t, keys), r) {
					break shard
				}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// statesAt returns, for every item key in keys, its state at time at
// (unix µs) from t's change log; first holds what each key's first record
// after at said (firstAfter). An unknown state is errStateUnknown.
func (db *DB) statesAt(ctx context.Context, t *Table, shards int, at int64, first map[string]itemState) (map[string][]byte, error) {
	last := make(map[string]itemState, len(first))
	err := db.walkLog(ctx, t, shards, nil, func(key []byte, r *changeRecord) bool {
		if r.Time > at+logSlack.Microseconds() {
			return false
		}
		if r.Time > at {
			return true
		}
		if _, ok := first[string(key)]; ok {
			last[string(key)] = r.after()
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(first))
	for k, f := range first {
		s, ok := last[k]
		if !ok {
			s = f
		}
		if !s.known {
			return nil, errStateUnknown
		}
		out[k] = s.val
	}
	return out, nil
}

// rollbackSet returns the items a snapshot (at positions) holds in a
// state later than time at, each with its state at that time (nil: it did
// not exist then).
func (db *DB) rollbackSet(ctx context.Context, t *Table, shards int, positions []kv.Seq, at int64) (map[string][]byte, error) {
	first := map[string]itemState{}
	err := db.walkLog(ctx, t, shards, positions, func(key []byte, r *changeRecord) bool {
		if r.Time > at {
			if _, seen := first[string(key)]; !seen {
				first[string(key)] = firstAfter(r)
			}
		}
		return true
	})
	if err != nil || len(first) == 0 {
		return nil, err
	}
	return db.statesAt(ctx, t, shards, at, first)
}

// windowChange is an item's net change in an incremental export's window.
type windowChange struct {
	Keys json.RawMessage
	// Time is the last change's (unix µs); New the item after it (nil:
	// deleted).
	Time int64
	New  []byte
	// Old is the item before the window (nil: it did not exist); OldKnown
	// is false when the log cannot tell (see errStateUnknown), and the
	// line then has no OldImage.
	Old      []byte
	OldKnown bool
}

// windowChanges returns the net changes of t's items in [from, to), in
// the order of their last change per log.
func (db *DB) windowChanges(ctx context.Context, t *Table, shards int, from, to int64, withOld bool) ([]*windowChange, error) {
	byKey := map[string]*windowChange{}
	var order []string
	first := map[string]itemState{}
	err := db.walkLog(ctx, t, shards, nil, func(key []byte, r *changeRecord) bool {
		if r.Time >= to+logSlack.Microseconds() {
			return false
		}
		if r.Time < from || r.Time >= to {
			return true
		}
		k := string(key)
		c, ok := byKey[k]
		if !ok {
			c = &windowChange{Keys: bytes.Clone(r.Keys)}
			byKey[k] = c
			order = append(order, k)
			first[k] = firstAfter(r)
		}
		c.Time = r.Time
		c.New = r.after().val
		return true
	})
	if err != nil {
		return nil, err
	}
	if withOld && len(first) > 0 {
		last := map[string]itemState{}
		err := db.walkLog(ctx, t, shards, nil, func(key []byte, r *changeRecord) bool {
			if r.Time >= from+logSlack.Microseconds() {
				return false
			}
			if _, ok := first[string(key)]; ok && r.Time < from {
				last[string(key)] = r.after()
			}
			return true
		})
		if err != nil {
			return nil, err
		}
		for k, c := range byKey {
			s, ok := last[k]
			if !ok {
				s = first[k]
			}
			c.Old, c.OldKnown = s.val, s.known
		}
	}
	out := make([]*windowChange, 0, len(order))
	for _, k := range order {
		c := byKey[k]
		if c.New == nil && c.OldKnown && c.Old == nil {
			continue // created and deleted inside the window
		}
		out = append(out, c)
	}
	return out, nil
}
