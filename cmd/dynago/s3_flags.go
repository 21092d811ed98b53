package main

import (
	"fmt"
	"net/url"

	"github.com/dynago/dynago/internal/server"
)

// The object store of ExportTableToPointInTime and ImportTable.
func init() {
	registerServeFlags(func(f *serveFlags) func(*server.Config) error {
		endpoint := f.String("s3-endpoint", "DYNAGO_S3_ENDPOINT", "",
			"S3-compatible endpoint URL that exports are written to and imports read from (path-style; credentials and region from the standard AWS chain); without it, <data-dir>/s3/<bucket>/…, or memory with --in-memory")
		return func(cfg *server.Config) error {
			if *endpoint == "" {
				return nil
			}
			u, err := url.Parse(*endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("--s3-endpoint %q: want an http:// or https:// URL", *endpoint)
			}
			cfg.S3Endpoint = *endpoint
			return nil
		}
	})
}
