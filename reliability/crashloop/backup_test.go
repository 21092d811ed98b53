package crashloop

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/reliability/harness"
)

// The backupper runs CreateBackup and RestoreTableFromBackup through the
// kills. It alone writes its source table, and only between backups: it
// changes the source, backs it up, waits for the backup to be AVAILABLE
// (its job copies the table then), restores it to a new table, waits for
// that to be ACTIVE and compares it with the source as it was. So every
// backup has one known content, and after a kill:
//   - every acknowledged source write is there (the one in flight either way);
//   - every acknowledged backup is listed, the CreateBackup in flight at most
//     once more, and each becomes AVAILABLE;
//   - a restore acknowledged or in flight either left no table (it failed
//     cleanly: only one in flight may) or a table that becomes ACTIVE with
//     exactly its backup's items.

const (
	backupSource = "bsrc"
	backupKeys   = 20
	// settle bounds the wait for a backup to be AVAILABLE or a restored
	// table ACTIVE: a failure, not a measurement.
	settle = 2 * time.Minute
)

type restore struct {
	table string
	want  map[string]string
	acked bool
}

type backupper struct {
	model     map[string]string // the source as acknowledged: pk -> v
	inFlight  *sourceWrite      // the source write in flight at the kill
	backups   map[string]map[string]string
	pendingBk map[string]string // the content of a CreateBackup in flight at the kill
	restores  []restore         // not yet compared
	seq       int

	// Totals.
	created, restoresChecked, restoresFailedClean, faults int
}

type sourceWrite struct {
	pk, v string // v "" deletes
}

func newBackupper() *backupper {
	return &backupper{model: map[string]string{}, backups: map[string]map[string]string{}}
}

func setupBackups(t *testing.T, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(backupSource),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("CreateTable %s: %v", backupSource, err)
	}
}

// run backs up and restores until stop or the first error (the server is gone).
func (b *backupper) run(c *dynamodb.Client, cycle int, stop *atomic.Bool) {
	rng := rand.New(rand.NewPCG(uint64(cycle), 7))
	for !stop.Load() {
		b.seq++
		for range 4 {
			w := sourceWrite{pk: fmt.Sprintf("b%02d", rng.IntN(backupKeys))}
			ctx, cancel := context.WithTimeout(context.Background(), reqTimout)
			var err error
			if rng.IntN(5) == 0 {
				_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(backupSource), Key: map[string]types.AttributeValue{"pk": s(w.pk)}})
			} else {
				w.v = fmt.Sprintf("c%d-%d", cycle, b.seq)
				_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(backupSource), Item: map[string]types.AttributeValue{"pk": s(w.pk), "v": s(w.v)}})
			}
			cancel()
			if err != nil {
				b.inFlight = &w
				return
			}
			b.apply(w)
		}
		ctx, cancel := context.WithTimeout(context.Background(), reqTimout)
		out, err := c.CreateBackup(ctx, &dynamodb.CreateBackupInput{TableName: aws.String(backupSource), BackupName: aws.String(fmt.Sprintf("bk-%d-%d", cycle, b.seq))})
		cancel()
		if err != nil {
			b.pendingBk = maps.Clone(b.model)
			return
		}
		arn := aws.ToString(out.BackupDetails.BackupArn)
		b.backups[arn] = maps.Clone(b.model)
		b.created++
		if waitBackup(c, arn, stop) != nil {
			return
		}
		r := restore{table: fmt.Sprintf("rs-%d-%d", cycle, b.seq), want: b.backups[arn]}
		ctx, cancel = context.WithTimeout(context.Background(), reqTimout)
		_, err = c.RestoreTableFromBackup(ctx, &dynamodb.RestoreTableFromBackupInput{BackupArn: aws.String(arn), TargetTableName: aws.String(r.table)})
		cancel()
		r.acked = err == nil
		b.restores = append(b.restores, r)
		if err != nil {
			return
		}
		if waitActive(c, r.table, stop) != nil {
			return
		}
		// Compared after the kill with the others, so that the one
		// check counts every restore.
	}
}

func (b *backupper) apply(w sourceWrite) {
	if w.v == "" {
		delete(b.model, w.pk)
	} else {
		b.model[w.pk] = w.v
	}
}

var errStopped = errors.New("stopped")

