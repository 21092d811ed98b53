package engine

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// TestItemValidationData runs testdata/item_validation.txt: a new case is
// two lines of text.
func TestItemValidationData(t *testing.T) {
	f, err := os.Open("testdata/item_validation.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db := newItemsDB(t)
	ctx := context.Background()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	var op, table string
	var item attr.Item
	line, cases := 0, 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "" || strings.HasPrefix(text, "#"):
		case strings.HasPrefix(text, "=> "):
			want := strings.TrimPrefix(text, "=> ")
			var err error
			name := api.Ptr(table)
			switch op {
			case "put":
				_, err = db.PutItem(ctx, &api.PutItemInput{TableName: name, Item: item})
			case "get":
				_, err = db.GetItem(ctx, &api.GetItemInput{TableName: name, Key: item})
			case "delete":
				_, err = db.DeleteItem(ctx, &api.DeleteItemInput{TableName: name, Key: item})
			case "update":
				_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: name, Key: item})
			default:
				t.Fatalf("line %d: unknown op %q", line, op)
			}
			got := "ok"
			if e := apierr.As(err); e != nil {
				got = string(e.Code) + ": " + e.Message
			} else if err != nil {
				got = err.Error()
			}
			if got != want {
				t.Errorf("line %d: %s %s %v\n got: %s\nwant: %s", line, op, table, item, got, want)
			}
			cases++
		default:
			fields := strings.SplitN(text, " ", 3)
			if len(fields) != 3 {
				t.Fatalf("line %d: want <op> <table> <json>", line)
			}
			op, table = fields[0], fields[1]
			if item, err = attr.DecodeItemJSON([]byte(fields[2])); err != nil {
				t.Fatalf("line %d: %v", line, err)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cases < 10 {
		t.Fatalf("only %d cases read", cases)
	}
}
