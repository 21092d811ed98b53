package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// dynago import reads a file and writes its items into an existing table
// with parallel BatchWriteItem calls:
//
//	dynago import --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
//
// The reader (internal/dataio) reports each bad line with its number and
// skips it; the batches go to --parallel workers, which retry unprocessed
// items and throttling with exponential backoff and jitter; a batch
// DynamoDB rejects as invalid is retried item by item so that only the bad
// items (reported with their lines) are left out. See checkpoint.go for
// how an interrupted import resumes.

// Backoff between retries of unprocessed items or throttled batches.
const (
	backoffBase = 50 * time.Millisecond
	backoffMax  = 5 * time.Second
	batchSize   = 25 // BatchWriteItem's limit
)

// importConfig is a parsed import command line.
type importConfig struct {
	transferFlags
	format dataio.Format
	comp   dataio.Compression
	delim  byte
	header []string
	types  map[string]dataio.CSVType

	// onBatch, for tests, is called with the items acknowledged so far
	// after each batch.
	onBatch func(items int64)
}

func parseImportFlags(args []string, getenv func(string) string, stderr io.Writer) (importConfig, error) {
	var c importConfig
	fs := newTransferFlagSet("import", &c.transferFlags, getenv, stderr, defaultImportParallel)
	fs.StringVar(&c.transferFlags.header, "header", "", "CSV: comma-separated column names; the file's first line is then data")
	fs.StringVar(&c.schema, "schema", "", `CSV: JSON file of column types, such as {"price":"N","tags":"JSON"} (S, N, B as base64, BOOL, JSON as a DynamoDB JSON value)`)
	fs.BoolVar(&c.infer, "infer", true, "CSV: type the cells of columns without a declared type by their text (canonical numbers N, true/false BOOL, DynamoDB JSON values); --infer=false imports them as strings, as ImportTable does")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: dynago import --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] [flags] FILE\n\nFILE - reads standard input. Flags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c, err
	}
	if c.format, c.comp, c.delim, err = c.resolve(pos); err != nil {
		return c, err
	}
	if c.transferFlags.header != "" {
		c.header = strings.Split(c.transferFlags.header, ",")
	}
	if c.schema != "" {
		if c.types, err = readSchema(c.schema); err != nil {
			return c, err
		}
	}
	return c, nil
}

// importCmd runs dynago import and returns its exit code.
func importCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stderr io.Writer) int {
	cfg, err := parseImportFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "dynago import:", err)
		return exitError
	}
	soft, hard, stop := withInterrupts(ctx, stderr)
	defer stop()
	res, err := runImport(soft, hard, cfg, stdin, stderr)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "dynago import:", err)
		return exitError
	case res.interrupted:
		return exitInterrupted
	case res.bad > 0:
		return exitIncomplete
	}
	return exitOK
}

// importResult is what a run did.
type importResult struct {
	items, bad  int64 // this run's
	interrupted bool
}

// batch is up to 25 items read in order, numbered from 0.
type batch struct {
	seq      int64
	reqs     []types.WriteRequest
	lines    []int64
	keys     map[string]int // item key → index in reqs, to fold duplicates
	end      dataio.Position
	badLines int64 // bad lines read since the previous batch ended
}

// batchDone is a written batch.
type batchDone struct {
	end        dataio.Position
	items, bad int64
}

// tracker moves the checkpoint position past batches as they complete in
// order.
type tracker struct {
	mu      sync.Mutex
	next    int64
	done    map[int64]batchDone
	pos     dataio.Position
	items   int64 // acknowledged, before pos, cumulative across runs
	bad     int64 // bad lines before pos, cumulative across runs
	written atomic.Int64
	badSeen atomic.Int64
}

func (t *tracker) complete(seq int64, d batchDone) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done[seq] = d
	for {
		d, ok := t.done[t.next]
		if !ok {
			return
		}
		delete(t.done, t.next)
		t.next++
		t.pos = d.end
		t.items += d.items
		t.bad += d.bad
	}
}

func (t *tracker) snapshot() (dataio.Position, int64, int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pos, t.items, t.bad
}

