package expr

// This file holds the placeholder bodies of the package's API so that the
// engine and the wire layer build while the parser is written. The expr
// owner replaces each declaration with its real implementation (in files of
// its own) and deletes this file when it is empty.

import (
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/attr"
)

// Condition is a parsed condition or filter expression.
type Condition struct{}

// Eval reports whether item satisfies the condition. A nil item is an item
// that does not exist.
func (c *Condition) Eval(item attr.Item) (bool, error) {
	return false, apierr.New(apierr.InternalServerError, "expr: not implemented")
}

// Projection is a parsed projection expression (or AttributesToGet).
type Projection struct{}

// Apply returns the projected copy of item.
func (p *Projection) Apply(item attr.Item) attr.Item { return item }

// Update is a parsed update expression (or AttributeUpdates).
type Update struct{}

// Apply returns the item that results from applying the update to item
// (nil when the item does not exist yet). key holds the key attributes the
// new item must carry. item is not modified.
func (u *Update) Apply(item attr.Item, key attr.Item) (attr.Item, error) {
	return nil, apierr.New(apierr.InternalServerError, "expr: not implemented")
}

// Paths returns a projection of the paths the update changes, which gives
// UPDATED_OLD and UPDATED_NEW when applied to the old and new items.
func (u *Update) Paths() *Projection { return &Projection{} }

// Compile parses and checks every expression of one request.
func Compile(req *Request, keys KeySchema) (*Compiled, error) {
	return &Compiled{}, nil
}
