package engine

// Which item keys an import has written. An import fills a table nothing
// else writes (it is Loading), so an item key it has not written holds no
// item, and the write needs no read of the old item (on Pebble a point
// read of an absent key was 60 % of an import's commit time). importSeen
// is a Bloom filter of the keys written in this run of the job: a key it
// has not seen is written blindly, a key it may have seen (written before,
// or a false positive) is read first as any write is. A run resumed from
// a checkpoint cannot know what earlier runs wrote and reads every key.

import (
	"hash/maphash"
)

const (
	// seenBitsPerItem sizes the filter: 16 bits per expected item gives
	// about 0.05 % false positives with seenProbes probes.
	seenBitsPerItem = 16
	seenProbes      = 4
	// seenMinBytesPerItem is the fewest input bytes (compressed) an item
	// is assumed to take, to bound the expected item count from the
	// objects' sizes.
	seenMinBytesPerItem = 16
	// seenMaxBits caps the filter at 64 MB; beyond it the false positive
	// rate rises and the import only reads more.
	seenMaxBits = 512 << 20
)

// importSeen is a Bloom filter of item keys. A nil *importSeen has seen
// every key.
type importSeen struct {
	seed maphash.Seed
	bits []uint64
}

// newImportSeen returns a filter sized for inputBytes of input.
func newImportSeen(inputBytes int64) *importSeen {
	n := min(max(inputBytes/seenMinBytesPerItem, 1024)*seenBitsPerItem, seenMaxBits)
	return &importSeen{seed: maphash.MakeSeed(), bits: make([]uint64, (n+63)/64)}
}

// probes returns the filter's bit positions for key (double hashing).
func (s *importSeen) probes(key []byte, fn func(bit uint64)) {
	h := maphash.Bytes(s.seed, key)
	h1, h2 := h, h>>32|h<<32|1
	m := uint64(len(s.bits)) * 64
	for i := range uint64(seenProbes) {
		fn((h1 + i*h2) % m)
	}
}

// mayHave reports whether key may have been added.
func (s *importSeen) mayHave(key []byte) bool {
	if s == nil {
		return true
	}
	all := true
	s.probes(key, func(b uint64) { all = all && s.bits[b/64]&(1<<(b%64)) != 0 })
	return all
}

// add records key.
func (s *importSeen) add(key []byte) {
	if s != nil {
		s.probes(key, func(b uint64) { s.bits[b/64] |= 1 << (b % 64) })
	}
}
