package tikv

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pingcap/kvproto/pkg/kvrpcpb"
	pkgerrors "github.com/pkg/errors"
	tikverr "github.com/tikv/client-go/v2/error"

	"github.com/dynago/dynago/internal/kv"
)

// TestClassify makes a mock cluster fail in each way client-go gives up
// on (MockFaults), and checks the class of the error a Store call returns.
// The test is not parallel, so MockFaults' process-wide skipping of
// client-go's backoff sleeps reaches no other test.
func TestClassify(t *testing.T) {
	var f MockFaults
	c, err := NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.OpenWithFaults(context.Background(), Options{}, &f)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	ctx := context.Background()
	key := []byte("k")
	put := func() error {
		return s.Update(ctx, [][]byte{key}, func(txn kv.Txn) error { return txn.Set(key, []byte("v")) })
	}
	get := func() error { _, err := s.Get(ctx, key); return err }
	if err := put(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		fault Fault
		call  func() error
		want  Class
	}{
		// The mock has one replica: when it is busy past the backoff,
		// client-go's replica selector has no other to try and gives the
		// region up as unavailable. ClassBusy is for client-go's
		// ErrTiKVServerBusy (TestClassifyClientGoErrors).
		{"get, server busy", FaultBusy, get, ClassUnavailable},
		{"put, server busy", FaultBusy, put, ClassUnavailable},
		{"get, region unavailable", FaultRegionUnavailable, get, ClassUnavailable},
		{"put, region unavailable", FaultRegionUnavailable, put, ClassUnavailable},
		{"put, write conflict at every prewrite", FaultWriteConflict, put, ClassConflict},
		{"put, deadlock at every lock", FaultDeadlock, put, ClassConflict},
		{"get, every request timing out", FaultTimeout, get, ClassUnavailable},
		{"put, every request timing out", FaultTimeout, put, ClassUnavailable},
		{"get, TSO stalled", FaultTSOStall, get, ClassUnavailable},
		{"put, TSO stalled", FaultTSOStall, put, ClassUnavailable},
	} {
		if err := f.Set(tc.fault); err != nil {
			t.Fatal(err)
		}
		begin := time.Now()
		err := tc.call()
		took := time.Since(begin)
		if err := f.Set(NoFault); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: failed after %v: %v", tc.name, took.Round(time.Millisecond), err)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if got := Classify(err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %v, want %v", tc.name, err, got, tc.want)
		}
		if tc.fault == FaultTSOStall && took < TSOStallTimeout {
			t.Errorf("%s: failed after %v, before the stall's timeout of %v", tc.name, took, TSOStallTimeout)
		}
		// The store works again once the fault is gone.
		if err := put(); err != nil {
			t.Fatalf("%s: put after the fault: %v", tc.name, err)
		}
		if err := get(); err != nil {
			t.Fatalf("%s: get after the fault: %v", tc.name, err)
		}
	}
}

// TestClassifyClientGoErrors classifies the errors client-go returns when
// its backoff runs out, wrapped as it and this package wrap them.
func TestClassifyClientGoErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Class
	}{
		{tikverr.ErrTiKVServerBusy, ClassBusy},
		{&tikverr.ErrTokenLimit{StoreID: 1}, ClassBusy},
		{tikverr.ErrRegionUnavailable, ClassUnavailable},
		{tikverr.ErrTiKVServerTimeout, ClassUnavailable},
		{tikverr.NewErrPDServerTimeout("pd"), ClassUnavailable},
		{tikverr.ErrLockWaitTimeout, ClassConflict},
		{tikverr.ErrResolveLockTimeout, ClassConflict},
		{&tikverr.ErrDeadlock{Deadlock: &kvrpcpb.Deadlock{}}, ClassConflict},
		{tikverr.NewErrWriteConflictWithArgs(1, 2, 3, []byte("k"), kvrpcpb.WriteConflict_Optimistic), ClassConflict},
		{tikverr.ErrResultUndetermined, ClassOther},
		{tikverr.ErrTiKVDiskFull, ClassOther},
	} {
		err := fmt.Errorf("kv/tikv: commit: %w", pkgerrors.WithStack(tc.err))
		if got := Classify(err); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	for _, err := range []error{nil, kv.ErrNotFound, kv.ErrClosed, context.Canceled, errors.New("fn's own")} {
		if got := Classify(err); got != ClassOther {
			t.Errorf("Classify(%v) = %v, want other", err, got)
		}
	}
}

// A TSO stall shorter than pd's client's timeout only delays what waits for
// a timestamp: a read and a write started during it succeed once it ends,
// and a caller's context ends its wait.
func TestTSOStallEnds(t *testing.T) {
	var f MockFaults
	c, err := NewMockCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := c.OpenWithFaults(context.Background(), Options{}, &f)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	key := []byte("k")
	if err := s.Update(ctx, [][]byte{key}, func(txn kv.Txn) error { return txn.Set(key, []byte("v1")) }); err != nil {
		t.Fatal(err)
	}
	if err := f.Set(FaultTSOStall); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = s.Get(short, key)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("get whose context ends in a stall: %v, want its deadline", err)
	}
	done := make(chan error, 2)
	go func() {
		_, err := s.Get(ctx, key)
		done <- err
	}()
	go func() {
		done <- s.Update(ctx, [][]byte{key}, func(txn kv.Txn) error { return txn.Set(key, []byte("v2")) })
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("a call returned during the stall: %v", err)
	default:
	}
	if err := f.Set(NoFault); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("after the stall: %v", err)
		}
	}
	if v, err := s.Get(ctx, key); err != nil || string(v) != "v2" {
		t.Errorf("get after the stall: %q, %v", v, err)
	}
}
