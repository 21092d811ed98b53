package engine

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/s3store"
)

// A node killed in the middle of a job leaves its lease to expire; the
// other node then takes the job over and finishes it, once: a TTL pass
// (each expired item deleted and counted once), a table drop (every key
// gone) and an export (one manifest, listing every item once). Each test
// kills node a as a crash would (jobs.Runner.Abandon, after freezing it
// at a chosen point), and only then opens node b, so the job can only be
// finished by a takeover.

// waitFor polls cond until it holds, or fails the test after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// ttlDeleted sums the TTL deletions r recorded for table.
func ttlDeleted(r *recorder, table string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	total := 0
	for _, ev := range r.events {
		var n int
		if _, err := fmt.Sscanf(ev, "ttl "+table+" %d", &n); err == nil {
			total += n
		}
	}
	return total
}

func TestTTLPassKilledMidway(t *testing.T) { testTTLPassKilledMidway(t, sharedPebble(t)) }

func testTTLPassKilledMidway(t *testing.T, nodes nodeStore) {
	const n = 3000 // 30 commits of ttlBatch
	recA, recB := &recorder{}, &recorder{}
	st := nodes(t)
	a := openNode(t, st, Options{TTLInterval: time.Hour, Observer: recA})
	ctx := context.Background()
	mustCreate(t, a, hashTable("stories", 0))
	past := attr.NumberFromInt(time.Now().Add(-time.Hour).Unix())
	for i := 0; i < n; i += 25 {
		var reqs []api.WriteRequest
		for k := i; k < i+25; k++ {
			reqs = append(reqs, api.WriteRequest{PutRequest: &api.PutRequest{Item: attr.Item{"id": attr.String(fmt.Sprint(k)), "exp": past}}})
		}
		if _, err := a.BatchWriteItem(ctx, &api.BatchWriteItemInput{RequestItems: map[string][]api.WriteRequest{"stories": reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	// Enabling TTL starts a pass on a; kill a once the pass has
	// committed a batch (its cursor is stored) but not finished.
	if _, err := a.UpdateTimeToLive(ctx, &api.UpdateTimeToLiveInput{TableName: api.Ptr("stories"),
		TimeToLiveSpecification: &api.TimeToLiveSpecification{AttributeName: api.Ptr("exp"), Enabled: api.Ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	cursor := ttlCursorKey(a.lookup("stories").table.ID)
	waitFor(t, "a's TTL pass to commit a batch", func() bool {
		_, err := st.Get(ctx, cursor)
		return err == nil
	})
	a.jobs.Abandon()
	left, _, err := a.tableStats(ctx, a.lookup("stories").table)
	if err != nil {
		t.Fatal(err)
	}
	killedAt := ttlDeleted(recA, "stories")
	if left == 0 || left == n {
		t.Fatalf("%d of %d items left when node a was killed: not mid-pass", left, n)
	}

	b := openNode(t, nodes(t), Options{TTLInterval: time.Hour, Observer: recB})
	// The pass reports its deletions when it has finished the table, a
	// moment after its last commit: wait for the report, not only for the
	// items to be gone.
	waitFor(t, "node b to finish the pass", func() bool {
		left, _, err := b.tableStats(ctx, b.lookup("stories").table)
		return err == nil && left == 0 && ttlDeleted(recB, "stories") > 0
	})
	t.Logf("node a deleted %d before it was killed, node b %d after taking over", killedAt, ttlDeleted(recB, "stories"))
	if got := ttlDeleted(recA, "stories") + ttlDeleted(recB, "stories"); got != n {
		t.Errorf("the nodes counted %d TTL deletions of %d items", got, n)
	}
	if int64(n)-left != int64(ttlDeleted(recA, "stories")) {
		t.Errorf("node a counted %d deletions, but %d items were gone when it was killed", ttlDeleted(recA, "stories"), int64(n)-left)
	}
	if _, err := st.Get(ctx, cursor); err == nil {
		t.Error("the pass's cursor is still stored after it finished")
	}
}

// freezingStore is a node's store that freezes in its first DropRange
// after dropping the first part of the range, [start, start+"i/\x80"):
// the keys of the table's first half of partitions, as a crash half-way
// through a drop leaves them. The freeze lasts until the call's context
// ends.
type freezingStore struct {
	kv.Store
	once   sync.Once
	frozen chan struct{}
}

func (f *freezingStore) DropRange(ctx context.Context, start, end []byte) error {
	first := false
	f.once.Do(func() { first = true })
	if !first {
		return f.Store.DropRange(ctx, start, end)
	}
	mid := append(append([]byte(nil), start...), 'i', '/', 0x80)
	if err := f.Store.DropRange(ctx, start, mid); err != nil {
		return err
	}
	close(f.frozen)
	<-ctx.Done()
	return ctx.Err()
}

func TestTableDropKilledMidway(t *testing.T) { testTableDropKilledMidway(t, sharedPebble(t)) }

func testTableDropKilledMidway(t *testing.T, nodes nodeStore) {
	st := nodes(t)
	fs := &freezingStore{Store: st, frozen: make(chan struct{})}
	a := openNode(t, fs, Options{})
	ctx := context.Background()
	mustCreate(t, a, hashTable("gone", 0))
	putN(t, a, "gone", 400, func(int) attr.Item { return attr.Item{"v": attr.String("x")} })
	p := tablePrefix(a.lookup("gone").table.ID)
	count := func() int {
		n := 0
		if err := scanPrefix(ctx, st, string(p), func([]byte, []byte) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := a.DeleteTable(ctx, &api.DeleteTableInput{TableName: api.Ptr("gone")}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-fs.frozen:
	case <-time.After(20 * time.Second):
		t.Fatal("node a never started the drop")
	}
	a.jobs.Abandon()
	if left := count(); left == 0 || left >= 400 {
		t.Fatalf("%d of the table's 400 keys left when node a was killed: not mid-drop", left)
	} else {
		t.Logf("%d of 400 keys left when node a was killed", left)
	}

	b := openNode(t, nodes(t), Options{})
	waitFor(t, "node b to finish the drop", func() bool {
		pending, err := b.pendingJobs(ctx)
		return err == nil && !hasJob(pending, jobTableDrop)
	})
	if left := count(); left != 0 {
		t.Errorf("%d keys of the dropped table left", left)
	}
}

// freezingObjects is a node's object store that freezes when the node
// writes an export's manifest-files.json, after its data files: a crash
// between the two. The freeze lasts until the call's context ends.
type freezingObjects struct {
	s3store.Store
	once   sync.Once
	frozen chan struct{}
}

func (f *freezingObjects) Put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	if strings.HasSuffix(key, "/manifest-files.json") {
		f.once.Do(func() { close(f.frozen) })
		<-ctx.Done()
		return "", ctx.Err()
	}
	return f.Store.Put(ctx, bucket, key, body)
}

func TestExportKilledMidway(t *testing.T) { testExportKilledMidway(t, sharedPebble(t)) }

func testExportKilledMidway(t *testing.T, nodes nodeStore) {
	const n = 300
	mem := s3store.NewMemory()
	mem.CreateBucket("dst")
	fo := &freezingObjects{Store: mem, frozen: make(chan struct{})}
	a := openNode(t, nodes(t), Options{Objects: fo})
	ctx := context.Background()
	mustCreate(t, a, hashTable("books", 0))
	if _, err := a.UpdateContinuousBackups(ctx, &api.UpdateContinuousBackupsInput{TableName: api.Ptr("books"),
		PointInTimeRecoverySpecification: &api.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: api.Ptr(true)}}); err != nil {
		t.Fatal(err)
	}
	putN(t, a, "books", n, func(i int) attr.Item { return attr.Item{"title": attr.String(fmt.Sprint("book ", i))} })
	out, err := a.ExportTableToPointInTime(ctx, &api.ExportTableToPointInTimeInput{TableArn: api.Ptr(a.tableArn("books")), S3Bucket: api.Ptr("dst")})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-fo.frozen:
	case <-time.After(20 * time.Second):
		t.Fatal("node a never reached the export's manifest")
	}
	a.jobs.Abandon()

	b := openNode(t, nodes(t), Options{Objects: mem})
	var d *api.ExportDescription
	waitFor(t, "node b to finish the export", func() bool {
		o, err := b.DescribeExport(ctx, &api.DescribeExportInput{ExportArn: out.ExportDescription.ExportArn})
		if err != nil {
			t.Fatal(err)
		}
		d = o.ExportDescription
		return api.Str(d.ExportStatus) != api.ExportStatusInProgress
	})
	if api.Str(d.ExportStatus) != api.ExportStatusCompleted || api.Int(d.ItemCount, -1) != n {
		t.Fatalf("export %s with %d items (%s), want COMPLETED with %d", api.Str(d.ExportStatus), api.Int(d.ItemCount, -1), api.Str(d.FailureMessage), n)
	}
	// Both nodes wrote data files; the manifest lists only b's, and they
	// hold every item once.
	objs, err := mem.List(ctx, "dst", "")
	if err != nil {
		t.Fatal(err)
	}
	var dataFiles, summaries []string
	for _, o := range objs {
		switch {
		case strings.Contains(o.Key, "/data/"):
			dataFiles = append(dataFiles, o.Key)
		case strings.HasSuffix(o.Key, "/manifest-summary.json"):
			summaries = append(summaries, o.Key)
		}
	}
	if len(summaries) != 1 {
		t.Fatalf("%d manifest summaries: %v", len(summaries), summaries)
	}
	filesKey := strings.TrimSuffix(summaries[0], "manifest-summary.json") + "manifest-files.json"
	seen := map[string]int{}
	listed := 0
	for _, line := range strings.Split(strings.TrimSpace(string(readObject(t, mem, filesKey))), "\n") {
		var m manifestFile
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		listed++
		zr, err := gzip.NewReader(bytes.NewReader(readObject(t, mem, m.DataFileS3Key)))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec struct {
				Item map[string]map[string]string `json:"Item"`
			}
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			seen[rec.Item["id"]["S"]]++
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d data files in the bucket, %d in the manifest", len(dataFiles), listed)
	if len(dataFiles) <= listed {
		t.Errorf("%d data files in the bucket, %d listed: node a's run left none behind, so it was not killed mid-export", len(dataFiles), listed)
	}
	if len(seen) != n {
		t.Errorf("the manifest's files hold %d distinct items, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("item %s exported %d times", id, c)
		}
	}
}

func readObject(t *testing.T, st s3store.Store, key string) []byte {
	t.Helper()
	r, _, err := st.Get(context.Background(), "dst", key)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
