package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// With transient statuses, Contributor Insights passes through ENABLING and
// DISABLING for the table-update delay, and a table still CREATING refuses
// an update.
func TestContributorInsightsTransient(t *testing.T) {
	ctx := context.Background()
	c := &tblClock{t: tblEpoch}
	d := DefaultTransientDelays()
	db := openTransientDB(t, c, d)
	mustCreate(t, db, hashTable("Tbl", 5))

	update := func(action string) (*api.UpdateContributorInsightsOutput, error) {
		return db.UpdateContributorInsights(ctx, &api.UpdateContributorInsightsInput{TableName: api.Ptr("Tbl"), ContributorInsightsAction: api.Ptr(action)})
	}
	status := func() string {
		t.Helper()
		out, err := db.DescribeContributorInsights(ctx, &api.DescribeContributorInsightsInput{TableName: api.Ptr("Tbl")})
		if err != nil {
			t.Fatal(err)
		}
		return api.Str(out.ContributorInsightsStatus)
	}

	_, err := update(api.ContributorInsightsActionEnable)
	wantAPIErr(t, err, apierr.ValidationException, "Table or Index is not in a valid state to update Key Access Insights: TableStatus must be ACTIVE to enable ContributorInsights.")
	c.advance(d.TableCreate)

	if _, err := update(api.ContributorInsightsActionEnable); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != api.ContributorInsightsStatusEnabling {
		t.Fatalf("just after ENABLE: %s, want ENABLING", got)
	}
	c.advance(d.TableUpdate)
	if got := status(); got != api.ContributorInsightsStatusEnabled {
		t.Fatalf("after the delay: %s, want ENABLED", got)
	}
	if _, err := update(api.ContributorInsightsActionDisable); err != nil {
		t.Fatal(err)
	}
	if got := status(); got != api.ContributorInsightsStatusDisabling {
		t.Fatalf("just after DISABLE: %s, want DISABLING", got)
	}
	c.advance(d.TableUpdate)
	if got := status(); got != api.ContributorInsightsStatusDisabled {
		t.Fatalf("after the delay: %s, want DISABLED", got)
	}
}

func TestInsightsTokenRoundTrip(t *testing.T) {
	for _, c := range []insightsCursor{{table: "a", index: -1}, {table: "we/ird-name.1", index: 3}} {
		got, err := decodeInsightsToken(encodeInsightsToken(c))
		if err != nil || got != c {
			t.Errorf("%+v -> %+v, %v", c, got, err)
		}
	}
	if _, err := decodeInsightsToken(api.Ptr("!!")); err == nil {
		t.Error("a malformed token was accepted")
	}
}
