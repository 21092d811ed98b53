package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// tableWait bounds waiting for a table to become ACTIVE or go away.
	tableWait = 60 * time.Second
	// tablePoll is how often table state is polled.
	tablePoll = 50 * time.Millisecond
	// loadAttempts bounds retries of a batch left partly unprocessed.
	loadAttempts = 20
)

type tableDesc struct {
	Table struct {
		TableStatus     string
		ItemCount       int64
		LatestStreamArn string
	}
}

// RecreateTable deletes table if it exists and creates it afresh with the
// bench schema (pk string HASH, sk number RANGE) and what its kind adds (a
// NEW_AND_OLD_IMAGES stream, or PITR turned on once it is ACTIVE), then
// waits until it is ACTIVE. On-demand billing is asked for so no emulator
// throttles the load; an endpoint that refuses it gets provisioned
// capacity instead.
func RecreateTable(ctx context.Context, c *LeanClient, table string, kind TableKind) error {
	err := c.Call(ctx, "DeleteTable", map[string]any{"TableName": table}, nil)
	if err != nil && !isAPIError(err, "ResourceNotFoundException") {
		return fmt.Errorf("DeleteTable: %w", err)
	}
	if err == nil {
		if err := waitTable(ctx, c, table, ""); err != nil {
			return err
		}
	}
	create := map[string]any{
		"TableName": table,
		"AttributeDefinitions": []map[string]string{
			{"AttributeName": "pk", "AttributeType": "S"},
			{"AttributeName": "sk", "AttributeType": "N"},
		},
		"KeySchema": []map[string]string{
			{"AttributeName": "pk", "KeyType": "HASH"},
			{"AttributeName": "sk", "KeyType": "RANGE"},
		},
		"BillingMode": "PAY_PER_REQUEST",
	}
	if kind == TableStream {
		create["StreamSpecification"] = map[string]any{"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}
	}
	err = c.Call(ctx, "CreateTable", create, nil)
	if isAPIError(err, "ValidationException") {
		delete(create, "BillingMode")
		create["ProvisionedThroughput"] = map[string]int{"ReadCapacityUnits": 100000, "WriteCapacityUnits": 100000}
		err = c.Call(ctx, "CreateTable", create, nil)
	}
	if err != nil {
		return fmt.Errorf("CreateTable: %w", err)
	}
	if err := waitTable(ctx, c, table, "ACTIVE"); err != nil {
		return err
	}
	if kind == TablePITR {
		err := c.Call(ctx, "UpdateContinuousBackups", map[string]any{
			"TableName":                        table,
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		}, nil)
		if err != nil {
			return fmt.Errorf("UpdateContinuousBackups: %w", err)
		}
	}
	return nil
}

// ReadStream returns the ARN and the open shards of table's stream (every
// shard if none is open), for GetRecords.
func ReadStream(ctx context.Context, c *LeanClient, table string) (StreamInfo, error) {
	var d tableDesc
	if err := c.Call(ctx, "DescribeTable", map[string]any{"TableName": table}, &d); err != nil {
		return StreamInfo{}, fmt.Errorf("DescribeTable: %w", err)
	}
	if d.Table.LatestStreamArn == "" {
		return StreamInfo{}, fmt.Errorf("table %s has no stream", table)
	}
	var s struct {
		StreamDescription struct {
			Shards []struct {
				ShardId             string
				SequenceNumberRange struct{ EndingSequenceNumber string }
			}
		}
	}
	if err := c.Call(ctx, "DescribeStream", map[string]any{"StreamArn": d.Table.LatestStreamArn}, &s); err != nil {
		return StreamInfo{}, fmt.Errorf("DescribeStream: %w", err)
	}
	info := StreamInfo{ARN: d.Table.LatestStreamArn}
	var all []string
	for _, sh := range s.StreamDescription.Shards {
		all = append(all, sh.ShardId)
		if sh.SequenceNumberRange.EndingSequenceNumber == "" {
			info.Shards = append(info.Shards, sh.ShardId)
		}
	}
	if len(info.Shards) == 0 {
		info.Shards = all
	}
	if len(info.Shards) == 0 {
		return StreamInfo{}, fmt.Errorf("stream of %s has no shards", table)
	}
	return info, nil
}

// waitTable polls DescribeTable until the table has status want, or is
// gone when want is "".
func waitTable(ctx context.Context, c *LeanClient, table, want string) error {
	ctx, cancel := context.WithTimeout(ctx, tableWait)
	defer cancel()
	for {
		var d tableDesc
		err := c.Call(ctx, "DescribeTable", map[string]any{"TableName": table}, &d)
		switch {
		case want == "" && isAPIError(err, "ResourceNotFoundException"):
			return nil
		case err != nil && !isAPIError(err, "ResourceNotFoundException"):
			return fmt.Errorf("DescribeTable: %w", err)
		case err == nil && want != "" && d.Table.TableStatus == want:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("table %s did not become %q within %s", table, want, tableWait)
		case <-time.After(tablePoll):
		}
	}
}

func isAPIError(err error, typ string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Type == typ
}

// LoadItems writes items [from, to) into each table of kinds with
// BatchWriteItem from concurrency goroutines, retrying any batch left
// partly unprocessed, and reports progress to log every few seconds when
// the load is large. The tables are loaded together, batch by batch in
// turn: their items then sit alike in the store's memtables and levels,
// so a write or read costs the same in each but for what the table adds
// (loaded one after the other, the first table's items are flushed to
// sstables while the last one's are still in the memtable, and a
// PutItem's read of the old item costs more in the first).
func LoadItems(ctx context.Context, c *LeanClient, kinds []TableKind, from, to, concurrency int, log io.Writer) error {
	if to <= from || len(kinds) == 0 {
		return nil
	}
	type batch struct {
		kind  TableKind
		start int
	}
	starts := make(chan batch)
	var done atomic.Int64
	var firstErr error
	var mu sync.Mutex
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := c.NewWorker()
			for b := range starts {
				if err := loadBatch(ctx, w, b.kind, b.start); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				done.Add(batchSize)
			}
		}()
	}
	t0 := time.Now()
	lastReport := t0
	total := (to - from) * len(kinds)
feed:
	for start := from; start < to; start += batchSize {
		for _, k := range kinds {
			select {
			case starts <- batch{k, start}:
			case <-ctx.Done():
				break feed
			}
		}
		if log != nil && time.Since(lastReport) > 5*time.Second {
			lastReport = time.Now()
			n := done.Load()
			fmt.Fprintf(log, "  loaded %d/%d items (%.0f items/s)\n", n, total, float64(n)/time.Since(t0).Seconds())
		}
	}
	close(starts)
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("loading items: %w", firstErr)
	}
	return ctx.Err()
}

// loadBatch writes one batch, resending it while any put is unprocessed
// (puts are idempotent, so resending the whole batch is safe).
func loadBatch(ctx context.Context, w Worker, kind TableKind, start int) error {
	backoff := 5 * time.Millisecond
	for range loadAttempts {
		n, err := w.Do(ctx, Op{Kind: OpBatchWrite, Item: start, Table: kind})
		if err == nil && n == batchSize {
			return nil
		}
		if err != nil && !isAPIError(err, "ProvisionedThroughputExceededException") && !isAPIError(err, "ThrottlingException") {
			return err
		}
		sleep(ctx, backoff)
		backoff = min(backoff*2, time.Second)
	}
	return fmt.Errorf("batch at item %d still unprocessed after %d attempts", start, loadAttempts)
}
