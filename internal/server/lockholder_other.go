//go:build !unix

package server

import "errors"

// ErrDataDirLocked is wrapped by the error of opening a data directory
// that another process holds open (named on Unix only: lockholder.go).
var ErrDataDirLocked = errors.New("the data directory is in use")

// ExplainLocked returns err unchanged: naming the lock's holder needs
// F_GETLK.
func ExplainLocked(dir string, err error) error { return err }
