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

// rolloverClient is a stand-in for js/api.js's Client, in the page: a
// stream whose only shard closes after two GetRecords calls and is
// continued by a child shard, as DynamoDB's (and Dynago's) roll-over does.
// It records the GetShardIterator calls in window.__rollover.calls.
const rolloverClient = `(() => {
	const rec = (n, ev) => ({eventName: ev, dynamodb: {ApproximateCreationDateTime: 1700000000 + n, SequenceNumber: String(100 + n).padStart(21, '0'),
		Keys: {id: {S: 'k' + n}}, NewImage: {id: {S: 'k' + n}, n: {N: String(n)}}}});
	const state = {calls: [], closed: false};
	const parent = {ShardId: 'shardId-A', SequenceNumberRange: {StartingSequenceNumber: '1'}};
	const shards = () => state.closed
		? [{...parent, SequenceNumberRange: {StartingSequenceNumber: '1', EndingSequenceNumber: '102'}}, {ShardId: 'shardId-B', ParentShardId: 'shardId-A', SequenceNumberRange: {StartingSequenceNumber: '103'}}]
		: [parent];
	const answers = {
		DescribeStream: () => ({StreamDescription: {StreamViewType: 'NEW_IMAGE', StreamStatus: 'ENABLED', Shards: shards()}}),
		GetShardIterator: req => { state.calls.push(req.ShardId + ' ' + req.ShardIteratorType); return {ShardIterator: 'it-' + req.ShardId + '-0'}; },
		GetRecords: req => ({
			'it-shardId-A-0': {Records: [rec(1, 'INSERT')], NextShardIterator: 'it-shardId-A-1'},
			'it-shardId-A-1': (state.closed = true, {Records: [rec(2, 'MODIFY')]}),
			'it-shardId-B-0': {Records: [rec(3, 'REMOVE')], NextShardIterator: 'it-shardId-B-1'},
			'it-shardId-B-1': {Records: [], NextShardIterator: 'it-shardId-B-1'},
		})[req.ShardIterator],
	};
	const client = {
		async call(op, req) { return answers[op](req); },
		async pages(op, req, next, collect) {
			if (op === 'ListStreams') { collect({Streams: [{StreamArn: 'arn:stream', TableName: 'T', StreamLabel: 'L'}]}); return; }
			collect(await this.call(op, req));
		},
	};
	window.__rollover = state;
	return client;
})()`

// testStreamRollover runs the stream viewer against rolloverClient: once
// the parent shard ends (no NextShardIterator), the viewer must follow the
// child from TRIM_HORIZON and show its records after the parent's. The
// server cannot be made to roll a shard over within a test (its interval
// is not a server.Config field), so the page's logic is checked alone.
func (h *harness) testStreamRollover(t *testing.T) {
	b := h.b
	b.js(`import('./js/pages/streams.js').then(async m => {
		const view = document.createElement('div');
		const ctx = {client: ` + rolloverClient + `, view, query: new URLSearchParams(), alive: () => !window.__rollover.done, setCrumbs: () => {}, navigate: () => {}};
		window.__rollover.view = view;
		window.__rollover.stop = await m.render(ctx);
		view.querySelector('#stream-toggle').click();
		return true;
	})`)
	defer b.js(`(window.__rollover.done = true, window.__rollover.stop(), true)`)
	b.waitFor("the child shard's record", `window.__rollover.view.querySelectorAll('#stream-records tbody tr').length === 3`)
	var events []string
	b.js(`[...window.__rollover.view.querySelectorAll('#stream-records tbody tr')].map(tr => tr.dataset.event)`, &events)
	if strings.Join(events, " ") != "REMOVE MODIFY INSERT" {
		t.Errorf("records %q, want REMOVE MODIFY INSERT (the child's, then the parent's, newest first)", events)
	}
	var calls []string
	b.js(`window.__rollover.calls`, &calls)
	if strings.Join(calls, ", ") != "shardId-A LATEST, shardId-B TRIM_HORIZON" {
		t.Errorf("GetShardIterator calls %q, want the open parent at LATEST, then its child at TRIM_HORIZON", calls)
	}
	var info string
	b.js(`window.__rollover.view.querySelector('#stream-info').textContent`, &info)
	if !strings.Contains(info, "following 1 of 2 shards") {
		t.Errorf("info line %q, want it to say 1 of 2 shards followed", info)
	}
}
