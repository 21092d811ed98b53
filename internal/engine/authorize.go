package engine

// Authorization (`dynago serve --auth FILE`, docs/security.md). The wire
// layer verifies a request's signature and puts its auth.Caller in the
// context; run calls authorize once the request is validated and the
// catalog is current, before the operation reads or writes anything, so a
// refusal changes nothing. A context without a Caller (no --auth) is
// never refused.
//
// Each operation asks for the actions and resources the Service
// Authorization Reference names: dynamodb:<Operation> on the table's ARN
// (the index's for Query and Scan with IndexName), once per item for
// BatchGetItem and BatchWriteItem, the item action for each action of a
// transaction, the PartiQL actions per statement (partiql_authorize.go),
// the stream's ARN for the Streams API, and "*" for account-level
// operations. DynamoDB's condition keys are set per item:
// dynamodb:LeadingKeys, dynamodb:Attributes, dynamodb:Select,
// dynamodb:ReturnValues and dynamodb:ReturnConsumedCapacity; a table's
// tags as aws:ResourceTag/<key> for every operation on an existing table
// (readAsk, resourceAsks); and the tags a request names as
// aws:RequestTag/<key> and aws:TagKeys (CreateTable, TagResource; and
// UntagResource's TagKeys).

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/auth"
	"github.com/dynago/dynago/internal/expr"
)

// ask is one authorization question of an operation, before the caller's
// global keys are added.
type ask struct {
	action   string // "dynamodb:GetItem"
	resource auth.Resource
	keys     auth.Keys
}

// authorize refuses the request in (op's input shape) with
// AccessDeniedException unless the caller in ctx may perform every action
// it asks for. Without a caller it allows everything.
func (db *DB) authorize(ctx context.Context, op api.OpID, in any) error {
	c := auth.CallerFrom(ctx)
	if c == nil {
		return nil
	}
	if a, ok := db.keylessAsk(c, in); ok {
		return c.Authorize(a.action, a.resource, a.keys)
	}
	var one [1]ask // the single ask of an item operation, without allocating a slice
	asks, err := db.asksInto(ctx, op, in, one[:0])
	if err != nil {
		return err
	}
	for i := range asks {
		a := &asks[i]
		if err := c.Authorize(a.action, a.resource, a.keys); err != nil {
			return err
		}
	}
	return nil
}

// asks lists what op asks for. Operations without item-level keys ask
// for dynamodb:<Operation> on each resource the registry finds in their
// input, or on "*" when it finds none.
func (db *DB) asks(ctx context.Context, op api.OpID, in any) ([]ask, error) {
	return db.asksInto(ctx, op, in, nil)
}

