package console_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The steps of TestBrowser on the stream viewer.

// testStreams turns on Music's stream in its settings tab, opens the
// viewer from there, starts following new changes, and then writes
// through the SDK: an insert, an update and a delete must each appear as
// the record the Streams API holds for it (event, keys, new and old
// images), newest first, while the page polls.
func (h *harness) testStreams(t *testing.T) {
	b := h.b
	b.route("/streams")
	b.waitFor("the viewer", `!!document.querySelector('#streams-empty') || !!document.querySelector('#stream-toggle')`)

	b.route("/tables/Music?tab=settings")
	b.waitFor("the settings tab", `!!document.querySelector('#save-stream')`)
	b.setValue("select[name=stream-view]", "NEW_AND_OLD_IMAGES")
	b.click("#save-stream")
	b.waitText(".alert.ok", "Stream turned on")
	out, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.Table.StreamSpecification; s == nil || !aws.ToBool(s.StreamEnabled) || s.StreamViewType != types.StreamViewTypeNewAndOldImages {
		t.Fatalf("after Turn on stream: %+v", s)
	}
	b.waitFor("the page to reload", `!!document.querySelector('#view-stream')`)
	b.click("#view-stream")
	b.waitFor("the viewer", `!!document.querySelector('#stream-toggle')`)
	var selected string
	b.js(`document.querySelector('#stream-select').value`, &selected)
	if selected != aws.ToString(out.Table.LatestStreamArn) {
		t.Errorf("the viewer opened on %q, want Music's stream %q", selected, aws.ToString(out.Table.LatestStreamArn))
	}
	b.click("#stream-toggle")
	// Following: the iterators are taken (LATEST), so what is written now
	// must show.
	b.waitText("#stream-records", "Waiting for changes")
	b.waitText("#stream-info", "view type NEW_AND_OLD_IMAGES")

	key := map[string]types.AttributeValue{"Artist": str("Stream"), "SongTitle": str("Live")}
	h.put(map[string]types.AttributeValue{"Artist": str("Stream"), "SongTitle": str("Live"), "Plays": num("1")})
	b.waitFor("the INSERT record", `document.querySelectorAll('#stream-records tbody tr').length === 1`)
	if _, err := h.ddb.UpdateItem(h.ctx, &dynamodb.UpdateItemInput{TableName: aws.String("Music"), Key: key,
		UpdateExpression: aws.String("SET Plays = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": num("2")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ddb.DeleteItem(h.ctx, &dynamodb.DeleteItemInput{TableName: aws.String("Music"), Key: key}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("three records", `document.querySelectorAll('#stream-records tbody tr').length === 3`)
	var events []string
	b.js(`[...document.querySelectorAll('#stream-records tbody tr')].map(tr => tr.dataset.event)`, &events)
	if strings.Join(events, " ") != "REMOVE MODIFY INSERT" {
		t.Errorf("records %q, want REMOVE MODIFY INSERT (newest first)", events)
	}
	var rows [][]string
	b.js(`[...document.querySelectorAll('#stream-records tbody tr')].map(tr => [...tr.children].map(td => td.textContent))`, &rows)
	// Columns: time, event, keys, new image, old image, sequence number.
	want := []struct{ newImage, oldImage string }{
		{"–", "Plays: 2"},        // REMOVE: only the old image
		{"Plays: 2", "Plays: 1"}, // MODIFY: both
		{"Plays: 1", "–"},        // INSERT: only the new image
	}
	for i, w := range want {
		if i >= len(rows) || len(rows[i]) != 6 {
			t.Fatalf("record rows %q", rows)
		}
		r := rows[i]
		if !strings.Contains(r[2], "Artist: Stream") || !strings.Contains(r[2], "SongTitle: Live") {
			t.Errorf("record %d keys %q", i, r[2])
		}
		if !strings.Contains(r[3], w.newImage) || !strings.Contains(r[4], w.oldImage) {
			t.Errorf("record %d (%s) new image %q, old image %q; want them to show %q and %q", i, events[i], r[3], r[4], w.newImage, w.oldImage)
		}
		if r[5] == "" {
			t.Errorf("record %d has no sequence number", i)
		}
	}
	b.waitText("#stream-info", "3 records")
	b.shot("streams", false)
	b.click("#stream-toggle")
	b.waitText("#stream-info", "stopped")
}
