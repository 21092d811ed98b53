package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// Errors a failingStore returns, standing for a distributed store's busy
// and conflict errors.
var (
	errStoreBusy     = errors.New("test store: busy")
	errStoreConflict = errors.New("test store: conflict")
)

// failingStore fails every Update, and every Get too if gets is set, with
// fail, while it is set.
type failingStore struct {
	kv.Store
	fail atomic.Pointer[error]
	gets atomic.Bool
}

func (s *failingStore) err() error {
	if p := s.fail.Load(); p != nil {
		return fmt.Errorf("test store: %w", *p)
	}
	return nil
}

func (s *failingStore) Update(ctx context.Context, keys [][]byte, fn func(kv.Txn) error) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Store.Update(ctx, keys, fn)
}

func (s *failingStore) Get(ctx context.Context, key []byte) ([]byte, error) {
	if err := s.err(); err != nil && s.gets.Load() {
		return nil, err
	}
	return s.Store.Get(ctx, key)
}

// TestStoreErrors checks what each kind of operation answers when the
// store fails it with an error Options.StoreError names: ThrottlingException
// as it is everywhere; TransactionConflictException as it is for a write,
// as a TransactionCanceledException with TransactionConflict reasons for a
// transaction, and as a fault (not a DynamoDB error) for a read.
func TestStoreErrors(t *testing.T) {
	st := &failingStore{Store: newTablesStore(t)}
	db, err := Open(context.Background(), st, Options{TTLInterval: -1, StoreError: func(err error) error {
		switch {
		case errors.Is(err, errStoreBusy):
			return apierr.New(apierr.ThrottlingException, MsgStoreThrottled)
		case errors.Is(err, errStoreConflict):
			return apierr.New(apierr.TransactionConflictException, MsgStoreConflict)
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	mustCreate(t, db, hashTable("errs", 0))
	ctx := context.Background()
	key := attr.Item{"id": attr.String("a")}
	put := func() error {
		_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("errs"), Item: key})
		return err
	}
	get := func() error {
		_, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr("errs"), Key: key})
		return err
	}
	transact := func() error {
		_, err := db.TransactWriteItems(ctx, &api.TransactWriteItemsInput{TransactItems: []api.TransactWriteItem{
			{Put: &api.Put{TableName: api.Ptr("errs"), Item: key}},
			{Put: &api.Put{TableName: api.Ptr("errs"), Item: attr.Item{"id": attr.String("b")}}},
		}})
		return err
	}
	other := errors.New("test store: disk on fire")
	for _, tc := range []struct {
		name  string
		fail  error
		call  func() error
		want  apierr.Code // "" means not a DynamoDB error (InternalServerError)
		wantM string
	}{
		{"put, busy", errStoreBusy, put, apierr.ThrottlingException, MsgStoreThrottled},
		{"get, busy", errStoreBusy, get, apierr.ThrottlingException, MsgStoreThrottled},
		{"transaction, busy", errStoreBusy, transact, apierr.ThrottlingException, MsgStoreThrottled},
		{"put, conflict", errStoreConflict, put, apierr.TransactionConflictException, MsgStoreConflict},
		{"get, conflict", errStoreConflict, get, "", ""},
		{"transaction, conflict", errStoreConflict, transact, apierr.TransactionCanceledException,
			"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, TransactionConflict]"},
		{"put, other", other, put, "", ""},
	} {
		// Writes fail at their commit, reads at the first read (of the
		// catalog version).
		st.fail.Store(&tc.fail)
		st.gets.Store(strings.HasPrefix(tc.name, "get"))
		err := tc.call()
		st.fail.Store(nil)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !errors.Is(err, tc.fail) {
			t.Errorf("%s: %v does not wrap the store's error", tc.name, err)
		}
		e := apierr.As(err)
		switch {
		case tc.want == "" && e != nil:
			t.Errorf("%s: %v, want a fault (InternalServerError)", tc.name, err)
		case tc.want != "" && (e == nil || e.Code != tc.want || e.Message != tc.wantM):
			t.Errorf("%s: %v, want %s: %s", tc.name, err, tc.want, tc.wantM)
		}
		if e != nil && e.Code == apierr.TransactionCanceledException {
			reasons := e.CancellationReasons.([]api.CancellationReason)
			for i, r := range reasons {
				if api.Str(r.Code) != reasonTransactionConflict || api.Str(r.Message) != MsgStoreConflict {
					t.Errorf("%s: reason %d is %s: %s", tc.name, i, api.Str(r.Code), api.Str(r.Message))
				}
			}
		}
	}
	if err := put(); err != nil {
		t.Fatalf("put once the store works again: %v", err)
	}
}