// asksInto is asks appending a single-item operation's one ask to buf.
func (db *DB) asksInto(ctx context.Context, op api.OpID, in any, buf []ask) ([]ask, error) {
	switch in := in.(type) {
	case *api.GetItemInput:
		a := db.itemAsk("dynamodb:GetItem", in.TableName, in.Key)
		db.setRead(&a.keys, in.ProjectionExpression, in.ExpressionAttributeNames, in.AttributesToGet, nil)
		setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
		return append(buf, a.ask), nil
	case *api.PutItemInput:
		a := db.itemAsk("dynamodb:PutItem", in.TableName, in.Item)
		a.keys.Set(auth.KeyAttributes, itemNames(in.Item)...)
		setOptional(&a.keys, auth.KeyReturnValues, in.ReturnValues)
		setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
		return append(buf, a.ask), nil
	case *api.UpdateItemInput:
		a := db.itemAsk("dynamodb:UpdateItem", in.TableName, in.Key)
		names, err := db.updateNames(ctx, a.table, in)
		if err != nil {
			return nil, err
		}
		a.keys.Set(auth.KeyAttributes, names...)
		setOptional(&a.keys, auth.KeyReturnValues, in.ReturnValues)
		setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
		return append(buf, a.ask), nil
	case *api.DeleteItemInput:
		a := db.itemAsk("dynamodb:DeleteItem", in.TableName, in.Key)
		setOptional(&a.keys, auth.KeyReturnValues, in.ReturnValues)
		setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
		return append(buf, a.ask), nil
	case *api.QueryInput:
		return db.queryAsks(ctx, in)
	case *api.ScanInput:
		a := db.readAsk("dynamodb:Scan", in.TableName, in.IndexName)
		db.setRead(&a.keys, in.ProjectionExpression, in.ExpressionAttributeNames, in.AttributesToGet, in.Select)
		setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
		return append(buf, a.ask), nil
	case *api.BatchGetItemInput:
		var asks []ask
		for name, ka := range in.RequestItems {
			for _, key := range ka.Keys {
				a := db.itemAsk("dynamodb:BatchGetItem", &name, key)
				db.setRead(&a.keys, ka.ProjectionExpression, ka.ExpressionAttributeNames, ka.AttributesToGet, nil)
				setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
				asks = append(asks, a.ask)
			}
		}
		return asks, nil
	case *api.BatchWriteItemInput:
		var asks []ask
		for name, writes := range in.RequestItems {
			for _, w := range writes {
				var a tableAsk
				switch {
				case w.PutRequest != nil:
					a = db.itemAsk("dynamodb:BatchWriteItem", &name, w.PutRequest.Item)
					a.keys.Set(auth.KeyAttributes, itemNames(w.PutRequest.Item)...)
				case w.DeleteRequest != nil:
					a = db.itemAsk("dynamodb:BatchWriteItem", &name, w.DeleteRequest.Key)
				default:
					continue
				}
				setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
				asks = append(asks, a.ask)
			}
		}
		return asks, nil
	case *api.TransactGetItemsInput:
		var asks []ask
		for _, ti := range in.TransactItems {
			if g := ti.Get; g != nil {
				a := db.itemAsk("dynamodb:GetItem", g.TableName, g.Key)
				db.setRead(&a.keys, g.ProjectionExpression, g.ExpressionAttributeNames, nil, nil)
				asks = append(asks, a.ask)
			}
		}
		return asks, nil
	case *api.TransactWriteItemsInput:
		return db.transactWriteAsks(ctx, in)
	case *api.GetRecordsInput:
		// The iterator names its stream.
		arn := "*"
		if a, _, ok := decodeIterator(api.Str(in.ShardIterator)); ok {
			arn = a
		}
		return []ask{{action: "dynamodb:GetRecords", resource: auth.Resource{ARN: arn, Policy: db.policyOf(arn)}}}, nil
	case *api.ListStreamsInput:
		// An account-level action, whatever table it narrows to.
		return []ask{{action: "dynamodb:ListStreams", resource: auth.Resource{ARN: "*"}}}, nil
	case *api.CreateTableInput:
		asks := db.resourceAsks(op, in)
		setRequestTags(&asks[0].keys, in.Tags)
		if in.ResourcePolicy != nil {
			// Attaching a policy at creation is also PutResourcePolicy.
			asks = append(asks, ask{action: "dynamodb:PutResourcePolicy", resource: asks[0].resource})
		}
		return asks, nil
	case *api.TagResourceInput:
		asks := db.resourceAsks(op, in)
		for i := range asks {
			setRequestTags(&asks[i].keys, in.Tags)
		}
		return asks, nil
	case *api.UntagResourceInput:
		asks := db.resourceAsks(op, in)
		for i := range asks {
			asks[i].keys.Set(auth.KeyTagKeys, in.TagKeys...)
		}
		return asks, nil
	case *api.ExecuteStatementInput, *api.BatchExecuteStatementInput, *api.ExecuteTransactionInput:
		// Each statement is authorized when its table is resolved
		// (partiqlAuthorize).
		return nil, nil
	}
	return db.resourceAsks(op, in), nil
}

