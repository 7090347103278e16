package feed

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

// Sitemap is a parsed sitemap: the child sitemaps of a sitemap index, or the
// pages of a urlset.
type Sitemap struct {
	Children []SitemapRef
	Items    []communique.Item
}

// SitemapRef is a child sitemap listed by a sitemap index.
type SitemapRef struct {
	URL     string
	LastMod time.Time // zero when the index gives none
}

// DefaultSitemapMaxBytes is the protocol's limit on an uncompressed sitemap,
// used when ParseSitemap is given no limit.
const DefaultSitemapMaxBytes = 50 << 20

type xmlSitemap struct {
	XMLName  xml.Name
	Sitemaps []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
	} `xml:"sitemap"`
	URLs []struct {
		Loc     string `xml:"loc"`
		LastMod string `xml:"lastmod"`
		News    struct {
			PublicationDate string `xml:"publication_date"`
			Title           string `xml:"title"`
		} `xml:"news"`
	} `xml:"url"`
}

// ParseSitemap reads a sitemap index (Children), a urlset (Items) or a Google
// News sitemap (Items with news:title and news:publication_date), gzip'd or
// not (by its magic bytes). maxBytes caps the decompressed size (zero or less:
// DefaultSitemapMaxBytes); a larger document is an error, never truncated.
//
// An item's URL is <loc> (resolved against sitemapURL), Title is news:title,
// Published is news:publication_date, else lastmod, else now with
// DateMissing; Updated is lastmod. Items are keyed by URL ("url:…"), and
// repeated URLs keep their first entry.
func ParseSitemap(body []byte, sitemapURL string, now time.Time, maxBytes int64) (*Sitemap, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultSitemapMaxBytes
	}
	if isGzip(body) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, communique.Errorf(communique.EINVALID, "the sitemap is not valid gzip: %v", err)
		}
		data, err := io.ReadAll(io.LimitReader(zr, maxBytes+1))
		if err != nil {
			return nil, communique.Errorf(communique.EINVALID, "the gzip'd sitemap is corrupt: %v", err)
		}
		if int64(len(data)) > maxBytes {
			return nil, communique.Errorf(communique.EINVALID, "the sitemap is larger than %d bytes once decompressed", maxBytes)
		}
		body = data
	} else if int64(len(body)) > maxBytes {
		return nil, communique.Errorf(communique.EINVALID, "the sitemap is larger than %d bytes", maxBytes)
	}
	body = xmlToUTF8(body)

	var doc xmlSitemap
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = false
	if err := d.Decode(&doc); err != nil {
		if f := Sniff(body, ""); f == FormatHTML || f == FormatFeed {
			return nil, communique.Errorf(communique.EINVALID, "this is %s, not a sitemap", map[Format]string{FormatHTML: "an HTML page", FormatFeed: "a feed"}[f])
		}
		return nil, communique.Errorf(communique.EINVALID, "the sitemap is malformed: %v", err)
	}
	switch root := strings.ToLower(doc.XMLName.Local); root {
	case "urlset", "sitemapindex":
	default:
		return nil, communique.Errorf(communique.EINVALID, "not a sitemap: the document's root is <%s>, not <urlset> or <sitemapindex>", doc.XMLName.Local)
	}

	base := baseURL(sitemapURL)
	sm := &Sitemap{}
	seen := map[string]bool{}
	for _, s := range doc.Sitemaps {
		u := resolve(base, s.Loc)
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		ref := SitemapRef{URL: u}
		ref.LastMod, _ = ParseDate(s.LastMod)
		sm.Children = append(sm.Children, ref)
	}
	for _, x := range doc.URLs {
		u := resolve(base, x.Loc)
		if u == "" {
			continue
		}
		it := communique.Item{URL: u, Title: plainText(x.News.Title)}
		lastmod, hasLastmod := ParseDate(x.LastMod)
		if hasLastmod {
			it.Updated = lastmod
		}
		if pub, ok := ParseDate(x.News.PublicationDate); ok {
			it.Published = pub
		} else if hasLastmod {
			it.Published = lastmod
		} else {
			it.Published, it.DateMissing = now.UTC(), true
		}
		it.Key = ItemKey(it)
		if seen[it.Key] {
			continue
		}
		seen[it.Key] = true
		sm.Items = append(sm.Items, it)
	}
	return sm, nil
}
