package integration

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/dynagotest"
)

const (
	readerARN = "arn:aws:iam::111111111111:user/reader"
	booksARN  = "arn:aws:dynamodb:us-east-1:111111111111:table/books"
)

// booksServer is authServer with account A's table books, holding the
// reader's item and another user's.
func booksServer(t *testing.T) (admin, reader *dynamodb.Client) {
	t.Helper()
	_, admin, reader = booksServerS(t)
	return admin, reader
}

// booksServerS is booksServer that also returns the server.
func booksServerS(t *testing.T) (s *dynagotest.Server, admin, reader *dynamodb.Client) {
	t.Helper()
	s, _ = authServer(t)
	admin = keyClient(s, "AKIAADMINA", "secret-admin-a", "")
	reader = keyClient(s, "AKIAREADERA", "secret-reader-a", "")
	ctx := context.Background()
	if _, err := admin.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("books"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS}, {AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}, {AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange}},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	put(t, admin, "books", item{"pk": S("reader"), "sk": S("1"), "g": S("reader")})
	put(t, admin, "books", item{"pk": S("other"), "sk": S("1"), "g": S("other")})
	return s, admin, reader
}

func TestAuthorizeLeadingKeys(t *testing.T) {
	_, reader := booksServer(t)
	ctx := context.Background()
	out, err := reader.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: item{"pk": S("reader"), "sk": S("1")}})
	if err != nil || out.Item == nil {
		t.Fatalf("the reader's own item: %v, %v", out, err)
	}
	_, err = reader.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: item{"pk": S("other"), "sk": S("1")}})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:GetItem on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:GetItem action")

	q, err := reader.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("books"),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": S("reader")}})
	if err != nil || len(q.Items) != 1 {
		t.Fatalf("querying the reader's own partition: %v, %v", q, err)
	}
	_, err = reader.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("books"),
		KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: item{":p": S("other")}})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:Query on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:Query action")

	// An index is its own resource: the policy names table/books/index/*.
	q, err = reader.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("books"), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": S("reader")}})
	if err != nil || len(q.Items) != 1 {
		t.Fatalf("querying the index by the reader's name: %v, %v", q, err)
	}
	_, err = reader.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("books"), IndexName: aws.String("byG"),
		KeyConditionExpression: aws.String("g = :g"), ExpressionAttributeValues: item{":g": S("other")}})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:Query on resource: "+booksARN+
		"/index/byG because no identity-based policy allows the dynamodb:Query action")
}

func TestAuthorizeActions(t *testing.T) {
	admin, reader := booksServer(t)
	ctx := context.Background()
	_, err := reader.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("books"), Item: item{"pk": S("reader"), "sk": S("2")}})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:PutItem on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:PutItem action")
	_, err = reader.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("books")})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:Scan on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:Scan action")
	_, err = reader.ListTables(ctx, &dynamodb.ListTablesInput{})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:ListTables on resource: * "+
		"because no identity-based policy allows the dynamodb:ListTables action")
	if got := get(t, admin, "books", item{"pk": S("reader"), "sk": S("2")}); got != nil {
		t.Fatalf("a refused PutItem wrote %v", got)
	}

	// The admin's explicit deny wins over its Allow of dynamodb:*.
	makeTable(t, admin, "prod-orders", hashS)
	_, err = admin.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("prod-orders")})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::111111111111:user/admin is not authorized to perform: dynamodb:DeleteTable on resource: "+
		"arn:aws:dynamodb:us-east-1:111111111111:table/prod-orders with an explicit deny in an identity-based policy")
	if _, err := admin.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("books")}); err != nil {
		t.Fatalf("deleting a table no Deny names: %v", err)
	}
}