func runImport(ctx, hard context.Context, cfg importConfig, stdin io.Reader, stderr io.Writer) (importResult, error) {
	var res importResult
	client, err := cfg.newClient(ctx)
	if err != nil {
		return res, err
	}
	info, err := describeTable(ctx, client, cfg.table)
	if err != nil {
		return res, fmt.Errorf("table %s: %w", cfg.table, cfg.explain(err))
	}

	// The input, and its identity for the checkpoint.
	var in io.Reader = stdin
	cp := importCheckpoint{Version: checkpointVersion, Command: "import", Table: cfg.table, Input: cfg.file,
		Format: cfg.format.String(), Compression: cfg.comp.String()}
	var size int64
	if cfg.file != "-" {
		f, err := os.Open(cfg.file)
		if err != nil {
			return res, err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return res, err
		}
		in, size = f, st.Size()
		if abs, err := filepath.Abs(cfg.file); err == nil {
			cp.Input = abs
		}
		cp.InputSize, cp.InputModTime = st.Size(), st.ModTime().UTC()
	}
	cpPath := cfg.checkpointPath()
	start, prevItems, prevBad, err := resumeImport(cpPath, cfg.restart, cp)
	if err != nil {
		return res, err
	}

	var readBytes atomic.Int64
	rd, err := dataio.NewReader(countingReader{r: in, n: &readBytes}, dataio.ReaderOptions{
		Format: cfg.format, Compression: cfg.comp, Keys: info.keys, Start: start,
		CSV: dataio.CSVOptions{Delimiter: cfg.delim, Header: cfg.header, Types: cfg.types, Infer: cfg.infer},
	})
	if err != nil {
		return res, err
	}
	defer rd.Close()

	prog := newProgress(stderr, cfg.progress, "import", true, size, cfg.progressInterval)
	if start != (dataio.Position{}) {
		prog.printf("resuming from %s at line %d (%d items imported before)", cpPath, start.Line+1, prevItems)
	}
	tr := &tracker{done: map[int64]batchDone{}, pos: start, items: prevItems, bad: prevBad}

	// Checkpoints, about once a second, while the import runs.
	saveCheckpoint := func() error {
		if cpPath == "" {
			return nil
		}
		c := cp
		c.Position, c.Items, c.Bad = tr.snapshot()
		return writeCheckpoint(cpPath, c)
	}
	stopSaving := make(chan struct{})
	savingDone := make(chan struct{})
	go func() {
		defer close(savingDone)
		t := time.NewTicker(checkpointInterval)
		defer t.Stop()
		var last dataio.Position
		for {
			select {
			case <-stopSaving:
				return
			case <-t.C:
				prog.set(tr.written.Load(), tr.badSeen.Load(), readBytes.Load())
				if p, _, _ := tr.snapshot(); p != last {
					if err := saveCheckpoint(); err != nil {
						prog.printf("checkpoint: %v", err)
					}
					last = p
				}
			}
		}
	}()

	// The writers.
	work := make(chan *batch, cfg.parallel)
	var fatal atomic.Pointer[error]
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	var wg sync.WaitGroup
	for range cfg.parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				if fatal.Load() != nil {
					continue
				}
				n, bad, err := writeBatch(hard, client, cfg.table, b, func(line int64, err error) {
					tr.badSeen.Add(1)
					prog.printf("line %d: %v", line, err)
				})
				if err != nil {
					fatal.CompareAndSwap(nil, &err)
					stopReading()
					continue
				}
				tr.written.Add(n)
				tr.complete(b.seq, batchDone{end: b.end, items: n, bad: bad + b.badLines})
				prog.set(tr.written.Load(), tr.badSeen.Load(), readBytes.Load())
				if cfg.onBatch != nil {
					cfg.onBatch(tr.written.Load())
				}
			}
		}()
	}

	// The reader, feeding batches in order.
	var seq, badLines int64
	cur := newBatch(0)
	var readErr error
	interrupted := false
read:
	for {
		if readCtx.Err() != nil {
			interrupted = fatal.Load() == nil
			break
		}
		it, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *dataio.LineError
		if errors.As(err, &le) {
			badLines++
			tr.badSeen.Add(1)
			prog.printf("%v", le)
			continue
		}
		if err != nil {
			readErr = err
			break
		}
		cur.add(it, rd.Line(), info.tableKeys)
		if len(cur.reqs) == batchSize {
			cur.end, cur.badLines = rd.Pos(), badLines
			badLines = 0
			select {
			case work <- cur:
			case <-readCtx.Done():
				interrupted = fatal.Load() == nil
				break read
			}
			seq++
			cur = newBatch(seq)
		}
	}
	if !interrupted && readErr == nil && fatal.Load() == nil {
		// The last batch also carries the bad lines at the end.
		cur.end, cur.badLines = rd.Pos(), badLines
		if len(cur.reqs) > 0 {
			work <- cur
		} else {
			tr.complete(cur.seq, batchDone{end: cur.end, bad: cur.badLines})
		}
	}
	close(work)
	wg.Wait()
	close(stopSaving)
	<-savingDone

	pos, total, totalBad := tr.snapshot()
	res.items, res.bad = tr.written.Load(), tr.badSeen.Load()
	prog.set(res.items, res.bad, readBytes.Load())
	rate := float64(res.items) / prog.elapsed().Seconds()
	var ferr error
	if p := fatal.Load(); p != nil {
		ferr = *p
	} else if readErr != nil {
		ferr = readErr
	}
	switch {
	case ferr != nil || interrupted:
		if err := saveCheckpoint(); err != nil {
			return res, err
		}
		how := "interrupted"
		if ferr != nil {
			how = "stopped by an error"
		}
		resume := "rerun the same command to resume"
		if cpPath == "" {
			resume = "standard input has no checkpoint (pass --checkpoint FILE to make one)"
		} else {
			resume += " (checkpoint " + cpPath + ")"
		}
		prog.finish(fmt.Sprintf("import %s after %d items (%.0f items/s) at line %d; %s", how, res.items, rate, pos.Line, resume))
		res.interrupted = ferr == nil
		return res, ferr
	}
	if err := removeCheckpoint(cpPath); err != nil {
		return res, err
	}
	summary := fmt.Sprintf("imported %d items in %s (%.0f items/s)", res.items, prog.elapsed().Round(time.Millisecond), rate)
	if total != res.items {
		summary += fmt.Sprintf(", %d in all with the earlier runs", total)
	}
	if totalBad > 0 {
		summary += fmt.Sprintf("; %d bad lines skipped", totalBad)
	}
	prog.finish(summary)
	res.bad = totalBad
	return res, nil
}

