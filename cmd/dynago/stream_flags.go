package main

// Flags for DynamoDB Streams' timing, for tests and local development:
// how long records are kept and how often shards roll over.

import (
	"fmt"
	"net/url"
	"time"

	"github.com/dynago/dynago/internal/server"
)

// The engine's defaults (DynamoDB's figures).
const (
	defaultStreamRetention = 24 * time.Hour
	defaultStreamRollover  = 4 * time.Hour
)

func init() {
	registerServeFlags(func(f *serveFlags) func(*server.Config) error {
		var retention, rollover time.Duration
		f.DurationVar(&retention, "stream-retention", "DYNAGO_STREAM_RETENTION", defaultStreamRetention,
			"how long stream records are kept before they are trimmed (DynamoDB: 24h)")
		f.DurationVar(&rollover, "stream-rollover", "DYNAGO_STREAM_ROLLOVER", defaultStreamRollover,
			"how often a stream's open shards close and child shards continue them (DynamoDB: about 4h); 0 never")
		var readers int
		f.IntVar(&readers, "stream-shard-readers", "DYNAGO_STREAM_SHARD_READERS", 0, "a number of readers",
			"how many readers may read one stream shard at the same time before GetRecords answers LimitExceededException (DynamoDB throttles more than 2); 0 no limit")
		webhook := f.String("stream-webhook", "DYNAGO_STREAM_WEBHOOK", "",
			"an http(s) URL that gets every enabled stream's records POSTed as Lambda's DynamoDB events, for running functions locally without a poller")
		return func(cfg *server.Config) error {
			if *webhook != "" {
				u, err := url.Parse(*webhook)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return fmt.Errorf("-stream-webhook %q: want an http:// or https:// URL", *webhook)
				}
				cfg.StreamWebhook = *webhook
			}
			if readers < 0 {
				return fmt.Errorf("-stream-shard-readers %d: want 0 (no limit) or a number of readers such as 2", readers)
			}
			cfg.StreamShardReaders = readers
			if retention <= 0 {
				return fmt.Errorf("-stream-retention %s: want a positive duration such as 24h", retention)
			}
			if rollover < 0 {
				return fmt.Errorf("-stream-rollover %s: want a duration such as 4h, or 0 for never", rollover)
			}
			// The defaults are the engine's: the config keeps zero for them.
			if retention != defaultStreamRetention {
				cfg.StreamRetention = retention
			}
			switch rollover {
			case defaultStreamRollover:
			case 0:
				cfg.StreamRollover = -1 // the engine's never
			default:
				cfg.StreamRollover = rollover
			}
			return nil
		}
	})
}
