package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// dynago export scans a table with a parallel Scan (--parallel segments)
// and writes its items to a file:
//
//	dynago export --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] FILE
//
// One writer serialises the segments' pages into the file. DynamoDB JSON
// and Ion are exact; JSONL writes sets as arrays and binaries as base64
// strings (counted and reported); CSV needs a header before the first row,
// so its columns are --columns, or the table's keys followed by the
// attributes of the first csvSampleItems items, and an item with an
// attribute outside them is written without it (counted, reported, and
// the exit status is 1). A Scan is not a snapshot: items written during the
// export may or may not be in it. See checkpoint.go for resuming.

// csvSampleItems is how many items decide a CSV export's columns.
const csvSampleItems = 1000

// exportConfig is a parsed export command line.
type exportConfig struct {
	transferFlags
	format     dataio.Format
	comp       dataio.Compression
	delim      byte
	columns    []string
	consistent bool
	pageSize   int

	// onPage, for tests, is called with the items written so far after
	// each page.
	onPage func(items int64)
}

func parseExportFlags(args []string, getenv func(string) string, stderr io.Writer) (exportConfig, error) {
	var c exportConfig
	fs := newTransferFlagSet("export", &c.transferFlags, getenv, stderr, defaultExportParallel)
	fs.StringVar(&c.transferFlags.columns, "columns", "", "CSV: comma-separated columns, in order; default the table's keys, then the attributes of the first 1000 items")
	fs.BoolVar(&c.consistent, "consistent-read", false, "scan with strongly consistent reads")
	fs.IntVar(&c.pageSize, "page-size", 0, "items per Scan request (Limit); 0 means DynamoDB's 1 MB pages")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: dynago export --endpoint-url URL --table NAME [--format csv|jsonl|ddbjson|ion] [flags] FILE\n\nFILE - writes standard output. Flags:")
		fs.PrintDefaults()
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c, err
	}
	if c.format, c.comp, c.delim, err = c.resolve(pos); err != nil {
		return c, err
	}
	if c.transferFlags.columns != "" {
		c.columns = strings.Split(c.transferFlags.columns, ",")
	}
	return c, nil
}

// exportCmd runs dynago export and returns its exit code.
func exportCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseExportFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "dynago export:", err)
		return exitError
	}
	soft, hard, stop := withInterrupts(ctx, stderr)
	defer stop()
	_ = hard // scans are reads: the first interrupt stops them at once
	res, err := runExport(soft, cfg, stdout, stderr)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, "dynago export:", err)
		return exitError
	case res.interrupted:
		return exitInterrupted
	case res.lossy > 0 && cfg.format == dataio.FormatCSV:
		return exitIncomplete
	}
	return exitOK
}

type exportResult struct {
	items, lossy int64 // this run's
	interrupted  bool
}

// page is one Scan page of one segment.
type page struct {
	segment int
	items   []attr.Item                     // converted in the scanner's goroutine, off the writer's
	lastKey map[string]types.AttributeValue // nil: the segment is done
}

