package api

// The operation registry: one descriptor per operation of the DynamoDB and
// DynamoDB Streams APIs, generated from their models (operations.go) with
// what the models do not say (model/operations.json). The router, request
// validation, metrics, capacity and authorization all read it, so that no
// other package keeps a list of operations: an operation added to the
// models is routed, validated, labelled and metered, or the generator (or a
// test) says what is missing.

import "context"

// OpID identifies an operation: an index into the registry.
type OpID uint16

// Service is the API an operation belongs to.
type Service uint8

// TargetPrefix is the service's X-Amz-Target prefix, without the dot
// ("DynamoDB_20120810").
func (s Service) TargetPrefix() string {
	if int(s) < len(serviceTargetPrefixes) {
		return serviceTargetPrefixes[s]
	}
	return ""
}

// CapacityKind is what an operation consumes of its tables' provisioned
// throughput.
type CapacityKind uint8

const (
	// CapacityNone: control-plane operations and the Streams API.
	CapacityNone CapacityKind = iota
	// CapacityRead: GetItem, Query, Scan, BatchGetItem, TransactGetItems.
	CapacityRead
	// CapacityWrite: PutItem, UpdateItem, DeleteItem, BatchWriteItem,
	// TransactWriteItems.
	CapacityWrite
	// CapacityStatement: PartiQL, whose statements say whether they read
	// or write, and which tables, only once parsed.
	CapacityStatement
)

// ResourceKind is what a Resource names.
type ResourceKind uint8

const (
	// ResourceTable is a table, by name or ARN (Index names one of its
	// indexes when the request reads one).
	ResourceTable ResourceKind = iota + 1
	// ResourceARN is the ResourceArn of a tag or resource-policy
	// operation: a table's, an index's or a stream's ARN.
	ResourceARN
	// ResourceStream is a stream, by its ARN.
	ResourceStream
	// ResourceBackup, ResourceExport and ResourceImport are the ARNs of a
	// backup, an export and an import.
	ResourceBackup
	ResourceExport
	ResourceImport
)

// Resource is one thing a request names and acts on, as the client wrote
// it: metrics label requests with their tables, and authorization checks
// each resource.
type Resource struct {
	Kind ResourceKind
	// Member is the input member that named it ("TableName",
	// "RequestItems", "TargetTableName"), for a caller that must tell a
	// restore's source from its target.
	Member string
	// Name is the member's value: a table name or an ARN.
	Name string
	// Index is the IndexName beside a table, for Query and Scan.
	Index string
}

// Operation describes one operation of the registry.
type Operation struct {
	ID      OpID
	Name    string // "PutItem"
	Service Service
	// Target is the operation's X-Amz-Target value,
	// "DynamoDB_20120810.PutItem".
	Target   string
	Capacity CapacityKind

	newInput  func() any
	newOutput func() any
	resources func(in any, dst []Resource) []Resource
}

// Operation returns the descriptor of id; id must be below NumOperations.
func (id OpID) Operation() *Operation { return &operations[id] }

// String returns the operation's name.
func (id OpID) String() string {
	if int(id) < len(operations) {
		return operations[id].Name
	}
	return "OpID(?)"
}

// NewInput returns a pointer to a new, zero input shape of the operation
// (such as *PutItemInput).
func (o *Operation) NewInput() any { return o.newInput() }

// NewOutput returns a pointer to a new, zero output shape of the
// operation, or nil for an operation without one (TagResource).
func (o *Operation) NewOutput() any {
	if o.newOutput == nil {
		return nil
	}
	return o.newOutput()
}

// AppendResources appends to dst the resources in (the operation's input
// shape) names, in no particular order between map entries. PartiQL
// operations name their tables inside the statement text, so they append
// none here; they resolve them when they run.
func (o *Operation) AppendResources(dst []Resource, in any) []Resource {
	if o.resources == nil {
		return dst
	}
	return o.resources(in, dst)
}

// OperationByTarget returns the operation an X-Amz-Target value names.
func OperationByTarget(target string) (OpID, bool) {
	id, ok := operationsByTarget[target]
	return id, ok
}

// OperationByName returns the operation named name ("PutItem").
func OperationByName(name string) (OpID, bool) {
	id, ok := operationsByName[name]
	return id, ok
}

// Handler serves one operation: in is a pointer to its input shape, the
// output a pointer to its output shape.
type Handler func(ctx context.Context, in any) (any, error)

// OperationByTargetBytes is OperationByTarget for a header value held as
// bytes; the lookup copies nothing.
func OperationByTargetBytes(target []byte) (OpID, bool) {
	id, ok := operationsByTarget[string(target)]
	return id, ok
}

// Bind returns the Handler that runs fn on its operation's input shape. A
// nil output pointer becomes a nil output.
func Bind[In, Out any](fn func(context.Context, *In) (*Out, error)) Handler {
	return func(ctx context.Context, in any) (any, error) {
		out, err := fn(ctx, in.(*In))
		if err != nil || out == nil {
			return nil, err
		}
		return out, nil
	}
}
