package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/dynago/dynago/internal/dataio"
)

// A checkpoint is a small JSON file beside the data file (FILE.dynago-
// checkpoint unless --checkpoint names another) that an interrupted import
// or export leaves behind and a second run with the same arguments picks
// up. It is replaced atomically (write, fsync, rename) about once a
// second and removed when the run completes.
//
// An import's checkpoint holds the input position before which every item
// is acknowledged by DynamoDB: the items are written in parallel batches,
// and the position only moves past a batch once it and all batches before
// it are done. A resumed import skips to that position without parsing
// what lies before (decompressing still reads it). Items of batches in
// flight at an interruption are written again on resume: puts of whole
// items are idempotent, so the table ends with neither gaps nor
// duplicates.
//
// An export's checkpoint holds, for each parallel Scan segment, the
// LastEvaluatedKey of the last page written (or that the segment is
// done), and the length of the output that holds exactly those pages: the
// writer ends its gzip member or zstd frame and fsyncs the file before
// writing the checkpoint. A resumed export truncates the file to that
// length and appends (a new compressed member, which gunzip and the
// readers take as a continuation).

const checkpointVersion = 1

// importCheckpoint is an import's progress.
type importCheckpoint struct {
	Version      int             `json:"version"`
	Command      string          `json:"command"`
	Table        string          `json:"table"`
	Input        string          `json:"input"`
	InputSize    int64           `json:"input_size,omitempty"`
	InputModTime time.Time       `json:"input_mtime,omitzero"`
	Format       string          `json:"format"`
	Compression  string          `json:"compression"`
	Position     dataio.Position `json:"position"`
	Items        int64           `json:"items"`
	Bad          int64           `json:"bad_lines"`
}

// exportCheckpoint is an export's progress.
type exportCheckpoint struct {
	Version     int            `json:"version"`
	Command     string         `json:"command"`
	Table       string         `json:"table"`
	Output      string         `json:"output"`
	Format      string         `json:"format"`
	Compression string         `json:"compression"`
	Columns     []string       `json:"columns,omitempty"`
	Offset      int64          `json:"offset"`
	Items       int64          `json:"items"`
	Lossy       int64          `json:"lossy_items,omitempty"`
	Segments    []segmentState `json:"segments"`
}

// segmentState is one Scan segment's progress: done, or the key to scan
// on from (in DynamoDB JSON; null before the first page).
type segmentState struct {
	Done    bool            `json:"done,omitempty"`
	LastKey json.RawMessage `json:"last_key,omitempty"`
}

// writeCheckpoint replaces path with v, atomically and durably.
func writeCheckpoint(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadCheckpoint reads path into v; found is false when there is none.
func loadCheckpoint(path string, v any) (found bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("checkpoint %s is unreadable (%v): remove it or pass --restart", path, err)
	}
	return true, nil
}

// removeCheckpoint deletes a finished run's checkpoint.
func removeCheckpoint(path string) error {
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
