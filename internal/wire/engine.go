package wire

import "github.com/dynago/dynago/internal/api"

// Engine is what the wire layer needs from the database: its handler for
// each operation of the registry it serves. *engine.DB implements it; tests
// of this package use a fake, so that they exercise the protocol without
// depending on the engine's behaviour. A handler validates its input: the
// wire layer decodes and leaves every DynamoDB rule to the engine.
type Engine interface {
	// Handler returns the engine's handler for op, or nil when it does not
	// serve op.
	Handler(op api.OpID) api.Handler
}
