package engine

import (
	"context"
	"testing"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func TestPutItemValidation(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	const v = apierr.ValidationException
	big := str(maxItemSize, "x")
	cases := []struct {
		name  string
		table string
		item  attr.Item
		rv    string
		code  apierr.Code
		msg   string
	}{
		{"ok", tblHash, attr.Item{"id": s("a")}, "", "", ""},
		{"missing key", tblHash, attr.Item{"x": s("a")}, "", v, "One or more parameter values were invalid: Missing the key id in the item"},
		{"missing range key", tblRange, attr.Item{"pk": s("a")}, "", v, "One or more parameter values were invalid: Missing the key sk in the item"},
		{"type mismatch", tblHash, attr.Item{"id": n("1")}, "", v, "One or more parameter values were invalid: Type mismatch for key id expected: S actual: N"},
		{"range type mismatch", tblRange, attr.Item{"pk": s("a"), "sk": s("1")}, "", v, "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"},
		{"empty string key", tblHash, attr.Item{"id": s("")}, "", v, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
		{"empty binary key", tblBin, attr.Item{"pk": b(""), "sk": b("x")}, "", v, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty binary value. Key: pk"},
		{"empty string non-key", tblHash, attr.Item{"id": s("a"), "e": s("")}, "", "", ""},
		{"hash key 2048", tblHash, attr.Item{"id": s(str(2048, "h"))}, "", "", ""},
		{"hash key 2049", tblHash, attr.Item{"id": s(str(2049, "h"))}, "", v, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{"hash key multibyte", tblHash, attr.Item{"id": s("x" + str(512, "😃"))}, "", v, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{"range key 1024", tblStr, attr.Item{"pk": s("a"), "sk": s(str(1024, "r"))}, "", "", ""},
		{"range key 1025", tblStr, attr.Item{"pk": s("a"), "sk": s(str(1025, "r"))}, "", v, "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"},
		{"binary range key 1025", tblBin, attr.Item{"pk": b("a"), "sk": b(str(1025, "r"))}, "", v, "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"},
		{"item too large", tblHash, attr.Item{"id": s("a"), "b": s(big)}, "", v, "Item size has exceeded the maximum allowed size"},
		{"item just fits", tblHash, attr.Item{"id": s("a"), "b": s(big[:maxItemSize-4])}, "", "", ""},
		{"item too large before table lookup", "no_such_table", attr.Item{"id": s("a"), "b": s(big)}, "", v, "Item size has exceeded the maximum allowed size"},
		{"no table", "no_such_table", attr.Item{"id": s("a")}, "", apierr.ResourceNotFoundException, "Requested resource not found"},
		{"return values ALL_NEW", tblHash, attr.Item{"id": s("a")}, "ALL_NEW", v, "ReturnValues can only be ALL_OLD or NONE"},
		{"return values UPDATED_OLD", tblHash, attr.Item{"id": s("a")}, "UPDATED_OLD", v, "ReturnValues can only be ALL_OLD or NONE"},
		{"empty set", tblHash, attr.Item{"id": s("a"), "ss": {Type: attr.TypeSS}}, "", v, "One or more parameter values were invalid: An string set  may not be empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &api.PutItemInput{TableName: api.Ptr(c.table), Item: c.item}
			if c.rv != "" {
				in.ReturnValues = api.Ptr(c.rv)
			}
			_, err := db.PutItem(ctx, in)
			checkErr(t, err, c.code, c.msg)
		})
	}
}

func TestKeyValidation(t *testing.T) {
	db := newItemsDB(t)
	ctx := context.Background()
	const v = apierr.ValidationException
	const schema = "The provided key element does not match the schema"
	cases := []struct {
		name  string
		table string
		key   attr.Item
		code  apierr.Code
		msg   string
	}{
		{"ok", tblHash, attr.Item{"id": s("a")}, "", ""},
		{"ok range", tblRange, attr.Item{"pk": s("a"), "sk": n("1")}, "", ""},
		{"extra attribute", tblHash, attr.Item{"id": s("a"), "x": s("b")}, v, schema},
		{"wrong name", tblHash, attr.Item{"x": s("a")}, v, schema},
		{"wrong type", tblHash, attr.Item{"id": n("1")}, v, schema},
		{"set type", tblHash, attr.Item{"id": {Type: attr.TypeSS, Set: []string{"a"}}}, v, schema},
		{"missing range", tblRange, attr.Item{"pk": s("a")}, v, schema},
		{"empty key", tblHash, attr.Item{}, v, schema},
		{"empty string", tblHash, attr.Item{"id": s("")}, v, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id"},
		{"empty string range", tblStr, attr.Item{"pk": s("a"), "sk": s("")}, v, "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk"},
		{"hash too big", tblHash, attr.Item{"id": s(str(2049, "a"))}, v, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{"no table", "no_such_table", attr.Item{"id": s("a")}, apierr.ResourceNotFoundException, "Requested resource not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := db.GetItem(ctx, &api.GetItemInput{TableName: api.Ptr(c.table), Key: c.key})
			checkErr(t, err, c.code, c.msg)
			_, err = db.DeleteItem(ctx, &api.DeleteItemInput{TableName: api.Ptr(c.table), Key: c.key})
			checkErr(t, err, c.code, c.msg)
			_, err = db.UpdateItem(ctx, &api.UpdateItemInput{TableName: api.Ptr(c.table), Key: c.key})
			checkErr(t, err, c.code, c.msg)
		})
	}
}
