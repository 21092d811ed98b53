package engine

// The S3 export and import operations, bound into the registry from this
// file (bindOperations calls bindTaskOperations) so that the backup
// operations' registrations in operations.go stay apart from them.

import (
	"context"

	"github.com/dynago/dynago/internal/api"
	"github.com/dynago/dynago/internal/jobs"
)

// bindTaskOperations adds the export and import operations to db.handlers.
func (db *DB) bindTaskOperations() {
	h := &db.handlers
	h[api.OpExportTableToPointInTime] = api.Bind(db.ExportTableToPointInTime)
	h[api.OpDescribeExport] = api.Bind(db.DescribeExport)
	h[api.OpListExports] = api.Bind(db.ListExports)
	h[api.OpImportTable] = api.Bind(db.ImportTable)
	h[api.OpDescribeImport] = api.Bind(db.DescribeImport)
	h[api.OpListImports] = api.Bind(db.ListImports)
}

// addTaskJobs registers the export and import job bodies.
func (db *DB) addTaskJobs(bodies map[string]jobs.Body) {
	bodies[jobExport] = db.runExport
	bodies[jobImport] = db.runImport
}

// ExportTableToPointInTime serves DynamoDB's ExportTableToPointInTime
// (exportTableToPointInTime, export_table.go).
func (db *DB) ExportTableToPointInTime(ctx context.Context, in *api.ExportTableToPointInTimeInput) (*api.ExportTableToPointInTimeOutput, error) {
	return run(ctx, db, api.OpExportTableToPointInTime, in, db.exportTableToPointInTime)
}

// DescribeExport serves DynamoDB's DescribeExport (describeExport).
func (db *DB) DescribeExport(ctx context.Context, in *api.DescribeExportInput) (*api.DescribeExportOutput, error) {
	return run(ctx, db, api.OpDescribeExport, in, db.describeExport)
}

// ListExports serves DynamoDB's ListExports (listExports).
func (db *DB) ListExports(ctx context.Context, in *api.ListExportsInput) (*api.ListExportsOutput, error) {
	return run(ctx, db, api.OpListExports, in, db.listExports)
}

// ImportTable serves DynamoDB's ImportTable (importTable, import_table.go).
func (db *DB) ImportTable(ctx context.Context, in *api.ImportTableInput) (*api.ImportTableOutput, error) {
	return run(ctx, db, api.OpImportTable, in, db.importTable)
}

// DescribeImport serves DynamoDB's DescribeImport (describeImport).
func (db *DB) DescribeImport(ctx context.Context, in *api.DescribeImportInput) (*api.DescribeImportOutput, error) {
	return run(ctx, db, api.OpDescribeImport, in, db.describeImport)
}

// ListImports serves DynamoDB's ListImports (listImports).
func (db *DB) ListImports(ctx context.Context, in *api.ListImportsInput) (*api.ListImportsOutput, error) {
	return run(ctx, db, api.OpListImports, in, db.listImports)
}
