// Package hotkeys wraps a kv.Store so that a few keys every request reads
// and almost nothing writes (the catalog version) are read from memory.
// Dynago checks the catalog version at the start of every request and in
// every write's transaction; on Pebble that Get cost a few microseconds,
// a sizeable part of a GetItem.
//
// The wrapper is exact, not a cache with a lifetime, because it sees every
// write: it must be the only way to the store (the server wraps a Pebble
// store once and gives the wrapper to every engine it runs over it). A
// hot key's cached value is updated when an Update that wrote it returns,
// so a read sees every write whose Update returned before it, which is the
// contract's meaning of committed. Inside an Update that locked a hot key,
// reads of it go to the store, so two transactions that change it (they
// lock it) never both read the same old value. A store shared by several
// processes (TiKV) must not be wrapped, and range deletions must not cover
// a hot key.
package hotkeys

import (
	"bytes"
	"context"
	"errors"
	"sync"

	"github.com/dynago/dynago/internal/kv"
)

// Store is a kv.Store whose hot keys are read from memory.
type Store struct {
	kv.Store
	hot []*entry
}

// entry is one hot key and its cached value.
type entry struct {
	key []byte

	mu     sync.RWMutex
	loaded bool
	value  []byte // nil: absent
}

var _ kv.Store = (*Store)(nil)

// Wrap returns store with keys served from memory.
func Wrap(store kv.Store, keys ...[]byte) *Store {
	s := &Store{Store: store}
	for _, k := range keys {
		s.hot = append(s.hot, &entry{key: bytes.Clone(k)})
	}
	return s
}

func (s *Store) entry(key []byte) *entry {
	for _, e := range s.hot {
		if bytes.Equal(e.key, key) {
			return e
		}
	}
	return nil
}

// get returns e's value, loading it through r the first time.
func (e *entry) get(ctx context.Context, r kv.Reader) ([]byte, error) {
	e.mu.RLock()
	if e.loaded {
		v := e.value
		e.mu.RUnlock()
		if v == nil {
			return nil, kv.ErrNotFound
		}
		return bytes.Clone(v), nil
	}
	e.mu.RUnlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.loaded {
		v, err := r.Get(ctx, e.key)
		switch {
		case errors.Is(err, kv.ErrNotFound):
			v = nil
		case err != nil:
			return nil, err
		}
		e.value, e.loaded = v, true
	}
	if e.value == nil {
		return nil, kv.ErrNotFound
	}
	return bytes.Clone(e.value), nil
}

// reload reads e's committed value again, after an Update that wrote it
// returned. Reading and storing under the lock keeps the cache at the
// newest value when two such Updates return in the other order than they
// committed: the later reload reads the later commit.
func (e *entry) reload(ctx context.Context, r kv.Reader) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	v, err := r.Get(ctx, e.key)
	switch {
	case errors.Is(err, kv.ErrNotFound):
		v = nil
	case err != nil:
		e.loaded = false // read it again on next use
		return err
	}
	e.value, e.loaded = v, true
	return nil
}

// Get implements kv.Reader.
func (s *Store) Get(ctx context.Context, key []byte) ([]byte, error) {
	if e := s.entry(key); e != nil {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return e.get(ctx, s.Store)
	}
	return s.Store.Get(ctx, key)
}

// Update implements kv.Store.
func (s *Store) Update(ctx context.Context, lockKeys [][]byte, fn func(kv.Txn) error) error {
	var locked []*entry
	for _, k := range lockKeys {
		if e := s.entry(k); e != nil {
			locked = append(locked, e)
		}
	}
	var t *txn
	err := s.Store.Update(ctx, lockKeys, func(inner kv.Txn) error {
		t = &txn{Txn: inner, s: s, locked: locked}
		return fn(t)
	})
	if err != nil || t == nil {
		return err
	}
	var errs []error
	for e := range t.writes {
		errs = append(errs, e.reload(context.WithoutCancel(ctx), s.Store))
	}
	return errors.Join(errs...)
}

// txn serves hot keys from memory unless it locked or wrote them.
type txn struct {
	kv.Txn
	s      *Store
	locked []*entry
	writes map[*entry]written
}

type written struct{ value []byte }

func (t *txn) isLocked(e *entry) bool {
	for _, l := range t.locked {
		if l == e {
			return true
		}
	}
	return false
}

// Get implements kv.Reader.
func (t *txn) Get(ctx context.Context, key []byte) ([]byte, error) {
	e := t.s.entry(key)
	if e == nil || t.isLocked(e) {
		return t.Txn.Get(ctx, key)
	}
	if w, ok := t.writes[e]; ok {
		if w.value == nil {
			return nil, kv.ErrNotFound
		}
		return bytes.Clone(w.value), nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return e.get(ctx, t.Txn)
}

func (t *txn) record(key, value []byte) {
	e := t.s.entry(key)
	if e == nil {
		return
	}
	if t.writes == nil {
		t.writes = map[*entry]written{}
	}
	t.writes[e] = written{value: bytes.Clone(value)}
}

// Set implements kv.Txn.
func (t *txn) Set(key, value []byte) error {
	if err := t.Txn.Set(key, value); err != nil {
		return err
	}
	t.record(key, value)
	return nil
}

// Delete implements kv.Txn.
func (t *txn) Delete(key []byte) error {
	if err := t.Txn.Delete(key); err != nil {
		return err
	}
	t.record(key, nil)
	return nil
}
