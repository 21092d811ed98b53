package engine

// Secondary indexes in the catalog. An index is described to clients
// exactly as DynamoDB does (the GlobalSecondaryIndexes and
// LocalSecondaryIndexes of the stored TableDescription, IndexStatus
// included), and the engine keeps beside it, in tableRecord.IndexIDs, the
// numeric id that prefixes the index's entries in the store. Ids are never
// reused within a table (tableRecord.NextIndexID), so the entries of a
// deleted index can be dropped in the background while a new index of the
// same name fills its own range.

import (
	"fmt"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/attr"
)

// Index is the engine's view of one secondary index, derived from the
// stored description on every catalog change.
type Index struct {
	Name   string
	ID     uint64 // unique within the table, never reused
	Global bool   // a GSI; false for an LSI
	Hash   KeyAttr
	Range  KeyAttr // Name is "" when the index has no sort key

	// Hashes and Ranges are every partition and sort key attribute, in
	// KeySchema order: one each (or no Ranges) for a classic index, up to
	// four each for a GSI with a multi-attribute key (index_multi.go).
	// Hash and Range are their first elements.
	Hashes []KeyAttr
	Ranges []KeyAttr

	// Projection is ALL, KEYS_ONLY or INCLUDE; NonKey holds INCLUDE's
	// NonKeyAttributes.
	Projection string
	NonKey     map[string]bool

	// Status is the IndexStatus: ACTIVE, or for a GSI being added or
	// removed by UpdateTable, CREATING or DELETING.
	Status string
}

// maintained reports whether writes keep the index's entries up to date:
// every index but one being deleted (whose range is being dropped).
func (ix *Index) maintained() bool { return ix.Status != api.IndexStatusDeleting }

// readable reports whether Query and Scan may read the index.
func (ix *Index) readable() bool {
	return ix.Status == api.IndexStatusActive || ix.Status == api.IndexStatusUpdating
}

// keyAttrs returns the index's key attributes, partition key first.
func (ix *Index) keyAttrs() []KeyAttr {
	if len(ix.Hashes) == 0 { // an Index built by hand (tests)
		if ix.Range.Name == "" {
			return []KeyAttr{ix.Hash}
		}
		return []KeyAttr{ix.Hash, ix.Range}
	}
	if len(ix.Ranges) == 0 {
		return ix.Hashes
	}
	return append(append(make([]KeyAttr, 0, len(ix.Hashes)+len(ix.Ranges)), ix.Hashes...), ix.Ranges...)
}

// projects reports whether the index stores the top-level attribute name
// (key attributes of the table and the index always are).
func (ix *Index) projects(t *Table, name string) bool {
	switch {
	case ix.Projection == api.ProjectionTypeAll:
		return true
	case name == "":
		return false
	case name == t.Hash.Name || name == t.Range.Name || ix.isKeyAttr(name):
		return true
	}
	return ix.NonKey[name]
}

// index returns the table's index named name, or nil.
func (t *Table) index(name string) *Index {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return ix
		}
	}
	return nil
}

