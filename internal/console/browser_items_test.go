package console_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The steps of TestBrowser on the items page: the editor, Query, Scan,
// paging and deletes.

func (h *harness) testAddItem(t *testing.T) {
	b := h.b
	h.openItems("scan")
	b.waitFor("the first scan", fmt.Sprintf(`document.querySelectorAll('#items-grid tbody tr').length === %d`, len(songs)))
	b.click("#create-item")
	b.waitFor("the editor", `!!document.querySelector('#item-editor')`)
	b.typeInto(`#item-editor .attr-row[data-attr=Artist] .attr-value textarea`, "Nina Simone")
	b.typeInto(`#item-editor .attr-row[data-attr=SongTitle] .attr-value textarea`, "Feeling Good")
	b.click("#editor-add-attr")
	b.typeInto(`#item-editor .attr-row:last-child .attr-name input`, "Genre")
	b.typeInto(`#item-editor .attr-row:last-child .attr-value textarea`, "Jazz")
	b.click("#editor-add-attr")
	b.typeInto(`#item-editor .attr-row:last-child .attr-name input`, "Year")
	b.setValue(`#item-editor .attr-row:last-child select`, "N")
	b.typeInto(`#item-editor .attr-row:last-child .attr-value input`, "1965")
	b.click("#editor-add-attr")
	b.typeInto(`#item-editor .attr-row:last-child .attr-name input`, "Live")
	b.setValue(`#item-editor .attr-row:last-child select`, "BOOL")
	b.setValue(`#item-editor .attr-row:last-child .attr-value select`, "false")
	b.shot("item-form", false)
	b.click("#editor-save")
	b.waitFor("the editor to close", `!document.querySelector('#item-editor')`)
	b.waitText("#items-grid", "Feeling Good")

	item := h.get("Nina Simone", "Feeling Good")
	want := map[string]types.AttributeValue{"Artist": str("Nina Simone"), "SongTitle": str("Feeling Good"), "Genre": str("Jazz"), "Year": num("1965"), "Live": &types.AttributeValueMemberBOOL{Value: false}}
	if !itemsEqual(item, want) {
		t.Errorf("saved item %s, want %s", itemString(item), itemString(want))
	}

	// Creating the same key again must not overwrite it.
	b.click("#create-item")
	b.waitFor("the editor", `!!document.querySelector('#item-editor')`)
	b.typeInto(`#item-editor .attr-row[data-attr=Artist] .attr-value textarea`, "Nina Simone")
	b.typeInto(`#item-editor .attr-row[data-attr=SongTitle] .attr-value textarea`, "Feeling Good")
	b.click("#editor-save")
	b.waitText("#item-editor .alert.error", "An item with this key already exists")
	b.click("#item-editor .modal-foot .btn:not(.primary):not(.danger)")
	b.waitFor("the editor to close", `!document.querySelector('#item-editor')`)
	if got := h.get("Nina Simone", "Feeling Good"); !itemsEqual(got, want) {
		t.Errorf("the refused create changed the item to %s", itemString(got))
	}
}

// clickRowAction clicks the action button of the results row whose text
// contains rowText.
func (h *harness) clickRowAction(rowText, action string) {
	h.t.Helper()
	var ok bool
	h.b.js(fmt.Sprintf(`(() => {
		const tr = [...document.querySelectorAll('#items-grid tbody tr')].find(tr => tr.textContent.includes(%s));
		if (!tr) return false;
		tr.querySelector('[data-action=%s]').setAttribute('data-target', 'yes');
		return true;
	})()`, quote(rowText), action), &ok)
	if !ok {
		h.b.fail("no results row contains %q", rowText)
	}
	h.b.click("[data-target=yes]")
	h.b.js(`document.querySelectorAll('[data-target]').forEach(e => e.removeAttribute('data-target'))`)
}

