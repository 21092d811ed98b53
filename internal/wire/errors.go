package wire

import (
	"github.com/dynago/dynago/internal/apierr"
)

// internalErrorMessage is DynamoDB's message for a server fault.
const internalErrorMessage = "Internal server error"

// envelope is DynamoDB's error body. Most errors carry "message", but a few
// carry "Message" (the deserializer's SerializationException and
// TransactionCanceledException), and the SDKs read whichever is present,
// so each is kept as DynamoDB sends it. Errors raised before a request is
// understood (malformed JSON, unknown operation) carry no message at all.
type envelope struct {
	Type                string `json:"__type"`
	Message             string `json:"message,omitempty"`
	MessageUpper        string `json:"Message,omitempty"`
	Item                any    `json:"Item,omitempty"`
	CancellationReasons any    `json:"CancellationReasons,omitempty"`
	ThrottlingReasons   any    `json:"ThrottlingReasons,omitempty"`
}

// errorBody returns the status and body DynamoDB answers err with. An error
// that is not a DynamoDB error is a server fault; the caller logs it.
func errorBody(err error) (int, []byte) {
	e := apierr.As(err)
	if e == nil {
		e = apierr.New(apierr.InternalServerError, internalErrorMessage)
	}
	env := envelope{Type: e.Code.Namespace() + string(e.Code)}
	switch e.Code {
	case apierr.SerializationException, apierr.TransactionCanceledException:
		env.MessageUpper = e.Message
	case apierr.InternalServerError:
		// DynamoDB says no more about a server fault; what Dynago knows
		// of it (an internal name, a Go error) goes to the log only.
		env.Message = internalErrorMessage
	default:
		env.Message = e.Message
	}
	if e.Item != nil {
		env.Item = e.Item
	}
	if e.CancellationReasons != nil {
		env.CancellationReasons = e.CancellationReasons
	}
	if e.ThrottlingReasons != nil {
		env.ThrottlingReasons = e.ThrottlingReasons
	}
	body, merr := marshalJSON(env)
	if merr != nil {
		// Only an unencodable Item could get here; drop the extras.
		body, _ = marshalJSON(envelope{Type: env.Type, Message: env.Message, MessageUpper: env.MessageUpper})
	}
	return e.Code.Status(), body
}
