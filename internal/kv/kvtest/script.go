package kvtest

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/kv"
)

// scripts are the data-driven cases: each testdata/*.txt file runs, line by
// line, against one fresh store. They are embedded because the suite runs
// from the backend's package directory, where testdata/ is not ours.
//
//go:embed testdata/*.txt
var scripts embed.FS

// errAbort is what an aborted script transaction returns from fn.
var errAbort = errors.New("kvtest: script abort")

// runScripts runs every script file as a subtest.
//
// Script syntax, one command per line; '#' starts a comment. Keys and
// values are bare words or Go-quoted strings ("" is the empty key, "\x00"
// a zero byte); '*' as a bound means none.
//
//	set K V                  write (its own Update, or the open txn)
//	del K
//	delrange START END       Txn.DeleteRange (deprecated)
//	append LOG V             Txn.AppendLog
//	W -> !error              any write above must fail (and, in its own
//	                         Update, commit nothing)
//	get K -> V               V may be !notfound
//	scan START END -> K=V …  ascending; rscan is descending
//	log LOG [after V] [limit N] -> V …
//	                         Store.ReadLog: the records' values, in Seq
//	                         order (which must increase); after V starts
//	                         after the Seq an earlier log command saw V at
//	                         (0 if none); no limit reads in pages of 2
//	trim LOG V               Store.TrimLog up to the Seq V was read at
//	droprange START END      Store.DropRange
//	txn [K …]                open an Update locking the given keys; reads
//	                         and writes until commit/abort go through it
//	commit | abort           fn returns nil / an error
//
// Seqs are the backend's (they need not be contiguous), so scripts name
// records by value: each value a log command returns is remembered with
// its Seq, per log.
func runScripts(t *testing.T, open func(t *testing.T) kv.Store) {
	files, err := fs.Glob(scripts, "testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(path.Base(file), ".txt"), func(t *testing.T) {
			data, err := scripts.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r := &scriptRunner{t: t, s: openFresh(t, open), file: file}
			r.run(string(data))
		})
	}
}

type scriptRunner struct {
	t    *testing.T
	s    kv.Store
	file string
	line int
	tx   kv.Txn            // the open transaction while a txn block runs
	seqs map[string]kv.Seq // log + "\x00" + value -> the Seq it was read at
}

type scriptLine struct {
	n    int
	text string
}

func (r *scriptRunner) run(src string) {
	var lines []scriptLine
	for i, raw := range strings.Split(src, "\n") {
		text, _, _ := strings.Cut(raw, "#")
		if strings.TrimSpace(text) != "" {
			lines = append(lines, scriptLine{i + 1, text})
		}
	}
	for len(lines) > 0 {
		l := lines[0]
		lines = lines[1:]
		r.line = l.n
		fields := strings.Fields(l.text)
		if fields[0] != "txn" {
			r.exec(l.text)
			continue
		}
		// Gather the block and run it inside one Update, on this goroutine
		// (Update calls fn synchronously), so failures may call t.Fatalf.
		end := slices.IndexFunc(lines, func(l scriptLine) bool {
			f := strings.Fields(l.text)[0]
			return f == "commit" || f == "abort"
		})
		if end < 0 {
			r.failf("txn without commit or abort")
		}
		block, closing := lines[:end], lines[end]
		lines = lines[end+1:]
		want := error(nil)
		if strings.Fields(closing.text)[0] == "abort" {
			want = errAbort
		}
		keys := r.words(fields[1:])
		txnLine := r.line
		err := r.s.Update(context.Background(), keys, func(tx kv.Txn) error {
			r.tx = tx
			defer func() { r.tx = nil }()
			for _, l := range block {
				r.line = l.n
				r.exec(l.text)
			}
			return want
		})
		r.line = txnLine
		if !errors.Is(err, want) {
			r.failf("txn: Update returned %v, want %v", err, want)
		}
	}
}

func (r *scriptRunner) failf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("%s:%d: %s", r.file, r.line, fmt.Sprintf(format, args...))
}

