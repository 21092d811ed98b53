package integration

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestCreateDescribeTable(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	before := time.Now().Add(-time.Minute)
	out, err := c.CreateTable(ctx, createTableInput("Music", hashRangeS))
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	d := out.TableDescription
	if aws.ToString(d.TableName) != "Music" {
		t.Errorf("TableName = %q", aws.ToString(d.TableName))
	}
	if s := d.TableStatus; s != types.TableStatusCreating && s != types.TableStatusActive {
		t.Errorf("CreateTable status = %s, want CREATING or ACTIVE", s)
	}
	waitActive(t, c, "Music")

	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Music")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	d = desc.Table
	checks := []struct {
		what      string
		got, want any
	}{
		{"TableStatus", d.TableStatus, types.TableStatusActive},
		{"TableArn", aws.ToString(d.TableArn), "arn:aws:dynamodb:us-east-1:000000000000:table/Music"},
		{"ItemCount", aws.ToInt64(d.ItemCount), int64(0)},
		{"TableSizeBytes", aws.ToInt64(d.TableSizeBytes), int64(0)},
		{"KeySchema", fmt.Sprint(keySchema(d.KeySchema)), "[pk HASH sk RANGE]"},
		{"AttributeDefinitions", fmt.Sprint(attrDefs(d.AttributeDefinitions)), "[pk S sk S]"},
		{"BillingMode", billingMode(d), types.BillingModePayPerRequest},
		{"TableId set", aws.ToString(d.TableId) != "", true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if d.CreationDateTime == nil || d.CreationDateTime.Before(before) || d.CreationDateTime.After(time.Now().Add(time.Minute)) {
		t.Errorf("CreationDateTime = %v, want about now", d.CreationDateTime)
	}
}

func keySchema(ks []types.KeySchemaElement) []string {
	var s []string
	for _, k := range ks {
		s = append(s, aws.ToString(k.AttributeName), string(k.KeyType))
	}
	return s
}

func attrDefs(ds []types.AttributeDefinition) []string {
	var s []string
	for _, d := range ds {
		s = append(s, aws.ToString(d.AttributeName)+" "+string(d.AttributeType))
	}
	slices.Sort(s)
	return s
}

func billingMode(d *types.TableDescription) types.BillingMode {
	if d.BillingModeSummary == nil {
		return types.BillingModeProvisioned
	}
	return d.BillingModeSummary.BillingMode
}

func TestCreateTableProvisioned(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	in := createTableInput("Prov", hashS)
	in.BillingMode = ""
	in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(7)}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	waitActive(t, c, "Prov")
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Prov")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	pt := out.Table.ProvisionedThroughput
	if pt == nil || aws.ToInt64(pt.ReadCapacityUnits) != 5 || aws.ToInt64(pt.WriteCapacityUnits) != 7 {
		t.Errorf("ProvisionedThroughput = %+v, want 5/7", pt)
	}
}

func TestCreateTableErrors(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Taken", hashS)
	_, err := c.CreateTable(ctx, createTableInput("Taken", hashS))
	wantAPIError(t, err, "ResourceInUseException", "Table already exists: Taken")

	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Missing")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Missing not found")

	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Missing")})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Missing not found")
}

func TestListTablesPaging(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	var want []string
	for i := 0; i < 7; i++ {
		name := fmt.Sprintf("table-%02d", 6-i) // created out of order
		want = append(want, name)
		if _, err := c.CreateTable(ctx, createTableInput(name, hashS)); err != nil {
			t.Fatalf("CreateTable %s: %v", name, err)
		}
	}
	slices.Sort(want)

	all, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if !slices.Equal(all.TableNames, want) || all.LastEvaluatedTableName != nil {
		t.Errorf("ListTables = %v (last %v), want %v", all.TableNames, aws.ToString(all.LastEvaluatedTableName), want)
	}

	var got []string
	pages := 0
	p := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{Limit: aws.Int32(3)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListTables page %d: %v", pages, err)
		}
		if len(page.TableNames) > 3 {
			t.Errorf("page %d has %d names, limit 3", pages, len(page.TableNames))
		}
		got = append(got, page.TableNames...)
		pages++
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged ListTables = %v, want %v", got, want)
	}
	if pages != 3 {
		t.Errorf("pages = %d, want 3", pages)
	}

	after, err := c.ListTables(ctx, &dynamodb.ListTablesInput{ExclusiveStartTableName: aws.String("table-04")})
	if err != nil {
		t.Fatalf("ListTables: %v", err)
	}
	if !slices.Equal(after.TableNames, want[5:]) {
		t.Errorf("after table-04 = %v, want %v", after.TableNames, want[5:])
	}
}

func TestUpdateTable(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	in := createTableInput("Upd", hashS)
	in.BillingMode = types.BillingModeProvisioned
	in.ProvisionedThroughput = &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	if _, err := c.CreateTable(ctx, in); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	waitActive(t, c, "Upd")

	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{
		TableName:             aws.String("Upd"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(20)},
	})
	if err != nil {
		t.Fatalf("UpdateTable throughput: %v", err)
	}
	waitActive(t, c, "Upd")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Upd")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	pt := d.Table.ProvisionedThroughput
	if pt == nil || aws.ToInt64(pt.ReadCapacityUnits) != 10 || aws.ToInt64(pt.WriteCapacityUnits) != 20 {
		t.Errorf("after update ProvisionedThroughput = %+v, want 10/20", pt)
	}

	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Upd"), BillingMode: types.BillingModePayPerRequest})
	if err != nil {
		t.Fatalf("UpdateTable billing mode: %v", err)
	}
	waitActive(t, c, "Upd")
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Upd")})
	if err != nil {
		t.Fatalf("DescribeTable: %v", err)
	}
	if m := billingMode(d.Table); m != types.BillingModePayPerRequest {
		t.Errorf("BillingMode = %s, want PAY_PER_REQUEST", m)
	}

	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Nope"), BillingMode: types.BillingModePayPerRequest})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Nope not found")
}

func TestDeleteTable(t *testing.T) {
	c := client(t)
	ctx := context.Background()
	makeTable(t, c, "Gone", hashS)
	put(t, c, "Gone", item{"pk": S("a")})

	out, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Gone")})
	if err != nil {
		t.Fatalf("DeleteTable: %v", err)
	}
	if out.TableDescription == nil || aws.ToString(out.TableDescription.TableName) != "Gone" {
		t.Errorf("DeleteTable description = %+v", out.TableDescription)
	}
	w := dynamodb.NewTableNotExistsWaiter(c, func(o *dynamodb.TableNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = waitDelay, 5*waitDelay
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Gone")}, waitTimeout); err != nil {
		t.Fatalf("TableNotExists waiter: %v", err)
	}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("Gone"), Key: item{"pk": S("a")}})
	wantAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")

	// The name can be reused, and the new table starts empty.
	makeTable(t, c, "Gone", hashS)
	if it := get(t, c, "Gone", item{"pk": S("a")}); it != nil {
		t.Errorf("recreated table still has %s", showItem(it))
	}
}

func TestDescribeEndpoints(t *testing.T) {
	c := client(t)
	out, err := c.DescribeEndpoints(context.Background(), &dynamodb.DescribeEndpointsInput{})
	if err != nil {
		t.Fatalf("DescribeEndpoints: %v", err)
	}
	if len(out.Endpoints) != 1 || aws.ToString(out.Endpoints[0].Address) == "" {
		t.Errorf("Endpoints = %+v, want one with an address", out.Endpoints)
	}
}