func TestAuthorizeBatchesPerItem(t *testing.T) {
	_, reader := booksServer(t)
	ctx := context.Background()
	// The reader may GetItem, not BatchGetItem: every item is refused.
	_, err := reader.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"books": {Keys: []item{{"pk": S("reader"), "sk": S("1")}}},
	}})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:BatchGetItem on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:BatchGetItem action")
	// A transaction asks dynamodb:GetItem for each item: the reader's own
	// passes, another's fails the whole transaction.
	tx, err := reader.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("books"), Key: item{"pk": S("reader"), "sk": S("1")}}},
	}})
	if err != nil || len(tx.Responses) != 1 || tx.Responses[0].Item == nil {
		t.Fatalf("TransactGetItems of the reader's item: %v, %v", tx, err)
	}
	_, err = reader.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String("books"), Key: item{"pk": S("reader"), "sk": S("1")}}},
		{Get: &types.Get{TableName: aws.String("books"), Key: item{"pk": S("other"), "sk": S("1")}}},
	}})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:GetItem on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:GetItem action")
	// PartiQL asks dynamodb:PartiQLSelect, which the reader lacks.
	_, err = reader.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM books WHERE pk = 'reader' AND sk = '1'`)})
	wantAPIError(t, err, "AccessDeniedException", "User: "+readerARN+" is not authorized to perform: dynamodb:PartiQLSelect on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:PartiQLSelect action")
}

func TestAuthorizeNamespaces(t *testing.T) {
	s, _ := authServer(t)
	ctx := context.Background()
	a := keyClient(s, "AKIAADMINA", "secret-admin-a", "")
	b := keyClient(s, "AKIAADMINB", "secret-admin-b", "")
	aWest := keyClient(s, "AKIAADMINA", "secret-admin-a", "", func(o *dynamodb.Options) { o.Region = "eu-west-1" })
	makeTable(t, a, "shared-name", hashS)
	put(t, a, "shared-name", item{"pk": S("from-a")})
	makeTable(t, b, "shared-name", hashS)

	tables := func(c *dynamodb.Client) []string {
		t.Helper()
		out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.TableNames
	}
	if got := tables(aWest); len(got) != 0 {
		t.Fatalf("account A in eu-west-1 lists %v", got)
	}
	if got := get(t, b, "shared-name", item{"pk": S("from-a")}); got != nil {
		t.Fatalf("account B reads account A's item: %v", got)
	}
	d, err := b.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("shared-name")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(d.Table.TableArn); got != "arn:aws:dynamodb:us-east-1:222222222222:table/shared-name" {
		t.Fatalf("account B's table ARN = %s", got)
	}

	// Another account's table by its ARN: no resource policy allows B.
	arnA := "arn:aws:dynamodb:us-east-1:111111111111:table/shared-name"
	_, err = b.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(arnA), Key: item{"pk": S("from-a")}})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::222222222222:user/admin is not authorized to perform: dynamodb:GetItem on resource: "+arnA+
		" because no resource-based policy allows the dynamodb:GetItem action")

	// A's table policy lets B's admin read: now both allow.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:user/admin"},"Action":"dynamodb:GetItem","Resource":"` + arnA + `"}]}`
	put1, err := a.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(arnA), Policy: aws.String(policy)})
	if err != nil {
		t.Fatal(err)
	}
	out, err := b.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(arnA), Key: item{"pk": S("from-a")}})
	if err != nil || out.Item == nil {
		t.Fatalf("B reading A's item with A's policy allowing it: %v, %v", out, err)
	}
	_, err = b.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(arnA), Item: item{"pk": S("from-b")}})
	wantAPIError(t, err, "AccessDeniedException", "User: arn:aws:iam::222222222222:user/admin is not authorized to perform: dynamodb:PutItem on resource: "+arnA+
		" because no resource-based policy allows the dynamodb:PutItem action")

	// Revisions.
	got, err := a.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(arnA)})
	if err != nil || aws.ToString(got.Policy) != policy || aws.ToString(got.RevisionId) != aws.ToString(put1.RevisionId) {
		t.Fatalf("GetResourcePolicy = %v, %v; want the document and revision %s", got, err, aws.ToString(put1.RevisionId))
	}
	_, err = a.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(arnA), Policy: aws.String(policy), ExpectedRevisionId: aws.String("1")})
	wantAPIErrorPrefix(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: ")
	_, err = a.PutResourcePolicy(ctx, &dynamodb.PutResourcePolicyInput{ResourceArn: aws.String(arnA), Policy: aws.String(policy), ExpectedRevisionId: aws.String("NO_POLICY")})
	wantAPIErrorPrefix(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: ")
	if _, err := a.DeleteResourcePolicy(ctx, &dynamodb.DeleteResourcePolicyInput{ResourceArn: aws.String(arnA), ExpectedRevisionId: put1.RevisionId}); err != nil {
		t.Fatal(err)
	}
	_, err = a.GetResourcePolicy(ctx, &dynamodb.GetResourcePolicyInput{ResourceArn: aws.String(arnA)})
	wantAPIError(t, err, "PolicyNotFoundException", "Resource-based policy not found for the provided ResourceArn: "+arnA)
	_, err = b.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(arnA), Key: item{"pk": S("from-a")}})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: arn:aws:iam::222222222222:user/admin is not authorized")
}

