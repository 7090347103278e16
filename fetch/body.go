package fetch

import (
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
)

// errTooLarge marks a body over the cap.
var errTooLarge = errors.New("body too large")

// readBody reads r's body, decoded according to its Content-Encoding, and
// stops at limit decoded bytes: past that it returns errTooLarge, or the
// first limit bytes when truncate is set.
func readBody(body io.Reader, encoding string, limit int64, truncate bool) ([]byte, error) {
	var r io.Reader = body
	switch enc := strings.ToLower(strings.TrimSpace(encoding)); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip body: %w", err)
		}
		defer zr.Close()
		r = zr
	case "br":
		r = brotli.NewReader(body)
	case "deflate":
		zr, err := zlib.NewReader(body)
		if err != nil {
			return nil, fmt.Errorf("corrupt deflate body: %w", err)
		}
		defer zr.Close()
		r = zr
	default:
		return nil, fmt.Errorf("unsupported content encoding %q", encoding)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		if encoding != "" {
			return nil, fmt.Errorf("reading %s body: %w", encoding, err)
		}
		return nil, err
	}
	if int64(len(b)) > limit {
		if truncate {
			return b[:limit], nil
		}
		return nil, errTooLarge
	}
	return b, nil
}

// byteSize writes n bytes for a person.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
