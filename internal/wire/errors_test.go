package wire

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

func TestErrorBody(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"validation", apierr.Validation("bad"), 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"bad"}`},
		{"wrapped", fmt.Errorf("engine: %w", apierr.New(apierr.ResourceInUseException, "in use")), 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"in use"}`},
		{"not a DynamoDB error", errors.New("disk on fire"), 500,
			`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		{"a server fault says no more than DynamoDB's", apierr.Newf(apierr.InternalServerError, "engine: table %s: %v", "t", errors.New("kv: closed")), 500,
			`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`},
		{"serialization uses Message", apierr.New(apierr.SerializationException, "Expected null"), 400,
			`{"__type":"com.amazon.coral.service#SerializationException","Message":"Expected null"}`},
		{"no message", apierr.New(apierr.UnknownOperationException, ""), 400,
			`{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"conditional check with item", &apierr.Error{Code: apierr.ConditionalCheckFailedException,
			Message: "The conditional request failed", Item: attr.Item{"a": attr.String("x")}}, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"a":{"S":"x"}}}`},
		{"transaction canceled", &apierr.Error{Code: apierr.TransactionCanceledException,
			Message:             "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
			CancellationReasons: []map[string]string{{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}}}, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]}`},
		{"throttling reasons", &apierr.Error{Code: apierr.ProvisionedThroughputExceededException,
			Message:           "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
			ThrottlingReasons: []map[string]string{{"reason": "TableWriteProvisionedThroughputExceeded", "resource": "arn:aws:dynamodb:us-east-1:000000000000:table/t"}}}, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.","ThrottlingReasons":[{"reason":"TableWriteProvisionedThroughputExceeded","resource":"arn:aws:dynamodb:us-east-1:000000000000:table/t"}]}`},
		{"unencodable item dropped", &apierr.Error{Code: apierr.ConditionalCheckFailedException,
			Message: "The conditional request failed", Item: func() {}}, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
	}
	for _, tt := range tests {
		status, body := errorBody(tt.err)
		if status != tt.status || string(body) != tt.body {
			t.Errorf("%s: got %d %s\nwant %d %s", tt.name, status, body, tt.status, tt.body)
		}
	}
}