// buildIndexes derives the engine's Index values of a record.
func buildIndexes(rec *tableRecord) ([]*Index, error) {
	var out []*Index
	defs := make(map[string]attr.Type, len(rec.Desc.AttributeDefinitions))
	for _, d := range rec.Desc.AttributeDefinitions {
		defs[api.Str(d.AttributeName)] = scalarType(api.Str(d.AttributeType))
	}
	add := func(name string, global bool, ks []api.KeySchemaElement, p *api.Projection, status string) error {
		id, ok := rec.IndexIDs[name]
		if !ok {
			return fmt.Errorf("index %q has no id", name)
		}
		ix := &Index{Name: name, ID: id, Global: global, Status: status}
		for _, k := range ks {
			ka := KeyAttr{Name: api.Str(k.AttributeName), Type: defs[api.Str(k.AttributeName)]}
			if ka.Type == attr.TypeInvalid {
				return fmt.Errorf("index %q: key attribute %q has no scalar definition", name, ka.Name)
			}
			if api.Str(k.KeyType) == api.KeyTypeRange {
				if len(ix.Ranges) == 0 {
					ix.Range = ka
				}
				ix.Ranges = append(ix.Ranges, ka)
			} else {
				if len(ix.Hashes) == 0 {
					ix.Hash = ka
				}
				ix.Hashes = append(ix.Hashes, ka)
			}
		}
		if p != nil {
			ix.Projection = api.Str(p.ProjectionType)
			if len(p.NonKeyAttributes) > 0 {
				ix.NonKey = make(map[string]bool, len(p.NonKeyAttributes))
				for _, n := range p.NonKeyAttributes {
					ix.NonKey[n] = true
				}
			}
		}
		out = append(out, ix)
		return nil
	}
	for _, g := range rec.Desc.GlobalSecondaryIndexes {
		status := api.Str(g.IndexStatus)
		if status == "" {
			status = api.IndexStatusActive
		}
		if err := add(api.Str(g.IndexName), true, g.KeySchema, g.Projection, status); err != nil {
			return nil, err
		}
	}
	for _, l := range rec.Desc.LocalSecondaryIndexes {
		if err := add(api.Str(l.IndexName), false, l.KeySchema, l.Projection, api.IndexStatusActive); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// assignIndexID gives the index named name a new id in rec.
func (rec *tableRecord) assignIndexID(name string) uint64 {
	if rec.IndexIDs == nil {
		rec.IndexIDs = make(map[string]uint64)
	}
	if rec.NextIndexID == 0 {
		rec.NextIndexID = 1
	}
	id := rec.NextIndexID
	rec.NextIndexID++
	rec.IndexIDs[name] = id
	return id
}

// indexArn returns the ARN of a table's index.
func (db *DB) indexArn(table, index string) string {
	return db.tableArn(table) + "/index/" + index
}

// newIndexDescriptions adds the validated GSIs and LSIs of a CreateTable
// request to rec, shaped as DynamoDB describes them, with fresh ids.
func (db *DB) newIndexDescriptions(rec *tableRecord, in *api.CreateTableInput) {
	d := &rec.Desc
	name := api.Str(d.TableName)
	onDemand := api.Str(in.BillingMode) == api.BillingModePayPerRequest
	for _, g := range in.GlobalSecondaryIndexes {
		rec.assignIndexID(api.Str(g.IndexName))
		gd := db.gsiDescription(name, g.IndexName, g.KeySchema, g.Projection, g.ProvisionedThroughput, g.OnDemandThroughput, onDemand, api.IndexStatusActive)
		gd.WarmThroughput = newIndexWarm(g.WarmThroughput)
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, gd)
	}
	for _, l := range in.LocalSecondaryIndexes {
		rec.assignIndexID(api.Str(l.IndexName))
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, api.LocalSecondaryIndexDescription{
			IndexName:  api.Ptr(api.Str(l.IndexName)),
			IndexArn:   api.Ptr(db.indexArn(name, api.Str(l.IndexName))),
			KeySchema:  copyKeySchema(l.KeySchema),
			Projection: copyProjection(l.Projection),
		})
	}
}

// gsiDescription describes a new GSI.
func (db *DB) gsiDescription(table string, name *string, ks []api.KeySchemaElement, p *api.Projection,
	pt *api.ProvisionedThroughput, odt *api.OnDemandThroughput, onDemand bool, status string) api.GlobalSecondaryIndexDescription {
	ptd := &api.ProvisionedThroughputDescription{NumberOfDecreasesToday: api.Ptr[int64](0)}
	if onDemand || pt == nil {
		ptd.ReadCapacityUnits, ptd.WriteCapacityUnits = api.Ptr[int64](0), api.Ptr[int64](0)
	} else {
		ptd.ReadCapacityUnits, ptd.WriteCapacityUnits = copyInt(pt.ReadCapacityUnits), copyInt(pt.WriteCapacityUnits)
	}
	g := api.GlobalSecondaryIndexDescription{
		IndexName:             api.Ptr(api.Str(name)),
		IndexArn:              api.Ptr(db.indexArn(table, api.Str(name))),
		KeySchema:             copyKeySchema(ks),
		Projection:            copyProjection(p),
		IndexStatus:           api.Ptr(status),
		ProvisionedThroughput: ptd,
	}
	if onDemand && !emptyOnDemand(odt) {
		g.OnDemandThroughput = &api.OnDemandThroughput{
			MaxReadRequestUnits:  copyInt(odt.MaxReadRequestUnits),
			MaxWriteRequestUnits: copyInt(odt.MaxWriteRequestUnits),
		}
	}
	return g
}

func copyKeySchema(ks []api.KeySchemaElement) []api.KeySchemaElement {
	out := make([]api.KeySchemaElement, len(ks))
	for i, k := range ks {
		out[i] = api.KeySchemaElement{AttributeName: api.Ptr(api.Str(k.AttributeName)), KeyType: api.Ptr(api.Str(k.KeyType))}
	}
	return out
}

func copyProjection(p *api.Projection) *api.Projection {
	if p == nil {
		return nil
	}
	out := &api.Projection{ProjectionType: api.Ptr(api.Str(p.ProjectionType))}
	if p.NonKeyAttributes != nil {
		out.NonKeyAttributes = append([]string{}, p.NonKeyAttributes...)
	}
	return out
}
