package main

// The serve flag set, and how a feature adds its flags to it.
//
// Every flag is defined through serveFlags, whose methods read a default
// from a DYNAGO_* environment variable (so a flag beats the environment,
// which beats the built-in default) and collect a malformed variable as an
// error instead of failing half-way. A feature with its own flags (the
// security engineer's security_flags.go, the TiKV backend's tikv_flags.go)
// adds them without editing serve.go, from an init function in its own
// file:
//
//	func init() {
//		registerServeFlags(func(f *serveFlags) func(*server.Config) error {
//			path := f.String("auth-file", "DYNAGO_AUTH_FILE", "", "…")
//			return func(cfg *server.Config) error {
//				cfg.AuthFile = *path
//				return nil
//			}
//		})
//	}
//
// The hook defines its flags; the function it returns runs after parsing,
// in registration order after the built-in flags are applied, and checks
// and applies them to the config.

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/dynago/dynago/internal/server"
)

// A serveFlagHook defines flags on f and returns what applies them to the
// parsed config (nil when there is nothing to apply).
type serveFlagHook func(f *serveFlags) (apply func(cfg *server.Config) error)

// serveFlagHooks are the hooks registerServeFlags added. Written only by
// init functions, before main runs; read-only afterwards.
var serveFlagHooks []serveFlagHook

// registerServeFlags adds a hook to every `dynago serve` flag set. Call it
// from an init function only.
func registerServeFlags(h serveFlagHook) { serveFlagHooks = append(serveFlagHooks, h) }

// serveFlags is the serve flag set with environment-variable defaults.
type serveFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error // malformed environment variables
}

// env returns the environment variable name's value, or def when unset.
func (f *serveFlags) env(name, def string) string {
	if name != "" {
		if v := f.getenv(name); v != "" {
			return v
		}
	}
	return def
}

// withEnv appends "(env NAME)" to a flag's usage when it has a variable.
func withEnv(text, envName string) string {
	if envName == "" {
		return text
	}
	return text + " (env " + envName + ")"
}

// StringVar defines a string flag whose default is envName's value or def.
func (f *serveFlags) StringVar(p *string, name, envName, def, text string) {
	f.fs.StringVar(p, name, f.env(envName, def), withEnv(text, envName))
}

// String is StringVar returning a new variable.
func (f *serveFlags) String(name, envName, def, text string) *string {
	p := new(string)
	f.StringVar(p, name, envName, def, text)
	return p
}

// BoolVar defines a boolean flag whose default is envName's value or def.
func (f *serveFlags) BoolVar(p *bool, name, envName string, def bool, text string) {
	if v := f.env(envName, ""); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s: %q is not a boolean", envName, v))
		} else {
			def = b
		}
	}
	f.fs.BoolVar(p, name, def, withEnv(text, envName))
}

// Bool is BoolVar returning a new variable.
func (f *serveFlags) Bool(name, envName string, def bool, text string) *bool {
	p := new(bool)
	f.BoolVar(p, name, envName, def, text)
	return p
}

// IntVar defines an integer flag whose default is envName's value or def.
func (f *serveFlags) IntVar(p *int, name, envName string, def int, what, text string) {
	if v := f.env(envName, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s: %q is not %s", envName, v, what))
		} else {
			def = n
		}
	}
	f.fs.IntVar(p, name, def, withEnv(text, envName))
}

// Int is IntVar returning a new variable.
func (f *serveFlags) Int(name, envName string, def int, what, text string) *int {
	p := new(int)
	f.IntVar(p, name, envName, def, what, text)
	return p
}

// DurationVar defines a duration flag whose default is envName's value or
// def.
func (f *serveFlags) DurationVar(p *time.Duration, name, envName string, def time.Duration, text string) {
	if v := f.env(envName, ""); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			f.errs = append(f.errs, fmt.Errorf("%s: %q is not a positive duration such as 10s", envName, v))
		} else {
			def = d
		}
	}
	f.fs.DurationVar(p, name, def, withEnv(text, envName))
}

// envErr is the first malformed environment variable, or nil.
func (f *serveFlags) envErr() error { return errors.Join(f.errs...) }
