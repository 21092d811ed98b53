package engine

// What a throttled request is told. Since 2025 DynamoDB's
// ProvisionedThroughputExceededException carries ThrottlingReasons, one
// per refusing table or index: a reason spelled
// ResourceType+OperationType+LimitType ("TableWriteProvisionedThroughputExceeded",
// "IndexReadAccountLimitExceeded") and the ARN of that table or index
// (API reference, "ThrottlingReason"). A throttled transaction is instead
// cancelled: TransactionCanceledException whose reasons carry
// ProvisionedThroughputExceeded (provisioned tables) or ThrottlingError
// (on-demand tables) for the actions on the refusing table, with the
// messages the API reference lists for TransactionCanceledException.

import (
	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
)

// LimitType parts of a ThrottlingReason.
const (
	limitProvisioned = "ProvisionedThroughputExceeded" // provisioned table or GSI over its RCU/WCU
	limitAccount     = "AccountLimitExceeded"          // on-demand table over the per-table quota
	limitOnDemandMax = "MaxOnDemandThroughputExceeded" // on-demand table over its OnDemandThroughput
)

// Cancellation reasons of a throttled transaction, and their messages
// (API reference, TransactionCanceledException).
const (
	reasonThroughputExceeded = "ProvisionedThroughputExceeded"
	reasonThrottlingError    = "ThrottlingError"

	msgCancelTableThroughput = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
	msgCancelIndexThroughput = "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API."
	msgCancelTableOnDemand   = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html."
	msgCancelIndexOnDemand   = "Throughput exceeds the current capacity for one or more global secondary indexes. DynamoDB is automatically scaling your index so please try again shortly."
)

// throttlingReason returns the ThrottlingReason of e's bucket (index ""
// for the table) refusing a request in direction write under limit l.
func (db *DB) throttlingReason(e *catalogEntry, index string, write bool, l limit) api.ThrottlingReason {
	resource, arn := "Table", db.tableArn(e.table.Name)
	if index != "" {
		resource, arn = "Index", db.indexArn(e.table.Name, index)
	}
	op := "Read"
	if write {
		op = "Write"
	}
	return api.ThrottlingReason{Reason: api.Ptr(resource + op + l.kind), Resource: api.Ptr(arn)}
}

// throttleError returns the error a request refused by e's bucket gets:
// l's ProvisionedThroughputExceededException, with its ThrottlingReasons.
func (db *DB) throttleError(e *catalogEntry, index string, write bool, l limit) error {
	out := *apierr.As(l.err) // a copy: l.err is shared by every request
	out.ThrottlingReasons = []api.ThrottlingReason{db.throttlingReason(e, index, write, l)}
	return &out
}

// cancellationThrottled returns the cancellation reason of a transaction
// action on a table whose bucket (index "" for the table) under limit l
// refused the transaction.
func cancellationThrottled(index string, l limit) api.CancellationReason {
	code, msg := reasonThroughputExceeded, msgCancelTableThroughput
	switch {
	case l.kind != limitProvisioned && index != "":
		code, msg = reasonThrottlingError, msgCancelIndexOnDemand
	case l.kind != limitProvisioned:
		code, msg = reasonThrottlingError, msgCancelTableOnDemand
	case index != "":
		msg = msgCancelIndexThroughput
	}
	return api.CancellationReason{Code: api.Ptr(code), Message: api.Ptr(msg)}
}
