package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// S3 is a Store over an S3 API endpoint, through aws-sdk-go-v2's client.
type S3 struct {
	client   *s3.Client
	endpoint string
}

// S3Options configure NewS3.
type S3Options struct {
	// Endpoint is the base URL of an S3-compatible server
	// ("http://127.0.0.1:5000"); empty means AWS's own S3 for the
	// region.
	Endpoint string
	// Region overrides the region of the standard AWS configuration
	// chain (AWS_REGION, ~/.aws/config); empty keeps it, and us-east-1
	// is used when the chain has none.
	Region string
	// PathStyle addresses buckets as <endpoint>/<bucket>/<key> rather
	// than <bucket>.<host>: what local servers (moto, MinIO, gofakes3)
	// need. NewS3 turns it on whenever Endpoint is set.
	PathStyle bool
	// HTTPClient, when set, carries the requests (tests).
	HTTPClient *http.Client
}

// NewS3 returns an S3 client with credentials and region from the standard
// AWS environment and configuration chain (AWS_ACCESS_KEY_ID,
// AWS_PROFILE, ~/.aws/credentials, ...).
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	opts := []func(*config.LoadOptions) error{}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.HTTPClient != nil {
		opts = append(opts, config.WithHTTPClient(o.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("s3store: AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
			so.UsePathStyle = true
		}
		if o.PathStyle {
			so.UsePathStyle = true
		}
		// Local servers do not all answer the flexible checksums newer
		// SDKs send by default; ask for them only where S3 requires.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	name := o.Endpoint
	if name == "" {
		name = "aws " + cfg.Region
	}
	return &S3{client: client, endpoint: name}, nil
}

func (s *S3) String() string { return "s3 " + s.endpoint }

// Put uploads body in one PutObject.
func (s *S3) Put(ctx context.Context, bucket, key string, body []byte) (string, error) {
	out, err := s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
	})
	if err != nil {
		return "", mapErr(err)
	}
	return strings.Trim(aws.ToString(out.ETag), `"`), nil
}

// Get streams the object.
func (s *S3) Get(ctx context.Context, bucket, key string) (io.ReadCloser, int64, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return nil, 0, mapErr(err)
	}
	return out.Body, aws.ToInt64(out.ContentLength), nil
}

// List pages through ListObjectsV2.
func (s *S3) List(ctx context.Context, bucket, prefix string) ([]Object, error) {
	var out []Object
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(err)
		}
		for _, o := range page.Contents {
			out = append(out, Object{Key: aws.ToString(o.Key), Size: aws.ToInt64(o.Size)})
		}
	}
	return out, nil
}

// mapErr turns S3's missing-bucket and missing-key errors into the
// package's, keeping the rest (wrapped) for the caller to report.
func mapErr(err error) error {
	var nb *types.NoSuchBucket
	var nk *types.NoSuchKey
	switch {
	case errors.As(err, &nb):
		return ErrNoSuchBucket
	case errors.As(err, &nk):
		return ErrNoSuchKey
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchBucket":
			return ErrNoSuchBucket
		case "NoSuchKey", "NotFound":
			return ErrNoSuchKey
		}
	}
	return fmt.Errorf("s3store: %w", err)
}