// resourceAsks asks dynamodb:<Operation> on each resource the registry
// finds in in.
func (db *DB) resourceAsks(op api.OpID, in any) []ask {
	action := "dynamodb:" + op.String()
	var buf [4]api.Resource
	res := op.Operation().AppendResources(buf[:0], in)
	if len(res) == 0 {
		return []ask{{action: action, resource: auth.Resource{ARN: "*"}}}
	}
	asks := make([]ask, 0, len(res))
	for _, r := range res {
		var arn string
		switch r.Kind {
		case api.ResourceTable:
			arn = db.tableARNOf(r.Name)
			if r.Index != "" {
				arn = auth.IndexARN(arn, r.Index)
			}
		default:
			arn = r.Name
		}
		a := ask{action: action, resource: auth.Resource{ARN: arn, Policy: db.policyOf(arn)}}
		setResourceTags(&a.keys, db.tagsOf(arn))
		asks = append(asks, a)
	}
	return asks
}

// setResourceTags sets aws:ResourceTag/<key> for each of a resource's
// tags.
func setResourceTags(k *auth.Keys, tags []api.Tag) {
	for _, tag := range tags {
		k.Set(auth.KeyResourceTagPrefix+api.Str(tag.Key), api.Str(tag.Value))
	}
}

// setRequestTags sets the keys of a request that names tags (CreateTable,
// TagResource): aws:RequestTag/<key> for each, and aws:TagKeys, their
// keys; a request that names none has neither (Null finds them absent).
func setRequestTags(k *auth.Keys, tags []api.Tag) {
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for _, tag := range tags {
		k.Set(auth.KeyRequestTagPrefix+api.Str(tag.Key), api.Str(tag.Value))
		keys = append(keys, api.Str(tag.Key))
	}
	k.Set(auth.KeyTagKeys, keys...)
}

// tagsOf returns the tags of the table of this namespace that arn names
// (or whose index, stream, backup or export it names), nil for any other.
func (db *DB) tagsOf(arn string) []api.Tag {
	a, ok := auth.ParseARN(arn)
	if !ok || a.Service != "dynamodb" || a.Region != db.opts.Region || a.Account != db.opts.AccountID {
		return nil
	}
	rest, ok := strings.CutPrefix(a.Resource, "table/")
	if !ok {
		return nil
	}
	name, _, _ := strings.Cut(rest, "/")
	if e := db.cat.get(name); e != nil {
		return e.rec.Tags
	}
	return nil
}

// tableAsk is an ask about one table, with the table when it exists.
type tableAsk struct {
	ask
	table *Table
}

// readAsk asks action on a table, or on its index when index is set.
func (db *DB) readAsk(action string, table, index *string) tableAsk {
	res, e := db.tableResource(table, index)
	a := tableAsk{ask: ask{action: action, resource: res}}
	if e != nil {
		a.table = e.table
		setResourceTags(&a.keys, e.rec.Tags)
	}
	return a
}

// tableResource returns the resource a request on table touches (its
// index's when index is set), with the table's resource-based policy,
// and the table's catalog entry when it is a table of this namespace.
func (db *DB) tableResource(table, index *string) (auth.Resource, *catalogEntry) {
	name := api.Str(table)
	var arn string
	var policy *auth.Policy
	e := db.lookup(name)
	if e != nil {
		// The table of this namespace: its ARN and policy are at hand.
		arn = db.entryARN(e)
		policy = db.compiledPolicy(e.rec.Policy, arn)
	} else {
		arn = db.tableARNOf(name)
	}
	if index != nil {
		arn = auth.IndexARN(arn, *index)
	}
	return auth.Resource{ARN: arn, Policy: policy}, e
}

// keylessAsk is the one ask of an operation on one table, GetItem,
// PutItem, UpdateItem, DeleteItem, Query or Scan, when no policy that
// decides it reads condition keys (auth.Caller.ReadsKeys): then its
// keys, which cost more to compute than the decision (a Query's key
// condition compiled, an item's partition key formatted, its attribute
// names listed), are not computed. ok is false for other operations and
// for callers whose policies do read keys.
func (db *DB) keylessAsk(c *auth.Caller, in any) (a ask, ok bool) {
	var table, index *string
	switch in := in.(type) {
	case *api.GetItemInput:
		a.action, table = "dynamodb:GetItem", in.TableName
	case *api.PutItemInput:
		a.action, table = "dynamodb:PutItem", in.TableName
	case *api.UpdateItemInput:
		a.action, table = "dynamodb:UpdateItem", in.TableName
	case *api.DeleteItemInput:
		a.action, table = "dynamodb:DeleteItem", in.TableName
	case *api.QueryInput:
		a.action, table, index = "dynamodb:Query", in.TableName, in.IndexName
	case *api.ScanInput:
		a.action, table, index = "dynamodb:Scan", in.TableName, in.IndexName
	default:
		return a, false
	}
	if c.ReadsKeys(auth.Resource{}) {
		// The caller's own policies read keys: the full path asks, and
		// looks the table up once, there.
		return a, false
	}
	a.resource, _ = db.tableResource(table, index)
	return a, !c.ReadsKeys(a.resource)
}