func TestAuthorizeCreateTableResourcePolicy(t *testing.T) {
	s, _ := authServer(t)
	ctx := context.Background()
	a := keyClient(s, "AKIAADMINA", "secret-admin-a", "")
	b := keyClient(s, "AKIAADMINB", "secret-admin-b", "")
	arn := "arn:aws:dynamodb:us-east-1:111111111111:table/open"
	in := createTableInput("open", hashS)
	in.ResourcePolicy = aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":["dynamodb:PutItem","dynamodb:GetItem"],"Resource":"` + arn + `"}]}`)
	if _, err := a.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	put(t, b, arn, item{"pk": S("written-by-b")})
	if got := get(t, a, "open", item{"pk": S("written-by-b")}); got == nil {
		t.Fatal("B's write through A's table policy is not in A's table")
	}
	// A policy outside DynamoDB's rules refuses the table.
	bad := createTableInput("closed", hashS)
	bad.ResourcePolicy = aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"dynamodb:GetItem","Resource":"arn:aws:dynamodb:us-east-1:111111111111:table/closed"}]}`)
	_, err := a.CreateTable(ctx, bad)
	wantAPIError(t, err, "ValidationException", "Resource-based policy grants unbounded access in one or more elements. Please revise the policy to ensure least-privilege form of access")
}

func TestAuthorizeAttributesSelectReturnValues(t *testing.T) {
	s, _ := authServer(t)
	ctx := context.Background()
	admin := keyClient(s, "AKIAADMINA", "secret-admin-a", "")
	c := keyClient(s, "AKIAATTRSA", "secret-attrs-a", "")
	in := createTableInput("books", keyDef{hashName: "pk", hashType: types.ScalarAttributeTypeS, rangeName: "sk", rangeType: types.ScalarAttributeTypeS})
	if _, err := admin.CreateTable(ctx, in); err != nil {
		t.Fatal(err)
	}
	put(t, admin, "books", item{"pk": S("p"), "sk": S("1"), "g": S("x"), "secret": S("hidden")})
	key := item{"pk": S("p"), "sk": S("1")}
	const deniedGet = "User: arn:aws:iam::111111111111:user/attrs is not authorized to perform: dynamodb:GetItem on resource: " + booksARN +
		" because no identity-based policy allows the dynamodb:GetItem action"

	// Without a projection the request reads every attribute
	// (Select ALL_ATTRIBUTES): refused.
	_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: key})
	wantAPIError(t, err, "AccessDeniedException", deniedGet)
	// A projection within the allowed attributes passes.
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: key,
		ProjectionExpression: aws.String("pk, #g"), ExpressionAttributeNames: map[string]string{"#g": "g"}})
	if err != nil || len(out.Item) != 2 {
		t.Fatalf("GetItem of allowed attributes: %v, %v", out, err)
	}
	// One attribute outside the list refuses the request.
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: key, ProjectionExpression: aws.String("pk, secret")})
	wantAPIError(t, err, "AccessDeniedException", deniedGet)
	// Query: AttributesToGet counts as a projection too.
	q, err := c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("books"), AttributesToGet: []string{"pk", "sk"},
		KeyConditions: map[string]types.Condition{"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{S("p")}}}})
	if err != nil || len(q.Items) != 1 {
		t.Fatalf("Query with AttributesToGet: %v, %v", q, err)
	}

	// Writes: the item's attributes, and ReturnValues when sent.
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("books"), Item: item{"pk": S("q"), "sk": S("1"), "n": N("1")}}); err != nil {
		t.Fatalf("PutItem of allowed attributes: %v", err)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("books"), Item: item{"pk": S("q"), "sk": S("2"), "secret": S("x")}})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: arn:aws:iam::111111111111:user/attrs is not authorized to perform: dynamodb:PutItem")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("books"), Item: item{"pk": S("q"), "sk": S("1")}, ReturnValues: types.ReturnValueAllOld})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: arn:aws:iam::111111111111:user/attrs is not authorized to perform: dynamodb:PutItem")
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("books"), Key: item{"pk": S("q"), "sk": S("1")},
		UpdateExpression: aws.String("SET n = n + :one"), ExpressionAttributeValues: item{":one": N("1")}, ReturnValues: types.ReturnValueUpdatedNew}); err != nil {
		t.Fatalf("UpdateItem of an allowed attribute: %v", err)
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("books"), Key: item{"pk": S("q"), "sk": S("1")},
		UpdateExpression: aws.String("REMOVE secret")})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: arn:aws:iam::111111111111:user/attrs is not authorized to perform: dynamodb:UpdateItem")
}

func TestAuthorizePartiQL(t *testing.T) {
	s, _, _ := booksServerS(t)
	ctx := context.Background()
	pq := keyClient(s, "AKIAPQA", "secret-pq-a", "")
	const user = "arn:aws:iam::111111111111:user/pq"
	if _, err := pq.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`INSERT INTO books VALUE {'pk': 'pq', 'sk': '1'}`)}); err != nil {
		t.Fatalf("INSERT of the user's own partition: %v", err)
	}
	out, err := pq.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM books WHERE pk = 'pq' AND sk = '1'`)})
	if err != nil || len(out.Items) != 1 {
		t.Fatalf("SELECT of the user's own item: %v, %v", out, err)
	}
	_, err = pq.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`INSERT INTO books VALUE {'pk': 'other', 'sk': '9'}`)})
	wantAPIError(t, err, "AccessDeniedException", "User: "+user+" is not authorized to perform: dynamodb:PartiQLInsert on resource: "+booksARN+
		" because no identity-based policy allows the dynamodb:PartiQLInsert action")
	// A query of the user's partition passes; a scan is denied explicitly.
	if _, err := pq.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM books WHERE pk = 'pq'`)}); err != nil {
		t.Fatalf("SELECT by partition key: %v", err)
	}
	_, err = pq.ExecuteStatement(ctx, &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM books`)})
	wantAPIError(t, err, "AccessDeniedException", "User: "+user+" is not authorized to perform: dynamodb:PartiQLSelect on resource: "+booksARN+
		" with an explicit deny in an identity-based policy")
}

