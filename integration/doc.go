// Package integration holds Dynago's end-to-end tests in Go: every test
// drives an in-process server (package dynagotest) through aws-sdk-go-v2,
// exactly as a Go application would drive Amazon DynamoDB, and checks the
// answers and error messages against DynamoDB's documented behaviour.
//
// The package has no code of its own; run it with
//
//	go test ./integration/
package integration