// itemAsk asks action on one item of a table, setting
// dynamodb:LeadingKeys to its partition key when the table exists and
// the key holds it.
func (db *DB) itemAsk(action string, table *string, key attr.Item) tableAsk {
	a := db.readAsk(action, table, nil)
	if a.table != nil {
		if v, ok := key[a.table.Hash.Name]; ok {
			a.keys.Set(auth.KeyLeadingKeys, keyString(v))
		}
	}
	return a
}

// queryAsks asks dynamodb:Query on the table or index, with the key
// condition's partition key as dynamodb:LeadingKeys.
func (db *DB) queryAsks(ctx context.Context, in *api.QueryInput) ([]ask, error) {
	a := db.readAsk("dynamodb:Query", in.TableName, in.IndexName)
	db.setRead(&a.keys, in.ProjectionExpression, in.ExpressionAttributeNames, in.AttributesToGet, in.Select)
	setOptional(&a.keys, auth.KeyReturnConsumedCapacity, in.ReturnConsumedCapacity)
	if t := a.table; t != nil && (in.KeyConditionExpression != nil || in.KeyConditions != nil || treesFrom(ctx) != nil) {
		keys := t.exprKeys()
		if in.IndexName != nil {
			ix := t.index(*in.IndexName)
			if ix == nil {
				return []ask{a.ask}, nil // the query fails on the missing index
			}
			keys = ix.exprKeys()
		}
		c, err := db.exprs.Compile(queryExprRequest(ctx, in), keys)
		if err != nil {
			return nil, err
		}
		if k := c.Key; k != nil {
			switch {
			case k.Multi != nil:
				vals := make([]string, 0, len(k.Multi.Hash))
				for _, v := range k.Multi.Hash {
					vals = append(vals, keyString(v))
				}
				a.keys.Set(auth.KeyLeadingKeys, vals...)
			case !k.Hash.IsZero():
				a.keys.Set(auth.KeyLeadingKeys, keyString(k.Hash))
			}
		}
	}
	return []ask{a.ask}, nil
}

// transactWriteAsks asks each action's item action.
func (db *DB) transactWriteAsks(ctx context.Context, in *api.TransactWriteItemsInput) ([]ask, error) {
	asks := make([]ask, 0, len(in.TransactItems))
	for _, ti := range in.TransactItems {
		switch {
		case ti.Put != nil:
			a := db.itemAsk("dynamodb:PutItem", ti.Put.TableName, ti.Put.Item)
			a.keys.Set(auth.KeyAttributes, itemNames(ti.Put.Item)...)
			asks = append(asks, a.ask)
		case ti.Update != nil:
			u := ti.Update
			a := db.itemAsk("dynamodb:UpdateItem", u.TableName, u.Key)
			names, err := db.updateNames(ctx, a.table, &api.UpdateItemInput{
				Key: u.Key, UpdateExpression: u.UpdateExpression,
				ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
			})
			if err != nil {
				return nil, err
			}
			a.keys.Set(auth.KeyAttributes, names...)
			asks = append(asks, a.ask)
		case ti.Delete != nil:
			asks = append(asks, db.itemAsk("dynamodb:DeleteItem", ti.Delete.TableName, ti.Delete.Key).ask)
		case ti.ConditionCheck != nil:
			asks = append(asks, db.itemAsk("dynamodb:ConditionCheckItem", ti.ConditionCheck.TableName, ti.ConditionCheck.Key).ask)
		}
	}
	return asks, nil
}

