package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/jobs"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// A write on node b that read the catalog before CreateBackup committed on
// node a, and commits after it, is in the backup's first snapshot: a's
// copy waits until b's node record says b has drained the catalog version
// (node_drain.go). Without that wait the first snapshot misses the write,
// which logs no old image, and a copy resumed after a restart keeps it as
// its later snapshot holds it: the backup then holds a write that its
// first snapshot does not, committed after it.
func TestBackupSnapshotHoldsOtherNodesWrite(t *testing.T) {
	testBackupSnapshotHoldsOtherNodesWrite(t, sharedPebble(t))
}

func testBackupSnapshotHoldsOtherNodesWrite(t *testing.T, nodes nodeStore) {
	ctx := context.Background()
	// Neither a nor b runs jobs: the test takes the first run's snapshot
	// itself, as runBackup would. b keeps a node record as an engine with
	// jobs does.
	a := openNode(t, nodes(t), Options{NoIndexJobs: true})
	b := openNode(t, nodes(t), Options{NoIndexJobs: true})
	mustCreate(t, a, hashTable("src", 0))
	for _, k := range []string{"k", "x", "y"} {
		put(t, a, "src", attr.Item{"id": attr.String(k), "v": attr.String("a")})
	}

	// b's write stops inside its transaction, after it read the catalog
	// (syncWrite) and before it commits. It goes on once a's copy waits
	// for b and b's node record waits for it (with the fix), or once a's
	// snapshot is taken (without).
	var (
		inWrite  = make(chan struct{})
		release  = make(chan struct{})
		waiting  = make(chan struct{})
		once     sync.Once
		waitOnce sync.Once
		key      []byte
	)
	unblock := func() { once.Do(func() { close(release) }) }
	copyWaits := func() { waitOnce.Do(func() { close(waiting) }) }
	b.writes.onWait = func() { <-waiting; unblock() }
	v, err := readVersionAt(ctx, b.store, b.versionKey)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.startNodeDrain(ctx, "b", v); err != nil {
		t.Fatal(err)
	}
	b.writeHook = func(_ *Table, k []byte, _, _ attr.Item, _ origin) {
		key = bytes.Clone(k)
		close(inWrite)
		<-release
	}
	written := make(chan error, 1)
	go func() {
		_, err := b.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("src"),
			Item: attr.Item{"id": attr.String("k"), "v": attr.String("w")}})
		written <- err
	}()
	<-inWrite
	defer unblock() // a failure below must not leave the write stopped
	defer copyWaits()

	out, err := a.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr("bk1")})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := taskIDFromArn(api.Str(out.BackupDetails.BackupArn), "backup")
	e := a.lookup("src")
	if cl := e.rec.ChangeLog; cl == nil || !cl.Old {
		t.Fatalf("while the backup copies: change log %+v", cl)
	}
	// The first run's snapshot, on a.
	a.onNodesBehind = copyWaits
	snap, first, err := a.takeSnapshot(ctx, e.table, e.rec.ChangeLog)
	copyWaits() // the snapshot did not wait: let the write end
	unblock()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	want := snapshotItems(t, snap, e.table)
	snap.Close()
	if got, _ := decodeItem([]byte(want[string(tableSuffix(e.table.ID, key))])); got["v"].S != "w" {
		t.Errorf("the first snapshot holds %v, not node b's write that read the older catalog", got)
	}

	// The first run stops there; a run on a third node resumes it.
	prog, _ := json.Marshal(&backupProgress{Shards: 1, Positions: first.Positions, Time: first.Time})
	jk := jobs.JobKey(jobBackup, id)
	if err := a.store.Update(ctx, [][]byte{jk}, func(txn kv.Txn) error {
		if err := txn.Delete(jk); err != nil {
			return err
		}
		return jobs.SubmitResumed(ctx, txn, jobBackup, id, nil, prog)
	}); err != nil {
		t.Fatal(err)
	}
	c := openNode(t, nodes(t), Options{})
	c.waitJobs(t)
	got := viewItems(t, c, view{Base: backupDataName(id)})
	for k, v := range want {
		if got[k] != v {
			t.Errorf("the backup holds %s, its first snapshot %s", got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the backup holds %d items, its first snapshot %d", len(got), len(want))
	}
}

// snapshotItems reads table tb's items from snap, by key within the table.
func snapshotItems(t *testing.T, snap kv.Snapshot, tb *Table) map[string]string {
	t.Helper()
	it, err := snap.Iter(context.Background(), itemsPrefix(tb.ID), prefixEnd(itemsPrefix(tb.ID)), false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	out := map[string]string{}
	for it.Next() {
		out[string(tableSuffix(tb.ID, it.Key()))] = string(it.Value())
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// A copy waits for a live node that has not drained the catalog version,
// and not for one whose lease has lapsed (a node that died) or that has
// closed.
func TestNodeDrainWaitsForLiveNodes(t *testing.T) {
	ctx := context.Background()
	nodes := sharedPebble(t)
	a := openNode(t, nodes(t), Options{})
	b := openNode(t, nodes(t), Options{})
	mustCreate(t, a, hashTable("tbl", 0)) // a newer catalog version for b to drain
	if err := a.waitNodesDrained(ctx); err != nil {
		t.Fatalf("with b live and draining: %v", err)
	}

	// A node that stopped renewing, its lease still running.
	v, err := readVersionAt(ctx, a.store, a.versionKey)
	if err != nil {
		t.Fatal(err)
	}
	dead := []byte(nodePrefix + "dead")
	setRecord := func(rec nodeRecord) {
		t.Helper()
		val, _ := json.Marshal(&rec)
		if err := a.store.Update(ctx, [][]byte{dead}, func(txn kv.Txn) error { return txn.Set(dead, val) }); err != nil {
			t.Fatal(err)
		}
	}
	setRecord(nodeRecord{Expires: time.Now().Add(time.Hour).UnixNano(), Drained: v - 1})
	short, cancel := context.WithTimeout(ctx, 3*nodeDrainPoll)
	defer cancel()
	if err := a.waitNodesDrained(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with a live node behind: %v, want the wait to last until its context ends", err)
	}
	setRecord(nodeRecord{Expires: time.Now().Add(-time.Second).UnixNano(), Drained: v - 1})
	if err := a.waitNodesDrained(ctx); err != nil {
		t.Fatalf("with that node's lease lapsed: %v", err)
	}

	// b closes: its record goes.
	b.Close()
	if _, err := a.store.Get(ctx, b.node.key); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("b's node record after it closed: %v", err)
	}
}

// A single-node engine (SharedWrites off, the server over Pebble, which one
// process holds alone) keeps no node record, and a record left in the
// store (a killed process of a shared deployment, or an older build) does
// not hold its backups: the copy waits only for its own writes.
func TestLoneEngineKeepsNoNodeRecord(t *testing.T) {
	ctx := context.Background()
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stale, _ := json.Marshal(nodeRecord{Expires: time.Now().Add(time.Hour).UnixNano(), Drained: 0})
	if err := st.Update(ctx, nil, func(txn kv.Txn) error { return txn.Set([]byte(nodePrefix+"gone"), stale) }); err != nil {
		t.Fatal(err)
	}
	db, err := Open(ctx, st, Options{TTLInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustCreate(t, db, hashTable("src", 0))
	put(t, db, "src", attr.Item{"id": attr.String("a")})
	out, err := db.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr("lone")})
	if err != nil {
		t.Fatal(err)
	}
	// The stale record says its node has drained nothing, for an hour: a
	// copy that waited for it would stay CREATING.
	waitBackupAvailable(t, db, out.BackupDetails.BackupArn, 60*time.Second)
	it, err := st.Iter(ctx, []byte(nodePrefix), prefixEnd([]byte(nodePrefix)), false)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var keys []string
	for it.Next() {
		keys = append(keys, string(it.Key()))
	}
	if len(keys) != 1 || keys[0] != nodePrefix+"gone" {
		t.Errorf("node records %q: a lone engine wrote one", keys)
	}
}
