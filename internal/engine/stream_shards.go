package engine

// Stream shards: each log of a stream is a chain of shards, shard k
// between boundaries k and k+1 (stream_catalog.go). This file resolves
// boundaries to Seqs and lists the shards as DescribeStream shows them.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/kv"
)

// boundCache remembers resolved boundaries by log and marker. It only
// caches what the store determines, so engines need not share it.
type boundCache struct{ m sync.Map }

// streamShard is one shard of a stream.
type streamShard struct {
	log    int    // the change log number
	k      int    // its place in the log's chain
	start  kv.Seq // the boundary before it: its records are after start
	end    kv.Seq // the boundary after it; 0 while open
	id     string
	parent string
	lo, hi uint64 // its hash range [lo, hi); hi 0: to the end (stream_split.go)
}

// shardID names the shard of log n and hash range r (its place among the
// boundary's ranges) opened by a boundary made at at (unix ms). Ids sort
// parents before children, as the Kinesis adapter expects; the shards of
// an unsplit log keep the ids they had before splits existed.
func shardID(at int64, log, r int) string {
	return fmt.Sprintf("shardId-%020d-%08x", at, uint32(r)<<16|uint32(log))
}

// resolveBound returns the Seq of boundary b of the log named log.
func (db *DB) resolveBound(ctx context.Context, log []byte, b *streamBound) (kv.Seq, error) {
	if b.Seq != 0 {
		return b.Seq, nil
	}
	key := string(log) + "\x00" + b.Marker
	if v, ok := db.streamBounds.m.Load(key); ok {
		return v.(kv.Seq), nil
	}
	want := fmt.Appendf(nil, `"m":%q}`, b.Marker)
	after := b.From
	for {
		recs, err := db.store.ReadLog(ctx, log, after, 256)
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 {
			return 0, fmt.Errorf("engine: stream boundary %s of log %s not found", b.Marker, log)
		}
		for _, r := range recs {
			if bytes.HasSuffix(r.Value, want) {
				db.streamBounds.m.Store(key, r.Seq)
				return r.Seq, nil
			}
			after = r.Seq
		}
	}
}

// isMarker reports whether a change-log record is a shard boundary.
func isMarker(v []byte) bool {
	return bytes.Contains(v, []byte(`,"m":"`)) && !bytes.Contains(v, []byte(`"e":`))
}

// shards lists every shard of stream st of table rec, sorted by id, with
// boundaries resolved.
func (db *DB) shards(ctx context.Context, rec *tableRecord, st *streamState) ([]streamShard, error) {
	var out []streamShard
	for n := range st.Logs {
		l := &st.Logs[n]
		log := changeLogName(rec.ID, n)
		seqs := make([]kv.Seq, len(l.Bounds))
		for i := range l.Bounds {
			s, err := db.resolveBound(ctx, log, &l.Bounds[i])
			if err != nil {
				return nil, err
			}
			seqs[i] = s
		}
		count := len(l.Bounds)
		if !st.enabled() {
			count-- // the last boundary closed the last shard
		}
		for k := 0; k < count; k++ {
			var end kv.Seq
			if k+1 < len(seqs) {
				end = seqs[k+1]
			}
			for r := range l.starts(k) {
				out = append(out, l.shard(n, k, r, seqs[k], end))
			}
		}
	}
	sortShards(out)
	return out, nil
}

// shard returns the shard of log n (l) that boundary k opens for its
// range r, between the boundaries at Seqs start and end (0: open).
func (l *streamLog) shard(n, k, r int, start, end kv.Seq) streamShard {
	starts := l.starts(k)
	sh := streamShard{log: n, k: k, start: start, end: end, id: shardID(l.Bounds[k].At, n, r), lo: starts[r], hi: rangeEnd(starts, r)}
	if k > 0 {
		// The parent is the range of the boundary before that holds this
		// one: ranges only ever split.
		parents := l.starts(k - 1)
		p := sort.Search(len(parents), func(i int) bool { return parents[i] > sh.lo }) - 1
		sh.parent = shardID(l.Bounds[k-1].At, n, p)
	}
	return sh
}

func sortShards(s []streamShard) {
	sort.Slice(s, func(i, j int) bool { return s[i].id < s[j].id })
}

// findShard returns the shard of st named id, or nil. It reads the log,
// the boundary and the range from the id rather than listing every shard
// (GetRecords calls it, and a stream that rolls over often or is split
// has many).
func (db *DB) findShard(ctx context.Context, rec *tableRecord, st *streamState, id string) (*streamShard, error) {
	var at int64
	var hex uint32
	if _, err := fmt.Sscanf(id, "shardId-%020d-%08x", &at, &hex); err != nil {
		return nil, nil
	}
	n, r := int(hex&0xffff), int(hex>>16)
	if n >= len(st.Logs) {
		return nil, nil
	}
	l := &st.Logs[n]
	k := sort.Search(len(l.Bounds), func(i int) bool { return l.Bounds[i].At >= at })
	count := len(l.Bounds)
	if !st.enabled() {
		count-- // the last boundary closed the last shards
	}
	if k >= count || l.Bounds[k].At != at || r >= len(l.starts(k)) {
		return nil, nil
	}
	log := changeLogName(rec.ID, n)
	start, err := db.resolveBound(ctx, log, &l.Bounds[k])
	if err != nil {
		return nil, err
	}
	var end kv.Seq
	if k+1 < len(l.Bounds) {
		if end, err = db.resolveBound(ctx, log, &l.Bounds[k+1]); err != nil {
			return nil, err
		}
	}
	sh := l.shard(n, k, r, start, end)
	if sh.id != id {
		return nil, nil // the same numbers written otherwise
	}
	return &sh, nil
}

// seqString formats a Seq as a DynamoDB sequence number: decimal digits,
// at least 21 of them as the API requires.
func seqString(s kv.Seq) string { return fmt.Sprintf("%021d", uint64(s)) }

// parseSeq parses a sequence number.
func parseSeq(s string) (kv.Seq, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, errors.New("not a sequence number")
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, err
	}
	return kv.Seq(v), nil
}

// describeShard shapes a shard as DescribeStream returns it. The range
// starts after the opening boundary; a closed shard ends before its
// closing one.
func describeShard(sh *streamShard) api.Shard {
	out := api.Shard{
		ShardId:             api.Ptr(sh.id),
		SequenceNumberRange: &api.SequenceNumberRange{StartingSequenceNumber: api.Ptr(seqString(sh.start + 1))},
	}
	if sh.end != 0 {
		out.SequenceNumberRange.EndingSequenceNumber = api.Ptr(seqString(sh.end - 1))
	}
	if sh.parent != "" {
		out.ParentShardId = api.Ptr(sh.parent)
	}
	return out
}