// reader is what reads go through: the open txn, or the store.
func (r *scriptRunner) reader() kv.Reader {
	if r.tx != nil {
		return r.tx
	}
	return r.s
}

func (r *scriptRunner) exec(text string) {
	r.t.Helper()
	cmdText, want, hasWant := strings.Cut(text, "->")
	fields := strings.Fields(cmdText)
	args := r.words(fields[1:])
	ctx := context.Background()
	switch op := fields[0]; op {
	case "set", "del", "delrange", "append":
		r.write(op, args, hasWant, want)
	case "log":
		r.readLog(args, hasWant, want)
	case "trim":
		r.need(args, 2)
		if err := r.s.TrimLog(ctx, args[0], r.seqOf(args[0], args[1])); err != nil {
			r.failf("trim: %v", err)
		}
	case "droprange":
		r.need(args, 2)
		if err := r.s.DropRange(ctx, args[0], args[1]); err != nil {
			r.failf("droprange: %v", err)
		}
	case "get":
		r.need(args, 1)
		got, err := r.reader().Get(ctx, args[0])
		switch {
		case errors.Is(err, kv.ErrNotFound):
			r.expect(hasWant, want, []string{"!notfound"})
		case err != nil:
			r.failf("get: %v", err)
		default:
			r.expect(hasWant, want, []string{strconv.Quote(string(got))})
		}
	case "scan", "rscan":
		r.need(args, 2)
		it, err := r.reader().Iter(ctx, args[0], args[1], op == "rscan")
		if err != nil {
			r.failf("iter: %v", err)
		}
		var got []string
		for it.Next() {
			got = append(got, strconv.Quote(string(it.Key()))+"="+strconv.Quote(string(it.Value())))
		}
		err = errors.Join(it.Err(), it.Close())
		if err != nil {
			r.failf("iter: %v", err)
		}
		r.expect(hasWant, want, got)
	default:
		r.failf("unknown command %q", op)
	}
}

func (r *scriptRunner) words(fields []string) [][]byte {
	out := make([][]byte, len(fields))
	for i, f := range fields {
		out[i] = r.word(f)
	}
	return out
}

// word decodes a key or value token.
func (r *scriptRunner) word(f string) []byte {
	if f == "*" {
		return nil
	}
	if strings.HasPrefix(f, `"`) {
		s, err := strconv.Unquote(f)
		if err != nil {
			r.failf("bad quoted word %s: %v", f, err)
		}
		return []byte(s)
	}
	return []byte(f)
}

func (r *scriptRunner) need(args [][]byte, n int) {
	r.t.Helper()
	if len(args) != n {
		r.failf("want %d arguments, got %d", n, len(args))
	}
}

// expect compares results with the expected list after "->", normalising
// both to quoted form.
func (r *scriptRunner) expect(hasWant bool, want string, got []string) {
	r.t.Helper()
	if !hasWant {
		r.failf("read without expected result (add -> ...)")
	}
	var norm []string
	for _, w := range strings.Fields(want) {
		if w != "!notfound" {
			w = r.pair(w)
		}
		norm = append(norm, w)
	}
	if !slices.Equal(got, norm) {
		r.failf("got %v, want %v", got, norm)
	}
}

// pair normalises an expected "K=V" (or a lone value "V") to the quoted
// form results are printed in. K may be Go-quoted.
func (r *scriptRunner) pair(w string) string {
	k, rest := "", w
	if strings.HasPrefix(w, `"`) {
		q, err := strconv.QuotedPrefix(w)
		if err != nil {
			r.failf("bad quoted word in %s: %v", w, err)
		}
		k, rest = q, w[len(q):]
	} else if i := strings.IndexByte(w, '='); i >= 0 {
		k, rest = w[:i], w[i:]
	} else {
		k, rest = w, ""
	}
	key := strconv.Quote(string(r.word(k)))
	if rest == "" {
		return key
	}
	if rest[0] != '=' {
		r.failf("bad result word %s", w)
	}
	return key + "=" + strconv.Quote(string(r.word(rest[1:])))
}

