package main

// --kinesis-endpoint: where Kinesis streaming destinations deliver.

import (
	"fmt"
	"net/url"

	"github.com/dynago/dynago/internal/server"
)

func init() {
	registerServeFlags(func(f *serveFlags) func(*server.Config) error {
		endpoint := f.String("kinesis-endpoint", "DYNAGO_KINESIS_ENDPOINT", "",
			"Kinesis Data Streams endpoint URL (kinesalite, LocalStack; aws for AWS's own) that tables' Kinesis streaming destinations deliver to, credentials from the standard AWS chain; without it every EnableKinesisStreamingDestination ends ENABLE_FAILED")
		return func(cfg *server.Config) error {
			if *endpoint == "" || *endpoint == "aws" {
				cfg.KinesisEndpoint = *endpoint
				return nil
			}
			u, err := url.Parse(*endpoint)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("-kinesis-endpoint %q: want an http:// or https:// URL, or aws", *endpoint)
			}
			cfg.KinesisEndpoint = *endpoint
			return nil
		}
	})
}
