package engine

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/s3store"
)

// benchRestoreItems is the table size of the backup and restore
// benchmarks: DYNAGO_BENCH_RESTORE_ITEMS, or 100 000 (items of ~250 B).
func benchRestoreItems(tb testing.TB) int {
	if s := os.Getenv("DYNAGO_BENCH_RESTORE_ITEMS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			tb.Fatal(err)
		}
		return n
	}
	return 100_000
}

// benchBackupWait bounds a benchmark's wait for its backup: far above the
// slowest copy measured (58 000 items/s, docs/backups.md) at any
// DYNAGO_BENCH_RESTORE_ITEMS run so far.
const benchBackupWait = 10 * time.Minute

// waitTableActive waits until a restored table is ACTIVE.
func waitTableActive(tb testing.TB, db *DB, name string) {
	tb.Helper()
	for {
		d, err := db.DescribeTable(context.Background(), &api.DescribeTableInput{TableName: api.Ptr(name)})
		if err != nil {
			tb.Fatal(err)
		}
		if api.Str(d.Table.TableStatus) == api.TableStatusActive {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitBackupAvailable waits until a backup is AVAILABLE. A backup that
// ends otherwise (DELETED), or is still CREATING after within, fails tb
// with its last status rather than hanging the test.
func waitBackupAvailable(tb testing.TB, db *DB, arn *string, within time.Duration) *api.BackupDescription {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		d, err := db.DescribeBackup(context.Background(), &api.DescribeBackupInput{BackupArn: arn})
		if err != nil {
			tb.Fatal(err)
		}
		switch status := api.Str(d.BackupDescription.BackupDetails.BackupStatus); {
		case status == api.BackupStatusAvailable:
			return d.BackupDescription
		case status != api.BackupStatusCreating:
			tb.Fatalf("backup %s is %s, want AVAILABLE", api.Str(arn), status)
		case time.Now().After(deadline):
			tb.Fatalf("backup %s still %s after %v", api.Str(arn), status, within)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine, wall time says more about the neighbours than about the code.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBackupRestore measures CreateBackup until AVAILABLE and
// RestoreTableFromBackup until ACTIVE of a table of benchRestoreItems
// items, in items/s each, and the process's CPU per item restored.
func BenchmarkBackupRestore(b *testing.B) {
	n := benchRestoreItems(b)
	mem := s3store.NewMemory()
	db := newTransferDB(b, mem)
	transferSource(b, mem, n)
	importInto(b, db, "src")
	ctx := context.Background()
	var backupSecs, restoreSecs float64
	var restoreCPU time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		out, err := db.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr(fmt.Sprint("bench", i))})
		if err != nil {
			b.Fatal(err)
		}
		d := waitBackupAvailable(b, db, out.BackupDetails.BackupArn, benchBackupWait)
		backupSecs += time.Since(start).Seconds()
		if got := api.Int(d.SourceTableDetails.ItemCount, 0); got != int64(n) {
			b.Fatalf("backup holds %d items", got)
		}
		start = time.Now()
		cpu := cpuTime()
		target := fmt.Sprint("dst", i)
		if _, err := db.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: out.BackupDetails.BackupArn, TargetTableName: api.Ptr(target)}); err != nil {
			b.Fatal(err)
		}
		waitTableActive(b, db, target)
		restoreSecs += time.Since(start).Seconds()
		restoreCPU += cpuTime() - cpu
		i++
	}
	b.ReportMetric(float64(n*i)/backupSecs, "backup-items/s")
	b.ReportMetric(float64(n*i)/restoreSecs, "restore-items/s")
	b.ReportMetric(float64(restoreCPU.Microseconds())/float64(n*i), "restore-cpu-µs/item")
}

