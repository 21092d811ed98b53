// Package kinesisout delivers Kinesis streaming destinations' records
// (engine.KinesisSink) to a Kinesis Data Streams API endpoint through
// aws-sdk-go-v2's kinesis client: AWS itself, or a local server such as
// kinesalite or LocalStack (`dynago --kinesis-endpoint URL`).
package kinesisout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/dynago/dynago/internal/engine"
)

// Sink is an engine.KinesisSink over one endpoint. A stream ARN's region
// picks the client's region (one client per region, made on first use);
// credentials come from the standard AWS chain.
type Sink struct {
	endpoint string
	cfg      aws.Config

	mu      sync.Mutex
	clients map[string]*kinesis.Client
}

// New returns a Sink for endpoint ("" is AWS's own Kinesis).
func New(ctx context.Context, endpoint string) (*Sink, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("kinesisout: AWS configuration: %w", err)
	}
	return &Sink{endpoint: endpoint, cfg: cfg, clients: map[string]*kinesis.Client{}}, nil
}

func (s *Sink) String() string {
	if s.endpoint == "" {
		return "kinesis (aws)"
	}
	return "kinesis " + s.endpoint
}

// streamARN is a parsed arn:<partition>:kinesis:<region>:<account>:stream/<name>.
type streamARN struct{ region, name string }

// parseStreamARN splits a Kinesis stream ARN; anything else is an error.
func parseStreamARN(arn string) (streamARN, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kinesis" || parts[3] == "" || !strings.HasPrefix(parts[5], "stream/") || len(parts[5]) == len("stream/") {
		return streamARN{}, fmt.Errorf("not a Kinesis stream ARN: %s", arn)
	}
	return streamARN{region: parts[3], name: strings.TrimPrefix(parts[5], "stream/")}, nil
}

func (s *Sink) client(region string) *kinesis.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.clients[region]
	if c == nil {
		c = kinesis.NewFromConfig(s.cfg, func(o *kinesis.Options) {
			o.Region = region
			if s.endpoint != "" {
				o.BaseEndpoint = aws.String(s.endpoint)
			}
		})
		s.clients[region] = c
	}
	return c
}

// CheckStream reports whether the stream exists and is ACTIVE or
// UPDATING (writable). Streams are named by StreamName, which every
// Kinesis-compatible server accepts (not all know StreamARN).
func (s *Sink) CheckStream(ctx context.Context, arn string) error {
	a, err := parseStreamARN(arn)
	if err != nil {
		return err
	}
	out, err := s.client(a.region).DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(a.name)})
	if err != nil {
		return err
	}
	switch st := out.StreamDescriptionSummary.StreamStatus; st {
	case types.StreamStatusActive, types.StreamStatusUpdating:
		return nil
	default:
		return fmt.Errorf("stream %s is %s", a.name, st)
	}
}

// maxPutRecords is the most records one PutRecords call takes.
const maxPutRecords = 500

// PutRecords writes recs in order. Kinesis may refuse some records of a
// call (FailedRecordCount); PutRecords then reports how many leading
// records were written, so the caller resends from the first refused one
// and no item's records are reordered (a record after it may be sent
// twice: delivery is at least once, as DynamoDB's).
func (s *Sink) PutRecords(ctx context.Context, arn string, recs []engine.KinesisRecord) (int, error) {
	a, err := parseStreamARN(arn)
	if err != nil {
		return 0, err
	}
	c := s.client(a.region)
	done := 0
	for done < len(recs) {
		batch := recs[done:min(len(recs), done+maxPutRecords)]
		in := &kinesis.PutRecordsInput{StreamName: aws.String(a.name), Records: make([]types.PutRecordsRequestEntry, len(batch))}
		for i, r := range batch {
			in.Records[i] = types.PutRecordsRequestEntry{Data: r.Data, PartitionKey: aws.String(r.PartitionKey)}
		}
		out, err := c.PutRecords(ctx, in)
		if err != nil {
			return done, err
		}
		for i, r := range out.Records {
			if r.ErrorCode != nil {
				return done + i, errors.New(aws.ToString(r.ErrorCode) + ": " + aws.ToString(r.ErrorMessage))
			}
		}
		done += len(batch)
	}
	return done, nil
}
