package server

// The auth file in force (Config.AuthFile, `--auth`): loaded at start,
// where a file that does not load refuses to start; reloaded by
// ReloadAuth (dynago serve calls it on SIGHUP), where it keeps the old
// file in force. The whole *auth.Config is swapped atomically, so a
// request verifies against one file from start to end and connections are
// never dropped.

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/dynago/dynago/internal/auth"
	"github.com/dynago/dynago/internal/wire"
)

// authState is a server's verification state.
type authState struct {
	path     string
	current  atomic.Pointer[auth.Config]
	verifier *auth.Verifier
}

// newAuthState loads path; its error is auth.Load's (file:line:column:
// reason).
func newAuthState(path string) (*authState, error) {
	cfg, err := auth.Load(path)
	if err != nil {
		return nil, err
	}
	a := &authState{path: path, verifier: auth.NewVerifier(auth.VerifierOptions{})}
	a.current.Store(cfg)
	return a, nil
}

// authenticator is the wire layer's Authenticate over the file in force,
// or nil (any credentials) when a is nil.
func (a *authState) authenticator() wire.Authenticator {
	if a == nil {
		return nil
	}
	return func(r auth.SignedRequest, now time.Time) (auth.Identity, error) {
		return a.verifier.Verify(a.current.Load(), &r, now)
	}
}

// errNoAuthFile is ReloadAuth's answer on a server started without one.
var errNoAuthFile = errors.New("no auth file to reload: the server was started without --auth")

// ReloadAuth loads the auth file again and puts it in force. When the
// file does not load, the error says where and why and the old file
// stays in force. Requests in flight finish with the file they started
// with.
func (s *Server) ReloadAuth() error {
	if s.authn == nil {
		return errNoAuthFile
	}
	cfg, err := auth.Load(s.authn.path)
	if err != nil {
		return err
	}
	s.authn.current.Store(cfg)
	return nil
}

// AuthConfig is the auth file in force, or nil without one.
func (s *Server) AuthConfig() *auth.Config {
	if s.authn == nil {
		return nil
	}
	return s.authn.current.Load()
}