// setRead sets a read's dynamodb:Attributes (the projection's top-level
// names, absent without one) and dynamodb:Select (as sent, or what it
// defaults to).
func (db *DB) setRead(k *auth.Keys, projection *string, names map[string]string, toGet []string, sel *string) {
	var attrs []string
	switch {
	case projection != nil:
		c, err := db.exprs.Compile(&expr.Request{ProjectionExpression: projection, Names: names}, expr.KeySchema{})
		if err == nil && c.Projection != nil {
			attrs = c.Projection.TopLevel()
		} else {
			attrs = []string{} // a malformed projection fails the request; it reads nothing
		}
	case len(toGet) > 0:
		attrs = toGet
	}
	if attrs != nil {
		k.Set(auth.KeyAttributes, attrs...)
	}
	switch {
	case sel != nil:
		k.Set(auth.KeySelect, *sel)
	case attrs != nil:
		k.Set(auth.KeySelect, "SPECIFIC_ATTRIBUTES")
	default:
		k.Set(auth.KeySelect, "ALL_ATTRIBUTES")
	}
}

// updateNames returns the top-level attributes an update writes: its key
// attributes and what its update expression (or AttributeUpdates) sets or
// removes.
func (db *DB) updateNames(ctx context.Context, t *Table, in *api.UpdateItemInput) ([]string, error) {
	names := itemNames(in.Key)
	if in.UpdateExpression == nil && in.AttributeUpdates == nil && treesFrom(ctx) == nil {
		return names, nil
	}
	keys := expr.KeySchema{}
	if t != nil {
		keys = t.exprKeys()
	}
	c, err := db.exprs.Compile(&expr.Request{
		Operation:        "UpdateItem",
		Trees:            treesFrom(ctx),
		UpdateExpression: in.UpdateExpression,
		Names:            in.ExpressionAttributeNames,
		Values:           in.ExpressionAttributeValues,
		AttributeUpdates: in.AttributeUpdates,
	}, keys)
	if err != nil {
		return nil, err
	}
	if c.Update != nil {
		for _, n := range c.Update.Paths().TopLevel() {
			if _, dup := in.Key[n]; !dup {
				names = append(names, n)
			}
		}
	}
	return names, nil
}

// tableARNOf returns the ARN a TableName member designates: itself when
// it is an ARN, else this namespace's table of that name.
func (db *DB) tableARNOf(name string) string {
	if strings.HasPrefix(name, "arn:") {
		return name
	}
	return db.tableArn(name)
}

// policyOf returns the resource-based policy that governs arn: its
// table's (for the table, its indexes, backups and exports) or its
// stream's. Nil when there is none, or the table is not in this
// namespace.
func (db *DB) policyOf(arn string) *auth.Policy {
	a, ok := auth.ParseARN(arn)
	if !ok || a.Service != "dynamodb" || a.Region != db.opts.Region || a.Account != db.opts.AccountID {
		return nil
	}
	rest, ok := strings.CutPrefix(a.Resource, "table/")
	if !ok {
		return nil
	}
	name, sub, _ := strings.Cut(rest, "/")
	e := db.cat.get(name)
	if e == nil {
		return nil
	}
	if label, isStream := strings.CutPrefix(sub, "stream/"); isStream {
		return db.compiledPolicy(e.rec.streamPolicy(label), db.streamArn(name, label))
	}
	return db.compiledPolicy(e.rec.Policy, db.tableArn(name))
}

// keyString is a key value as dynamodb:LeadingKeys holds it: a string's
// or a number's text, a binary's base64.
func keyString(v attr.Value) string {
	if v.Type == attr.TypeB {
		return base64.StdEncoding.EncodeToString(v.B)
	}
	return v.S
}

// itemNames returns the top-level attribute names of an item.
func itemNames(it attr.Item) []string {
	names := make([]string, 0, len(it))
	for n := range it {
		names = append(names, n)
	}
	return names
}

// setOptional sets key to *v when v is set.
func setOptional(k *auth.Keys, key string, v *string) {
	if v != nil {
		k.Set(key, *v)
	}
}
