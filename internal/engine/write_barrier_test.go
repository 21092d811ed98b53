package engine

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
)

// A write that read the catalog before CreateBackup committed, and commits
// after it, is in the backup's first snapshot: the copy waits for it
// (write_barrier.go). Without the wait the snapshot misses it while the
// write logs no old image, and a resumed copy could not roll it back.
func TestBackupSnapshotHoldsOlderCatalogWrite(t *testing.T) {
	ctx := context.Background()
	st := newTablesStore(t)
	c := &tblClock{t: tblEpoch}
	db, err := Open(ctx, st, Options{Now: c.now, NoIndexJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustCreate(t, db, hashTable("src", 0))
	put(t, db, "src", attr.Item{"id": attr.String("k"), "v": attr.String("a")})

	// The write stops inside its transaction, after it read the catalog
	// (syncWrite) and before it commits.
	var (
		inWrite = make(chan struct{})
		release = make(chan struct{})
		once    sync.Once
		key     []byte
	)
	unblock := func() { once.Do(func() { close(release) }) }
	db.writeHook = func(_ *Table, k []byte, _, _ attr.Item, _ origin) {
		key = bytes.Clone(k)
		close(inWrite)
		<-release
	}
	written := make(chan error, 1)
	go func() {
		_, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("src"),
			Item: attr.Item{"id": attr.String("k"), "v": attr.String("w")}})
		written <- err
	}()
	<-inWrite
	defer unblock() // a failure below must not leave the write stopped

	if _, err := db.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr("bk1")}); err != nil {
		t.Fatal(err)
	}
	e := db.lookup("src")
	if cl := e.rec.ChangeLog; cl == nil || !cl.Old {
		t.Fatalf("while the backup copies: change log %+v", cl)
	}
	// The first run's snapshot, as runBackup takes it. Once it waits for
	// the write, the write may go on.
	db.writes.onWait = unblock
	type taken struct {
		snap kv.Snapshot
		err  error
	}
	snapped := make(chan taken, 1)
	go func() {
		snap, _, err := db.takeSnapshot(ctx, e.table, e.rec.ChangeLog)
		snapped <- taken{snap, err}
	}()
	s := <-snapped
	unblock() // the snapshot did not wait: let the write end
	if err := <-written; err != nil {
		t.Fatal(err)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	defer s.snap.Close()
	got, err := readItem(ctx, s.snap, key)
	if err != nil {
		t.Fatal(err)
	}
	if v := got["v"]; v.Type != attr.TypeS || v.S != "w" {
		t.Fatalf("the backup's first snapshot holds %v, not the write that read the older catalog", got)
	}
}
