package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	dto "github.com/prometheus/client_model/go"

	"github.com/dynago/dynago/dynagotest"
	"github.com/dynago/dynago/internal/server"
)

const region = "us-east-1"

// placeholderKey is the access key the console signs with until the user
// enters one (js/api.js); enteredKey and enteredSecret are what the test
// enters.
const (
	placeholderKey = "dynago-console"
	enteredKey     = "AKIDCONSOLETEST"
	enteredSecret  = "console-test-secret"
)

var secrets = map[string]string{placeholderKey: "dynago-console", enteredKey: enteredSecret}

// harness is a Dynago server, an SDK client on it and a browser on its console.
type harness struct {
	t   *testing.T
	ctx context.Context
	srv *server.Server
	ddb *dynamodb.Client
	b   *browser

	visits int // items pages opened, to make each hash new
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	// Look for the browser before starting anything, so a skip is quick.
	findChromium(t)
	ctx := context.Background()
	// DYNAGOTEST_NODES=2 serves the console from two engines over one
	// store, as the SDK suite runs: the pages must not depend on one
	// engine's memory either.
	nodes, _ := strconv.Atoi(os.Getenv(dynagotest.NodesEnv))
	srv := startBrowserServer(t, server.Config{NoThrottle: true, Nodes: nodes})
	ddb := dynamodb.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("sdk", "sdk", ""),
		BaseEndpoint: aws.String(srv.URL()),
	})
	return &harness{t: t, ctx: ctx, srv: srv, ddb: ddb, b: newBrowser(t, srv.URL()+"/console/")}
}

// TestBrowser drives the console in headless chromium through a table's
// life: create it (with a GSI), add, edit and delete items as a form and
// as JSON, Query and Scan with conditions, filters and paging, change its
// settings, and look at every page. Each step is checked in the page and
// in the server's state through aws-sdk-go-v2; every API request the page
// sent is checked to carry a SigV4 signature that the AWS SDK's signer
// computes identically.
func TestBrowser(t *testing.T) {
	h := newHarness(t)
	b := h.b

	b.open("/tables")
	b.waitText("#view", "No tables")
	b.waitText("#region-pill", region)

	// Each step runs as a subtest; the browser and the helpers report to it.
	run := func(name string, f func(*testing.T)) {
		t.Run(name, func(t *testing.T) {
			h.t, b.t = t, t
			// A step that failed may have left a dialog open over the page.
			b.js(`document.querySelectorAll('dialog').forEach(d => d.close())`)
			f(t)
		})
		h.t, b.t = t, t
	}
	run("signing", h.testSigning)
	run("create table", h.testCreateTable)
	run("create table error", h.testCreateTableError)
	run("seed", func(*testing.T) { h.seed() })
	run("table detail", h.testTableDetail)
	run("settings", h.testSettings)
	run("add item", h.testAddItem)
	run("edit item", h.testEditItem)
	run("xss", h.testItemContentIsText)
	run("query", h.testQuery)
	run("scan with filter", h.testScanFilter)
	run("paging", h.testPaging)
	run("delete item", h.testDeleteItem)
	run("tables list", h.testTablesList)
	run("partiql", h.testPartiQL)
	run("streams", h.testStreams)
	run("stream shard roll-over", h.testStreamRollover)
	run("credentials", h.testCredentials)
	run("metrics", h.testMetrics)
	run("indexes and protection", h.testIndexesAndProtection)
	run("delete table", h.testDeleteTable)
	run("requests are signed", h.testRequestsSigned)
	b.checkProblems()
}

