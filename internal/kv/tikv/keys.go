package tikv

import (
	"encoding/binary"
	"errors"

	"github.com/dynago/dynago/internal/kv"
)

// valueTag is the first byte of every stored value. client-go refuses empty
// values (its write buffer takes one for a deletion), while the contract
// stores them, so every value is stored behind this byte. A later change of
// format can use another tag.
const valueTag = 0x01

// encodeValue returns the stored form of v: valueTag, then v.
func encodeValue(v []byte) []byte {
	out := make([]byte, 1+len(v))
	out[0] = valueTag
	copy(out[1:], v)
	return out
}

// errBadValue means a stored value lacks valueTag: the key was written by
// something other than this package.
var errBadValue = errors.New("kv/tikv: stored value has an unknown format (written by another client?)")

// decodeValue returns the value inside a stored value, sharing its bytes.
func decodeValue(stored []byte) ([]byte, error) {
	if len(stored) == 0 || stored[0] != valueTag {
		return nil, errBadValue
	}
	return stored[1:], nil
}

// Keys of the change log, all under kv.ReservedPrefix:
//
//	counter: 0xff 'c' esc(log)          → the log's last Seq, 8 bytes big-endian
//	record:  0xff 'r' esc(log) seq(8 B) → the record
//
// esc makes a log name self-delimiting (0x00 becomes 0x00 0xff, and 0x00
// 0x01 ends it), so no log's records fall inside another log's range and a
// big-endian seq after it sorts records by Seq.
const (
	counterTag = 'c'
	recordTag  = 'r'
)

// appendEscaped appends the self-delimiting form of name.
func appendEscaped(dst, name []byte) []byte {
	for _, b := range name {
		dst = append(dst, b)
		if b == 0 {
			dst = append(dst, 0xff)
		}
	}
	return append(dst, 0x00, 0x01)
}

// counterKey is the key of log's counter.
func counterKey(log []byte) []byte {
	return appendEscaped([]byte{kv.ReservedPrefix, counterTag}, log)
}

// recordPrefix is the prefix of every record key of log.
func recordPrefix(log []byte) []byte {
	return appendEscaped([]byte{kv.ReservedPrefix, recordTag}, log)
}

// recordKey is the key of log's record seq.
func recordKey(prefix []byte, seq kv.Seq) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefix...), uint64(seq))
}

// prefixEnd returns the first key after every key starting with prefix,
// which never ends in 0xff here (escaped names end in 0x01).
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	end[len(end)-1]++
	return end
}

// encodeSeq is the stored form of a counter.
func encodeSeq(seq kv.Seq) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(seq))
}

// decodeSeq reads a counter or the Seq at the end of a record key.
func decodeSeq(b []byte) (kv.Seq, error) {
	if len(b) < 8 {
		return 0, errors.New("kv/tikv: corrupt log counter or record key")
	}
	return kv.Seq(binary.BigEndian.Uint64(b[len(b)-8:])), nil
}

// reservedStart is the first reserved key: iterators never go past it.
var reservedStart = []byte{kv.ReservedPrefix}
