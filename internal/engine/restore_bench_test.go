package engine

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/api"
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

// waitBackupAvailable waits until a backup is AVAILABLE.
func waitBackupAvailable(tb testing.TB, db *DB, arn *string) *api.BackupDescription {
	tb.Helper()
	for {
		d, err := db.DescribeBackup(context.Background(), &api.DescribeBackupInput{BackupArn: arn})
		if err != nil {
			tb.Fatal(err)
		}
		if api.Str(d.BackupDescription.BackupDetails.BackupStatus) == api.BackupStatusAvailable {
			return d.BackupDescription
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkBackupRestore measures CreateBackup until AVAILABLE and
// RestoreTableFromBackup until ACTIVE of a table of benchRestoreItems
// items, in items/s each.
func BenchmarkBackupRestore(b *testing.B) {
	n := benchRestoreItems(b)
	mem := s3store.NewMemory()
	db := newTransferDB(b, mem)
	transferSource(b, mem, n)
	importInto(b, db, "src")
	ctx := context.Background()
	var backupSecs, restoreSecs float64
	i := 0
	for b.Loop() {
		start := time.Now()
		out, err := db.CreateBackup(ctx, &api.CreateBackupInput{TableName: api.Ptr("src"), BackupName: api.Ptr(fmt.Sprint("bench", i))})
		if err != nil {
			b.Fatal(err)
		}
		d := waitBackupAvailable(b, db, out.BackupDetails.BackupArn)
		backupSecs += time.Since(start).Seconds()
		if got := api.Int(d.SourceTableDetails.ItemCount, 0); got != int64(n) {
			b.Fatalf("backup holds %d items", got)
		}
		start = time.Now()
		target := fmt.Sprint("dst", i)
		if _, err := db.RestoreTableFromBackup(ctx, &api.RestoreTableFromBackupInput{BackupArn: out.BackupDetails.BackupArn, TargetTableName: api.Ptr(target)}); err != nil {
			b.Fatal(err)
		}
		waitTableActive(b, db, target)
		restoreSecs += time.Since(start).Seconds()
		i++
	}
	b.ReportMetric(float64(n*i)/backupSecs, "backup-items/s")
	b.ReportMetric(float64(n*i)/restoreSecs, "restore-items/s")
}

// BenchmarkRestorePointInTime measures RestoreTableToPointInTime (latest
// restorable time) of a table of benchRestoreItems items after as many
// logged changes (updates of existing items) since its PITR base, in
// restored items/s and replayed changes/s of the whole restore.
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
	i := 0
	for b.Loop() {
		start := time.Now()
		target := fmt.Sprint("pitr", i)
		if _, err := db.RestoreTableToPointInTime(ctx, &api.RestoreTableToPointInTimeInput{SourceTableName: api.Ptr("src"),
			TargetTableName: api.Ptr(target), UseLatestRestorableTime: api.Ptr(true)}); err != nil {
			b.Fatal(err)
		}
		waitTableActive(b, db, target)
		secs += time.Since(start).Seconds()
		i++
	}
	b.ReportMetric(float64(n*i)/secs, "items/s")
	b.ReportMetric(float64(n*i)/secs, "changes/s")
}
