package engine

// CloudWatch Contributor Insights for DynamoDB: UpdateContributorInsights,
// DescribeContributorInsights and ListContributorInsights. In DynamoDB,
// enabling it on a table or GSI creates CloudWatch rules that rank the most
// accessed and most throttled keys; infrastructure code (CloudFormation's
// ContributorInsightsSpecification, Terraform's
// aws_dynamodb_contributor_insights, CDK) sets and reads it on every table
// it manages. Dynago keeps the setting per table and per GSI in the table's
// catalog record and answers the operations as DynamoDB does. The rankings
// themselves, which DynamoDB publishes to CloudWatch (GetInsightRuleReport),
// are not produced: there is no CloudWatch here; /metrics has the
// per-table and per-index capacity and throttling series instead.
//
// What DynamoDB does, as its API reference says and as probing it shows
// (the behaviour below is each function's contract):
//   - A table or GSI never configured describes {TableName,
//     ContributorInsightsStatus: DISABLED}; LastUpdateDateTime and
//     ContributorInsightsMode appear once it has been enabled.
//   - ENABLE answers ENABLING, DISABLE DISABLING; the entry settles on
//     ENABLED or DISABLED seconds later. Dynago settles at once (as its
//     tables are ACTIVE at once), or after Transient.TableUpdate with
//     -delayTransientStatuses, so pollers of either kind pass.
//   - ENABLE of an entry already ENABLED in the same mode, DISABLE of one
//     DISABLED (or never configured), are no-ops answering the settled
//     status. A mode change is an ENABLE with the other mode: ENABLING
//     again, the rules narrowed or widened in place (same timestamp
//     suffix). An ENABLE without a mode means ACCESSED_AND_THROTTLED_KEYS,
//     even on an entry set to THROTTLED_KEYS. DISABLE answers the mode the
//     entry had, whatever mode it names.
//   - The rules: DynamoDBContributorInsights-<PKC|PKT|SKC|SKT>-<table>[-<index>]-<ms>,
//     PKC/SKC (most accessed) only in ACCESSED_AND_THROTTLED_KEYS mode,
//     SKC/SKT only for a key schema with a sort key.
//   - ListContributorInsights lists the entries that are not DISABLED, a
//     table before its GSIs.
//   - Errors: a missing table is ResourceNotFoundException "Requested
//     resource not found: Table: X not found"; an unknown index, or an
//     LSI, "Requested resource not found: Index: X not found for table:
//     T"; an update of a table or GSI that is not ACTIVE is
//     ValidationException "Table or Index is not in a valid state to
//     update Key Access Insights: TableStatus must be ACTIVE to enable
//     ContributorInsights." (IndexStatus for a GSI).
//
// Not modelled: DynamoDB's account quota of 100 CloudWatch rules (past it
// an ENABLE goes FAILED with a LimitExceededException FailureException); a
// local server has no CloudWatch quota, so entries never fail.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// insightsSetting is one table's or GSI's Contributor Insights setting, as
// UpdateContributorInsights last set it.
type insightsSetting struct {
	Enabled bool   `json:"enabled"`
	Mode    string `json:"mode"`
	// RulesAt is the rules' timestamp suffix (Unix milliseconds): set by
	// the ENABLE that created them, kept by a mode change.
	RulesAt int64 `json:"rulesAt"`
	// ChangedAt is when the setting last changed (Unix nanoseconds,
	// Options.Now): LastUpdateDateTime, and the start of a transition.
	ChangedAt int64 `json:"changedAt"`
}

// insightsKey is the key of a table's own setting in tableRecord.Insights;
// a GSI's is its name.
const insightsKey = ""

// status returns the entry's ContributorInsightsStatus at now: ENABLING or
// DISABLING within delay of its last change, then ENABLED or DISABLED.
func (s *insightsSetting) status(now time.Time, delay time.Duration) string {
	settling := now.Before(time.Unix(0, s.ChangedAt).Add(delay))
	switch {
	case s.Enabled && settling:
		return api.ContributorInsightsStatusEnabling
	case s.Enabled:
		return api.ContributorInsightsStatusEnabled
	case settling:
		return api.ContributorInsightsStatusDisabling
	}
	return api.ContributorInsightsStatusDisabled
}

// insightsDelay is how long ENABLING and DISABLING last: not at all unless
// transient statuses are on.
func (db *DB) insightsDelay() time.Duration {
	if tr := db.opts.Transient; tr != nil {
		return tr.TableUpdate
	}
	return 0
}

