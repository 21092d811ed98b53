package jobs

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dynago/dynago/internal/kv"
	"github.com/dynago/dynago/internal/kv/pebble"
)

// leaseRecords are records as putRecord writes them, and a few it never
// writes that json.Unmarshal still reads.
var leaseRecords = []string{
	`{}`,
	`{"owner":"a1b2"}`,
	`{"spec":"eyJkZXNjIjoieCJ9","owner":"a1b2c3d4","expires":1733300000000000000}`,
	`{"spec":"eyJ9","progress":"MTIz","owner":"me","expires":5,"notUntil":-7,"failures":3,"lastError":"disk on fire"}`,
	`{"notUntil":1733300000000000000}`,
	`{ "owner" : "spaced" , "expires" : 9 }`,     // not compact: the fallback
	`{"Owner":"x","EXPIRES":4}`,                  // case-insensitive keys: the fallback
	`{"owner":"a\"b","lastError":"line\nbreak"}`, // escapes: the fallback
	`{"owner":"x","expires":1e3}`,                // not an integer for json either
	`{"owner":"x","unknown":{"nested":[1,2]}}`,   // an unknown member: the fallback
	`{"owner":"x","expires":9,"owner":"y"}`,      // the last one wins, as in json
	`{"owner":"r","expires":9,"soon":true}`,      // a RunSoon while it ran
	`{"owner":"r","soon":false}`,                 // never written: the fallback
}

// decodeLease gives what json.Unmarshal gives wherever that succeeds.
func TestDecodeLeaseMatchesJSON(t *testing.T) {
	for _, in := range leaseRecords {
		checkLease(t, []byte(in))
	}
	// And for what putRecord writes, from a record of every field.
	b, err := json.Marshal(&record{Spec: []byte(strings.Repeat("x", 3000)), Progress: []byte("p"),
		Owner: "0123456789abcdef", Expires: 1 << 62, NotUntil: 42, Failures: 2, LastErr: "boom", Soon: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := scanLease(b); !ok {
		t.Errorf("a record putRecord writes takes the fallback: %s", b[len(b)-120:])
	}
	checkLease(t, b)
}

func checkLease(t *testing.T, b []byte) {
	t.Helper()
	var rec record
	jerr := json.Unmarshal(b, &rec)
	got, err := decodeLease(b)
	if jerr != nil {
		if err == nil && !strings.Contains(string(b), `"spec"`) && !strings.Contains(string(b), `"progress"`) {
			t.Errorf("%s: json.Unmarshal fails (%v), decodeLease read %+v", b, jerr, got)
		}
		return
	}
	want := lease{Owner: rec.Owner, Expires: rec.Expires, NotUntil: rec.NotUntil}
	if err != nil || got != want {
		t.Errorf("%s: decodeLease = %+v, %v; want %+v", b, got, err, want)
	}
}

// FuzzDecodeLease: on any input json.Unmarshal reads, decodeLease reads
// the same lease. (Where json.Unmarshal fails, decodeLease may still read
// one when only the base64 of spec or progress is bad: poll then tries
// to claim the job and the claim reports the record.)
func FuzzDecodeLease(f *testing.F) {
	for _, in := range leaseRecords {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var rec record
		if json.Unmarshal(b, &rec) != nil {
			decodeLease(b) // must not panic
			return
		}
		got, err := decodeLease(b)
		want := lease{Owner: rec.Owner, Expires: rec.Expires, NotUntil: rec.NotUntil}
		if err != nil || got != want {
			t.Errorf("%q: decodeLease = %+v, %v; want %+v", b, got, err, want)
		}
	})
}

// BenchmarkPoll is one look for work over 20 recorded jobs that another
// runner holds, each with a 2 KB spec (a deleted table's record, as a
// table drop's is): what every Wake costs.
func BenchmarkPoll(b *testing.B) {
	st, err := pebble.Open("", pebble.Options{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	spec := []byte(strings.Repeat(`{"desc":"x"}`, 2048/12))
	later := time.Now().Add(time.Hour).UnixNano()
	for i := range 20 {
		key := JobKey("drop", strconv.Itoa(i))
		err := st.Update(ctx, [][]byte{key}, func(txn kv.Txn) error {
			return putRecord(txn, key, &record{Spec: spec, Owner: "other", Expires: later})
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	r := NewRunner(st, map[string]Body{"drop": func(context.Context, *Job) error { return nil }}, Options{})
	b.ReportAllocs()
	for b.Loop() {
		next, err := r.poll(ctx)
		if err != nil || next.UnixNano() != later {
			b.Fatalf("poll: next %v, %v; want the leases' expiry", next, err)
		}
	}
}
