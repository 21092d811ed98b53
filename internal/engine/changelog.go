package engine

// The change log: for a table with a stream or point-in-time recovery
// enabled, or a backup being copied, every item change appends a record to
// one of the table's logs (kv.Txn.AppendLog) in the same commit as the
// item, so a record exists if and only if its write committed, and readers
// see it only once durable. DynamoDB Streams are a view of these logs
// (stream_*.go); point-in-time recovery replays them onto a base snapshot
// (backup_*.go); a resumed backup rolls its copy back with them
// (backup_resume.go).
//
// A table has changeLogSetting.Shards logs, named s/<table id>/<n>; an item
// always goes to the log of its partition hash modulo the count, so the
// records of one item are in one log, in commit order. One log serialises
// the appends to it on some backends (TiKV: a counter per log), so tables
// on such a backend get several.
//
// A record is a small JSON object, built by hand from the item's stored
// bytes (no re-encoding):
//
//	{"t":<unix µs>,"o":<origin>,"e":<1 insert|2 modify|3 remove>,"k":{keys},"old":{item},"new":{item}}
//
// "old" and "new" appear when the table's setting asks for them (a stream's
// view type; PITR needs "new"; a backup being copied needs "old",
// backup_resume.go). A write that changes nothing (the new item
// is byte for byte the old one), a delete of a missing item and a failed
// condition append nothing, as DynamoDB writes no stream record for them.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// changeLogSetting says whether and how a table's writes are logged. It
// is derived from the table's stream and PITR settings (refreshChangeLog)
// and stored in its record, so every engine logs the same way.
type changeLogSetting struct {
	Shards int  `json:"shards"`
	Old    bool `json:"old,omitempty"` // records carry the old image
	New    bool `json:"new,omitempty"` // records carry the new image
}

// Change events, the "e" of a record.
const (
	eventInsert = 1
	eventModify = 2
	eventRemove = 3
)

// changeRecord is a decoded change-log record.
type changeRecord struct {
	Time   int64           `json:"t"` // unix microseconds
	Origin origin          `json:"o"`
	Event  int             `json:"e"`
	Keys   json.RawMessage `json:"k"`
	Old    json.RawMessage `json:"old,omitempty"`
	New    json.RawMessage `json:"new,omitempty"`

	// Marker, when set, makes the record a stream shard boundary rather
	// than a change (stream_catalog.go): it has a time and no event, keys
	// or images, and every reader of the log skips it.
	Marker string `json:"m,omitempty"`
}

// decodeChange parses a change-log record.
func decodeChange(b []byte) (*changeRecord, error) {
	r := new(changeRecord)
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("engine: corrupt change-log record: %w", err)
	}
	return r, nil
}

// changeLogName is the name of a table's log number shard:
// "s/<table id, 16 hex digits>/<shard>".
func changeLogName(tableID uint64, shard int) []byte {
	return appendChangeLogName(nil, tableID, shard)
}

// appendChangeLogName appends changeLogName(tableID, shard) to dst.
func appendChangeLogName(dst []byte, tableID uint64, shard int) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, 's', '/')
	for i := 60; i >= 0; i -= 4 {
		dst = append(dst, hex[tableID>>uint(i)&0xf])
	}
	dst = append(dst, '/')
	return strconv.AppendInt(dst, int64(shard), 10)
}

// changeLogShard returns the log of t (with setting cl) that the item at
// key goes to.
func changeLogShard(t *Table, cl *changeLogSetting, key []byte) int {
	if cl.Shards <= 1 {
		return 0
	}
	return int(itemKeyHash(t, key) % uint64(cl.Shards))
}

// liveChangeLog returns t's change-log setting as the catalog holds it now
// (nil: not logged), like liveIndexes.
func (db *DB) liveChangeLog(t *Table) *changeLogSetting {
	if e := db.cat.get(t.Name); e != nil && e.table.ID == t.ID {
		return e.rec.ChangeLog
	}
	return nil
}

// appendChange logs the change of the item at key from old (its stored
// bytes, nil: none) to new (nil: deleted; newBytes its stored bytes), if
// it changed anything. item is the new item, or the old one for a delete:
// the record's keys are its key attributes.
//
// This is on every write of a logged table, so it allocates nothing but
// what the store keeps: the record and the log's name are built in one
// pooled buffer (AppendLog copies both), and the keys are written from the
// item without a key map of their own.
func (db *DB) appendChange(txn kv.Txn, t *Table, cl *changeLogSetting, key []byte, item attr.Item, oldBytes, newBytes []byte, from origin) error {
	event := eventModify
	switch {
	case oldBytes == nil && newBytes == nil:
		return nil // a delete of nothing
	case oldBytes == nil:
		event = eventInsert
	case newBytes == nil:
		event = eventRemove
	case string(oldBytes) == string(newBytes):
		return nil // nothing changed
	}
	bp := db.changeBufs.get()
	defer db.changeBufs.put(bp)
	b := *bp
	b = append(b, `{"t":`...)
	b = strconv.AppendInt(b, db.opts.Now().UnixMicro(), 10)
	b = append(b, `,"o":`...)
	b = strconv.AppendInt(b, int64(from), 10)
	b = append(b, `,"e":`...)
	b = strconv.AppendInt(b, int64(event), 10)
	b = append(b, `,"k":`...)
	if t.Range.Name == "" {
		b = attr.AppendItemJSON(b, attr.Item{t.Hash.Name: item[t.Hash.Name]})
	} else {
		b = attr.AppendItemJSON(b, attr.Item{t.Hash.Name: item[t.Hash.Name], t.Range.Name: item[t.Range.Name]})
	}
	if cl.Old && oldBytes != nil {
		b = append(b, `,"old":`...)
		b = append(b, oldBytes...)
	}
	if cl.New && newBytes != nil {
		b = append(b, `,"new":`...)
		b = append(b, newBytes...)
	}
	b = append(b, '}')
	n := len(b)
	b = appendChangeLogName(b, t.ID, changeLogShard(t, cl, key)) // the log's name, after the record
	*bp = b
	if db.streaming(t) {
		noteStreamRecord(txn, t.Name) // stream_metrics.go
	}
	return txn.AppendLog(b[n:], b[:n])
}

// recordPool holds the *[]byte buffers change-log records are built in.
// Buffers that grew past maxPooledRecord (a record of big items) are
// dropped rather than pinned in the pool.
type recordPool struct{ p sync.Pool }

// maxPooledRecord bounds the buffers recordPool keeps: two 400 KB images.
const maxPooledRecord = 1 << 20 // 1 MB

func (rp *recordPool) get() *[]byte {
	if b, ok := rp.p.Get().(*[]byte); ok {
		*b = (*b)[:0]
		return b
	}
	b := make([]byte, 0, 1024)
	return &b
}

func (rp *recordPool) put(b *[]byte) {
	if cap(*b) <= maxPooledRecord {
		rp.p.Put(b)
	}
}

// changeTime returns a record's time.
func (r *changeRecord) changeTime() time.Time { return time.UnixMicro(r.Time) }