// testSigning compares the console's SigV4 signer (both its Web Crypto and
// its script hashing) with aws-sdk-go-v2's on fixed requests.
func (h *harness) testSigning(t *testing.T) {
	when := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
	bodies := []string{`{}`, `{"TableName":"Music","Key":{"Artist":{"S":"Björk – “Jóga”"}}}`, strings.Repeat(`{"a":"x"}`, 200)}
	for i, body := range bodies {
		for _, impl := range []string{"webCrypto", "scriptCrypto"} {
			var got map[string]string
			h.b.js(fmt.Sprintf(`import('./js/sigv4.js').then(m => m.sign(
				{method: 'POST', host: 'dynago.test:8000', path: '/', headers: {'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.GetItem'}, body: %s},
				{accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: %s},
				{region: 'eu-west-3', service: 'dynamodb'},
				{date: new Date(%d), crypto: m.%s}))`, quote(body), quote(map[bool]string{true: "session-token"}[i == 1]), when.UnixMilli(), impl), &got)
			r, _ := http.NewRequest("POST", "http://dynago.test:8000/", nil)
			r.Header.Set("Content-Type", "application/x-amz-json-1.0")
			r.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
			sum := sha256.Sum256([]byte(body))
			creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
			if i == 1 {
				creds.SessionToken = "session-token"
			}
			if err := v4.NewSigner().SignHTTP(h.ctx, creds, r, hex.EncodeToString(sum[:]), "dynamodb", "eu-west-3", when); err != nil {
				t.Fatal(err)
			}
			if want := r.Header.Get("Authorization"); got["Authorization"] != want {
				t.Errorf("body %d, %s: Authorization\n got %s\nwant %s", i, impl, got["Authorization"], want)
			}
			if want := r.Header.Get("X-Amz-Date"); got["X-Amz-Date"] != want {
				t.Errorf("body %d, %s: X-Amz-Date %q, want %q", i, impl, got["X-Amz-Date"], want)
			}
			if want := r.Header.Get("X-Amz-Security-Token"); got["X-Amz-Security-Token"] != want {
				t.Errorf("body %d, %s: X-Amz-Security-Token %q, want %q", i, impl, got["X-Amz-Security-Token"], want)
			}
		}
	}
}

func (h *harness) testCreateTable(t *testing.T) {
	b := h.b
	b.click("#create-table")
	b.waitFor("the create form", `!!document.querySelector('#create-form')`)
	b.typeInto("input[name=table-name]", "Music")
	b.typeInto("input[name=pk-name]", "Artist")
	b.typeInto("input[name=sk-name]", "SongTitle")
	b.click("#add-gsi")
	b.typeInto("input[name=gsi0-name]", "GenreIndex")
	b.typeInto("input[name=gsi0-pk-name]", "Genre")
	b.typeInto("input[name=gsi0-sk-name]", "Year")
	b.setValue("select[name=gsi0-sk-type]", "N")
	b.waitText("#create-preview", `"IndexName": "GenreIndex"`)
	b.waitText("#create-preview", `"AttributeType": "N"`)
	b.shot("create-table", true)
	b.click("#create-submit")
	b.waitFor("the table page", `location.hash === '#/tables/Music' && !!document.querySelector('.page-head h1') && document.querySelector('.page-head h1').textContent === 'Music'`)
	b.waitText(".page-head .badge", "ACTIVE")

	out, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Table
	if got := keyString(d.KeySchema); got != "Artist HASH, SongTitle RANGE" {
		t.Errorf("key schema %s", got)
	}
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
	}
	if len(d.GlobalSecondaryIndexes) != 1 || *d.GlobalSecondaryIndexes[0].IndexName != "GenreIndex" ||
		keyString(d.GlobalSecondaryIndexes[0].KeySchema) != "Genre HASH, Year RANGE" ||
		d.GlobalSecondaryIndexes[0].Projection.ProjectionType != types.ProjectionTypeAll {
		t.Errorf("GSIs %s", describeGSIs(d.GlobalSecondaryIndexes))
	}
	defs := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		defs[*a.AttributeName] = a.AttributeType
	}
	if want := map[string]types.ScalarAttributeType{"Artist": "S", "SongTitle": "S", "Genre": "S", "Year": "N"}; !mapsEqual(defs, want) {
		t.Errorf("attribute definitions %v, want %v", defs, want)
	}
}

