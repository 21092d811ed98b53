package dataio

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Format is one of the bulk data formats.
type Format uint8

// The formats. FormatDynamoDBJSON and FormatION are DynamoDB's export
// formats; with FormatCSV they are ImportTable's input formats. FormatJSONL
// is the plain JSON the dynago tools add.
const (
	FormatInvalid Format = iota
	FormatDynamoDBJSON
	FormatION
	FormatCSV
	FormatJSONL
)

// String returns DynamoDB's name for the format (DYNAMODB_JSON, ION, CSV)
// or JSONL.
func (f Format) String() string {
	switch f {
	case FormatDynamoDBJSON:
		return "DYNAMODB_JSON"
	case FormatION:
		return "ION"
	case FormatCSV:
		return "CSV"
	case FormatJSONL:
		return "JSONL"
	}
	return "INVALID"
}

// ParseFormat reads a format name: DynamoDB's (DYNAMODB_JSON, ION, CSV) or
// the command line's short names (ddbjson, ion, csv, jsonl), in any case.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "dynamodb_json", "ddbjson", "ddb-json", "dynamodb-json":
		return FormatDynamoDBJSON, nil
	case "ion":
		return FormatION, nil
	case "csv":
		return FormatCSV, nil
	case "jsonl", "json_lines", "jsonlines", "ndjson":
		return FormatJSONL, nil
	}
	return FormatInvalid, fmt.Errorf("unknown format %q: want csv, jsonl, ddbjson or ion", s)
}

// Compression is a file's compression, as ImportTable's
// InputCompressionType names it.
type Compression uint8

// The compressions.
const (
	CompressionNone Compression = iota
	CompressionGzip
	CompressionZstd
)

// String returns DynamoDB's name (NONE, GZIP, ZSTD).
func (c Compression) String() string {
	switch c {
	case CompressionGzip:
		return "GZIP"
	case CompressionZstd:
		return "ZSTD"
	}
	return "NONE"
}

// ParseCompression reads NONE, GZIP or ZSTD (any case; gz and zst too).
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(s) {
	case "none", "":
		return CompressionNone, nil
	case "gzip", "gz":
		return CompressionGzip, nil
	case "zstd", "zst":
		return CompressionZstd, nil
	}
	return CompressionNone, fmt.Errorf("unknown compression %q: want none, gzip or zstd", s)
}

// Extension returns the file-name extension DynamoDB's export gives the
// format and compression (".json.gz", ".ion.gz"), and the natural ones for
// the others (".csv", ".jsonl.zst").
func Extension(f Format, c Compression) string {
	var ext string
	switch f {
	case FormatDynamoDBJSON:
		ext = ".json"
	case FormatION:
		ext = ".ion"
	case FormatCSV:
		ext = ".csv"
	case FormatJSONL:
		ext = ".jsonl"
	}
	switch c {
	case CompressionGzip:
		ext += ".gz"
	case CompressionZstd:
		ext += ".zst"
	}
	return ext
}

// FormatFromPath guesses a file's format and compression from its name:
// .csv, .tsv (CSV; the caller picks the tab delimiter), .jsonl and .ndjson
// (JSONL), .json (DYNAMODB_JSON, the extension DynamoDB's export uses),
// .ion, each optionally followed by .gz, .gzip, .zst or .zstd. ok is false
// when the name says nothing.
func FormatFromPath(path string) (f Format, c Compression, ok bool) {
	name := strings.ToLower(filepath.Base(path))
	switch ext := filepath.Ext(name); ext {
	case ".gz", ".gzip":
		c, name = CompressionGzip, strings.TrimSuffix(name, ext)
	case ".zst", ".zstd":
		c, name = CompressionZstd, strings.TrimSuffix(name, ext)
	}
	switch filepath.Ext(name) {
	case ".csv", ".tsv":
		return FormatCSV, c, true
	case ".jsonl", ".ndjson":
		return FormatJSONL, c, true
	case ".json":
		return FormatDynamoDBJSON, c, true
	case ".ion":
		return FormatION, c, true
	}
	return FormatInvalid, c, false
}