// countingWriter counts the bytes written to the file, which is the
// checkpoint's offset.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func runExport(ctx context.Context, cfg exportConfig, stdout io.Writer, stderr io.Writer) (exportResult, error) {
	var res exportResult
	client, err := cfg.newClient(ctx)
	if err != nil {
		return res, err
	}
	info, err := describeTable(ctx, client, cfg.table)
	if err != nil {
		return res, fmt.Errorf("table %s: %w", cfg.table, cfg.explain(err))
	}

	cp := exportCheckpoint{Version: checkpointVersion, Command: "export", Table: cfg.table, Output: cfg.file,
		Format: cfg.format.String(), Compression: cfg.comp.String(), Segments: make([]segmentState, cfg.parallel)}
	cpPath := cfg.checkpointPath()
	out := &countingWriter{w: stdout}
	var file *os.File
	resumed := false
	if cfg.file != "-" {
		if abs, err := filepath.Abs(cfg.file); err == nil {
			cp.Output = abs
		}
		if resumed, err = resumeExport(cpPath, cfg.restart, &cp, len(cp.Segments)); err != nil {
			return res, err
		}
		if file, err = openExportFile(cfg.file, resumed, cp.Offset); err != nil {
			return res, err
		}
		defer file.Close()
		out = &countingWriter{w: file, n: cp.Offset}
	}
	prevItems := cp.Items
	columns := cfg.columns
	if resumed && cp.Columns != nil {
		columns = cp.Columns
	}

	prog := newProgress(stderr, cfg.progress, "export", false, info.itemCount, cfg.progressInterval)
	if resumed {
		prog.printf("resuming from %s after %d items", cpPath, prevItems)
	}

	// The scanners.
	pages := make(chan page, 2*cfg.parallel)
	var fatalMu sync.Mutex
	var fatal error
	scanCtx, stopScans := context.WithCancel(ctx)
	defer stopScans()
	var wg sync.WaitGroup
	for seg, st := range cp.Segments {
		if st.Done {
			continue
		}
		start, err := decodeKey(st.LastKey)
		if err != nil {
			return res, fmt.Errorf("checkpoint %s: segment %d: %w", cpPath, seg, err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := scanSegment(scanCtx, client, cfg, seg, start, pages); err != nil && scanCtx.Err() == nil {
				fatalMu.Lock()
				if fatal == nil {
					fatal = err
				}
				fatalMu.Unlock()
				stopScans()
			}
		}()
	}
	go func() { wg.Wait(); close(pages) }()

	// CSV needs its columns before the first row.
	var buffered []page
	if cfg.format == dataio.FormatCSV && columns == nil {
		n := 0
		for p := range pages {
			buffered = append(buffered, p)
			if n += len(p.items); n >= csvSampleItems {
				break
			}
		}
		columns = csvColumns(info.tableKeys, buffered)
	}
	cp.Columns = columns
	w, err := dataio.NewWriter(out, dataio.WriterOptions{Format: cfg.format, Compression: cfg.comp, AllowLossy: true,
		CSV: dataio.CSVWriterOptions{Columns: columns, Delimiter: cfg.delim, NoHeader: resumed && cp.Offset > 0}})
	if err != nil {
		return res, err
	}

	save := func() error {
		if err := w.Flush(); err != nil {
			return err
		}
		if file == nil {
			return nil
		}
		if err := file.Sync(); err != nil {
			return err
		}
		cp.Offset = out.n
		cp.Items = prevItems + w.Stats().Items
		cp.Lossy = w.Stats().Lossy
		return writeCheckpoint(cpPath, cp)
	}
	lastSave := time.Now()
	write := func(p page) error {
		for _, it := range p.items {
			if err := w.Write(it); err != nil {
				return err
			}
		}
		if p.lastKey == nil {
			cp.Segments[p.segment] = segmentState{Done: true}
		} else {
			k, err := toAttrItem(p.lastKey)
			if err != nil {
				return err
			}
			cp.Segments[p.segment] = segmentState{LastKey: attr.AppendItemJSON(nil, k)}
		}
		n := prevItems + w.Stats().Items
		prog.set(n, 0, n)
		if cfg.onPage != nil {
			cfg.onPage(w.Stats().Items)
		}
		if time.Since(lastSave) >= checkpointInterval {
			lastSave = time.Now()
			return save()
		}
		return nil
	}
	var werr error
	for _, p := range buffered {
		if werr = write(p); werr != nil {
			break
		}
	}
	for p := range pages {
		if werr == nil {
			werr = write(p)
			if werr != nil {
				stopScans()
			}
		}
	}
	fatalMu.Lock()
	if fatal == nil {
		fatal = werr
	}
	fatalMu.Unlock()

	res.items, res.lossy = w.Stats().Items, w.Stats().Lossy
	rate := float64(res.items) / prog.elapsed().Seconds()
	done := !slices.ContainsFunc(cp.Segments, func(s segmentState) bool { return !s.Done })
	if fatal != nil || !done {
		if err := save(); err != nil && fatal == nil {
			fatal = err
		}
		how := "interrupted"
		if fatal != nil {
			how = "stopped by an error"
		}
		resume := "rerun the same command to resume (checkpoint " + cpPath + ")"
		if file == nil {
			resume = "standard output cannot be resumed"
		}
		prog.finish(fmt.Sprintf("export %s after %d items (%.0f items/s); %s", how, res.items, rate, resume))
		res.interrupted = fatal == nil
		return res, fatal
	}
	if err := w.Close(); err != nil {
		return res, err
	}
	if file != nil {
		if err := file.Sync(); err != nil {
			return res, err
		}
		if err := removeCheckpoint(cpPath); err != nil {
			return res, err
		}
	}
	summary := fmt.Sprintf("exported %d items in %s (%.0f items/s)", res.items, prog.elapsed().Round(time.Millisecond), rate)
	if prevItems > 0 {
		summary += fmt.Sprintf(", %d in all with the earlier runs", prevItems+res.items)
	}
	if lossy := cp.Lossy; lossy > 0 || res.lossy > 0 {
		switch cfg.format {
		case dataio.FormatCSV:
			summary += fmt.Sprintf("; %d items had attributes outside the CSV columns and were written without them (name them with --columns, or use --format ddbjson)", max(lossy, res.lossy))
		case dataio.FormatJSONL:
			summary += fmt.Sprintf("; %d items had sets or binaries, written as JSON arrays and base64 strings (--format ddbjson keeps their types)", max(lossy, res.lossy))
		}
	}
	prog.finish(summary)
	return res, nil
}

