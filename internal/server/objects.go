package server

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/dynago/dynago/internal/engine"
	"github.com/dynago/dynago/internal/kinesisout"
	"github.com/dynago/dynago/internal/s3store"
)

// openObjects returns the object store exports and imports use: the one
// the config names, an S3 endpoint, a directory under the data directory
// (so a server with no S3 still exports, in S3's layout, to files that
// `aws s3 sync` can upload), or memory for an in-memory server. On a
// real TiKV cluster the nodes are stateless and should share an S3
// endpoint; without one each node exports to its own directory.
func openObjects(ctx context.Context, cfg Config) (s3store.Store, error) {
	switch {
	case cfg.Objects != nil:
		return cfg.Objects, nil
	case cfg.S3Endpoint != "":
		s, err := s3store.NewS3(ctx, s3store.S3Options{Endpoint: cfg.S3Endpoint, PathStyle: true})
		if err != nil {
			return nil, fmt.Errorf("--s3-endpoint: %w", err)
		}
		return s, nil
	case cfg.InMemory, cfg.TiKV == TiKVMock:
		// The mock cluster is in memory too: its exports go with it.
		return s3store.NewMemory(), nil
	}
	return s3store.NewDir(filepath.Join(cfg.DataDir, "s3"))
}

// openKinesis returns where Kinesis streaming destinations deliver: nil
// without --kinesis-endpoint.
func openKinesis(ctx context.Context, cfg Config) (engine.KinesisSink, error) {
	if cfg.Kinesis != nil || cfg.KinesisEndpoint == "" {
		return cfg.Kinesis, nil
	}
	endpoint := cfg.KinesisEndpoint
	if endpoint == "aws" {
		endpoint = "" // AWS's own, for the stream ARN's region
	}
	s, err := kinesisout.New(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("--kinesis-endpoint: %w", err)
	}
	return s, nil
}