// resumeImport reads the checkpoint, if any, and checks that it belongs
// to this input and command.
func resumeImport(path string, restart bool, want importCheckpoint) (start dataio.Position, items, bad int64, err error) {
	if path == "" || restart {
		return start, 0, 0, nil
	}
	var got importCheckpoint
	found, err := loadCheckpoint(path, &got)
	if err != nil || !found {
		return start, 0, 0, err
	}
	if got.Version != checkpointVersion || got.Command != "import" || got.Table != want.Table || got.Input != want.Input ||
		got.InputSize != want.InputSize || !got.InputModTime.Equal(want.InputModTime) ||
		got.Format != want.Format || got.Compression != want.Compression {
		return start, 0, 0, fmt.Errorf("checkpoint %s belongs to another import (table %s, %s, %s %s, %d bytes, modified %s): remove it or pass --restart",
			path, got.Table, got.Input, got.Format, got.Compression, got.InputSize, got.InputModTime.Format(time.RFC3339))
	}
	return got.Position, got.Items, got.Bad, nil
}

func newBatch(seq int64) *batch {
	return &batch{seq: seq, reqs: make([]types.WriteRequest, 0, batchSize), keys: make(map[string]int, batchSize)}
}

// add puts an item in the batch. BatchWriteItem refuses two writes of one
// key, so a later line with the same key replaces the earlier one here,
// as a later put would.
func (b *batch) add(it attr.Item, line int64, tableKeys []string) {
	var k []byte
	for _, name := range tableKeys {
		k = attr.AppendKey(k, it[name])
	}
	req := types.WriteRequest{PutRequest: &types.PutRequest{Item: toSDKItem(it)}}
	if i, dup := b.keys[string(k)]; dup {
		b.reqs[i], b.lines[i] = req, line
		return
	}
	b.keys[string(k)] = len(b.reqs)
	b.reqs = append(b.reqs, req)
	b.lines = append(b.lines, line)
}

// writeBatch writes a batch, retrying unprocessed items and throttling
// with backoff. A ValidationException (an item DynamoDB refuses that the
// reader could not foresee, such as a key over its size limit) sends the
// batch item by item, reporting the refused ones. It returns the items
// written and refused.
func writeBatch(ctx context.Context, c *dynamodb.Client, table string, b *batch, report func(line int64, err error)) (written, refused int64, err error) {
	pending := map[string][]types.WriteRequest{table: b.reqs}
	attempt := 0
	for len(pending[table]) > 0 {
		out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		switch {
		case err == nil:
			if len(out.UnprocessedItems[table]) == len(pending[table]) {
				attempt++
			} else {
				attempt = 0
			}
			pending = out.UnprocessedItems
			if len(pending[table]) > 0 {
				if err := sleepBackoff(ctx, attempt); err != nil {
					return 0, 0, err
				}
			}
		case isThrottling(err):
			attempt++
			if err := sleepBackoff(ctx, attempt); err != nil {
				return 0, 0, err
			}
		case isCode(err, "ValidationException"):
			return writeOneByOne(ctx, c, table, b, report)
		default:
			return 0, 0, err
		}
	}
	return int64(len(b.reqs)), 0, nil
}

func writeOneByOne(ctx context.Context, c *dynamodb.Client, table string, b *batch, report func(line int64, err error)) (written, refused int64, err error) {
	for i, r := range b.reqs {
		for attempt := 1; ; attempt++ {
			_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: r.PutRequest.Item})
			if err == nil {
				written++
				break
			}
			if isThrottling(err) {
				if err := sleepBackoff(ctx, attempt); err != nil {
					return 0, 0, err
				}
				continue
			}
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "ValidationException" {
				report(b.lines[i], errors.New(ae.ErrorMessage()))
				refused++
				break
			}
			return 0, 0, err
		}
	}
	return written, refused, nil
}

// sleepBackoff waits before the attempt-th retry: exponential, capped,
// with full jitter so that parallel writers do not retry in step.
func sleepBackoff(ctx context.Context, attempt int) error {
	d := backoffBase << min(attempt, 10)
	d = min(d, backoffMax)
	d = time.Duration(rand.Int64N(int64(d)) + 1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// isThrottling reports an error DynamoDB answers when a table or the
// account is over its capacity.
func isThrottling(err error) bool {
	return isCode(err, "ProvisionedThroughputExceededException") || isCode(err, "ThrottlingException") ||
		isCode(err, "RequestLimitExceeded") || isCode(err, "LimitExceededException")
}