// BenchmarkRestorePointInTime measures RestoreTableToPointInTime (latest
// restorable time) of a table of benchRestoreItems items after as many
// logged changes (updates of existing items) since its PITR base, in
// restored items/s (each with one change replayed) and the process's CPU
// per item.
func BenchmarkRestorePointInTime(b *testing.B) {
	n := benchRestoreItems(b)
	mem := s3store.NewMemory()
	db := newTransferDB(b, mem)
	transferSource(b, mem, n)
	importInto(b, db, "src")
	ctx := context.Background()
	if _, err := db.UpdateContinuousBackups(ctx, &api.UpdateContinuousBackupsInput{TableName: api.Ptr("src"),
		PointInTimeRecoverySpecification: &api.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: api.Ptr(true)}}); err != nil {
		b.Fatal(err)
	}
	e := db.lookup("src")
	for {
		if base, err := db.getPITRBase(ctx, db.store, e.table.ID); err != nil {
			b.Fatal(err)
		} else if base != nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := range n {
		it := benchItem(i)
		it["pk"] = s(fmt.Sprintf("user#%d", i%1000))
		it["changed"] = s("yes")
		if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("src"), Item: it}); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(logSlack + time.Second) // the latest restorable time passes the last change
	var secs float64
	var used time.Duration
	i := 0
	for b.Loop() {
		start := time.Now()
		cpu := cpuTime()
		target := fmt.Sprint("pitr", i)
		if _, err := db.RestoreTableToPointInTime(ctx, &api.RestoreTableToPointInTimeInput{SourceTableName: api.Ptr("src"),
			TargetTableName: api.Ptr(target), UseLatestRestorableTime: api.Ptr(true)}); err != nil {
			b.Fatal(err)
		}
		waitTableActive(b, db, target)
		secs += time.Since(start).Seconds()
		used += cpuTime() - cpu
		i++
	}
	b.ReportMetric(float64(n*i)/secs, "items/s")
	b.ReportMetric(float64(used.Microseconds())/float64(n*i), "cpu-µs/item")
}

// logBytes sums the records of a change log and counts them.
func logBytes(tb testing.TB, db *DB, log []byte) (n, size int64) {
	tb.Helper()
	var after kv.Seq
	for {
		recs, err := db.store.ReadLog(context.Background(), log, after, logReadBatch)
		if err != nil {
			tb.Fatal(err)
		}
		if len(recs) == 0 {
			return n, size
		}
		for _, r := range recs {
			n++
			size += int64(len(r.Value))
			after = r.Seq
		}
	}
}

// BenchmarkPITRLogTrim measures what the change log of a PITR table costs
// and what the base job's trim leaves: benchRestoreItems/10 puts spread
// over three days (a fake clock) to a table with a one-day recovery
// period, then the base rolled as the job does (during the writes too).
// It reports the log's bytes per change and the share of the records kept:
// between one period and one period plus a base interval of them.
func BenchmarkPITRLogTrim(b *testing.B) {
	n := benchRestoreItems(b) / 10
	for b.Loop() {
		clock := &tblClock{t: tblEpoch}
		db := openTablesDB(b, newTablesStore(b), clock)
		ctx := context.Background()
		mustCreate(b, db, hashTable("logged", 0))
		days := int64(1)
		if _, err := db.UpdateContinuousBackups(ctx, &api.UpdateContinuousBackupsInput{TableName: api.Ptr("logged"),
			PointInTimeRecoverySpecification: &api.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: api.Ptr(true), RecoveryPeriodInDays: &days}}); err != nil {
			b.Fatal(err)
		}
		e := db.lookup("logged")
		base := waitBase(b, db, e.table.ID, nil)
		step := 72 * time.Hour / time.Duration(n)
		for i := range n {
			clock.advance(step)
			it := benchItem(i)
			it["id"] = s(fmt.Sprintf("k%d", i%5000))
			if _, err := db.PutItem(ctx, &api.PutItemInput{TableName: api.Ptr("logged"), Item: it}); err != nil {
				b.Fatal(err)
			}
		}
		// Rolled as the job does: until the base is less than a base
		// interval older than the start of the period.
		cut := clock.now().Add(-24 * time.Hour).UnixMicro()
		for time.Duration(cut-base.Time)*time.Microsecond >= db.pitrBaseInterval() {
			base = waitBase(b, db, e.table.ID, base)
		}
		kept, keptSize := logBytes(b, db, changeLogName(e.table.ID, 0))
		b.ReportMetric(float64(keptSize)/float64(kept), "log-B/change")
		b.ReportMetric(float64(n), "changes")
		b.ReportMetric(float64(kept)/float64(n)*100, "%records-kept")
	}
}
