//go:build !unix

package wire

import "syscall"

// peerGone cannot tell on this platform: requests run to completion.
func peerGone(syscall.RawConn) bool { return false }
