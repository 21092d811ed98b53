package s3store

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// newFakeS3 serves an in-process S3 (gofakes3) with the bucket "b", and
// returns a client of it.
func newFakeS3(t *testing.T) *S3 {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	st, err := NewS3(context.Background(), S3Options{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("bkt")}); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStores(t *testing.T) {
	dir, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mem := NewMemory()
	mem.CreateBucket("bkt")
	for _, st := range []Store{newFakeS3(t), dir, mem} {
		t.Run(st.String()[:2], func(t *testing.T) { testStore(t, st) })
	}
}

func testStore(t *testing.T, st Store) {
	ctx := context.Background()
	bodies := map[string]string{
		"p/AWSDynamoDB/1/manifest-summary.json": `{"a":1}`,
		"p/AWSDynamoDB/1/data/x.json.gz":        "zzz",
		"q/other":                               "o",
	}
	for k, v := range bodies {
		etag, err := st.Put(ctx, "bkt", k, []byte(v))
		if err != nil {
			t.Fatal(err)
		}
		if etag != ETag([]byte(v)) {
			t.Errorf("etag of %s = %s, want %s", k, etag, ETag([]byte(v)))
		}
	}
	objs, err := st.List(ctx, "bkt", "p/")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].Key != "p/AWSDynamoDB/1/data/x.json.gz" || objs[1].Size != 7 {
		t.Fatalf("List = %+v", objs)
	}
	r, n, err := st.Get(ctx, "bkt", "q/other")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "o" || n != 1 {
		t.Errorf("Get = %q, %d", b, n)
	}
	if _, _, err := st.Get(ctx, "bkt", "missing"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("Get of a missing key: %v", err)
	}
	if _, _, err := st.Get(ctx, "nobkt", "k"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("Get in a missing bucket: %v", err)
	}
	if _, err := st.List(ctx, "nobkt", ""); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("List of a missing bucket: %v", err)
	}
}

func TestDirRefusesEscapes(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"../x", "a/../../x", "a/./b"} {
		if _, err := d.Put(context.Background(), "b", k, nil); err == nil {
			t.Errorf("Put of %q succeeded", k)
		}
	}
	if _, err := d.Put(context.Background(), "../b", "k", nil); err == nil {
		t.Error("Put into bucket ../b succeeded")
	}
}
