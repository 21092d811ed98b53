package wire

// Response compression, as DynamoDB does it: an answer of at least 4 KB to
// a client whose Accept-Encoding accepts gzip or deflate (the zlib format)
// is sent compressed, with Content-Encoding naming the encoding; the
// x-amz-crc32 header is the CRC32 of the compressed bytes, which is what
// the SDKs that ask for gzip check. Smaller answers, errors, and answers to
// clients that ask for nothing (the SDKs send Accept-Encoding: identity by
// default) are sent as they are. The choice among the encodings a client
// lists follows DynamoDB's answers to ScyllaDB's
// test/alternator/test_compressed_response.py, run against it: the highest
// quality wins, an encoding named outright beats one `*` stands for,
// earlier beats later, gzip beats deflate under `*`; quality is read as
// Java reads a float (an unreadable one counts as 1, above 1 as 1, zero or
// less as refused), and entries that are not plain tokens are ignored.

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"strconv"
	"strings"
)

// compressThreshold is the smallest answer DynamoDB compresses.
const compressThreshold = 4096

// responseEncoding returns the encoding ("gzip", "deflate") an answer to a
// request with Accept-Encoding header v is compressed with, or "".
func responseEncoding(v string) string {
	type choice struct {
		q        float64
		explicit bool
		pos      int
	}
	best := map[string]choice{}
	star, starSeen := 0.0, false
	for pos, entry := range strings.Split(v, ",") {
		parts := strings.Split(entry, ";")
		name := strings.ToLower(strings.TrimSpace(parts[0]))
		if name == "" || !isHeaderToken(name) {
			continue
		}
		q, qSeen := 1.0, false
		for _, p := range parts[1:] {
			k, val, ok := strings.Cut(p, "=")
			if !ok || qSeen || strings.TrimSpace(k) != "q" {
				continue
			}
			qSeen = true
			if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
				q = min(f, 1)
			}
		}
		switch name {
		case "*":
			if !starSeen || q > star {
				star, starSeen = q, true
			}
		case "gzip", "deflate":
			if c, ok := best[name]; !ok || q > c.q {
				best[name] = choice{q: q, explicit: true, pos: pos}
			}
		}
	}
	pick, pickC := "", choice{}
	for i, name := range []string{"gzip", "deflate"} {
		c, ok := best[name]
		if !ok {
			if !starSeen {
				continue
			}
			c = choice{q: star, pos: 1<<30 + i}
		}
		if c.q <= 0 {
			continue
		}
		better := pick == "" || c.q > pickC.q ||
			(c.q == pickC.q && c.explicit && !pickC.explicit) ||
			(c.q == pickC.q && c.explicit == pickC.explicit && c.pos < pickC.pos)
		if better {
			pick, pickC = name, c
		}
	}
	return pick
}

// isHeaderToken reports whether s is an HTTP token (RFC 9110), or "*".
func isHeaderToken(s string) bool {
	if s == "*" {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// compressBody compresses body with encoding into dst.
func compressBody(dst *bytes.Buffer, encoding string, body []byte) error {
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	if encoding == "gzip" {
		w = gzip.NewWriter(dst)
	} else {
		w = zlib.NewWriter(dst)
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	return w.Close()
}
