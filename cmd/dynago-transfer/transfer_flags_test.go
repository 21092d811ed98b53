package main

import (
	"io"
	"reflect"
	"testing"

	"github.com/dynago/dynago/internal/dataio"
)

func TestImportFlags(t *testing.T) {
	tests := []struct {
		args   []string
		env    map[string]string
		format dataio.Format
		comp   dataio.Compression
		delim  byte
		check  func(importConfig) bool
	}{
		{args: []string{"--table", "t", "x.csv"}, format: dataio.FormatCSV, delim: ','},
		{args: []string{"--table", "t", "x.tsv.gz"}, format: dataio.FormatCSV, comp: dataio.CompressionGzip, delim: '\t'},
		{args: []string{"x.json.gz", "--table", "t"}, format: dataio.FormatDynamoDBJSON, comp: dataio.CompressionGzip, delim: ','},
		{args: []string{"--table", "t", "--format", "jsonl", "--compression", "zstd", "-"}, format: dataio.FormatJSONL, comp: dataio.CompressionZstd, delim: ','},
		{args: []string{"--table", "t", "--delimiter", "tab", "--header", "a,b", "--infer=false", "x.txt", "--format", "csv"}, format: dataio.FormatCSV, delim: '\t',
			check: func(c importConfig) bool { return reflect.DeepEqual(c.header, []string{"a", "b"}) && !c.infer }},
		{args: []string{"--table", "t", "x.ion"}, env: map[string]string{"DYNAGO_ENDPOINT_URL": "http://localhost:9", "DYNAGO_REGION": "eu-west-1"}, format: dataio.FormatION, delim: ',',
			check: func(c importConfig) bool {
				return c.endpoint == "http://localhost:9" && c.region == "eu-west-1" && c.infer && c.parallel == defaultImportParallel
			}},
		{args: []string{"--table", "t", "--endpoint-url", "http://a:1", "--region", "r", "x.ion"}, env: map[string]string{"DYNAGO_ENDPOINT_URL": "http://b:2", "DYNAGO_REGION": "e"}, format: dataio.FormatION, delim: ',',
			check: func(c importConfig) bool { return c.endpoint == "http://a:1" && c.region == "r" }},
	}
	for _, tt := range tests {
		c, err := parseImportFlags(tt.args, envFrom(tt.env), io.Discard)
		if err != nil {
			t.Errorf("%v: %v", tt.args, err)
			continue
		}
		if c.format != tt.format || c.comp != tt.comp || c.delim != tt.delim || (tt.check != nil && !tt.check(c)) {
			t.Errorf("%v: %+v", tt.args, c)
		}
	}
	for _, args := range [][]string{
		{"x.csv"},                                // no table
		{"--table", "t"},                         // no file
		{"--table", "t", "a.csv", "b.csv"},       // two files
		{"--table", "t", "-"},                    // stdin without a format
		{"--table", "t", "x.txt"},                // unknown extension
		{"--table", "t", "--format", "xml", "x"}, // unknown format
		{"--table", "t", "--delimiter", "#", "x.csv"},
		{"--table", "t", "--parallel", "0", "x.csv"},
		{"--table", "t", "--progress", "loud", "x.csv"},
		{"--table", "t", "--schema", "/nonexistent.json", "x.csv"},
	} {
		if _, err := parseImportFlags(args, envFrom(nil), io.Discard); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	if !isLoopbackURL("http://127.0.0.1:8000") || !isLoopbackURL("http://localhost:8000") || !isLoopbackURL("http://[::1]:8000") || isLoopbackURL("https://dynamodb.us-east-1.amazonaws.com") || isLoopbackURL("") {
		t.Error("isLoopbackURL")
	}
}

func TestExportFlags(t *testing.T) {
	c, err := parseExportFlags([]string{"--table", "t", "--columns", "pk,sk", "--parallel", "2", "out.csv.zst"}, envFrom(nil), io.Discard)
	if err != nil || c.format != dataio.FormatCSV || c.comp != dataio.CompressionZstd || c.parallel != 2 || !reflect.DeepEqual(c.columns, []string{"pk", "sk"}) {
		t.Errorf("%+v %v", c, err)
	}
	if c.checkpointPath() != "out.csv.zst"+checkpointSuffix {
		t.Errorf("checkpoint %s", c.checkpointPath())
	}
	c, _ = parseExportFlags([]string{"--table", "t", "--format", "ion", "-"}, envFrom(nil), io.Discard)
	if c.checkpointPath() != "" || c.parallel != defaultExportParallel {
		t.Errorf("stdout: %+v", c)
	}
}