func TestAuthorizeResourceTags(t *testing.T) {
	s, admin, _ := booksServerS(t)
	ctx := context.Background()
	c := keyClient(s, "AKIATAGGEDA", "secret-tagged-a", "")
	key := item{"pk": S("reader"), "sk": S("1")}
	_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: key})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: arn:aws:iam::111111111111:user/tagged is not authorized to perform: dynamodb:GetItem")
	selectStmt := &dynamodb.ExecuteStatementInput{Statement: aws.String(`SELECT * FROM books WHERE pk = 'reader' AND sk = '1'`)}
	_, err = c.ExecuteStatement(ctx, selectStmt)
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: arn:aws:iam::111111111111:user/tagged is not authorized to perform: dynamodb:PartiQLSelect")
	if _, err := admin.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(booksARN),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}); err != nil {
		t.Fatal(err)
	}
	if out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("books"), Key: key}); err != nil || out.Item == nil {
		t.Fatalf("GetItem of a table tagged team=blue: %v, %v", out, err)
	}
	if out, err := c.ExecuteStatement(ctx, selectStmt); err != nil || len(out.Items) != 1 {
		t.Fatalf("PartiQL SELECT of a table tagged team=blue: %v, %v", out, err)
	}
}

// TestAuthorizeRequestTags checks aws:RequestTag/<key> and aws:TagKeys on
// CreateTable's Tags and TagResource, aws:TagKeys on UntagResource, and
// aws:ResourceTag/<key> on the table-level operations (DescribeTable,
// TagResource, UntagResource), with the user tagger of testAuthFile.
func TestAuthorizeRequestTags(t *testing.T) {
	s, admin, _ := booksServerS(t)
	ctx := context.Background()
	c := keyClient(s, "AKIATAGGERA", "secret-tagger-a", "")
	const user = "arn:aws:iam::111111111111:user/tagger"
	tag := func(kv ...string) []types.Tag {
		var tags []types.Tag
		for i := 0; i < len(kv); i += 2 {
			tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
		}
		return tags
	}
	create := func(name string, tags []types.Tag) error {
		in := createTableInput(name, hashS)
		in.Tags = tags
		_, err := c.CreateTable(ctx, in)
		return err
	}
	arn := func(name string) string { return "arn:aws:dynamodb:us-east-1:111111111111:table/" + name }

	// No team tag: the Null deny applies.
	wantAPIError(t, create("untagged", nil), "AccessDeniedException", "User: "+user+
		" is not authorized to perform: dynamodb:CreateTable on resource: "+arn("untagged")+" with an explicit deny in an identity-based policy")
	// team=red: aws:RequestTag/team is not blue.
	wantAPIError(t, create("red", tag("team", "red")), "AccessDeniedException", "User: "+user+
		" is not authorized to perform: dynamodb:CreateTable on resource: "+arn("red")+" because no identity-based policy allows the dynamodb:CreateTable action")
	// A tag key outside ForAllValues aws:TagKeys.
	wantAPIErrorPrefix(t, create("owned", tag("team", "blue", "owner", "x")), "AccessDeniedException", "User: "+user+
		" is not authorized to perform: dynamodb:CreateTable")
	if err := create("blue", tag("team", "blue", "env", "dev")); err != nil {
		t.Fatalf("CreateTable tagged team=blue, env=dev: %v", err)
	}

	// aws:ResourceTag on DescribeTable: the blue table, not books.
	if _, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("blue")}); err != nil {
		t.Fatalf("DescribeTable of a table tagged team=blue: %v", err)
	}
	_, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("books")})
	wantAPIError(t, err, "AccessDeniedException", "User: "+user+
		" is not authorized to perform: dynamodb:DescribeTable on resource: "+booksARN+" because no identity-based policy allows the dynamodb:DescribeTable action")

	// TagResource: only the env key, only on a team=blue table.
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn("blue")), Tags: tag("env", "prod")}); err != nil {
		t.Fatalf("TagResource env=prod: %v", err)
	}
	_, err = c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(arn("blue")), Tags: tag("team", "red")})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: "+user+" is not authorized to perform: dynamodb:TagResource on resource: "+arn("blue"))
	_, err = c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: aws.String(booksARN), Tags: tag("env", "prod")})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: "+user+" is not authorized to perform: dynamodb:TagResource on resource: "+booksARN)

	// UntagResource: aws:TagKeys is the keys removed.
	_, err = c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn("blue")), TagKeys: []string{"team"}})
	wantAPIErrorPrefix(t, err, "AccessDeniedException", "User: "+user+" is not authorized to perform: dynamodb:UntagResource on resource: "+arn("blue"))
	if _, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: aws.String(arn("blue")), TagKeys: []string{"env"}}); err != nil {
		t.Fatalf("UntagResource env: %v", err)
	}
	out, err := admin.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(arn("blue"))})
	if err != nil || len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "team" || aws.ToString(out.Tags[0].Value) != "blue" {
		t.Fatalf("tags after the allowed changes: %+v, %v", out, err)
	}
}