// write runs a write in the open txn, or in an Update of its own that locks
// the first argument. "-> !error" expects it to fail.
func (r *scriptRunner) write(op string, args [][]byte, hasWant bool, want string) {
	r.t.Helper()
	var n int
	var fn func(kv.Txn) error
	switch op {
	case "set":
		n, fn = 2, func(tx kv.Txn) error { return tx.Set(args[0], args[1]) }
	case "del":
		n, fn = 1, func(tx kv.Txn) error { return tx.Delete(args[0]) }
	case "delrange":
		n, fn = 2, func(tx kv.Txn) error { return tx.DeleteRange(args[0], args[1]) }
	case "append":
		n, fn = 2, func(tx kv.Txn) error { return tx.AppendLog(args[0], args[1]) }
	}
	r.need(args, n)
	wantErr := false
	if hasWant {
		if strings.TrimSpace(want) != "!error" {
			r.failf("a write expects nothing or -> !error, not %q", want)
		}
		wantErr = true
	}
	var err error
	switch {
	case r.tx != nil:
		err = fn(r.tx)
	case op == "append":
		err = r.s.Update(context.Background(), nil, fn)
	default:
		err = r.s.Update(context.Background(), args[:1], fn)
	}
	switch {
	case wantErr && err == nil:
		r.failf("%s succeeded, want an error", op)
	case !wantErr && err != nil:
		r.failf("%s: %v", op, err)
	}
}

// readLog runs a log command.
func (r *scriptRunner) readLog(args [][]byte, hasWant bool, want string) {
	r.t.Helper()
	if len(args) != 1 && len(args) != 3 && len(args) != 5 {
		r.failf("log LOG [after V] [limit N]")
	}
	log := args[0]
	var after kv.Seq
	limit := 0
	for i := 1; i+1 < len(args); i += 2 {
		switch string(args[i]) {
		case "after":
			after = r.seqOf(log, args[i+1])
		case "limit":
			n, err := strconv.Atoi(string(args[i+1]))
			if err != nil || n <= 0 {
				r.failf("bad limit %q", args[i+1])
			}
			limit = n
		default:
			r.failf("unknown log option %q", args[i])
		}
	}
	var recs []kv.LogRecord
	for {
		page := 2 // small pages, so paging by after is exercised
		if limit > 0 {
			page = limit - len(recs)
		}
		got, err := r.s.ReadLog(context.Background(), log, after, page)
		if err != nil {
			r.failf("ReadLog: %v", err)
		}
		if len(got) > page {
			r.failf("ReadLog returned %d records, limit %d", len(got), page)
		}
		recs = append(recs, got...)
		if len(got) < page || (limit > 0 && len(recs) == limit) {
			break
		}
		after = got[len(got)-1].Seq
	}
	got := make([]string, len(recs))
	for i, rec := range recs {
		if i > 0 && rec.Seq <= recs[i-1].Seq {
			r.failf("ReadLog: Seq %d after %d", rec.Seq, recs[i-1].Seq)
		}
		if r.seqs == nil {
			r.seqs = make(map[string]kv.Seq)
		}
		k := string(log) + "\x00" + string(rec.Value)
		if seq, ok := r.seqs[k]; ok && seq != rec.Seq {
			r.failf("record %q of log %q read at Seq %d, earlier at %d", rec.Value, log, rec.Seq, seq)
		}
		r.seqs[k] = rec.Seq
		got[i] = strconv.Quote(string(rec.Value))
	}
	if !hasWant {
		r.failf("log without expected result (add -> ...)")
	}
	var norm []string
	for _, w := range strings.Fields(want) {
		norm = append(norm, strconv.Quote(string(r.word(w))))
	}
	if !slices.Equal(got, norm) {
		r.failf("got %v, want %v", got, norm)
	}
}

// seqOf returns the Seq an earlier log command read value at.
func (r *scriptRunner) seqOf(log, value []byte) kv.Seq {
	seq, ok := r.seqs[string(log)+"\x00"+string(value)]
	if !ok {
		r.failf("no log command has read %q in log %q", value, log)
	}
	return seq
}
