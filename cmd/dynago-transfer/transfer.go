package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/internal/attr"
	"github.com/dynago/dynago/internal/dataio"
)

// This file holds what dynago import and dynago export share: their
// common flags, the DynamoDB client, the table's key schema.

// Defaults of the transfer flags.
const (
	defaultImportParallel   = 8                // concurrent BatchWriteItem requests
	defaultExportParallel   = 4                // parallel Scan segments
	defaultProgressInterval = 10 * time.Second // between plain progress lines
	checkpointInterval      = time.Second      // between checkpoint writes
	checkpointSuffix        = ".dynago-checkpoint"
	sdkMaxAttempts          = 10 // per request, the SDK's own retries
)

// Exit codes of import and export, following dynago check: 0 done, 1 done
// but something was left out (bad lines skipped; attributes a CSV export
// had no column for), 2 error, 130 interrupted (resumable).
const (
	exitOK          = 0
	exitIncomplete  = 1
	exitError       = 2
	exitInterrupted = 130
)

// transferFlags are the flags of import and export.
type transferFlags struct {
	endpoint, region, profile string
	table                     string
	file                      string
	format, compression       string
	parallel                  int
	checkpoint                string
	restart                   bool
	progress                  string
	progressInterval          time.Duration
	delimiter                 string

	// import
	header string
	schema string
	infer  bool

	// export
	columns string

	// dummyCredentials is set by newClient when it signs with dummy
	// credentials (a local endpoint, none in the chain).
	dummyCredentials bool
}

// newTransferFlagSet declares the shared flags. Each default comes from
// its DYNAGO_* variable when set: a flag beats the environment, which
// beats the default.
func newTransferFlagSet(name string, f *transferFlags, getenv func(string) string, stderr io.Writer, parallel int) *flag.FlagSet {
	fs := flag.NewFlagSet("dynago "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.endpoint, "endpoint-url", getenv("DYNAGO_ENDPOINT_URL"), "DynamoDB endpoint, such as http://localhost:8000; empty means the SDK's choice: AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL, else AWS itself (env DYNAGO_ENDPOINT_URL)")
	fs.StringVar(&f.region, "region", getenv("DYNAGO_REGION"), "AWS region; empty means the standard chain (AWS_REGION, the profile), else us-east-1 when --endpoint-url is set (env DYNAGO_REGION)")
	fs.StringVar(&f.profile, "profile", getenv("DYNAGO_PROFILE"), "shared-config profile for credentials and region (env DYNAGO_PROFILE; AWS_PROFILE also works)")
	fs.StringVar(&f.table, "table", "", "table name (required)")
	fs.StringVar(&f.format, "format", "", "csv, jsonl, ddbjson or ion; empty means from the file's extension (.csv .tsv .jsonl .ndjson .json .ion)")
	fs.StringVar(&f.compression, "compression", "", "none, gzip or zstd; empty means from the file's extension (.gz .zst)")
	fs.IntVar(&f.parallel, "parallel", parallel, "concurrent requests: BatchWriteItem calls for import, Scan segments for export")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "checkpoint file for resuming; default FILE"+checkpointSuffix+" (none for standard input or output)")
	fs.BoolVar(&f.restart, "restart", false, "ignore an existing checkpoint and start from the beginning")
	fs.StringVar(&f.progress, "progress", "auto", "auto (a bar on a terminal, plain lines otherwise), bar, plain or none")
	fs.DurationVar(&f.progressInterval, "progress-interval", defaultProgressInterval, "time between plain progress lines")
	fs.StringVar(&f.delimiter, "delimiter", "", "CSV delimiter: , ; : | tab or space (default , and tab for .tsv)")
	return fs
}

// parseInterspersed parses flags placed before or after the FILE argument.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// resolve checks the flags and works out the format, compression and
// delimiter, from the file name where the flags leave them out.
func (f *transferFlags) resolve(pos []string) (dataio.Format, dataio.Compression, byte, error) {
	if len(pos) != 1 {
		return 0, 0, 0, fmt.Errorf("want one FILE argument (- for standard input or output), got %d", len(pos))
	}
	f.file = pos[0]
	if f.table == "" {
		return 0, 0, 0, errors.New("--table is required")
	}
	if f.parallel < 1 {
		return 0, 0, 0, fmt.Errorf("--parallel %d: want at least 1", f.parallel)
	}
	switch f.progress {
	case "auto", "bar", "plain", "none":
	default:
		return 0, 0, 0, fmt.Errorf("--progress %q: want auto, bar, plain or none", f.progress)
	}
	if f.progressInterval <= 0 {
		return 0, 0, 0, errors.New("--progress-interval: want a positive duration")
	}
	pf, pc, ok := dataio.FormatFromPath(f.file)
	format := pf
	if f.format != "" {
		var err error
		if format, err = dataio.ParseFormat(f.format); err != nil {
			return 0, 0, 0, err
		}
	} else if f.file == "-" || !ok {
		return 0, 0, 0, fmt.Errorf("cannot tell the format of %q from its name: pass --format csv, jsonl, ddbjson or ion", f.file)
	}
	comp := pc
	if f.compression != "" {
		var err error
		if comp, err = dataio.ParseCompression(f.compression); err != nil {
			return 0, 0, 0, err
		}
	}
	delim := byte(',')
	if strings.HasSuffix(strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(f.file), ".gz"), ".zst"), ".tsv") {
		delim = '\t'
	}
	if f.delimiter != "" {
		switch d := strings.ToLower(f.delimiter); d {
		case ",", ";", ":", "|":
			delim = d[0]
		case "tab", "\t", `\t`:
			delim = '\t'
		case "space", " ":
			delim = ' '
		default:
			return 0, 0, 0, fmt.Errorf("--delimiter %q: ImportTable allows , ; : | tab and space", f.delimiter)
		}
	}
	return format, comp, delim, nil
}

