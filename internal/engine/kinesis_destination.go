package engine

// Kinesis streaming destinations: EnableKinesisStreamingDestination,
// DisableKinesisStreamingDestination, UpdateKinesisStreamingDestination
// and DescribeKinesisStreamingDestination. A table with an ACTIVE
// destination has every item change (new and old images) delivered to a
// Kinesis data stream in Kinesis Data Streams for DynamoDB's record format
// by the leased kinesis job (kinesis_deliver.go), through Options.Kinesis
// (`dynago --kinesis-endpoint`: kinesalite, LocalStack or AWS).
//
// DynamoDB's behaviour, as its API reference says and probing it shows:
//   - Enable answers ENABLING (echoing EnableKinesisStreamingConfiguration,
//     {} when absent) and never checks the stream itself: the entry turns
//     ACTIVE seconds later, or ENABLE_FAILED with a
//     DestinationStatusDescription when the stream cannot be used. Here the
//     kinesis job checks the stream at once through Options.Kinesis; with
//     no Kinesis endpoint configured every entry fails, as DynamoDB's
//     entry for a stream it cannot use does.
//   - A table has at most one live entry (ENABLING, ACTIVE, UPDATING,
//     DISABLING); any number of DISABLED and ENABLE_FAILED ones stay
//     listed, newest first; enabling a stream with such an entry reuses it.
//   - Disable and Update need the stream's entry ACTIVE; Update needs a
//     configuration and a precision other than the current one.
//   - Every refusal of an entry's state is ValidationException, never
//     ResourceNotFoundException (which is for a missing table).
//
// DISABLING and UPDATING last Transient.TableUpdate with
// -delayTransientStatuses, and not at all otherwise (DynamoDB: seconds,
// and 2 minutes for a precision update).