// resumeExport reads the checkpoint, if any, into cp after checking that
// it belongs to this export.
func resumeExport(path string, restart bool, cp *exportCheckpoint, segments int) (bool, error) {
	if path == "" || restart {
		return false, nil
	}
	var got exportCheckpoint
	found, err := loadCheckpoint(path, &got)
	if err != nil || !found {
		return false, err
	}
	if got.Version != checkpointVersion || got.Command != "export" || got.Table != cp.Table || got.Output != cp.Output ||
		got.Format != cp.Format || got.Compression != cp.Compression {
		return false, fmt.Errorf("checkpoint %s belongs to another export (table %s to %s, %s %s): remove it or pass --restart",
			path, got.Table, got.Output, got.Format, got.Compression)
	}
	if len(got.Segments) != segments {
		return false, fmt.Errorf("checkpoint %s was made with --parallel %d: resume with the same, or pass --restart", path, len(got.Segments))
	}
	*cp = got
	return true, nil
}

// openExportFile opens the output: anew, or for a resumed export cut back
// to the checkpoint's length.
func openExportFile(path string, resumed bool, offset int64) (*os.File, error) {
	if !resumed {
		return os.Create(path)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("resuming: %w", err)
	}
	st, err := f.Stat()
	if err == nil && st.Size() < offset {
		err = fmt.Errorf("resuming: %s holds %d bytes, less than the %d its checkpoint records: not the same file", path, st.Size(), offset)
	}
	if err == nil {
		err = f.Truncate(offset)
	}
	if err == nil {
		_, err = f.Seek(offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// scanSegment scans one segment from start, sending its pages.
func scanSegment(ctx context.Context, c *dynamodb.Client, cfg exportConfig, seg int, start map[string]types.AttributeValue, pages chan<- page) error {
	in := &dynamodb.ScanInput{TableName: aws.String(cfg.table), ExclusiveStartKey: start, ConsistentRead: aws.Bool(cfg.consistent)}
	if cfg.pageSize > 0 {
		in.Limit = aws.Int32(int32(cfg.pageSize))
	}
	if cfg.parallel > 1 {
		in.Segment, in.TotalSegments = aws.Int32(int32(seg)), aws.Int32(int32(cfg.parallel))
	}
	attempt := 0
	for {
		out, err := c.Scan(ctx, in)
		if err != nil {
			if isThrottling(err) {
				attempt++
				if err := sleepBackoff(ctx, attempt); err != nil {
					return err
				}
				continue
			}
			return err
		}
		attempt = 0
		p := page{segment: seg, items: make([]attr.Item, len(out.Items))}
		for i, m := range out.Items {
			if p.items[i], err = fromSDKItem(m); err != nil {
				return fmt.Errorf("an item the table returned: %w", err)
			}
		}
		if len(out.LastEvaluatedKey) > 0 {
			p.lastKey = out.LastEvaluatedKey
		}
		select {
		case pages <- p:
		case <-ctx.Done():
			return ctx.Err()
		}
		if p.lastKey == nil {
			return nil
		}
		in.ExclusiveStartKey = p.lastKey
	}
}

// csvColumns are the table's keys, then the other attributes of the
// sampled pages in byte order.
func csvColumns(tableKeys []string, pages []page) []string {
	cols := append([]string(nil), tableKeys...)
	seen := map[string]bool{}
	for _, k := range tableKeys {
		seen[k] = true
	}
	var rest []string
	for _, p := range pages {
		for _, it := range p.items {
			for k := range it {
				if !seen[k] {
					seen[k] = true
					rest = append(rest, k)
				}
			}
		}
	}
	slices.Sort(rest)
	return append(cols, rest...)
}

func toAttrItem(m map[string]types.AttributeValue) (attr.Item, error) { return fromSDKItem(m) }

// decodeKey reads a checkpoint's LastEvaluatedKey.
func decodeKey(raw []byte) (map[string]types.AttributeValue, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	it, err := attr.DecodeItemJSON(raw)
	if err != nil {
		return nil, err
	}
	return toSDKItem(it), nil
}
