package feed

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"mime"
	"strings"
	"unicode"
)

// Format is what a fetched document is, as far as Communiqué is concerned.
type Format int

const (
	FormatUnknown Format = iota
	FormatFeed           // RSS, RDF, Atom or JSON Feed: read with Parse
	FormatSitemap        // a sitemap or sitemap index, maybe gzip'd: read with ParseSitemap
	FormatHTML           // an HTML page: Discover its feeds, or read it as a listing
)

func (f Format) String() string {
	switch f {
	case FormatFeed:
		return "feed"
	case FormatSitemap:
		return "sitemap"
	case FormatHTML:
		return "html"
	}
	return "unknown"
}

// sniffBytes is how much of a document Sniff reads.
const sniffBytes = 16 << 10

// Sniff says what body is, by its root element (rss, rdf:RDF, feed; urlset,
// sitemapindex; html), its JSON (a JSON Feed names its version), gzip magic
// bytes (the decompressed start is sniffed), and, where the body does not
// tell, the Content-Type header.
func Sniff(body []byte, contentType string) Format {
	if isGzip(body) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return FormatUnknown
		}
		head, _ := io.ReadAll(io.LimitReader(zr, sniffBytes))
		return Sniff(head, contentType)
	}
	head := body
	if len(head) > sniffBytes {
		head = head[:sniffBytes]
	}
	head = bytes.TrimLeftFunc(decodeBOM(head), unicode.IsSpace)
	if f := sniffRoot(head); f != FormatUnknown {
		return f
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json", "application/x-rss+xml":
		return FormatFeed
	case "text/html", "application/xhtml+xml":
		return FormatHTML
	}
	return FormatUnknown
}

func isGzip(b []byte) bool { return len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b }

func sniffRoot(head []byte) Format {
	if len(head) == 0 {
		return FormatUnknown
	}
	if head[0] == '{' {
		if bytes.Contains(head, []byte("jsonfeed.org/version")) {
			return FormatFeed
		}
		return FormatUnknown
	}
	if head[0] != '<' {
		return FormatUnknown
	}
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false
	// Tag names are ASCII in every encoding a feed uses: read bytes as they are.
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for range 64 {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.HasPrefix(bytes.ToLower(t), []byte("doctype html")) {
				return FormatHTML
			}
		case xml.StartElement:
			switch strings.ToLower(t.Name.Local) {
			case "rss", "rdf", "feed", "channel":
				return FormatFeed
			case "urlset", "sitemapindex":
				return FormatSitemap
			case "html", "head", "body":
				return FormatHTML
			}
			return FormatUnknown
		}
	}
	lower := bytes.ToLower(head)
	if bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype html")) {
		return FormatHTML
	}
	return FormatUnknown
}
