package api

import (
	"reflect"
	"testing"
)

// Every operation of both models is in the registry, under its service's
// target, with shapes that match its name.
func TestRegistry(t *testing.T) {
	services := map[Service]int{}
	for id := range OpID(NumOperations) {
		op := id.Operation()
		if op.ID != id {
			t.Errorf("%s: ID %d at index %d", op.Name, op.ID, id)
		}
		services[op.Service]++
		if want := op.Service.TargetPrefix() + "." + op.Name; op.Target != want {
			t.Errorf("%s: target %q, want %q", op.Name, op.Target, want)
		}
		if got, ok := OperationByTarget(op.Target); !ok || got != id {
			t.Errorf("OperationByTarget(%q) = %v, %v", op.Target, got, ok)
		}
		if got, ok := OperationByName(op.Name); !ok || got != id {
			t.Errorf("OperationByName(%q) = %v, %v", op.Name, got, ok)
		}
		in := op.NewInput()
		if in == nil || reflect.TypeOf(in).Kind() != reflect.Pointer {
			t.Errorf("%s: input %T", op.Name, in)
		}
		if _, ok := inputShapes[op.Name]; !ok {
			t.Errorf("%s: the validator has no constraints for its input", op.Name)
		}
	}
	if services[ServiceDynamoDB] < 57 || services[ServiceDynamoDBStreams] != 4 {
		t.Errorf("operations per service: %v", services)
	}
	if _, ok := OperationByTarget("DynamoDB_20120810.GetRecords"); ok {
		t.Error("a Streams operation is routed under the DynamoDB prefix")
	}
}

// AppendResources lists what a request names, appending to the caller's
// buffer.
func TestAppendResources(t *testing.T) {
	tests := []struct {
		op   OpID
		in   any
		want []Resource
	}{
		{OpGetItem, &GetItemInput{TableName: Ptr("a")}, []Resource{{Kind: ResourceTable, Member: "TableName", Name: "a"}}},
		{OpQuery, &QueryInput{TableName: Ptr("a"), IndexName: Ptr("i")}, []Resource{{Kind: ResourceTable, Member: "TableName", Name: "a", Index: "i"}}},
		{OpTransactWriteItems, &TransactWriteItemsInput{TransactItems: []TransactWriteItem{
			{Put: &Put{TableName: Ptr("b")}}, {ConditionCheck: &ConditionCheck{TableName: Ptr("a")}}, {Delete: &Delete{TableName: Ptr("b")}},
		}}, []Resource{{ResourceTable, "TableName", "b", ""}, {ResourceTable, "TableName", "a", ""}, {ResourceTable, "TableName", "b", ""}}},
		{OpBatchWriteItem, &BatchWriteItemInput{RequestItems: map[string][]WriteRequest{"t": nil}}, []Resource{{ResourceTable, "RequestItems", "t", ""}}},
		{OpTagResource, &TagResourceInput{ResourceArn: Ptr("arn:x")}, []Resource{{ResourceARN, "ResourceArn", "arn:x", ""}}},
		{OpRestoreTableFromBackup, &RestoreTableFromBackupInput{TargetTableName: Ptr("n"), BackupArn: Ptr("arn:b")},
			[]Resource{{ResourceTable, "TargetTableName", "n", ""}, {ResourceBackup, "BackupArn", "arn:b", ""}}},
		{OpGetShardIterator, &GetShardIteratorInput{StreamArn: Ptr("arn:s")}, []Resource{{ResourceStream, "StreamArn", "arn:s", ""}}},
		{OpListTables, &ListTablesInput{ExclusiveStartTableName: Ptr("x")}, nil},
		{OpExecuteStatement, &ExecuteStatementInput{Statement: Ptr(`SELECT * FROM "t"`)}, nil},
	}
	for _, tc := range tests {
		var buf [1]Resource
		got := tc.op.Operation().AppendResources(buf[:0], tc.in)
		if !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %+v, want %+v", tc.op, got, tc.want)
		}
		if len(tc.want) == 1 && &got[0] != &buf[0] {
			t.Errorf("%s: one resource not appended to the caller's buffer", tc.op)
		}
	}
}
