// Package apierr defines one typed error per DynamoDB error type. Every layer
// returns these; the wire layer turns them into DynamoDB's error envelope
// ({"__type": ..., "message": ...}) with the right HTTP status.
//
// Callers test for a type with errors.Is(err, apierr.ValidationException)
// and never compare message strings.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a DynamoDB error type, such as "ValidationException". A Code is
// itself an error so that errors.Is(err, apierr.ResourceNotFoundException)
// reads naturally.
type Code string

// Error returns the code's name.
func (c Code) Error() string { return string(c) }

// DynamoDB's error types. The namespace and HTTP status of each are in
// codeInfo below.
const (
	AccessDeniedException                    Code = "AccessDeniedException"
	ConditionalCheckFailedException          Code = "ConditionalCheckFailedException"
	IdempotentParameterMismatchException     Code = "IdempotentParameterMismatchException"
	IncompleteSignatureException             Code = "IncompleteSignatureException"
	InternalServerError                      Code = "InternalServerError"
	InvalidSignatureException                Code = "InvalidSignatureException"
	ItemCollectionSizeLimitExceededException Code = "ItemCollectionSizeLimitExceededException"
	LimitExceededException                   Code = "LimitExceededException"
	MissingAuthenticationTokenException      Code = "MissingAuthenticationTokenException"
	ProvisionedThroughputExceededException   Code = "ProvisionedThroughputExceededException"
	RequestLimitExceeded                     Code = "RequestLimitExceeded"
	ResourceInUseException                   Code = "ResourceInUseException"
	ResourceNotFoundException                Code = "ResourceNotFoundException"
	SerializationException                   Code = "SerializationException"
	ThrottlingException                      Code = "ThrottlingException"
	TransactionCanceledException             Code = "TransactionCanceledException"
	TransactionConflictException             Code = "TransactionConflictException"
	TransactionInProgressException           Code = "TransactionInProgressException"
	UnknownOperationException                Code = "UnknownOperationException"
	UnrecognizedClientException              Code = "UnrecognizedClientException"
	ValidationException                      Code = "ValidationException"
	TableNotFoundException                   Code = "TableNotFoundException"
	TableInUseException                      Code = "TableInUseException"
	TableAlreadyExistsException              Code = "TableAlreadyExistsException"
	ReplicatedWriteConflictException         Code = "ReplicatedWriteConflictException"
	DuplicateItemException                   Code = "DuplicateItemException"
	ExpiredTokenException                    Code = "ExpiredTokenException"
	PolicyNotFoundException                  Code = "PolicyNotFoundException"
	ExpiredIteratorException                 Code = "ExpiredIteratorException"
	TrimmedDataAccessException               Code = "TrimmedDataAccessException"
	PointInTimeRecoveryUnavailableException  Code = "PointInTimeRecoveryUnavailableException"
	ContinuousBackupsUnavailableException    Code = "ContinuousBackupsUnavailableException"
	GlobalTableNotFoundException             Code = "GlobalTableNotFoundException"
	IndexNotFoundException                   Code = "IndexNotFoundException"
	InvalidEndpointException                 Code = "InvalidEndpointException"
	RequestEntityTooLarge                    Code = "RequestEntityTooLarge"
	BackupNotFoundException                  Code = "BackupNotFoundException"
	BackupInUseException                     Code = "BackupInUseException"
	InvalidRestoreTimeException              Code = "InvalidRestoreTimeException"
	ExportNotFoundException                  Code = "ExportNotFoundException"
	ExportConflictException                  Code = "ExportConflictException"
	InvalidExportTimeException               Code = "InvalidExportTimeException"
	ImportNotFoundException                  Code = "ImportNotFoundException"
	ImportConflictException                  Code = "ImportConflictException"
)

// namespaces used in DynamoDB's "__type" field.
const (
	nsDynamoDB = "com.amazonaws.dynamodb.v20120810#"
	nsCoral    = "com.amazon.coral.service#"
	nsValidate = "com.amazon.coral.validate#"
)

// Namespace returns the prefix DynamoDB puts before the code in "__type".
// The request-level errors (authentication, serialization, unknown
// operation) come from Amazon's Coral framework rather than DynamoDB itself,
// and the SDKs match on the suffix only, but tools that log the envelope
// show the full name, so it is kept exact.
func (c Code) Namespace() string {
	switch c {
	case ValidationException:
		return nsValidate
	case SerializationException, UnknownOperationException,
		MissingAuthenticationTokenException, IncompleteSignatureException,
		InvalidSignatureException, UnrecognizedClientException,
		ExpiredTokenException, AccessDeniedException, RequestEntityTooLarge:
		return nsCoral
	}
	return nsDynamoDB
}

// Status returns the HTTP status DynamoDB answers with for the code: 500 for
// server faults, 413 for an oversized request, 400 for everything else.
func (c Code) Status() int {
	switch c {
	case InternalServerError:
		return http.StatusInternalServerError
	case RequestEntityTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// Error is a DynamoDB error: a Code and DynamoDB's message for it. Some
// errors carry more: the item that failed a condition
// (ReturnValuesOnConditionCheckFailure) or a transaction's cancellation
// reasons. Those are filled by the engine and encoded by the wire layer.
type Error struct {
	Code    Code
	Message string

	// Item is the existing item returned with a ConditionalCheckFailedException
	// when ReturnValuesOnConditionCheckFailure is ALL_OLD. It is an
	// attr.Item, typed as any to keep this package free of the data model.
	Item any

	// CancellationReasons are a TransactionCanceledException's reasons, in
	// request order; the wire layer encodes them as DynamoDB does.
	CancellationReasons any

	// ThrottlingReasons say which table or index refused a
	// ProvisionedThroughputExceededException and why (DynamoDB added them
	// in 2025: an []api.ThrottlingReason of reason and resource ARN),
	// typed as any like Item.
	ThrottlingReasons any
}

// Error returns "Code: message".
func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return string(e.Code) + ": " + e.Message
}

// Is makes errors.Is(err, code) true for an Error carrying that code.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// New returns an Error of the given code with a fixed message.
func New(code Code, msg string) *Error { return &Error{Code: code, Message: msg} }

// Newf returns an Error of the given code with a formatted message.
func Newf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Validation returns a ValidationException with the given message, the most
// common error of all.
func Validation(msg string) *Error { return New(ValidationException, msg) }

// Validationf returns a ValidationException with a formatted message.
func Validationf(format string, args ...any) *Error {
	return Newf(ValidationException, format, args...)
}

// As returns the *Error in err's chain, or nil when err is not a DynamoDB
// error (the wire layer then answers InternalServerError).
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
