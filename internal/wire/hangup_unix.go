//go:build unix

package wire

import (
	"errors"
	"syscall"
)

// peerGone reports whether the peer of raw closed or reset the connection:
// a non-blocking peek that reads nothing off it, so bytes the client sent
// ahead (its next request) stay for the HTTP server.
func peerGone(raw syscall.RawConn) bool {
	gone := false
	var buf [1]byte
	_ = raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == nil:
			gone = n == 0 // an orderly close; n > 0 is data waiting
		case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		default:
			gone = true // reset, or broken
		}
		return true // never wait for readiness
	})
	return gone
}
