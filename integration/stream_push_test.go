package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

// With a webhook, every record of every enabled stream is POSTed as
// Lambda's DynamoDB event, in batches of at most 100, retried until the
// URL accepts it, each exactly once and in order per item.
func TestStreamWebhook(t *testing.T) {
	type event struct {
		Records []struct {
			EventID        string `json:"eventID"`
			EventName      string `json:"eventName"`
			EventSource    string `json:"eventSource"`
			EventSourceARN string `json:"eventSourceARN"`
			Dynamodb       struct {
				Keys           map[string]map[string]string `json:"Keys"`
				NewImage       map[string]map[string]string `json:"NewImage"`
				SequenceNumber string                       `json:"SequenceNumber"`
			} `json:"dynamodb"`
		} `json:"Records"`
	}
	var mu sync.Mutex
	var got []event
	posts, refused := 0, 0
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		posts++
		if posts == 2 { // the second batch fails once: it must come again
			refused++
			http.Error(w, "function failed", http.StatusInternalServerError)
			return
		}
		var ev event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook body: %v", err)
		}
		got = append(got, ev)
	}))
	defer hook.Close()
	s := dynagotest.New(t, dynagotest.WithStreamWebhook(hook.URL))
	c := s.Client()
	ctx := context.Background()
	arns := map[string]string{}
	for _, name := range []string{"orders", "users"} {
		arns[name] = aws.ToString(createStreamTable(t, c, name, types.StreamViewTypeNewImage).LatestStreamArn)
	}
	makeTable(t, c, "plain", hashS) // no stream: nothing delivered
	want := map[string][]string{}   // table/key → event names, in order
	for i := 0; i < 300; i++ {
		table := []string{"orders", "users"}[i%2]
		key := fmt.Sprint(i % 40)
		id := table + "/" + key
		if i%7 == 6 && len(want[id]) > 0 && want[id][len(want[id])-1] != "REMOVE" {
			if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: item{"pk": S(key)}}); err != nil {
				t.Fatal(err)
			}
			want[id] = append(want[id], "REMOVE")
			continue
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": S(key), "v": N(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("plain"), Item: item{"pk": S(key)}}); err != nil {
			t.Fatal(err)
		}
		name := "INSERT"
		if n := len(want[id]); n > 0 && want[id][n-1] != "REMOVE" {
			name = "MODIFY"
		}
		want[id] = append(want[id], name)
	}
	total := 0
	for _, w := range want {
		total += len(w)
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, ev := range got {
			n += len(ev.Records)
		}
		return n
	}
	for deadline := time.Now().Add(20 * time.Second); count() < total && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
	}
	time.Sleep(50 * time.Millisecond) // nothing more may come
	mu.Lock()
	defer mu.Unlock()
	if refused != 1 {
		t.Errorf("%d refused posts, want 1", refused)
	}
	seen := map[string][]string{}
	ids := map[string]bool{}
	for _, ev := range got {
		if len(ev.Records) == 0 || len(ev.Records) > 100 {
			t.Errorf("a batch of %d records", len(ev.Records))
		}
		for _, r := range ev.Records {
			table := ""
			for name, arn := range arns {
				if r.EventSourceARN == arn {
					table = name
				}
			}
			if table == "" || r.EventSource != "aws:dynamodb" || r.Dynamodb.SequenceNumber == "" {
				t.Fatalf("record %+v", r)
			}
			if ids[r.EventID] {
				t.Errorf("record %s delivered twice", r.EventID)
			}
			ids[r.EventID] = true
			id := table + "/" + r.Dynamodb.Keys["pk"]["S"]
			seen[id] = append(seen[id], r.EventName)
			if r.EventName != "REMOVE" && r.Dynamodb.NewImage["v"]["N"] == "" {
				t.Errorf("record %+v without its new image", r)
			}
		}
	}
	if len(ids) != total {
		t.Errorf("%d records delivered, want %d", len(ids), total)
	}
	for id, w := range want {
		if fmt.Sprint(seen[id]) != fmt.Sprint(w) {
			t.Errorf("%s: delivered %v, want %v", id, seen[id], w)
		}
	}
}

// Webhook delivery resumes after a restart from its checkpoint: nothing
// is missed, and at most the batch in flight at the stop comes twice.
func TestStreamWebhookResumes(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{} // key → deliveries
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Records []struct {
				Dynamodb struct {
					Keys map[string]map[string]string `json:"Keys"`
				} `json:"dynamodb"`
			} `json:"Records"`
		}
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		mu.Lock()
		for _, rec := range ev.Records {
			seen[rec.Dynamodb.Keys["pk"]["S"]]++
		}
		mu.Unlock()
	}))
	defer hook.Close()
	dir := t.TempDir()
	ctx := context.Background()
	wait := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			got := len(seen)
			mu.Unlock()
			if got >= n {
				return
			}
		}
		t.Fatalf("fewer than %d keys delivered", n)
	}
	write := func(c *dynamodb.Client, from, to int) {
		for i := from; i < to; i++ {
			if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("resumed"), Item: item{"pk": S(fmt.Sprint(i))}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := dynagotest.New(t, dynagotest.WithDataDir(dir), dynagotest.WithStreamWebhook(hook.URL))
	createStreamTable(t, s.Client(), "resumed", types.StreamViewTypeKeysOnly)
	write(s.Client(), 0, 150)
	wait(150)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	s = dynagotest.New(t, dynagotest.WithDataDir(dir), dynagotest.WithStreamWebhook(hook.URL))
	write(s.Client(), 150, 300)
	wait(300)
	time.Sleep(50 * time.Millisecond) // nothing more may come
	mu.Lock()
	defer mu.Unlock()
	twice := 0
	for k, n := range seen {
		var i int
		fmt.Sscan(k, &i)
		switch {
		case n == 1:
		case n == 2 && i < 150:
			twice++
		default:
			t.Errorf("key %s delivered %d times", k, n)
		}
	}
	if twice > 100 {
		t.Errorf("%d keys delivered twice: more than the one batch in flight at the stop", twice)
	}
	if len(seen) != 300 {
		t.Errorf("%d keys delivered, want 300", len(seen))
	}
}
