package partiql

import (
	"fmt"

	"github.com/dynago/dynago/internal/apierr"
)

// NotWellFormed is the prefix of every message DynamoDB gives a statement
// its parser cannot read. What follows it is the reference parser's detail
// ("Unexpected term", "Expected RIGHT_PAREN", ...), or nothing at all for a
// statement the lexer cannot tokenize (a '#', an unterminated comment, an
// exponent outside 32 bits), in which case the message ends in ": ".
const NotWellFormed = "Statement wasn't well formed, can't be processed: "

// Pos is where a node's principal token starts in the statement: the
// operator of an operator expression, the name of a call or path, the first
// token of anything else. DynamoDB's translator quotes it in some messages
// as line:column:length ("Unrecognized function: exists at 1:44:6"), which
// String gives.
type Pos struct {
	Offset int // byte offset in the statement
	Line   int // 1-based
	Col    int // 1-based, counted in characters
	Len    int // the token's length in characters, as written
}

// String returns "line:column:length", the form DynamoDB's messages use.
func (p Pos) String() string { return fmt.Sprintf("%d:%d:%d", p.Line, p.Col, p.Len) }

// Error is a statement DynamoDB refuses before it looks at any table. Two
// kinds exist, both ValidationExceptions:
//
//   - a syntax error (Syntax true): Message is NotWellFormed followed by
//     Detail, the reference parser's words;
//   - a construct that parses but that DynamoDB's PartiQL does not support
//     (Syntax false): Message is DynamoDB's sentence for it, such as
//     "Aliasing is not supported", with no prefix.
//
// Pos is where the problem was found; DynamoDB does not quote it in these
// messages, but it helps a person reading logs.
type Error struct {
	Pos     Pos
	Syntax  bool
	Detail  string // the text after NotWellFormed, for a syntax error
	Message string // the whole message DynamoDB answers with
}

// Error returns the message DynamoDB answers with.
func (e *Error) Error() string { return e.Message }

// APIError returns e as the ValidationException DynamoDB answers with.
func (e *Error) APIError() *apierr.Error { return apierr.Validation(e.Message) }

// syntaxError is a statement the parser cannot read.
func syntaxError(pos Pos, detail string) *Error {
	return &Error{Pos: pos, Syntax: true, Detail: detail, Message: NotWellFormed + detail}
}

// unsupported is a statement that parses but that DynamoDB refuses.
func unsupported(pos Pos, msg string) *Error {
	return &Error{Pos: pos, Message: msg}
}

// Messages DynamoDB gives constructs that parse but that it refuses. They
// are DynamoDB's own sentences (from its PartiQL translator, as DynamoDB
// Local ships it, and checked against the service where docs/partiql.md
// says so); the parser reports the first one it meets, and only if the
// whole statement parses, because DynamoDB parses before it translates.
const (
	msgAlias            = "Aliasing is not supported"
	msgInsertAt         = "AT is not supported in insert statements."
	msgInsertReturning  = "RETURNING is not supported in INSERT"
	msgInsertMany       = "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead"
	msgFromWhereInsert  = "Unsupported FROM ... WHERE ... clause in INSERT statement."
	msgUpdateAction     = "Only SET and REMOVE are supported in update expressions at this time"
	msgSelectMultiple   = "Only select from a single table or index is supported."
	msgFromPathLength   = "A path may contain at most 2 components in the FROM clause"
	msgFromDotComponent = "Invalid path dot component in this operation, expecting either an IDENTIFIER or STAR."
	msgFromList         = "Invalid list expression in source."
	msgFromSource       = "Unexpected from source"
	msgDMLFrom          = "FROM clause may only contain a single table name in data manipulation statements"
	msgSelectValue      = "Select projection doesn't support value or pivot keywords"
	msgReturningMany    = "Invalid syntax with multiple returning elements in RETURNING clause"
	msgReturningStar    = "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause"
	msgDeleteReturning  = "Invalid returning clause: RETURNING %s. Only RETURNING ALL OLD * is allowed in DELETE statements."
	msgClause           = "Unsupported clause: %s"
	msgOperation        = "Unsupported operation: %s"
	msgTableName        = "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'."
)
