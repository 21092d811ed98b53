package dataio

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxRecordBytes bounds one record (a line, or a CSV record with
// quoted newlines, or a multi-line Ion value) when ReaderOptions leaves it
// 0. An item is at most 400 KB, but its DynamoDB JSON is larger (base64,
// escapes, type tags), so the bound leaves room.
const DefaultMaxRecordBytes = 4 << 20 // 4 MB

// readBufferSize is the bufio buffer under every reader.
const readBufferSize = 64 << 10 // 64 KB

// errRecordTooLong is reported (as a LineError) for a record longer than
// the bound; the rest of its line is skipped unread.
var errRecordTooLong = errors.New("record longer than the limit")

// lineSource splits decompressed input into lines, counting lines and
// bytes so that a record's first line and the offset after it are known.
// A line is returned without its "\n" (and "\r\n"); the slice is valid
// until the next call.
type lineSource struct {
	br    *bufio.Reader
	max   int
	buf   []byte // a line longer than br's buffer, assembled
	line  int64  // lines consumed
	off   int64  // bytes consumed
	atEOF bool
	cr    bool  // the last line ended "\r\n" (a quoted CSV cell keeps it)
	start int64 // offset where the last line returned began
}

func newLineSource(r io.Reader, max int) *lineSource {
	return &lineSource{br: bufio.NewReaderSize(r, readBufferSize), max: max}
}

// next returns the next line. At the end of input it returns io.EOF (a
// last line without "\n" is still returned first). A line over the bound
// is consumed to its end and reported as errRecordTooLong, with the line
// counted, so that the caller reports it and goes on.
func (s *lineSource) next() ([]byte, error) {
	if s.atEOF {
		return nil, io.EOF
	}
	s.start = s.off
	b, err := s.br.ReadSlice('\n')
	if err == nil {
		s.line++
		s.off += int64(len(b))
		if len(b) > s.max+2 { // +2: the line ending
			return nil, errRecordTooLong
		}
		return s.trimEOL(b), nil
	}
	if errors.Is(err, bufio.ErrBufferFull) {
		return s.long(b)
	}
	if errors.Is(err, io.EOF) {
		s.atEOF = true
		if len(b) == 0 {
			return nil, io.EOF
		}
		s.line++
		s.off += int64(len(b))
		if len(b) > s.max {
			return nil, errRecordTooLong
		}
		return s.trimEOL(b), nil
	}
	return nil, err
}

// long assembles a line longer than the bufio buffer, up to the bound.
func (s *lineSource) long(first []byte) ([]byte, error) {
	s.buf = append(s.buf[:0], first...)
	s.off += int64(len(first))
	tooLong := false
	for {
		b, err := s.br.ReadSlice('\n')
		s.off += int64(len(b))
		if !tooLong {
			if len(s.buf)+len(b) > s.max+2 { // +2: the line ending
				tooLong = true
				s.buf = s.buf[:0]
			} else {
				s.buf = append(s.buf, b...)
			}
		}
		switch {
		case err == nil:
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			s.atEOF = true
		default:
			return nil, err
		}
		s.line++
		if tooLong {
			return nil, errRecordTooLong
		}
		return s.trimEOL(s.buf), nil
	}
}

// skip discards n bytes, counting the lines in them: a resumed reader
// starts where the last one stopped without parsing what lies before.
func (s *lineSource) skip(n int64) error {
	for n > 0 {
		chunk := min(n, int64(s.br.Size()))
		b, err := s.br.Peek(int(chunk))
		if len(b) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("input ends %d bytes before the resume point: not the same input", n)
			}
			return err
		}
		s.line += int64(bytes.Count(b, []byte{'\n'}))
		if _, err := s.br.Discard(len(b)); err != nil {
			return err
		}
		s.off += int64(len(b))
		n -= int64(len(b))
	}
	return nil
}

func (s *lineSource) trimEOL(b []byte) []byte {
	s.cr = len(b) > 1 && b[len(b)-1] == '\n' && b[len(b)-2] == '\r'
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}