// testCreateTableError creates Music again: the page must show DynamoDB's
// error type and message, the same the SDK gets.
func (h *harness) testCreateTableError(t *testing.T) {
	b := h.b
	b.route("/create-table")
	b.waitFor("the create form", `!!document.querySelector('#create-form')`)
	b.typeInto("input[name=table-name]", "Music")
	b.typeInto("input[name=pk-name]", "Artist")
	b.click("#create-submit")
	b.waitText(".alert.error .error-type", "ResourceInUseException")
	_, err := h.ddb.CreateTable(h.ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("Music"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("Artist"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("Artist"), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ResourceInUseException" {
		t.Fatalf("SDK CreateTable of an existing table: %v", err)
	}
	if got := b.text(".alert.error .error-message"); got != apiErr.ErrorMessage() {
		t.Errorf("page shows message %q, SDK got %q", got, apiErr.ErrorMessage())
	}
}

// songs are the items the query tests read.
var songs = []struct {
	artist, title, genre string
	year                 int
}{
	{"The Beatles", "Help!", "Rock", 1965},
	{"The Beatles", "Hey Jude", "Rock", 1968},
	{"The Beatles", "Here Comes the Sun", "Rock", 1969},
	{"The Beatles", "Yesterday", "Pop", 1965},
	{"Miles Davis", "So What", "Jazz", 1959},
	{"Miles Davis", "Freddie Freeloader", "Jazz", 1959},
	{"Aretha Franklin", "Respect", "Soul", 1967},
	{"The Rolling Stones", "Paint It Black", "Rock", 1966},
	{"Nina Simone", "Sinnerman", "Jazz", 1965},
}

func (h *harness) seed() {
	for _, s := range songs {
		h.put(map[string]types.AttributeValue{
			"Artist": str(s.artist), "SongTitle": str(s.title), "Genre": str(s.genre), "Year": num(fmt.Sprint(s.year)),
			"Album": str("Greatest hits"), "Tags": &types.AttributeValueMemberSS{Value: []string{"classic", strings.ToLower(s.genre)}},
		})
	}
	// A second table, provisioned with an LSI, for the tables list.
	_, err := h.ddb.CreateTable(h.ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("Orders"),
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("CustomerId"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("OrderId"), KeyType: types.KeyTypeRange}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("CustomerId"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("OrderId"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("PlacedAt"), AttributeType: types.ScalarAttributeTypeN}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("ByDate"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("CustomerId"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("PlacedAt"), KeyType: types.KeyTypeRange}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	for i := range 3 {
		h.putIn("Orders", map[string]types.AttributeValue{"CustomerId": str("c-1"), "OrderId": str(fmt.Sprintf("o-%d", i)), "PlacedAt": num(fmt.Sprint(1700000000 + i))})
	}
}

func (h *harness) testTableDetail(t *testing.T) {
	b := h.b
	b.route("/tables/Music")
	b.waitFor("the overview", `!!document.querySelector('.stats') && location.hash === '#/tables/Music'`)
	out, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	b.waitText(".stats", fmt.Sprintf("Items%d", *out.Table.ItemCount))
	b.waitText(".props", "Artist (S)")
	b.shot("table", false)
	b.click("[data-tab=indexes]")
	b.waitText("#gsi-grid", "GenreIndex")
	b.waitText("#gsi-grid", "Year (N)")
	b.shot("table-indexes", false)
}

// testSettings turns TTL on and changes the billing mode from the
// settings tab.
func (h *harness) testSettings(t *testing.T) {
	b := h.b
	b.route("/tables/Music?tab=settings")
	b.waitFor("the settings tab", `!!document.querySelector('#save-ttl')`)
	b.typeInto("input[name=ttl-attribute]", "expiresAt")
	b.click("#save-ttl")
	b.waitText(".alert.ok", "TTL turned on")
	ttl, err := h.ddb.DescribeTimeToLive(h.ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d.TimeToLiveStatus != types.TimeToLiveStatusEnabled || aws.ToString(d.AttributeName) != "expiresAt" {
		t.Errorf("TTL %s on %q, want ENABLED on expiresAt", d.TimeToLiveStatus, aws.ToString(d.AttributeName))
	}

	b.waitFor("the page to reload", `!!document.querySelector('#save-ttl') && document.querySelector('#save-ttl').textContent === 'Turn off TTL'`)
	b.setValue("select[name=billing]", "PROVISIONED")
	b.setValue("input[name=rcu]", "7")
	b.setValue("input[name=wcu]", "3")
	b.click("#save-capacity")
	b.waitText(".alert.ok", "Capacity updated")
	out, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	pt := out.Table.ProvisionedThroughput
	if out.Table.BillingModeSummary.BillingMode != types.BillingModeProvisioned || *pt.ReadCapacityUnits != 7 || *pt.WriteCapacityUnits != 3 {
		t.Errorf("after the capacity change: %s, %d RCU, %d WCU; want PROVISIONED, 7, 3", out.Table.BillingModeSummary.BillingMode, *pt.ReadCapacityUnits, *pt.WriteCapacityUnits)
	}
	b.waitFor("the page to reload", `document.querySelector('select[name=billing]') && document.querySelector('select[name=billing]').value === 'PROVISIONED' && !document.querySelector('.alert.ok')`)
	b.shot("table-settings", true)
	// Back to on-demand, so that nothing the test does is throttled.
	b.setValue("select[name=billing]", "PAY_PER_REQUEST")
	b.click("#save-capacity")
	b.waitText(".alert.ok", "Capacity updated")
}

func (h *harness) testTablesList(t *testing.T) {
	b := h.b
	b.route("/tables")
	b.waitFor("both tables", `document.querySelectorAll('#tables-grid tbody tr').length === 2 && !document.querySelector('#tables-grid').textContent.includes('Loading')`)
	out, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	var row []string
	b.js(`[...document.querySelectorAll('#tables-grid tr[data-table=Music] td')].map(td => td.textContent)`, &row)
	want := []string{"Music", "ACTIVE", "ArtistS", "SongTitleS", "1 global", "On-demand", fmt.Sprint(*out.Table.ItemCount)}
	if len(row) < 7 || !slices.Equal(row[:7], want) {
		t.Errorf("Music row %q, want it to start %q", row, want)
	}
	b.waitText("#tables-grid tr[data-table=Orders]", "Provisioned (10 RCU, 5 WCU)")
	b.waitText("#tables-grid tr[data-table=Orders]", "1 local")
	b.shot("tables", false)
}

// testCredentials enters an access key: the page must keep it in session
// storage, sign with it, and ask for one when the server refuses the
// credentials.
func (h *harness) testCredentials(t *testing.T) {
	b := h.b
	b.click("#credentials-btn")
	b.waitFor("the dialog", `!!document.querySelector('#credentials-form')`)
	b.typeInto("input[name=accessKeyId]", enteredKey)
	b.typeInto("input[name=secretAccessKey]", enteredSecret)
	b.shot("credentials", false)
	b.click(".modal-foot .btn.primary")
	b.waitText("#credentials-btn", enteredKey)
	var stored map[string]string
	b.js(`JSON.parse(sessionStorage.getItem('dynago.console.credentials'))`, &stored)
	if stored["accessKeyId"] != enteredKey || stored["secretAccessKey"] != enteredSecret || stored["region"] != region {
		t.Errorf("session storage holds %v", stored)
	}
	b.takeRequests()
	b.route("/tables")
	b.waitFor("the tables", `!!document.querySelector('#tables-grid tr[data-table=Music]')`)
	reqs := b.awaitRequests(1)
	if len(reqs) == 0 {
		t.Fatal("no API request seen")
	}
	for _, r := range reqs {
		if !strings.Contains(r.headers["authorization"], "Credential="+enteredKey+"/") {
			t.Errorf("request signed with %q, want the entered key", r.headers["authorization"])
		}
	}

	// A server that refuses the key (as one started with --auth does)
	// answers UnrecognizedClientException; the page then asks for a key.
	// Dynago without --auth accepts any key, so the refusal is made in
	// the page, by the one fetch the console calls.
	b.js(`(() => {
		const real = window.fetch;
		window.fetch = (url, init) => {
			if (init && init.method === 'POST') {
				window.fetch = real;
				return Promise.resolve(new Response(JSON.stringify({__type: 'com.amazon.coral.service#UnrecognizedClientException', message: 'The security token included in the request is invalid.'}), {status: 400, headers: {'Content-Type': 'application/x-amz-json-1.0'}}));
			}
			return real(url, init);
		};
	})()`)
	b.route("/tables?again")
	b.waitText("#credentials-form .alert.error", "UnrecognizedClientException")
	b.waitText("#credentials-form .alert.error", "The security token included in the request is invalid.")
	b.click(".modal-foot .btn.primary")
	b.waitFor("the dialog to close", `!document.querySelector('#credentials-form')`)
}

func (h *harness) testMetrics(t *testing.T) {
	b := h.b
	b.route("/metrics?interval=1")
	// Some traffic while the page scrapes, so that the charts have lines:
	// GetItem, Query and PutItem at different rates, so that no line hides
	// another.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 60 {
			for _, title := range []string{"So What", "Freddie Freeloader"} {
				h.ddb.GetItem(h.ctx, &dynamodb.GetItemInput{TableName: aws.String("Music"), Key: map[string]types.AttributeValue{"Artist": str("Miles Davis"), "SongTitle": str(title)}})
			}
			h.ddb.Query(h.ctx, &dynamodb.QueryInput{TableName: aws.String("Music"), KeyConditionExpression: aws.String("Artist = :a"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":a": str("The Beatles")}})
			if i%3 == 0 {
				h.ddb.PutItem(h.ctx, &dynamodb.PutItemInput{TableName: aws.String("Orders"), Item: map[string]types.AttributeValue{
					"CustomerId": str("c-2"), "OrderId": str(fmt.Sprintf("o-%d", i)), "PlacedAt": num(fmt.Sprint(i))}})
			}
			time.Sleep(60 * time.Millisecond)
		}
	}()
	b.waitFor("a throughput line", `document.querySelectorAll('#chart-throughput path.chart-line').length > 0`)
	b.waitFor("a latency line", `document.querySelectorAll('#chart-latency path.chart-line').length > 0`)
	// The screenshot shows the page while the traffic runs.
	b.waitFor("a few scrapes", `document.querySelector('#chart-throughput path.chart-line').getAttribute('d').split('L').length >= 3`)
	b.shot("metrics", true)
	<-done
	// Once a scrape after the last request lands, the page's totals must
	// be the server's own counts.
	for _, op := range []string{"PutItem", "GetItem", "Query", "Scan", "CreateTable", "DescribeTable"} {
		want := h.requestCount(op)
		if want == 0 {
			t.Errorf("server counted no %s requests", op)
		}
		b.waitFor(fmt.Sprintf("%s total %d", op, want), fmt.Sprintf(`(() => {
			const td = document.querySelectorAll('#operations-grid tr[data-operation=%s] td')[1];
			return !!td && td.textContent.replaceAll(',', '') === %s;
		})()`, op, quote(fmt.Sprint(want))))
	}
	b.waitText("#metric-tiles", "Latency p99")
	b.waitText("#tables-metrics-grid", "Orders")
}

// createIDTable creates an on-demand table keyed by id (S) through the SDK.
func (h *harness) createIDTable(name string) {
	h.t.Helper()
	_, err := h.ddb.CreateTable(h.ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// testIndexesAndProtection adds a GSI to a table with items from the
// table's Indexes tab, queries it through the SDK once the page shows it
// ACTIVE, deletes it there, and turns deletion protection on.
func (h *harness) testIndexesAndProtection(t *testing.T) {
	b := h.b
	h.createIDTable("Guarded")
	for i, color := range []string{"red", "blue", "red"} {
		h.putIn("Guarded", map[string]types.AttributeValue{"id": str(fmt.Sprintf("g%d", i)), "color": str(color)})
	}
	b.route("/tables/Guarded?tab=indexes")
	b.waitFor("the indexes tab", `!!document.querySelector('#create-gsi')`)
	b.click("#create-gsi")
	b.waitFor("the index form", `!!document.querySelector('#gsi-form')`)
	b.typeInto("#gsi-form input[name=gsi-name]", "ByColor")
	b.typeInto("#gsi-form input[name=gsi-pk-name]", "color")
	b.click(".modal-foot .btn.primary")
	b.waitFor("the form to close", `!document.querySelector('#gsi-form')`)
	b.waitFor("ByColor ACTIVE on the page", `(() => {
		const tr = document.querySelector('#gsi-grid tr[data-index=ByColor]');
		return !!tr && tr.textContent.includes('ACTIVE') && !tr.textContent.includes('backfilling');
	})()`)
	b.waitText("#gsi-grid tr[data-index=ByColor]", "color")
	out, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Guarded")})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.Table.GlobalSecondaryIndexes; len(g) != 1 || aws.ToString(g[0].IndexName) != "ByColor" ||
		keyString(g[0].KeySchema) != "color HASH" || g[0].Projection.ProjectionType != types.ProjectionTypeAll {
		t.Errorf("GSIs after the console's Create index: %+v", g)
	}
	reds := h.query(&dynamodb.QueryInput{TableName: aws.String("Guarded"), IndexName: aws.String("ByColor"),
		KeyConditionExpression: aws.String("color = :c"), ExpressionAttributeValues: map[string]types.AttributeValue{":c": str("red")}})
	if len(reds) != 2 {
		t.Errorf("the new index holds %d red items, want 2", len(reds))
	}

	b.js(`document.querySelector('#gsi-grid tr[data-index=ByColor] td.actions button').setAttribute('data-target', 'yes')`)
	b.click("[data-target=yes]")
	b.waitText(".modal", "Delete the global secondary index ByColor?")
	b.click("[data-confirm=yes]")
	b.waitFor("ByColor gone from the page", `!document.querySelector('#gsi-grid tr[data-index=ByColor]')`)
	deadline := time.Now().Add(waitTimeout)
	for {
		out, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Guarded")})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Table.GlobalSecondaryIndexes) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the deleted index is still described: %+v", out.Table.GlobalSecondaryIndexes)
		}
		time.Sleep(50 * time.Millisecond)
	}

	b.route("/tables/Guarded?tab=settings")
	b.waitFor("the settings tab", `!!document.querySelector('#save-protection')`)
	b.waitText("#save-protection", "Turn on deletion protection")
	b.click("#save-protection")
	b.waitText("#save-protection", "Turn off deletion protection")
	out, err = h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Guarded")})
	if err != nil {
		t.Fatal(err)
	}
	if !aws.ToBool(out.Table.DeletionProtectionEnabled) {
		t.Error("deletion protection is off after the console turned it on")
	}
}

// testDeleteTable deletes a table from its page: the Delete button stays
// disabled until the table's name is typed, a protected table is refused
// with DynamoDB's message, and an unprotected one goes.
func (h *harness) testDeleteTable(t *testing.T) {
	b := h.b
	// Guarded is the previous step's table, protected from its page.
	h.createIDTable("Scratch")
	confirmDelete := func(name string) {
		t.Helper()
		b.route("/tables/" + name)
		b.waitFor("the table page", `!!document.querySelector('#delete-table')`)
		b.click("#delete-table")
		b.waitText(".modal", "Delete "+name+" and all of its items? This cannot be undone.")
		var disabled bool
		b.js(`document.querySelector('[data-confirm=yes]').disabled`, &disabled)
		if !disabled {
			t.Error("Delete is enabled before the table's name is typed")
		}
		b.typeInto(".modal input[aria-label=Confirmation]", name[:3])
		b.js(`document.querySelector('[data-confirm=yes]').disabled`, &disabled)
		if !disabled {
			t.Error("Delete is enabled with part of the table's name typed")
		}
		b.typeInto(".modal input[aria-label=Confirmation]", name)
		b.waitFor("Delete enabled", `!document.querySelector('[data-confirm=yes]').disabled`)
		b.click("[data-confirm=yes]")
	}

	confirmDelete("Guarded")
	b.waitText(".modal", "Could not delete the table")
	b.waitText(".modal", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	b.shot("table-delete-refused", false)
	if _, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Guarded")}); err != nil {
		t.Errorf("the protected table after the refused delete: %v", err)
	}
	b.js(`document.querySelectorAll('dialog').forEach(d => d.close())`)

	confirmDelete("Scratch")
	b.waitFor("the tables page", `location.hash.startsWith('#/tables') && !!document.querySelector('#tables-grid tr[data-table=Music]')`)
	b.waitFor("Scratch gone from the list", `!document.querySelector('#tables-grid tr[data-table=Scratch]')`)
	_, err := h.ddb.DescribeTable(h.ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Scratch")})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("DescribeTable of the deleted table: %v, want ResourceNotFoundException", err)
	}
	// Leave the other steps' tables as they were.
	if _, err := h.ddb.UpdateTable(h.ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Guarded"), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ddb.DeleteTable(h.ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Guarded")}); err != nil {
		t.Fatal(err)
	}
}

// testRequestsSigned recomputes, with aws-sdk-go-v2's signer, the
// signature of every API request the page sent during the test.
func (h *harness) testRequestsSigned(t *testing.T) {
	reqs := h.b.allRequests()
	host := strings.TrimPrefix(h.srv.URL(), "http://")
	checked := 0
	credRE := regexp.MustCompile(`Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request`)
	for _, r := range reqs {
		auth := r.headers["authorization"]
		m := credRE.FindStringSubmatch(auth)
		if m == nil {
			t.Errorf("request to %s without a SigV4 Authorization: %q", r.headers["x-amz-target"], auth)
			continue
		}
		secret, ok := secrets[m[1]]
		if !ok {
			t.Errorf("request signed with unknown key %s", m[1])
			continue
		}
		when, err := time.Parse("20060102T150405Z", r.headers["x-amz-date"])
		if err != nil {
			t.Errorf("X-Amz-Date %q: %v", r.headers["x-amz-date"], err)
			continue
		}
		hr, _ := http.NewRequest("POST", "http://"+host+"/", nil)
		hr.Header.Set("Content-Type", r.headers["content-type"])
		hr.Header.Set("X-Amz-Target", r.headers["x-amz-target"])
		sum := sha256.Sum256(r.body)
		if err := v4.NewSigner().SignHTTP(h.ctx, aws.Credentials{AccessKeyID: m[1], SecretAccessKey: secret}, hr, hex.EncodeToString(sum[:]), m[4], m[3], when); err != nil {
			t.Fatal(err)
		}
		if got := hr.Header.Get("Authorization"); got != auth {
			t.Errorf("%s: the page signed\n %s\nthe SDK signs\n %s", r.headers["x-amz-target"], auth, got)
		}
		if m[3] != region || m[4] != "dynamodb" {
			t.Errorf("%s: signed for %s/%s, want %s/dynamodb", r.headers["x-amz-target"], m[3], m[4], region)
		}
		checked++
	}
	if checked < 5 {
		t.Errorf("only %d signed requests checked", checked)
	}
	t.Logf("%d browser requests carry a signature the SDK's signer reproduces", checked)
}

// rawCall sends a signed API call and returns its error type ("" for success).
func (h *harness) rawCall(target, body string) string {
	h.t.Helper()
	r, _ := http.NewRequest("POST", h.srv.URL()+"/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-amz-json-1.0")
	r.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(h.ctx, aws.Credentials{AccessKeyID: "sdk", SecretAccessKey: "sdk"}, r, hex.EncodeToString(sum[:]), "dynamodb", region, time.Now()); err != nil {
		h.t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK {
		return ""
	}
	m := regexp.MustCompile(`"__type":"[^"#]*#?([A-Za-z]+)"`).FindSubmatch(b)
	if m == nil {
		return fmt.Sprintf("HTTP %d %s", res.StatusCode, b)
	}
	return string(m[1])
}

// requestCount is the server's dynago_requests_total for an operation.
func (h *harness) requestCount(op string) int {
	families, err := h.srv.Metrics().Registry().Gather()
	if err != nil {
		h.t.Fatal(err)
	}
	total := 0.0
	for _, f := range families {
		if f.GetName() != "dynago_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelValue(m, "operation") == op {
				total += m.GetCounter().GetValue()
			}
		}
	}
	return int(total)
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