func (h *harness) testEditItem(t *testing.T) {
	b := h.b
	h.clickRowAction("Feeling Good", "edit")
	b.waitFor("the editor", `!!document.querySelector('#item-editor .attr-row[data-attr=Genre]')`)
	// The DynamoDB JSON view shows the stored item exactly.
	b.click("#item-editor [data-tab=typed]")
	b.waitFor("the JSON view", `!!document.querySelector('#editor-text')`)
	var shown map[string]map[string]any
	b.js(`JSON.parse(document.querySelector('#editor-text').value)`, &shown)
	if fmt.Sprint(shown["Year"]) != "map[N:1965]" || fmt.Sprint(shown["Live"]) != "map[BOOL:false]" {
		t.Errorf("DynamoDB JSON view shows %v", shown)
	}
	b.shot("item-json", false)
	// Edit as plain JSON, with a number JavaScript cannot hold exactly.
	b.click("#item-editor [data-tab=plain]")
	b.waitFor("the plain view", `!!document.querySelector('#editor-text') && document.querySelector('#editor-text').value.includes('"Year": 1965')`)
	b.setValue("#editor-text", `{
  "Artist": "Nina Simone",
  "SongTitle": "Feeling Good",
  "Genre": "Jazz",
  "Year": 1965,
  "Plays": 12345678901234567890123456789012345678,
  "Credits": {"Writers": ["Anthony Newley", "Leslie Bricusse"], "Label": null}
}`)
	// Back to the form: the edit carries over.
	b.click("#item-editor [data-tab=form]")
	b.waitFor("the form", `!!document.querySelector('#item-editor .attr-row[data-attr=Plays]')`)
	b.click("#editor-save")
	b.waitFor("the editor to close", `!document.querySelector('#item-editor')`)
	want := map[string]types.AttributeValue{
		"Artist": str("Nina Simone"), "SongTitle": str("Feeling Good"), "Genre": str("Jazz"), "Year": num("1965"),
		"Plays": num("12345678901234567890123456789012345678"),
		"Credits": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"Writers": &types.AttributeValueMemberL{Value: []types.AttributeValue{str("Anthony Newley"), str("Leslie Bricusse")}},
			"Label":   &types.AttributeValueMemberNULL{Value: true},
		}},
	}
	if got := h.get("Nina Simone", "Feeling Good"); !itemsEqual(got, want) {
		t.Errorf("edited item %s, want %s", itemString(got), itemString(want))
	}
	b.waitText("#items-grid", "12345678901234567890123456789012345678")

	// A key change is refused in the editor, and nothing is written.
	h.clickRowAction("Feeling Good", "edit")
	b.waitFor("the editor", `!!document.querySelector('#item-editor .attr-row[data-attr=Genre]')`)
	b.click("#item-editor [data-tab=typed]")
	b.waitFor("the JSON view", `!!document.querySelector('#editor-text')`)
	b.setValue("#editor-text", `{"Artist": {"S": "Nina Simone"}, "SongTitle": {"S": "Feeling Bad"}}`)
	b.click("#editor-save")
	b.waitText("#item-editor .alert.error", "cannot change")
	b.setValue("#editor-text", `{"Artist": {"S": "Nina Simone"}, "SongTitle": {"S": "Feeling Good"}, "Year": {"N": "not a number"}}`)
	b.click("#editor-save")
	// The server validates what the console sends, and the page shows its answer.
	b.waitText("#item-editor .alert.error .error-type", "ValidationException")
	b.click("#item-editor .modal-foot .btn:not(.primary):not(.danger)")
	b.waitFor("the editor to close", `!document.querySelector('#item-editor')`)
	if got := h.get("Nina Simone", "Feeling Good"); !itemsEqual(got, want) {
		t.Errorf("refused edits changed the item to %s", itemString(got))
	}
}

