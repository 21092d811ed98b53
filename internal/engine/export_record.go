package engine

// The records of exports to S3 (ExportTableToPointInTime) and of imports
// from S3 (ImportTable), and the client tokens that make both requests
// idempotent.
//
//	ex/<export id>        exportRecord (JSON): the description and the job's plan
//	ex-token/<token>      taskToken: the export a ClientToken started
//	im/<import id>        importRecord (JSON)
//	im-token/<token>      taskToken
//
// Ids are "<unix ms, 14 digits>-<8 hex digits>", as DynamoDB's export and
// import ids look, so the records list in the order they were created.
// A record outlives its table (DescribeExport answers for an export of a
// deleted table, as DynamoDB's does) and is kept; nothing trims them yet.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/kv"
)

const (
	exportPrefix      = "ex/"
	exportTokenPrefix = "ex-token/"
	importPrefix      = "im/"
	importTokenPrefix = "im-token/"

	// tokenWindow is how long a ClientToken names the task it started:
	// DynamoDB's idempotency window of 8 hours. A token older than that
	// starts a new task.
	tokenWindow = 8 * time.Hour

	// defaultListTasks is the page size of ListExports and ListImports
	// without MaxResults / PageSize (the model's maximum).
	defaultListTasks = 25
)

// taskToken is what a ClientToken maps to.
type taskToken struct {
	ID string `json:"id"`
	// At is when the task was requested (unix µs), for tokenWindow.
	At int64 `json:"at"`
}

// newTaskID returns a new export or import id.
func newTaskID(now time.Time) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("engine: crypto/rand: %v", err)) // never fails on supported platforms
	}
	return fmt.Sprintf("%014d-%08x", now.UnixMilli(), binary.BigEndian.Uint32(b[:]))
}

// validTaskID reports whether s has the form newTaskID gives ids.
func validTaskID(s string) bool {
	var ms int64
	var r uint32
	n, err := fmt.Sscanf(s, "%014d-%08x", &ms, &r)
	return err == nil && n == 2 && len(s) == 23
}

// taskIDFromArn returns the id at the end of an export or import ARN
// (…:table/<name>/export/<id>); ok is false when arn has no such part.
func taskIDFromArn(arn, kind string) (id string, ok bool) {
	i := strings.LastIndex(arn, "/"+kind+"/")
	if i < 0 {
		return "", false
	}
	id = arn[i+len(kind)+2:]
	return id, id != "" && !strings.Contains(id, "/")
}

// requestFingerprint is a request's canonical JSON without its
// ClientToken: two requests with one token conflict unless their
// fingerprints are equal.
func requestFingerprint(in any) (string, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// lookupToken returns the id of the task token started within the
// idempotency window, or "" when none did, read in txn (which has locked
// the token key).
func lookupToken(ctx context.Context, txn kv.Txn, key []byte, now time.Time) (string, error) {
	var tok taskToken
	found, err := getJSON(ctx, txn, key, &tok)
	if err != nil || !found {
		return "", err
	}
	if now.Sub(time.UnixMicro(tok.At)) > tokenWindow {
		return "", nil
	}
	return tok.ID, nil
}

// listTaskIDs returns up to limit ids of the records under prefix after
// the id after ("" from the first), whose record keep accepts, and the id
// to continue from ("" when there are no more).
func listTaskIDs[R any](ctx context.Context, r kv.Reader, prefix, after string, limit int, keep func(*R) bool) ([]*R, string, error) {
	start := []byte(prefix)
	if after != "" {
		start = keySuccessor([]byte(prefix + after))
	}
	it, err := r.Iter(ctx, start, prefixEnd([]byte(prefix)), false)
	if err != nil {
		return nil, "", err
	}
	defer it.Close()
	var out []*R
	last := ""
	for it.Next() {
		rec := new(R)
		if err := json.Unmarshal(it.Value(), rec); err != nil {
			return nil, "", fmt.Errorf("engine: record %q: %w", it.Key(), err)
		}
		if !keep(rec) {
			continue
		}
		if len(out) == limit {
			return out, last, nil
		}
		out = append(out, rec)
		last = strings.TrimPrefix(string(it.Key()), prefix)
	}
	return out, "", it.Err()
}

// isoTime formats a time as the manifests do (RFC 3339, milliseconds,
// UTC).
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// apiTimeMicros returns a request timestamp as unix microseconds.
func apiTimeMicros(t api.Time) int64 { return int64(float64(t) * 1e6) }
