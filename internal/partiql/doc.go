// Package partiql is the front end of DynamoDB's PartiQL: statement text
// in, syntax tree or DynamoDB's ValidationException out. It knows no tables
// and runs nothing; the planner lowers the tree to the engine's operations
// and to internal/expr's expressions. docs/partiql.md describes the dialect
// and what DynamoDB does with each statement.
//
// DynamoDB parses with PartiQL's reference parser (partiql-lang-kotlin) and
// then refuses what it does not support. This package follows the reference
// lexer and grammar closely, because DynamoDB's syntax-error messages are
// that parser's ("Statement wasn't well formed, can't be processed:
// Unexpected term"), and it refuses the constructs that need no table to
// refuse (aliases, joins, SELECT VALUE, RETURNING on INSERT, ...) with
// DynamoDB's messages. The planner does the rest: key conditions, which
// functions are allowed where, literal values (numbers, sets, maps) and
// parameters, each with the messages docs/partiql.md lists.
//
// Use:
//
//	s, err := partiql.Parse(text) // err is a *partiql.Error
//	switch s := s.(type) {
//	case *partiql.Select: ... s.From, s.Where, s.OrderBy
//	case *partiql.Update: ... s.Actions, s.Where, s.Returning
//	}
//	partiql.TableOf(s)   // the table (and index) named
//	partiql.NumParams(s) // how many '?' the request must bind
//	partiql.Walk(s, fn)  // every node, in source order
//
// Every node carries a Pos (line:column:length of its principal token), the
// form DynamoDB's messages quote ("Unrecognized function: exists at
// 1:48:6"). Format prints a tree as canonical PartiQL that parses back to
// the same tree; Dump prints its structure for tests.
//
// Files by concern:
//
//	token.go        token kinds, the keyword and multi-word tables
//	lexer.go        the lexer
//	ast.go          statements; ast_expr.go expressions
//	parser.go       Parse, the parser's state and error handling
//	parse_expr.go   expressions: operators, terms, paths, calls, IS types
//	parse_stmt.go   SELECT, INSERT, UPDATE (both forms), DELETE, RETURNING
//	errors.go       Error and DynamoDB's messages
//	walk.go         Walk and the planner's helpers
//	print.go        Format; dump.go Dump
package partiql
