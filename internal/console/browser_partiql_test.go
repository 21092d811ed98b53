package console_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// The steps of TestBrowser on the PartiQL editor.

// testPartiQL runs statements in the editor: a SELECT whose results come
// in pages (Limit 2, "Load more" sends NextToken until the last page), a
// SELECT with a ? parameter, an INSERT and a DELETE checked through the SDK, and statements the API
// refuses, whose error type and message the page must show as the SDK
// reports them.
func (h *harness) testPartiQL(t *testing.T) {
	b := h.b
	b.route("/partiql")
	b.waitFor("the editor", `!!document.querySelector('#partiql-input')`)

	// What the SDK reads, all pages of it.
	stmt := `SELECT * FROM "Music" WHERE Artist = 'The Beatles'`
	var want []string
	var token *string
	for {
		out, err := h.ddb.ExecuteStatement(h.ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(stmt), NextToken: token})
		if err != nil {
			t.Fatalf("SDK ExecuteStatement: %v", err)
		}
		want = append(want, h.titles(out.Items)...)
		if token = out.NextToken; token == nil {
			break
		}
	}
	if len(want) < 3 {
		t.Fatalf("the SDK reads %d Beatles songs; the test needs at least 3 to page", len(want))
	}

	b.setValue("#partiql-input", stmt)
	b.setValue("#partiql-limit", "2")
	h.runPartiQL()
	b.waitFor("the first page", `document.querySelectorAll('#partiql-results tbody tr').length === 2 && !!document.querySelector('#partiql-more')`)
	b.waitText("#partiql-info", "1 page")
	for pages := 1; ; pages++ {
		var more bool
		b.js(`!!document.querySelector('#partiql-more')`, &more)
		if !more {
			break
		}
		if pages > len(want) {
			t.Fatalf("still a Load more button after %d pages of Limit 2 for %d items", pages, len(want))
		}
		h.morePartiQL()
	}
	got := h.partiqlColumn("SongTitle")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages shown %q, want what the SDK read, %q", got, want)
	}
	b.waitText("#partiql-info", fmt.Sprintf("%d items", len(want)))
	b.shot("partiql", false)

	// Parameters fill the ? placeholders.
	withParam := `SELECT SongTitle FROM "Music" WHERE Artist = ?`
	out, err := h.ddb.ExecuteStatement(h.ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(withParam),
		Parameters: []types.AttributeValue{str("Miles Davis")}})
	if err != nil {
		t.Fatalf("SDK ExecuteStatement with parameters: %v", err)
	}
	wantMiles := h.titles(out.Items)
	b.setValue("#partiql-limit", "")
	b.setValue("#partiql-input", withParam)
	b.setValue("#partiql-params", `[{"S": "Miles Davis"}]`)
	h.runPartiQL()
	b.waitFor("the rows", fmt.Sprintf(`document.querySelectorAll('#partiql-results tbody tr').length === %d`, len(wantMiles)))
	gotMiles := h.partiqlColumn("SongTitle")
	slices.Sort(gotMiles)
	slices.Sort(wantMiles)
	if len(wantMiles) == 0 || !slices.Equal(gotMiles, wantMiles) {
		t.Errorf("with a parameter the page shows %q, the SDK reads %q", gotMiles, wantMiles)
	}
	// A malformed parameter list is refused in the page, before any call.
	b.setValue("#partiql-params", `{"S": "Miles Davis"}`)
	b.click("#run-partiql")
	b.waitText(".alert.error", "Parameters must be a JSON array")
	b.setValue("#partiql-params", "")

	// Writes, checked in the table.
	b.setValue("#partiql-input", `INSERT INTO "Music" VALUE {'Artist': 'Console', 'SongTitle': 'Typed in PartiQL', 'Year': 2026}`)
	h.runPartiQL()
	b.waitText("#partiql-results", "Statement succeeded")
	if it := h.get("Console", "Typed in PartiQL"); it == nil || plain(it["Year"]) != "N:2026" {
		t.Errorf("after the INSERT the item is %s", itemString(it))
	}
	b.setValue("#partiql-input", `DELETE FROM "Music" WHERE Artist = 'Console' AND SongTitle = 'Typed in PartiQL'`)
	h.runPartiQL()
	b.waitText("#partiql-results", "Statement succeeded")
	if it := h.get("Console", "Typed in PartiQL"); it != nil {
		t.Errorf("after the DELETE the item is still there: %s", itemString(it))
	}

	// Refused statements: the page shows DynamoDB's error as the SDK gets it.
	for _, bad := range []string{
		`SELECT * FROM "NoSuchTable"`,
		`SELEC * FROM "Music"`,
		`INSERT INTO "Music" VALUE {'Artist': 'The Beatles', 'SongTitle': 'Help!'}`,
	} {
		_, err := h.ddb.ExecuteStatement(h.ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(bad)})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("SDK ExecuteStatement(%s): %v, want an API error", bad, err)
		}
		b.setValue("#partiql-input", bad)
		h.runPartiQL()
		b.waitText("#partiql-failed", "The statement failed")
		b.waitText(".alert.error .error-type", apiErr.ErrorCode())
		if msg := apiErr.ErrorMessage(); msg != "" {
			b.waitText(".alert.error .error-message", msg)
		}
	}
	b.shot("partiql-error", false)
}

// runPartiQL presses Run and waits for the answer.
func (h *harness) runPartiQL() {
	h.t.Helper()
	var before string
	h.b.js(`document.querySelector('#partiql-results').dataset.run || '0'`, &before)
	h.b.click("#run-partiql")
	h.b.waitFor("the statement's answer", fmt.Sprintf(`(document.querySelector('#partiql-results').dataset.run || '0') !== %s`, quote(before)))
}

// morePartiQL presses Load more and waits for the next page.
func (h *harness) morePartiQL() {
	h.t.Helper()
	var before string
	h.b.js(`document.querySelector('#partiql-results').dataset.run`, &before)
	h.b.click("#partiql-more")
	h.b.waitFor("the next page", fmt.Sprintf(`document.querySelector('#partiql-results').dataset.run !== %s`, quote(before)))
}

// partiqlColumn returns the cells of one column of the PartiQL results.
func (h *harness) partiqlColumn(name string) []string {
	h.t.Helper()
	var cells []string
	h.b.js(fmt.Sprintf(`(() => {
		const i = [...document.querySelectorAll('#partiql-results thead th')].findIndex(th => th.textContent === %s);
		return i < 0 ? [] : [...document.querySelectorAll('#partiql-results tbody tr')].map(tr => tr.children[i].textContent);
	})()`, quote(name)), &cells)
	return cells
}