import (
	"context"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// KinesisSink is where Kinesis streaming destinations deliver: a Kinesis
// Data Streams API (internal/kinesisout).
type KinesisSink interface {
	// CheckStream reports whether the stream named by its ARN exists and
	// can be written to.
	CheckStream(ctx context.Context, streamArn string) error
	// PutRecords writes recs to the stream in order and returns how many
	// leading records were written (all of them when err is nil).
	PutRecords(ctx context.Context, streamArn string, recs []KinesisRecord) (int, error)
}

// KinesisRecord is one record for a Kinesis stream.
type KinesisRecord struct {
	PartitionKey string
	Data         []byte
}

// Destination states as stored; DISABLING and UPDATING are derived from
// the time of the change (destinationStatus).
const (
	kinesisEnabling = api.DestinationStatusEnabling
	kinesisActive   = api.DestinationStatusActive
	kinesisDisabled = api.DestinationStatusDisabled
	kinesisFailed   = api.DestinationStatusEnableFailed
)

// kinesisDestination is one entry of a table's Kinesis streaming
// destinations.
type kinesisDestination struct {
	StreamArn string `json:"arn"`
	State     string `json:"state"` // ENABLING, ACTIVE, DISABLED or ENABLE_FAILED
	// Precision is ApproximateCreationDateTimePrecision as last set;
	// "" (DynamoDB shows none) means MILLISECOND.
	Precision   string `json:"precision,omitempty"`
	Description string `json:"description,omitempty"` // why it failed
	// ChangedAt is when the entry's state last changed, PrecisionAt when
	// an Update last set its precision (Unix nanoseconds, Options.Now).
	ChangedAt   int64 `json:"changedAt"`
	PrecisionAt int64 `json:"precisionAt,omitempty"`
	// Starts are, once ACTIVE, the Seq each change log of the table had
	// reached when delivery began: records after them are delivered.
	Starts []kv.Seq `json:"starts,omitempty"`
}

// maxKinesisEntries bounds the DISABLED and ENABLE_FAILED entries a table
// keeps listed (DynamoDB drops them after a while).
const maxKinesisEntries = 16

// live reports whether the entry counts against the table's one live
// destination.
func (d *kinesisDestination) live() bool {
	return d.State == kinesisEnabling || d.State == kinesisActive
}

// status is the DestinationStatus the entry shows at now.
func (d *kinesisDestination) status(now time.Time, delay time.Duration) string {
	switch {
	case d.State == kinesisDisabled && now.Before(time.Unix(0, d.ChangedAt).Add(delay)):
		return api.DestinationStatusDisabling
	case d.State == kinesisActive && d.PrecisionAt != 0 && now.Before(time.Unix(0, d.PrecisionAt).Add(delay)):
		return api.DestinationStatusUpdating
	}
	return d.State
}

// kinesisLive reports whether rec has a destination being enabled or
// delivered to: its writes must be logged with both images.
func (rec *tableRecord) kinesisLive() bool {
	for i := range rec.Kinesis {
		if rec.Kinesis[i].live() {
			return true
		}
	}
	return false
}

// kinesisEntry returns rec's entry for arn, or nil.
func (rec *tableRecord) kinesisEntry(arn string) *kinesisDestination {
	for i := range rec.Kinesis {
		if rec.Kinesis[i].StreamArn == arn {
			return &rec.Kinesis[i]
		}
	}
	return nil
}

const kinesisStateInvalid = "Table is not in a valid state to enable Kinesis Streaming Destination: "

// kinesisTable resolves a destination request's table: a table that does
// not exist, or is not ACTIVE yet, is not found.
func (db *DB) kinesisTable(tableName *string) (*catalogEntry, error) {
	name := api.Str(tableName)
	e := db.lookup(name)
	if e == nil || e.rec.Loading != nil || db.transientStatus(e) == api.TableStatusCreating {
		return nil, errTableNotFound(name)
	}
	return e, nil
}

func (db *DB) enableKinesisStreamingDestination(ctx context.Context, in *api.KinesisStreamingDestinationInput) (*api.KinesisStreamingDestinationOutput, error) {
	e, err := db.kinesisTable(in.TableName)
	if err != nil {
		return nil, err
	}
	arn := api.Str(in.StreamArn)
	precision := ""
	if c := in.EnableKinesisStreamingConfiguration; c != nil {
		precision = api.Str(c.ApproximateCreationDateTimePrecision)
	}
	now := db.opts.Now()
	_, err = db.updateRecord(ctx, e, errTableNotFound(e.table.Name), func(rec *tableRecord) error {
		if rec.kinesisLive() {
			return apierr.Validation(kinesisStateInvalid + "EnableKinesisStreamingDestination must be DISABLED or ENABLE_FAILED to perform ENABLE operation.")
		}
		d := kinesisDestination{StreamArn: arn, State: kinesisEnabling, Precision: precision, ChangedAt: now.UnixNano()}
		kept := []kinesisDestination{d} // newest first
		for _, old := range rec.Kinesis {
			if old.StreamArn != arn && len(kept) < maxKinesisEntries {
				kept = append(kept, old)
			}
		}
		rec.Kinesis = kept
		refreshChangeLog(rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	db.wakeKinesis()
	cfg := in.EnableKinesisStreamingConfiguration
	if cfg == nil {
		cfg = &api.EnableKinesisStreamingConfiguration{}
	}
	return &api.KinesisStreamingDestinationOutput{
		TableName: api.Ptr(e.table.Name), StreamArn: api.Ptr(arn),
		DestinationStatus:                   api.Ptr(api.DestinationStatusEnabling),
		EnableKinesisStreamingConfiguration: cfg,
	}, nil
}

func (db *DB) disableKinesisStreamingDestination(ctx context.Context, in *api.KinesisStreamingDestinationInput) (*api.KinesisStreamingDestinationOutput, error) {
	e, err := db.kinesisTable(in.TableName)
	if err != nil {
		return nil, err
	}
	arn := api.Str(in.StreamArn)
	now, delay := db.opts.Now(), db.insightsDelay()
	_, err = db.updateRecord(ctx, e, errTableNotFound(e.table.Name), func(rec *tableRecord) error {
		d := rec.kinesisEntry(arn)
		if d == nil || d.status(now, delay) != api.DestinationStatusActive {
			return apierr.Validation(kinesisStateInvalid + "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation.")
		}
		d.State, d.ChangedAt, d.Starts = kinesisDisabled, now.UnixNano(), nil
		refreshChangeLog(rec)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.KinesisStreamingDestinationOutput{
		TableName: api.Ptr(e.table.Name), StreamArn: api.Ptr(arn),
		DestinationStatus:                   api.Ptr(api.DestinationStatusDisabling),
		EnableKinesisStreamingConfiguration: in.EnableKinesisStreamingConfiguration,
	}, nil
}

func (db *DB) updateKinesisStreamingDestination(ctx context.Context, in *api.UpdateKinesisStreamingDestinationInput) (*api.UpdateKinesisStreamingDestinationOutput, error) {
	e, err := db.kinesisTable(in.TableName)
	if err != nil {
		return nil, err
	}
	arn := api.Str(in.StreamArn)
	precision := ""
	if c := in.UpdateKinesisStreamingConfiguration; c != nil {
		precision = api.Str(c.ApproximateCreationDateTimePrecision)
	}
	now, delay := db.opts.Now(), db.insightsDelay()
	_, err = db.updateRecord(ctx, e, errTableNotFound(e.table.Name), func(rec *tableRecord) error {
		d := rec.kinesisEntry(arn)
		if d == nil || d.status(now, delay) != api.DestinationStatusActive {
			return apierr.Validationf(kinesisStateInvalid+"Kinesis streaming is not in ACTIVE state. Updates are only allowed in ACTIVE state. TableName: %s", e.table.Name)
		}
		if precision == "" {
			return apierr.Validation("Streaming destination cannot be updated with given parameters: UpdateKinesisStreamingConfiguration cannot be null or contain only null values")
		}
		if cur := d.Precision; precision == cur || (cur == "" && precision == api.ApproximateCreationDateTimePrecisionMillisecond) {
			return apierr.Validationf("Invalid Request: Precision is already set to the desired value of %s for tableId: %s, kdsArn: %s", precision, api.Str(rec.Desc.TableId), arn)
		}
		d.Precision, d.PrecisionAt = precision, now.UnixNano()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdateKinesisStreamingDestinationOutput{
		TableName: api.Ptr(e.table.Name), StreamArn: api.Ptr(arn),
		DestinationStatus:                   api.Ptr(api.DestinationStatusUpdating),
		UpdateKinesisStreamingConfiguration: in.UpdateKinesisStreamingConfiguration,
	}, nil
}

func (db *DB) describeKinesisStreamingDestination(ctx context.Context, in *api.DescribeKinesisStreamingDestinationInput) (*api.DescribeKinesisStreamingDestinationOutput, error) {
	e, err := db.kinesisTable(in.TableName)
	if err != nil {
		return nil, err
	}
	now, delay := db.opts.Now(), db.insightsDelay()
	out := &api.DescribeKinesisStreamingDestinationOutput{
		TableName:                     api.Ptr(e.table.Name),
		KinesisDataStreamDestinations: []api.KinesisDataStreamDestination{},
	}
	for _, d := range e.rec.Kinesis {
		k := api.KinesisDataStreamDestination{StreamArn: api.Ptr(d.StreamArn), DestinationStatus: api.Ptr(d.status(now, delay))}
		if d.Precision != "" {
			k.ApproximateCreationDateTimePrecision = api.Ptr(d.Precision)
		}
		if d.Description != "" {
			k.DestinationStatusDescription = api.Ptr(d.Description)
		}
		out.KinesisDataStreamDestinations = append(out.KinesisDataStreamDestinations, k)
	}
	return out, nil
}