// checkpointPath returns where the checkpoint lives, or "" for none.
func (f *transferFlags) checkpointPath() string {
	if f.checkpoint != "" {
		return f.checkpoint
	}
	if f.file == "-" {
		return ""
	}
	return f.file + checkpointSuffix
}

// newClient builds a DynamoDB client from the standard AWS configuration
// chain (environment, shared config and credentials files, profile, SSO,
// instance roles) with the flags on top. For an endpoint on this machine
// (a local Dynago, which accepts any signature) instance metadata is never
// asked and missing credentials are replaced by dummy ones, so no AWS
// setup is needed to use a local server.
func (f *transferFlags) newClient(ctx context.Context) (*dynamodb.Client, error) {
	endpoint := f.endpoint
	for _, env := range []string{"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"} {
		if endpoint == "" {
			endpoint = os.Getenv(env) // the SDK reads them too; here only to know whether the endpoint is local
		}
	}
	local := isLoopbackURL(endpoint)
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = 2 * f.parallel
	})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		config.WithRetryer(func() aws.Retryer {
			// The bulk path's own loop backs off on throttling too, so the
			// SDK's client-side retry quota, which would fail requests
			// under sustained throttling, is turned off.
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = sdkMaxAttempts
				o.RateLimiter = ratelimit.None
			})
		}),
	}
	if f.region != "" {
		opts = append(opts, config.WithRegion(f.region))
	}
	if f.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(f.profile))
	}
	if local {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		if endpoint == "" {
			return nil, errors.New("no AWS region: pass --region or set AWS_REGION")
		}
		cfg.Region = "us-east-1"
	}
	if local {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			cfg.Credentials = credentials.NewStaticCredentialsProvider("dynago", "dynago", "")
			f.dummyCredentials = true
		}
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if f.endpoint != "" {
			o.BaseEndpoint = aws.String(f.endpoint)
		}
	}), nil
}

// explain adds to a refusal of the dummy credentials what to do about it:
// a local server started with --auth wants a key of its auth file.
func (f *transferFlags) explain(err error) error {
	if f.dummyCredentials && (isCode(err, "UnrecognizedClientException") || isCode(err, "InvalidSignatureException")) {
		return fmt.Errorf("%w (no AWS credentials were found, so dummy ones were sent; a server started with --auth "+
			"needs a key of its auth file: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile)", err)
	}
	return err
}

// isLoopbackURL reports whether an endpoint URL names this machine.
func isLoopbackURL(s string) bool {
	if s == "" {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tableInfo is what import and export need to know of the table.
type tableInfo struct {
	keys      []dataio.KeyAttribute // table and index keys, with types
	tableKeys []string              // the table's HASH then RANGE attribute
	itemCount int64                 // DescribeTable's (approximate) count
}

func describeTable(ctx context.Context, c *dynamodb.Client, table string) (tableInfo, error) {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return tableInfo{}, err
	}
	t := out.Table
	declared := map[string]attr.Type{}
	for _, d := range t.AttributeDefinitions {
		switch d.AttributeType {
		case "S":
			declared[aws.ToString(d.AttributeName)] = attr.TypeS
		case "N":
			declared[aws.ToString(d.AttributeName)] = attr.TypeN
		case "B":
			declared[aws.ToString(d.AttributeName)] = attr.TypeB
		}
	}
	var info tableInfo
	seen := map[string]bool{}
	add := func(ks []types.KeySchemaElement, required bool) {
		for _, k := range ks {
			name := aws.ToString(k.AttributeName)
			if required {
				info.tableKeys = append(info.tableKeys, name)
			}
			if !seen[name] {
				seen[name] = true
				info.keys = append(info.keys, dataio.KeyAttribute{Name: name, Type: declared[name], Required: required})
			}
		}
	}
	add(hashFirst(t.KeySchema), true)
	for _, g := range t.GlobalSecondaryIndexes {
		add(g.KeySchema, false)
	}
	for _, l := range t.LocalSecondaryIndexes {
		add(l.KeySchema, false)
	}
	info.itemCount = aws.ToInt64(t.ItemCount)
	return info, nil
}

// hashFirst orders a key schema HASH, RANGE.
func hashFirst(ks []types.KeySchemaElement) []types.KeySchemaElement {
	out := append([]types.KeySchemaElement(nil), ks...)
	if len(out) == 2 && out[0].KeyType == types.KeyTypeRange {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// readSchema reads a --schema file: a JSON object of column names to
// types (S, N, B, BOOL, JSON).
func readSchema(path string) (map[string]dataio.CSVType, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]string
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("--schema %s: want a JSON object such as {\"price\":\"N\",\"tags\":\"JSON\"}: %v", path, err)
	}
	out := make(map[string]dataio.CSVType, len(raw))
	for col, t := range raw {
		ct, err := dataio.ParseCSVType(t)
		if err != nil {
			return nil, fmt.Errorf("--schema %s: column %q: %w", path, col, err)
		}
		out[col] = ct
	}
	return out, nil
}