// testItemContentIsText stores markup in an item and checks that the
// console shows it as text and runs none of it.
func (h *harness) testItemContentIsText(t *testing.T) {
	b := h.b
	payload := `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`
	h.put(map[string]types.AttributeValue{"Artist": str("Zz <b>Markup</b>"), "SongTitle": str(payload), payload: str(payload)})
	h.openItems("scan")
	b.waitText("#items-grid", payload)
	var state struct {
		XSS    any  `json:"xss"`
		Images int  `json:"images"`
		Bold   bool `json:"bold"`
	}
	b.js(`({xss: window.__xss ?? null, images: document.querySelectorAll('#view img').length, bold: !!document.querySelector('#items-grid b')})`, &state)
	if state.XSS != nil || state.Images != 0 || state.Bold {
		t.Errorf("item content became markup: %+v", state)
	}
	h.clickRowAction("Zz <b>Markup</b>", "edit")
	b.waitFor("the editor", `!!document.querySelector('#item-editor')`)
	b.js(`({xss: window.__xss ?? null, images: document.querySelectorAll('dialog img').length, bold: false})`, &state)
	if state.XSS != nil || state.Images != 0 {
		t.Errorf("item content became markup in the editor: %+v", state)
	}
	// Delete it from the editor.
	b.click("#editor-delete")
	b.click("[data-confirm=yes]")
	b.waitFor("the editor to close", `!document.querySelector('#item-editor')`)
	if got := h.get("Zz <b>Markup</b>", payload); got != nil {
		t.Errorf("item deleted in the editor is still there: %s", itemString(got))
	}
}

func (h *harness) testQuery(t *testing.T) {
	b := h.b
	h.openItems("query")
	b.typeInto(`input[name="pk-Artist"]`, "The Beatles")
	b.setValue(`select[name="sk-op-SongTitle"]`, "begins_with")
	b.typeInto(`input[name="sk-SongTitle"]`, "He")
	h.runAndWait("#run-query")
	want := h.titles(h.query(&dynamodb.QueryInput{TableName: aws.String("Music"),
		KeyConditionExpression:    aws.String("Artist = :a AND begins_with(SongTitle, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": str("The Beatles"), ":p": str("He")}}))
	if len(want) != 3 {
		t.Fatalf("SDK query found %v", want)
	}
	h.waitRows(want)
	b.shot("items-query", false)

	// The GSI, descending, with a range condition on the number sort key.
	b.setValue("select[name=index]", "GenreIndex")
	b.waitFor("the index's keys", `!!document.querySelector('input[name="pk-Genre"]')`)
	b.typeInto(`input[name="pk-Genre"]`, "Rock")
	b.setValue(`select[name="sk-op-Year"]`, ">")
	b.typeInto(`input[name="sk-Year"]`, "1965")
	b.setValue("select[name=order]", "desc")
	h.runAndWait("#run-query")
	out := h.query(&dynamodb.QueryInput{TableName: aws.String("Music"), IndexName: aws.String("GenreIndex"),
		KeyConditionExpression:    aws.String("Genre = :g AND #y > :y"),
		ExpressionAttributeNames:  map[string]string{"#y": "Year"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":g": str("Rock"), ":y": num("1965")},
		ScanIndexForward:          aws.Bool(false)})
	want = h.titles(out)
	if len(want) != 3 {
		t.Fatalf("SDK GSI query found %v", want)
	}
	h.waitRows(want)
	if got := h.rowTitles(); !slices.Equal(got, want) {
		t.Errorf("GSI query rows in order %v, want %v", got, want)
	}
}

func (h *harness) testScanFilter(t *testing.T) {
	b := h.b
	h.openItems("scan")
	b.click("#add-filter")
	b.typeInto("input[name=filter-attr]", "Year")
	b.setValue("select[name=filter-op]", ">=")
	b.setValue("select[name=filter-type]", "N")
	b.typeInto("input[name=filter-value]", "1966")
	b.click("#add-filter")
	b.typeInto("#filter-rows .filter-row:last-child input[name=filter-attr]", "Tags")
	b.setValue("#filter-rows .filter-row:last-child select[name=filter-op]", "contains")
	b.typeInto("#filter-rows .filter-row:last-child input[name=filter-value]", "rock")
	h.runAndWait("#run-query")
	out, err := h.ddb.Scan(h.ctx, &dynamodb.ScanInput{TableName: aws.String("Music"),
		FilterExpression:          aws.String("#y >= :y AND contains(Tags, :t)"),
		ExpressionAttributeNames:  map[string]string{"#y": "Year"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":y": num("1966"), ":t": str("rock")}})
	if err != nil {
		t.Fatal(err)
	}
	want := h.titles(out.Items)
	slices.Sort(want)
	if len(want) != 3 {
		t.Fatalf("SDK scan found %v", want)
	}
	h.waitRows(want)
	b.waitText("#result-info", fmt.Sprintf("%d scanned", out.ScannedCount))
	b.shot("items-scan", false)
}