// insightsTarget resolves the table and index a Contributor Insights
// request names. index is "" for the table itself; a GSI's Index otherwise.
func (db *DB) insightsTarget(tableName, indexName *string) (e *catalogEntry, ix *Index, err error) {
	name := api.Str(tableName)
	if e = db.lookup(name); e == nil {
		return nil, nil, errTableNotFound(name)
	}
	if indexName == nil {
		return e, nil, nil
	}
	if ix = e.table.index(*indexName); ix == nil || !ix.Global || ix.Status == api.IndexStatusDeleting {
		return nil, nil, apierr.Newf(apierr.ResourceNotFoundException,
			"Requested resource not found: Index: %s not found for table: %s", *indexName, e.table.Name)
	}
	return e, ix, nil
}

// updateContributorInsights enables or disables Contributor Insights on a
// table or one of its GSIs.
func (db *DB) updateContributorInsights(ctx context.Context, in *api.UpdateContributorInsightsInput) (*api.UpdateContributorInsightsOutput, error) {
	e, ix, err := db.insightsTarget(in.TableName, in.IndexName)
	if err != nil {
		return nil, err
	}
	enable := api.Str(in.ContributorInsightsAction) == api.ContributorInsightsActionEnable
	if err := db.checkInsightsChangeable(e, ix, enable); err != nil {
		return nil, err
	}
	key := insightsKey
	if ix != nil {
		key = ix.Name
	}
	mode := api.Str(in.ContributorInsightsMode)
	if mode == "" {
		mode = api.ContributorInsightsModeAccessedAndThrottledKeys
	}
	now := db.opts.Now()
	delay := db.insightsDelay()
	var answer insightsSetting
	var status string
	_, err = db.updateRecord(ctx, e, errTableNotFound(e.table.Name), func(rec *tableRecord) error {
		cur := rec.Insights[key]
		switch {
		case enable && cur != nil && cur.Enabled && cur.Mode == mode:
			answer, status = *cur, cur.status(now, delay) // a no-op
			return errNoChange
		case !enable && (cur == nil || !cur.Enabled):
			status = api.ContributorInsightsStatusDisabled
			if cur != nil {
				answer, status = *cur, cur.status(now, delay)
			}
			return errNoChange
		}
		next := insightsSetting{Enabled: enable, Mode: mode, RulesAt: now.UnixMilli(), ChangedAt: now.UnixNano()}
		switch {
		case cur != nil && cur.Enabled && enable: // a mode change keeps the rules' suffix
			next.RulesAt = cur.RulesAt
		case !enable: // DISABLE keeps (and answers) the mode it had
			next.Mode, next.RulesAt = cur.Mode, cur.RulesAt
		}
		if rec.Insights == nil {
			rec.Insights = make(map[string]*insightsSetting)
		}
		rec.Insights[key] = &next
		answer, status = next, api.ContributorInsightsStatusDisabling
		if enable {
			status = api.ContributorInsightsStatusEnabling
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		return nil, err
	}
	out := &api.UpdateContributorInsightsOutput{
		TableName:                 api.Ptr(e.table.Name),
		ContributorInsightsStatus: api.Ptr(status),
	}
	if answer.Mode != "" {
		out.ContributorInsightsMode = api.Ptr(answer.Mode)
	}
	if ix != nil {
		out.IndexName = api.Ptr(ix.Name)
	}
	return out, nil
}

// errNoChange ends an updateRecord whose request changes nothing, so that
// the catalog is not written; it is never answered.
var errNoChange = errors.New("engine: no change")

// checkInsightsChangeable refuses an update of a table or GSI that is not
// ACTIVE, as DynamoDB does.
func (db *DB) checkInsightsChangeable(e *catalogEntry, ix *Index, enable bool) error {
	verb := "disable"
	if enable {
		verb = "enable"
	}
	if e.rec.Loading != nil || db.transientStatus(e) == api.TableStatusCreating {
		return apierr.Validationf("Table or Index is not in a valid state to update Key Access Insights: TableStatus must be ACTIVE to %s ContributorInsights.", verb)
	}
	if ix != nil && ix.Status == api.IndexStatusCreating {
		return apierr.Validationf("Table or Index is not in a valid state to update Key Access Insights: IndexStatus must be ACTIVE to %s ContributorInsights.", verb)
	}
	return nil
}

// describeContributorInsights answers a table's or GSI's setting.
func (db *DB) describeContributorInsights(ctx context.Context, in *api.DescribeContributorInsightsInput) (*api.DescribeContributorInsightsOutput, error) {
	e, ix, err := db.insightsTarget(in.TableName, in.IndexName)
	if err != nil {
		return nil, err
	}
	out := &api.DescribeContributorInsightsOutput{
		TableName:                 api.Ptr(e.table.Name),
		ContributorInsightsStatus: api.Ptr(api.ContributorInsightsStatusDisabled),
	}
	key := insightsKey
	if ix != nil {
		key = ix.Name
		out.IndexName = api.Ptr(ix.Name)
	}
	s := e.rec.Insights[key]
	if s == nil {
		return out, nil
	}
	status := s.status(db.opts.Now(), db.insightsDelay())
	out.ContributorInsightsStatus = api.Ptr(status)
	out.ContributorInsightsMode = api.Ptr(s.Mode)
	out.LastUpdateDateTime = api.Ptr(api.Time(float64(s.ChangedAt/int64(time.Millisecond)) / 1000))
	if s.Enabled {
		out.ContributorInsightsRuleList = insightsRules(e.table, ix, s)
	}
	return out, nil
}

// insightsRules names the CloudWatch rules DynamoDB would have created for
// the setting s of the table (ix nil) or GSI ix.
func insightsRules(t *Table, ix *Index, s *insightsSetting) []string {
	resource, sortKey := t.Name, t.Range.Name != ""
	if ix != nil {
		resource, sortKey = t.Name+"-"+ix.Name, ix.Range.Name != ""
	}
	kinds := []string{"PKC", "PKT", "SKC", "SKT"}
	var rules []string
	for _, k := range kinds {
		if strings.HasSuffix(k, "C") && s.Mode == api.ContributorInsightsModeThrottledKeys {
			continue
		}
		if strings.HasPrefix(k, "SK") && !sortKey {
			continue
		}
		rules = append(rules, fmt.Sprintf("DynamoDBContributorInsights-%s-%s-%d", k, resource, s.RulesAt))
	}
	return rules
}

// maxListInsights is ListContributorInsights' page size when MaxResults is
// absent, and the largest the model allows.
const maxListInsights = 100

// listContributorInsights pages through the entries that are not
// DISABLED, of one table or of every table, by table name, a table before
// its GSIs in their description's order.
func (db *DB) listContributorInsights(ctx context.Context, in *api.ListContributorInsightsInput) (*api.ListContributorInsightsOutput, error) {
	limit := api.Int(in.MaxResults, maxListInsights)
	if limit <= 0 {
		limit = maxListInsights
	}
	var names []string
	if in.TableName != nil {
		e := db.lookup(*in.TableName)
		if e == nil {
			return nil, errTableNotFound(*in.TableName)
		}
		names = []string{e.table.Name}
	} else {
		names = db.cat.names() // sorted
	}
	after, err := decodeInsightsToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	now, delay := db.opts.Now(), db.insightsDelay()
	out := &api.ListContributorInsightsOutput{ContributorInsightsSummaries: []api.ContributorInsightsSummary{}}
	start := sort.SearchStrings(names, after.table)
	for _, name := range names[start:] {
		e := db.cat.get(name)
		if e == nil || len(e.rec.Insights) == 0 {
			continue
		}
		targets := []string{insightsKey}
		for _, ix := range e.table.Indexes {
			if ix.Global {
				targets = append(targets, ix.Name)
			}
		}
		for i, key := range targets {
			if name == after.table && i <= after.index {
				continue
			}
			s := e.rec.Insights[key]
			if s == nil {
				continue
			}
			status := s.status(now, delay)
			if status == api.ContributorInsightsStatusDisabled {
				continue
			}
			if int64(len(out.ContributorInsightsSummaries)) == limit {
				out.NextToken = encodeInsightsToken(insightsCursor{table: name, index: i - 1})
				return out, nil
			}
			sum := api.ContributorInsightsSummary{
				TableName:                 api.Ptr(name),
				ContributorInsightsStatus: api.Ptr(status),
				ContributorInsightsMode:   api.Ptr(s.Mode),
			}
			if key != insightsKey {
				sum.IndexName = api.Ptr(key)
			}
			out.ContributorInsightsSummaries = append(out.ContributorInsightsSummaries, sum)
		}
	}
	return out, nil
}

// insightsCursor is where a ListContributorInsights page ended: after the
// target at position index (0 the table, then its GSIs) of table.
type insightsCursor struct {
	table string
	index int
}

// encodeInsightsToken makes a NextToken of c: opaque to clients.
func encodeInsightsToken(c insightsCursor) *string {
	return api.Ptr(base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d/%s", c.index, c.table)))
}

// decodeInsightsToken reads a NextToken; no token is the start (index -1
// of no table).
func decodeInsightsToken(tok *string) (insightsCursor, error) {
	c := insightsCursor{index: -1}
	if tok == nil {
		return c, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*tok)
	if err == nil {
		var rest string
		if n, _ := fmt.Sscanf(string(raw), "%d/", &c.index); n == 1 {
			if i := strings.IndexByte(string(raw), '/'); i >= 0 {
				rest = string(raw[i+1:])
			}
			c.table = rest
			return c, nil
		}
	}
	return insightsCursor{}, apierr.Validation("Invalid NextToken")
}
