package pebble

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dynago/dynago/internal/kv"
)

// Keys of the change log, all under kv.ReservedPrefix, so no Reader method
// returns them and no caller can write them:
//
//	record: 0xff 'L' uvarint(len(log)) log seq(8 bytes BE) → the record
//	head:   0xff 'H' uvarint(len(log)) log                 → the log's last Seq, 8 bytes BE
//
// The length prefix makes a log's prefix prefix-free (a uvarint is itself
// prefix-free, and equal lengths mean equal names), so one log's records
// never fall inside another log's key range, and the big-endian Seq after it
// sorts a log's records in Seq order. The head is written by TrimLog, in
// the batch of its range deletion: it is the Seq a trimmed log's counter had
// reached, so Seqs keep increasing after a trim that left no record and a
// restart. Where a log's counter stands is its last record's Seq or its
// head, whichever is higher (logPosition, log.go). Stores written before
// commits stopped rewriting the head hold a head equal to the last Seq in
// every logged commit's batch; the same rule reads them.
const (
	recordTag = 'L'
	headTag   = 'H'
	seqLen    = 8 // bytes of a big-endian Seq
)

// errEmptyLog is returned for a log name of no bytes.
var errEmptyLog = errors.New("kv/pebble: log name must not be empty")

// errReserved is returned for a write to a key under kv.ReservedPrefix.
var errReserved = errors.New("kv/pebble: keys starting with kv.ReservedPrefix (0xff) are the store's own")

// reservedStart is the first reserved key: every Reader's iteration stops
// before it, and range deletions are cut short of it.
var reservedStart = []byte{kv.ReservedPrefix}

// isReserved reports whether key lies in the reserved range.
func isReserved(key []byte) bool {
	return len(key) > 0 && key[0] == kv.ReservedPrefix
}

// clampEnd returns end, or reservedStart if end is nil or past it: the
// upper bound of a caller's range never reaches the reserved keys.
func clampEnd(end []byte) []byte {
	if end == nil || (len(end) > 0 && end[0] == kv.ReservedPrefix) {
		return reservedStart
	}
	return end
}

// logKeyPrefix returns tag, the length of log and log, after the reserved
// byte.
func logKeyPrefix(tag byte, log []byte) []byte {
	k := make([]byte, 0, 2+binary.MaxVarintLen64+len(log)+seqLen)
	k = append(k, kv.ReservedPrefix, tag)
	k = binary.AppendUvarint(k, uint64(len(log)))
	return append(k, log...)
}

// recordPrefix is the prefix of every record key of log.
func recordPrefix(log []byte) []byte { return logKeyPrefix(recordTag, log) }

// headKey is the key of log's head.
func headKey(log []byte) []byte { return logKeyPrefix(headTag, log) }

// appendRecordKey appends the key of the record seq of the log whose record
// prefix is prefix.
func appendRecordKey(dst, prefix []byte, seq kv.Seq) []byte {
	dst = append(dst, prefix...)
	return binary.BigEndian.AppendUint64(dst, uint64(seq))
}

// recordRangeEnd returns the exclusive upper bound of the records of a log
// with Seq at most upTo.
func recordRangeEnd(prefix []byte, upTo kv.Seq) []byte {
	if upTo == ^kv.Seq(0) {
		return prefixEnd(prefix)
	}
	return appendRecordKey(nil, prefix, upTo+1)
}

// prefixEnd returns the first key after every key that starts with prefix.
// A log prefix ends in its name or its length byte, and since it starts
// with 0xff 'L' it is never all 0xff, so the loop always finds a byte to
// increment.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // unreachable for log prefixes
}

// recordSeq decodes the Seq at the end of a record key.
func recordSeq(key []byte) (kv.Seq, error) {
	if len(key) < seqLen {
		return 0, fmt.Errorf("kv/pebble: log record key %q is too short", key)
	}
	return kv.Seq(binary.BigEndian.Uint64(key[len(key)-seqLen:])), nil
}

// encodeSeq is the stored form of a head.
func encodeSeq(seq kv.Seq) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, seqLen), uint64(seq))
}

// decodeSeq reads a head's value.
func decodeSeq(v []byte) (kv.Seq, error) {
	if len(v) != seqLen {
		return 0, fmt.Errorf("kv/pebble: log head of %d bytes, want %d", len(v), seqLen)
	}
	return kv.Seq(binary.BigEndian.Uint64(v)), nil
}