// waitBackup polls until the backup is AVAILABLE, stop (with stop non-nil)
// or settle passes.
func waitBackup(c *dynamodb.Client, arn string, stop *atomic.Bool) error {
	for end := time.Now().Add(settle); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if stop != nil && stop.Load() {
			return errStopped
		}
		ctx, cancel := context.WithTimeout(context.Background(), reqTimout)
		out, err := c.DescribeBackup(ctx, &dynamodb.DescribeBackupInput{BackupArn: aws.String(arn)})
		cancel()
		if err != nil {
			return err
		}
		if st := out.BackupDescription.BackupDetails.BackupStatus; st == types.BackupStatusAvailable {
			return nil
		}
	}
	return fmt.Errorf("backup %s not AVAILABLE after %s", arn, settle)
}

// waitActive polls until the table is ACTIVE (or not found: the error).
func waitActive(c *dynamodb.Client, table string, stop *atomic.Bool) error {
	for end := time.Now().Add(settle); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if stop != nil && stop.Load() {
			return errStopped
		}
		ctx, cancel := context.WithTimeout(context.Background(), reqTimout)
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		cancel()
		if err != nil {
			return err
		}
		if out.Table.TableStatus == types.TableStatusActive {
			return nil
		}
	}
	return fmt.Errorf("table %s not ACTIVE after %s", table, settle)
}

func scanSimple(t *testing.T, c *dynamodb.Client, table string) map[string]string {
	t.Helper()
	got := map[string]string{}
	harness.ScanEach(t, c, table, func(it map[string]types.AttributeValue) {
		pk, _ := it["pk"].(*types.AttributeValueMemberS)
		v, _ := it["v"].(*types.AttributeValueMemberS)
		if pk == nil || v == nil {
			t.Fatalf("malformed item in %s: %v", table, it)
		}
		got[pk.Value] = v.Value
	})
	return got
}

// verify checks the backups' promises after a restart and returns how many
// were broken.
func (b *backupper) verify(t *testing.T, c *dynamodb.Client) (faults int) {
	t.Helper()
	ctx := context.Background()
	fault := func(format string, args ...any) {
		t.Errorf(format, args...)
		faults++
	}
	// The source: every acknowledged write, the one in flight either way.
	got := scanSimple(t, c, backupSource)
	if w := b.inFlight; w != nil {
		if v, ok := got[w.pk]; (w.v == "" && !ok) || (w.v != "" && v == w.v) {
			b.apply(*w)
		}
		b.inFlight = nil
	}
	if !maps.Equal(got, b.model) {
		fault("backup source after restart: %v, want the acknowledged %v", got, b.model)
		b.model = got
	}
	// The backups: each acknowledged one listed, the one in flight at most once.
	listed := map[string]bool{}
	var start *string
	for {
		out, err := c.ListBackups(ctx, &dynamodb.ListBackupsInput{TableName: aws.String(backupSource), ExclusiveStartBackupArn: start})
		if err != nil {
			t.Fatalf("ListBackups: %v", err)
		}
		for _, s := range out.BackupSummaries {
			listed[aws.ToString(s.BackupArn)] = true
		}
		if start = out.LastEvaluatedBackupArn; start == nil {
			break
		}
	}
	for arn := range b.backups {
		if !listed[arn] {
			fault("acknowledged backup %s is gone after the kill", arn)
		}
	}
	for arn := range listed {
		if _, ok := b.backups[arn]; ok {
			continue
		}
		if b.pendingBk == nil {
			fault("backup %s listed, but none was acknowledged or in flight", arn)
			continue
		}
		b.backups[arn], b.pendingBk = b.pendingBk, nil // the one in flight made it
		b.created++
	}
	b.pendingBk = nil
	for arn := range listed {
		if err := waitBackup(c, arn, nil); err != nil {
			fault("backup after the kill: %v", err)
		}
	}
	// The restores: a table equal to its backup, or (in flight only) none.
	for _, r := range b.restores {
		err := waitActive(c, r.table, nil)
		var nf *types.ResourceNotFoundException
		switch {
		case errors.As(err, &nf) && !r.acked:
			b.restoresFailedClean++
			continue
		case err != nil:
			fault("restore to %s (acknowledged %v): %v", r.table, r.acked, err)
			continue
		}
		if got := scanSimple(t, c, r.table); !maps.Equal(got, r.want) {
			fault("restored table %s: %v, want its backup's %v", r.table, got, r.want)
		}
		b.restoresChecked++
		if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(r.table)}); err != nil {
			t.Fatalf("DeleteTable %s: %v", r.table, err)
		}
	}
	b.restores = nil
	b.faults += faults
	return faults
}
