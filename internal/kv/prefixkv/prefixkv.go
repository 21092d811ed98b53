// Package prefixkv is a kv.Store that lives under a key prefix of another:
// every key and every change log name it is given is stored with the
// prefix, and keys it returns have it removed. Stores under distinct
// prefixes, none a prefix of another, never see each other's keys or
// logs, so several engines share one backend as separate databases
// (accounts and regions as namespaces, docs/security.md).
//
// Close closes only the view; the backend belongs to its opener.
package prefixkv

import (
	"bytes"
	"context"
	"errors"

	"github.com/dynago/dynago/internal/kv"
)

// Store is the view of a backend under a prefix.
type Store struct {
	base   kv.Store
	prefix []byte
	end    []byte // the first key after every key with prefix
}

// New returns the view of base under prefix, which must be non-empty and
// must not start with kv.ReservedPrefix.
func New(base kv.Store, prefix []byte) *Store {
	p := bytes.Clone(prefix)
	return &Store{base: base, prefix: p, end: prefixEnd(p)}
}

// prefixEnd returns the first key after every key starting with p.
func prefixEnd(p []byte) []byte {
	end := bytes.Clone(p)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil // cannot happen: p does not start with 0xff
}

func (s *Store) key(k []byte) []byte {
	out := make([]byte, 0, len(s.prefix)+len(k))
	return append(append(out, s.prefix...), k...)
}

func (s *Store) keys(ks [][]byte) [][]byte {
	out := make([][]byte, len(ks))
	for i, k := range ks {
		out[i] = s.key(k)
	}
	return out
}

// bounds maps an iteration range to the backend's.
func (s *Store) bounds(start, end []byte) ([]byte, []byte) {
	lo, hi := s.prefix, s.end
	if start != nil {
		lo = s.key(start)
		if reserved(start) {
			lo = s.end
		}
	}
	if end != nil && !reserved(end) {
		hi = s.key(end)
	}
	return lo, hi
}

// errReserved refuses a write of a key the contract reserves.
var errReserved = errors.New("prefixkv: keys starting with kv.ReservedPrefix are reserved")

func reserved(k []byte) bool { return len(k) > 0 && k[0] == kv.ReservedPrefix }

func iter(ctx context.Context, r kv.Reader, s *Store, start, end []byte, reverse bool) (kv.Iterator, error) {
	lo, hi := s.bounds(start, end)
	it, err := r.Iter(ctx, lo, hi, reverse)
	if err != nil {
		return nil, err
	}
	return &iterator{Iterator: it, n: len(s.prefix)}, nil
}

// Get implements kv.Reader.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	return s.base.Get(ctx, s.key(key))
}

// Iter implements kv.Reader.
func (s *Store) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	return iter(ctx, s.base, s, start, end, reverse)
}

// NewSnapshot implements kv.Store.
func (s *Store) NewSnapshot(ctx context.Context) (kv.Snapshot, error) {
	snap, err := s.base.NewSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &snapshot{snap: snap, s: s}, nil
}

// Update implements kv.Store.
func (s *Store) Update(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error {
	return s.base.Update(ctx, s.keys(lockKeys), func(txn kv.Txn) error {
		return fn(&txnView{txn: txn, s: s})
	})
}

// ReadLog implements kv.Store.
func (s *Store) ReadLog(ctx context.Context, log []byte, after kv.Seq, limit int) ([]kv.LogRecord, error) {
	return s.base.ReadLog(ctx, s.key(log), after, limit)
}

// LogWatermark implements kv.Store.
func (s *Store) LogWatermark(ctx context.Context, log []byte) (kv.Seq, error) {
	return s.base.LogWatermark(ctx, s.key(log))
}

// WaitLog implements kv.Store.
func (s *Store) WaitLog(ctx context.Context, log []byte, after kv.Seq) error {
	return s.base.WaitLog(ctx, s.key(log), after)
}

// TrimLog implements kv.Store.
func (s *Store) TrimLog(ctx context.Context, log []byte, upTo kv.Seq) error {
	return s.base.TrimLog(ctx, s.key(log), upTo)
}

// DropRange implements kv.Store.
func (s *Store) DropRange(ctx context.Context, start, end []byte) error {
	if end == nil {
		return s.base.DropRange(ctx, start, nil) // the backend's refusal
	}
	lo, hi := s.bounds(start, end)
	return s.base.DropRange(ctx, lo, hi)
}

// Close implements kv.Store: the view closes, the backend stays open.
func (s *Store) Close() error { return nil }

// snapshot is a backend snapshot seen under the prefix.
type snapshot struct {
	snap kv.Snapshot
	s    *Store
}

func (v *snapshot) Get(ctx context.Context, key []byte) ([]byte, error) {
	return v.snap.Get(ctx, v.s.key(key))
}

func (v *snapshot) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	return iter(ctx, v.snap, v.s, start, end, reverse)
}

func (v *snapshot) LogPosition(ctx context.Context, log []byte) (kv.Seq, error) {
	return v.snap.LogPosition(ctx, v.s.key(log))
}

func (v *snapshot) Close() error { return v.snap.Close() }

// txnView is a backend transaction seen under the prefix.
type txnView struct {
	txn kv.Txn
	s   *Store
}

func (v *txnView) Get(ctx context.Context, key []byte) ([]byte, error) {
	return v.txn.Get(ctx, v.s.key(key))
}

func (v *txnView) Iter(ctx context.Context, start, end []byte, reverse bool) (kv.Iterator, error) {
	return iter(ctx, v.txn, v.s, start, end, reverse)
}

func (v *txnView) Set(key, value []byte) error {
	if reserved(key) {
		return errReserved
	}
	return v.txn.Set(v.s.key(key), value)
}

func (v *txnView) Delete(key []byte) error {
	if reserved(key) {
		return errReserved
	}
	return v.txn.Delete(v.s.key(key))
}

func (v *txnView) DeleteRange(start, end []byte) error {
	lo, hi := v.s.bounds(start, end)
	return v.txn.DeleteRange(lo, hi) //nolint:staticcheck // passed through for callers that still use it
}

func (v *txnView) AppendLog(log, record []byte) error {
	if len(log) == 0 {
		return v.txn.AppendLog(nil, record) // the backend's refusal
	}
	return v.txn.AppendLog(v.s.key(log), record)
}

// iterator strips the prefix from the keys of a backend iterator.
type iterator struct {
	kv.Iterator
	n int
}

func (it *iterator) Key() []byte { return it.Iterator.Key()[it.n:] }

var (
	_ kv.Store    = (*Store)(nil)
	_ kv.Snapshot = (*snapshot)(nil)
	_ kv.Txn      = (*txnView)(nil)
)
