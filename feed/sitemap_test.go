package feed

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"github.com/communique-news/communique"
)

func TestParseSitemapIndexAndGzipChild(t *testing.T) {
	idx, err := ParseSitemap(readTestdata(t, "sitemap_index.xml"), "https://www.example.gov/sitemap.xml", retrieved, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Items) != 0 || len(idx.Children) != 2 {
		t.Fatalf("index: %d items, children %+v", len(idx.Items), idx.Children)
	}
	if c := idx.Children[0]; c.URL != "https://www.example.gov/sitemap-news-2025-09.xml.gz" || !c.LastMod.Equal(utc("2025-09-08T10:00:00Z")) {
		t.Errorf("child 0 = %+v", c)
	}
	if c := idx.Children[1]; c.URL != "https://www.example.gov/sitemap-pages.xml" || !c.LastMod.IsZero() {
		t.Errorf("child 1 (relative loc, no lastmod) = %+v", c)
	}

	gz := readTestdata(t, "sitemap_child.xml.gz")
	if Sniff(gz, "application/octet-stream") != FormatSitemap {
		t.Errorf("gzip'd sitemap not sniffed as a sitemap")
	}
	sm, err := ParseSitemap(gz, idx.Children[0].URL, retrieved, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []communique.Item{
		{URL: "https://www.example.gov/news/2025/09/08/release-a", Published: utc("2025-09-08T00:00:00Z"), Updated: utc("2025-09-08T00:00:00Z")},
		{URL: "https://www.example.gov/news/2025/09/07/release-b", Published: utc("2025-09-07T14:20:00Z"), Updated: utc("2025-09-07T14:20:00Z")},
		{URL: "https://www.example.gov/about", Published: retrieved.UTC(), DateMissing: true},
		// the repeated release-b is dropped; the image's loc is not a page
	}
	if len(sm.Children) != 0 || len(sm.Items) != len(want) {
		t.Fatalf("child: children %+v, items %+v", sm.Children, sm.Items)
	}
	for i := range want {
		checkItem(t, sm.Items[i], want[i])
	}
}

func TestParseSitemapCapsDecompressedSize(t *testing.T) {
	var raw bytes.Buffer
	raw.WriteString(`<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
	for raw.Len() < 200_000 {
		raw.WriteString(`<url><loc>https://www.example.gov/news/a-page-with-a-long-enough-address</loc></url>`)
	}
	raw.WriteString(`</urlset>`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()
	if gz.Len() > 20_000 {
		t.Fatalf("test sitemap compresses badly: %d bytes", gz.Len())
	}
	_, err := ParseSitemap(gz.Bytes(), "https://www.example.gov/s.xml.gz", retrieved, 100_000)
	if communique.ErrorCode(err) != communique.EINVALID || !strings.Contains(err.Error(), "larger than 100000 bytes") {
		t.Fatalf("gzip bomb: err = %v", err)
	}
	_, err = ParseSitemap(raw.Bytes(), "https://www.example.gov/s.xml", retrieved, 100_000)
	if communique.ErrorCode(err) != communique.EINVALID {
		t.Fatalf("oversized plain sitemap: err = %v", err)
	}
	sm, err := ParseSitemap(gz.Bytes(), "https://www.example.gov/s.xml.gz", retrieved, 1<<20)
	if err != nil || len(sm.Items) != 1 {
		t.Fatalf("within the cap: %v, %d items (one URL repeated)", err, len(sm.Items))
	}
}

func TestParseNewsSitemap(t *testing.T) {
	sm, err := ParseSitemap(readTestdata(t, "news_sitemap.xml"), "https://www.example.int/news-sitemap.xml", retrieved, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := []communique.Item{
		{URL: "https://www.example.int/en/news/2025/09/ceasefire-statement", Title: "Secretary-General welcomes ceasefire & talks",
			Published: utc("2025-09-08T11:45:00Z")},
		{URL: "https://www.example.int/en/news/2025/09/report", Title: "Annual report published",
			Published: utc("2025-09-06T00:00:00Z"), Updated: utc("2025-09-07T09:00:00Z")},
	}
	if len(sm.Items) != len(want) {
		t.Fatalf("items %+v", sm.Items)
	}
	for i := range want {
		checkItem(t, sm.Items[i], want[i])
	}
}

func TestParseSitemapRejects(t *testing.T) {
	for name, body := range map[string]string{
		"feed":    string(readTestdata(t, "rss2.xml")),
		"html":    "<!DOCTYPE html><html><body><p>Not found</p></body></html>",
		"corrupt": "\x1f\x8b\x08\x00garbage",
		"other":   `<?xml version="1.0"?><catalog><book/></catalog>`,
	} {
		if _, err := ParseSitemap([]byte(body), "https://example.org/sitemap.xml", retrieved, 1<<20); communique.ErrorCode(err) != communique.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

func FuzzParseSitemap(f *testing.F) {
	f.Add(readTestdata(f, "sitemap_index.xml"))
	f.Add(readTestdata(f, "news_sitemap.xml"))
	f.Add(readTestdata(f, "sitemap_child.xml.gz"))
	f.Fuzz(func(t *testing.T, body []byte) {
		sm, err := ParseSitemap(body, "https://example.org/sitemap.xml", retrieved, 1<<20)
		if err != nil {
			return
		}
		for _, it := range sm.Items {
			if it.URL == "" || it.Key == "" {
				t.Fatalf("item without URL or key: %+v", it)
			}
		}
	})
}
