// Package dataio reads and writes DynamoDB's bulk data formats: the files
// DynamoDB's S3 export writes and ImportTable reads, and the plain formats
// the dynago import and export commands add. It is shared by the engine's
// S3 export and import and by the command-line tools, so a file written by
// one is read by the other exactly.
//
// Formats (Format):
//
//	DYNAMODB_JSON  one {"Item":{...}} per line, attribute values in
//	               DynamoDB JSON: DynamoDB's export layout byte for byte
//	ION            Ion text, one "$ion_1_0 {Item:{...}}" per line on
//	               output; any Ion text of the subset DynamoDB uses on input
//	CSV            a header row (or given headers) and delimited cells, as
//	               ImportTable reads it; cell types from the key schema, a
//	               column schema, or inference (see CSVOptions)
//	JSONL          one plain JSON object per line, mapped to attribute
//	               values the way the SDKs' document clients map them
//
// Every format may be compressed (Compression: NONE, GZIP, ZSTD). Readers
// and writers stream: memory is bounded by one record (MaxRecordBytes),
// never by the file.
//
// A Reader returns only whole, valid items: a line that does not parse, an
// item DynamoDB would refuse (ValidateItem, the 400 KB limit, the key
// attributes the caller declares) comes back as a *LineError naming its
// line, and reading goes on with the next record. A Reader's Pos is a
// point from which a later Reader (ReaderOptions.Start) continues, which
// is how an interrupted import resumes.
//
// Files by concern:
//
//	format.go      Format, Compression, FormatFromPath
//	compress.go    decompressing readers, compressing writers with members
//	reader.go      Reader, Position, LineError, key checks
//	lines.go       bounded line splitting with line numbers and offsets
//	ddbjson.go     DYNAMODB_JSON records
//	ion_read.go    the Ion text reader (the subset DynamoDB uses)
//	ion_write.go   the Ion text writer (DynamoDB's export layout)
//	csv_read.go    CSV records and cell typing
//	csv_write.go   CSV rows
//	jsonl.go       plain JSON lines, both ways
//	writer.go      Writer
//
// Ion: no Ion library is served to this project (github.com/amazon-ion/ion-go
// is not on the module proxy here), so ion_read.go and ion_write.go
// implement the text subset DynamoDB writes and a tolerant superset of it
// for reading (comments, long strings, quoted symbols, annotations, ints in
// any radix, floats, clobs, typed nulls). Binary Ion is not read.
package dataio
