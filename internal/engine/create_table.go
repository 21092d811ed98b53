package engine

import (
	"context"
	"strings"
	"time"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/apierr"
	"github.com/dynago/dynago/internal/kv"
)

// createTable creates a table. As in DynamoDB, the response reports the
// table CREATING; unlike DynamoDB, the table is usable at once and every
// DescribeTable reports it ACTIVE, so the SDK waiters (boto3's
// wait_until_exists, aws-sdk-go-v2's TableExistsWaiter) pass at their first
// poll.
func (db *DB) createTable(ctx context.Context, in *api.CreateTableInput) (*api.CreateTableOutput, error) {
	name, ok := db.resolveTableName(*in.TableName)
	if !ok {
		return nil, apierr.Validationf("Invalid TableName: %s is not the ARN of a table in this server's region (%s) and account (%s)",
			*in.TableName, db.opts.Region, db.opts.AccountID)
	}
	if name != *in.TableName {
		// The model checked the ARN; the name inside it is checked here.
		if err := validateArnTableName(name); err != nil {
			return nil, err
		}
	}
	if err := validateCreateTable(in); err != nil {
		return nil, err
	}
	if err := validateTags(in.Tags); err != nil {
		return nil, err
	}
	policy, err := db.createTablePolicy(in, name)
	if err != nil {
		return nil, err
	}
	rec := db.newTableRecord(name, in, db.opts.Now())
	rec.Policy = policy

	locks := append([][]byte{[]byte(tableIDKey)}, db.transientLocks(name)...)
	e, err := db.changeCatalog(ctx, name, locks, func(txn kv.Txn, cur *tableRecord) (*tableRecord, error) {
		if cur != nil {
			return nil, apierr.Newf(apierr.ResourceInUseException, "Table already exists: %s", name)
		}
		if err := db.checkNotDeleting(ctx, txn, name); err != nil {
			return nil, err
		}
		id, err := nextTableID(ctx, txn)
		if err != nil {
			return nil, err
		}
		rec.ID = id
		rec.Stream, rec.ChangeLog = nil, nil // change may run more than once
		if s := in.StreamSpecification; s != nil && api.Bool(s.StreamEnabled) {
			if err := db.applyStreamSpec(ctx, txn, rec, s, db.opts.Now()); err != nil {
				return nil, err
			}
		}
		return rec, nil
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateTableOutput{TableDescription: db.describe(e, api.TableStatusCreating, 0, 0)}, nil
}

// newTableRecord builds the catalog record of a validated CreateTable
// request, shaped like the TableDescription DynamoDB returns for it.
func (db *DB) newTableRecord(name string, in *api.CreateTableInput, now time.Time) *tableRecord {
	created := api.NewTime(now)
	d := api.TableDescription{
		TableName:                 api.Ptr(name),
		TableArn:                  api.Ptr(db.tableArn(name)),
		TableId:                   api.Ptr(newUUID()),
		CreationDateTime:          &created,
		DeletionProtectionEnabled: api.Ptr(api.Bool(in.DeletionProtectionEnabled)),
	}
	for _, k := range in.KeySchema {
		d.KeySchema = append(d.KeySchema, api.KeySchemaElement{
			AttributeName: api.Ptr(api.Str(k.AttributeName)),
			KeyType:       api.Ptr(api.Str(k.KeyType)),
		})
	}
	for _, a := range in.AttributeDefinitions {
		d.AttributeDefinitions = append(d.AttributeDefinitions, api.AttributeDefinition{
			AttributeName: api.Ptr(api.Str(a.AttributeName)),
			AttributeType: api.Ptr(api.Str(a.AttributeType)),
		})
	}
	pt := &api.ProvisionedThroughputDescription{NumberOfDecreasesToday: api.Ptr[int64](0)}
	if api.Str(in.BillingMode) == api.BillingModePayPerRequest {
		// DynamoDB describes an on-demand table with zero provisioned
		// capacity and the time it became on-demand.
		pt.ReadCapacityUnits, pt.WriteCapacityUnits = api.Ptr[int64](0), api.Ptr[int64](0)
		d.BillingModeSummary = &api.BillingModeSummary{
			BillingMode:                       api.Ptr(api.BillingModePayPerRequest),
			LastUpdateToPayPerRequestDateTime: &created,
		}
		if !emptyOnDemand(in.OnDemandThroughput) {
			d.OnDemandThroughput = &api.OnDemandThroughput{
				MaxReadRequestUnits:  copyInt(in.OnDemandThroughput.MaxReadRequestUnits),
				MaxWriteRequestUnits: copyInt(in.OnDemandThroughput.MaxWriteRequestUnits),
			}
		}
	} else {
		pt.ReadCapacityUnits = copyInt(in.ProvisionedThroughput.ReadCapacityUnits)
		pt.WriteCapacityUnits = copyInt(in.ProvisionedThroughput.WriteCapacityUnits)
	}
	d.ProvisionedThroughput = pt
	d.WarmThroughput = newTableWarm(in.WarmThroughput)
	if in.TableClass != nil {
		d.TableClassSummary = &api.TableClassSummary{TableClass: api.Ptr(*in.TableClass)}
	}
	d.SSEDescription = db.sseDescription(in.SSESpecification)
	rec := &tableRecord{Format: recordFormat, Desc: d, Tags: mergeTags(nil, in.Tags)}
	db.newIndexDescriptions(rec, in)
	return rec
}

// sseDescription describes server-side encryption as DynamoDB does for an
// SSESpecification: nothing for the default AWS-owned key, and a KMS key
// (the one named, or a stand-in for the AWS-managed aws/dynamodb key) when
// enabled. Dynago's storage encryption is the file system's; the
// description records what the client asked for.
func (db *DB) sseDescription(s *api.SSESpecification) *api.SSEDescription {
	if !sseEnabled(s) {
		return nil
	}
	kmsArn := "arn:aws:kms:" + db.opts.Region + ":" + db.opts.AccountID + ":"
	switch id := api.Str(s.KMSMasterKeyId); {
	case strings.HasPrefix(id, "arn:"):
		kmsArn = id
	case strings.HasPrefix(id, "alias/"):
		kmsArn += id
	case id != "":
		kmsArn += "key/" + id
	default:
		kmsArn += "key/" + newUUID()
	}
	return &api.SSEDescription{
		Status:          api.Ptr(api.SSEStatusEnabled),
		SSEType:         api.Ptr(api.SSETypeKms),
		KMSMasterKeyArn: &kmsArn,
	}
}

// sseEnabled reports whether s asks for a KMS key: Enabled true, or no
// Enabled and SSEType KMS ({} is the default key; DDB-TABLE-044).
func sseEnabled(s *api.SSESpecification) bool {
	if s == nil {
		return false
	}
	if s.Enabled != nil {
		return *s.Enabled
	}
	return api.Str(s.SSEType) == api.SSETypeKms
}

// validateSSESpecification checks an SSESpecification of CreateTable or
// UpdateTable as DynamoDB does (DDB-TABLE-027, -036, -044): a key type or
// key with Enabled false, a key without SSEType KMS, and AES256 (the
// default key's type, never named) are refused.
func validateSSESpecification(s *api.SSESpecification) error {
	if s == nil {
		return nil
	}
	disabled := s.Enabled != nil && !*s.Enabled
	switch {
	case disabled && s.SSEType != nil:
		return apierr.Validation(invalidPrefix + "SSEType can not be specified if Enabled is false")
	case disabled && s.KMSMasterKeyId != nil:
		return apierr.Validation(invalidPrefix + "KMSMasterKeyId can not be specified if Enabled is false")
	case api.Str(s.SSEType) == api.SSETypeAes256:
		return apierr.Validation(invalidPrefix + "SSEType AES256 is not supported")
	case s.KMSMasterKeyId != nil && api.Str(s.SSEType) != api.SSETypeKms:
		return apierr.Validation(invalidPrefix + "SSEType KMS is required if KMSMasterKeyId is specified")
	}
	return nil
}

func copyInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	return api.Ptr(*p)
}