// testPaging scans two items a page and follows Next to the end.
func (h *harness) testPaging(t *testing.T) {
	b := h.b
	h.openItems("scan")
	b.setValue("input[name=page-size]", "2")
	h.runAndWait("#run-query")
	var seen []string
	for page := 1; ; page++ {
		b.waitText("#page-number", fmt.Sprintf("Page %d", page))
		rows := h.rowTitles()
		if len(rows) > 2 {
			t.Fatalf("page %d has %d rows, more than its page size", page, len(rows))
		}
		seen = append(seen, rows...)
		var more bool
		b.js(`!document.querySelector('#page-next').disabled`, &more)
		if !more {
			break
		}
		if page > 20 {
			t.Fatal("more pages than items")
		}
		h.runAndWait("#page-next")
	}
	out, err := h.ddb.Scan(h.ctx, &dynamodb.ScanInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatal(err)
	}
	want := h.titles(out.Items)
	slices.Sort(want)
	slices.Sort(seen)
	if !slices.Equal(seen, want) {
		t.Errorf("pages held %v, want every item once: %v", seen, want)
	}
	h.runAndWait("#page-prev")
	b.waitText("#page-number", "Page")
}

func (h *harness) testDeleteItem(t *testing.T) {
	b := h.b
	h.openItems("scan")
	b.waitText("#items-grid", "Feeling Good")
	h.clickRowAction("Feeling Good", "delete")
	b.waitText(".modal", "Delete the item with key Artist = Nina Simone, SongTitle = Feeling Good?")
	b.shot("item-delete", false)
	h.runAndWait("[data-confirm=yes]")
	if strings.Contains(b.text("#results"), "Feeling Good") {
		b.fail("the deleted row is still shown")
	}
	if got := h.get("Nina Simone", "Feeling Good"); got != nil {
		t.Errorf("deleted item is still there: %s", itemString(got))
	}
	if got := h.get("Nina Simone", "Sinnerman"); got == nil {
		t.Error("deleting one item deleted its neighbour")
	}
}

// waitRows waits until the results grid shows exactly the items titled want.
func (h *harness) waitRows(want []string) {
	h.t.Helper()
	sorted := slices.Clone(want)
	slices.Sort(sorted)
	h.b.waitFor(fmt.Sprintf("rows %v", want), fmt.Sprintf(`(() => {
		const g = document.querySelector('#items-grid');
		if (!g) return false;
		const col = [...g.querySelectorAll('thead th')].findIndex(th => th.textContent === 'SongTitle');
		const got = [...g.querySelectorAll('tbody tr')].map(tr => tr.children[col].textContent).sort();
		return JSON.stringify(got) === %s;
	})()`, quote(jsonString(sorted))))
}

// openItems opens Music's items page afresh (a new hash renders it anew)
// in scan or query mode, and waits for it: in scan mode, for the first
// Scan's answer.
func (h *harness) openItems(mode string) {
	h.t.Helper()
	h.visits++
	h.b.route(fmt.Sprintf("/tables/Music/items?mode=%s&visit=%d", mode, h.visits))
	if mode == "scan" {
		h.b.waitFor("the first scan", `!!document.querySelector('#results[data-run]')`)
	} else {
		h.b.waitFor("the query form", `!!document.querySelector('#key-conditions input')`)
	}
}

// runAndWait clicks sel (Run, Next, Previous) and waits for the answer it
// asks for to be shown.
func (h *harness) runAndWait(sel string) {
	h.t.Helper()
	var before string
	h.b.js(`document.querySelector('#results').dataset.run || '0'`, &before)
	h.b.click(sel)
	h.b.waitFor("the answer", fmt.Sprintf(`(document.querySelector('#results').dataset.run || '0') !== %s`, quote(before)))
}

// rowTitles returns the SongTitle column of the results grid, in order.
func (h *harness) rowTitles() []string {
	var got []string
	h.b.js(`(() => {
		const g = document.querySelector('#items-grid');
		if (!g) return [];
		const col = [...g.querySelectorAll('thead th')].findIndex(th => th.textContent === 'SongTitle');
		return [...g.querySelectorAll('tbody tr')].map(tr => tr.children[col].textContent);
	})()`, &got)
	return got
}
