package engine

// LimitExceededException for stream readers. DynamoDB documents one limit
// on GetRecords a user can hit (API Reference, LimitExceededException;
// Developer Guide, "DynamoDB Streams"): no more than two processes should
// read from the same shard at the same time, or requests are throttled.
// Dynago enforces it only when Options.StreamShardReaders is set
// (`--stream-shard-readers 2` mimics DynamoDB): off, a local poller is
// never slowed, and a test that reads a shard from many goroutines works.
//
// A reader is an iterator chain: GetShardIterator starts one (a process
// that reads a shard asks for an iterator, then follows NextShardIterator),
// and its iterators carry its id (shardIterator.Reader). A reader reads a
// shard "at the same time" as others while its last GetRecords on that
// shard is less than streamReaderWindow old. GetRecords of a reader that
// is not among the shard's current readers, when they are
// StreamShardReaders already, is refused; the current readers go on.
// Readers are counted per engine (node), in memory.
//
// DynamoDB does not document its message; the API model describes the
// member as "Too many operations for a given subscriber.", which Dynago
// answers with. The model lists one more LimitExceededException case for
// GetRecords, a Limit above 1000; Dynago keeps answering that with the
// ValidationException of a member above its maximum (errLimitAbove), as
// its tests have it.

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/dynago/dynago/internal/apierr"
)

// streamReaderWindow is how long after its last GetRecords a reader still
// counts as reading its shard.
const streamReaderWindow = 5 * time.Second

var errTooManyReaders = apierr.New(apierr.LimitExceededException, "Too many operations for a given subscriber.")

// shardReaders tracks the current readers of each shard, by stream ARN and
// shard id; its zero value is ready.
type shardReaders struct {
	mu sync.Mutex
	m  map[string]map[uint64]time.Time // shard → reader → last read
}

// newReaderID returns the id of a new reader (iterator chain).
func newReaderID() uint64 { return rand.Uint64() | 1 }

// admitReader records a GetRecords by reader on shard (of stream arn) at
// now, or refuses it with LimitExceededException when the shard has its
// limit of other current readers. limit ≤ 0 admits everything.
func (r *shardReaders) admit(arn, shard string, reader uint64, now time.Time, limit int) error {
	if limit <= 0 {
		return nil
	}
	key := arn + "|" + shard
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[string]map[uint64]time.Time)
	}
	readers := r.m[key]
	if readers == nil {
		readers = make(map[uint64]time.Time)
		r.m[key] = readers
	}
	for id, at := range readers {
		if now.Sub(at) >= streamReaderWindow {
			delete(readers, id)
		}
	}
	if _, ok := readers[reader]; !ok && len(readers) >= limit {
		return errTooManyReaders
	}
	readers[reader] = now
	if len(r.m) > 4096 { // forget shards nobody reads any more
		for k, rs := range r.m {
			if len(rs) == 0 {
				delete(r.m, k)
			}
		}
	}
	return nil
}
