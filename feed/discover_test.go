package feed

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name, body, ct string
		want           Format
	}{
		{"rss", string(readTestdata(t, "rss2.xml")), "text/xml", FormatFeed},
		{"atom", string(readTestdata(t, "atom.xml")), "", FormatFeed},
		{"rdf", string(readTestdata(t, "rdf.xml")), "", FormatFeed},
		{"json feed", string(readTestdata(t, "feed.json")), "application/json", FormatFeed},
		{"latin1 rss", string(readTestdata(t, "latin1.xml")), "", FormatFeed},
		{"sitemap index", string(readTestdata(t, "sitemap_index.xml")), "", FormatSitemap},
		{"news sitemap", string(readTestdata(t, "news_sitemap.xml")), "text/xml", FormatSitemap},
		{"gzip sitemap", string(readTestdata(t, "sitemap_child.xml.gz")), "", FormatSitemap},
		{"html", string(readTestdata(t, "nato_listing.html")), "text/html", FormatHTML},
		{"html without doctype", "<html><body>x</body></html>", "", FormatHTML},
		{"bom and space", "\xef\xbb\xbf \n<rss version=\"2.0\"><channel></channel></rss>", "", FormatFeed},
		{"other json", `{"data": []}`, "application/json", FormatUnknown},
		{"text", "hello", "text/plain", FormatUnknown},
		{"html by header", "hello <b>there</b>", "text/html; charset=utf-8", FormatHTML},
	} {
		if got := Sniff([]byte(tc.body), tc.ct); got != tc.want {
			t.Errorf("%s: Sniff = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDiscover(t *testing.T) {
	page := `<!DOCTYPE html><html><head>
<base href="https://www.example.org/en/">
<link rel="alternate" type="application/rss+xml" title="Comments feed" href="/comments/feed">
<link rel="alternate" type="application/rss+xml" title="  Press  releases " href="press/rss.xml">
<link rel="alternate" type="application/atom+xml" title="Atom" href="https://www.example.org/en/atom.xml">
<link rel="alternate" type="application/feed+json" href="/feed.json">
<link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/12">
<link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
<link rel="alternate" hreflang="fr" href="/fr/">
<link rel="stylesheet" type="text/css" href="/main.css">
<link rel="alternate" type="application/rss+xml" href="press/rss.xml#again">
</head><body><a rel="alternate" type="application/atom+xml" href="/body.atom">feed</a></body></html>`
	got := Discover([]byte(page), "https://www.example.org/en/about.html")
	want := []Link{
		{URL: "https://www.example.org/en/press/rss.xml", Type: "application/rss+xml", Title: "Press releases"},
		{URL: "https://www.example.org/en/atom.xml", Type: "application/atom+xml", Title: "Atom"},
		{URL: "https://www.example.org/feed.json", Type: "application/feed+json"},
		{URL: "https://www.example.org/body.atom", Type: "application/atom+xml"},
		{URL: "https://www.example.org/comments/feed", Type: "application/rss+xml", Title: "Comments feed"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Discover =\n%+v\nwant\n%+v", got, want)
	}
	nato := Discover(readTestdata(t, "nato_listing.html"), "https://www.nato.int/cps/en/natohq/news.htm")
	if len(nato) != 1 || nato[0].URL != "https://www.nato.int/cps/rss/en/natohq/rssFeed.xsl/rssFeed.xml" {
		t.Errorf("NATO page: %+v", nato)
	}
	if l := Discover([]byte("<html><body>nothing</body></html>"), "https://x.org/"); l != nil {
		t.Errorf("page without feeds: %+v", l)
	}
}

func TestCommonFeedPaths(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range []string{"/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/feeds/all.atom.xml", "/news/rss.xml"} {
		seen[p] = true
	}
	for _, p := range CommonFeedPaths {
		if p == "" || p[0] != '/' {
			t.Errorf("path %q does not start with /", p)
		}
		delete(seen, p)
	}
	if len(seen) != 0 {
		t.Errorf("missing common paths: %v", seen)
	}
}

func TestSitemapsFromRobots(t *testing.T) {
	robots := "User-agent: *\nDisallow: /private/\n\nSitemap: https://www.example.org/sitemap_index.xml\nsitemap: /news-sitemap.xml\nSITEMAP: https://www.example.org/sitemap_index.xml\n# Sitemap: /commented.xml\n"
	got := SitemapsFromRobots([]byte(robots), "https://www.example.org/robots.txt")
	want := []string{"https://www.example.org/sitemap_index.xml", "https://www.example.org/news-sitemap.xml"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SitemapsFromRobots = %q, want %q", got, want)
	}
	if got := SitemapsFromRobots([]byte("User-agent: *\nDisallow:\n"), "https://x.org/robots.txt"); len(got) != 0 {
		t.Errorf("no sitemaps: %q", got)
	}
}

func TestHubFromHeader(t *testing.T) {
	h := http.Header{}
	h.Add("Link", `<https://www.example.org/feed?a=1,2>; rel="self"; type="application/rss+xml", <https://hub.example.com/>; rel="hub"`)
	h.Add("Link", `<https://other-hub.example.com/>; rel=hub`)
	hub, self := HubFromHeader(h)
	if hub != "https://hub.example.com/" || self != "https://www.example.org/feed?a=1,2" {
		t.Errorf("HubFromHeader = %q, %q", hub, self)
	}
	h = http.Header{}
	h.Set("Link", `<https://hub.example.com/>; rel="hub self"`)
	if hub, self := HubFromHeader(h); hub != "https://hub.example.com/" || self != "https://hub.example.com/" {
		t.Errorf("multi-token rel: %q, %q", hub, self)
	}
	if hub, self := HubFromHeader(http.Header{}); hub != "" || self != "" {
		t.Errorf("no header: %q, %q", hub, self)
	}
}

func FuzzDiscover(f *testing.F) {
	f.Add(readTestdata(f, "nato_listing.html"), "text/html")
	f.Add(readTestdata(f, "sitemap_child.xml.gz"), "")
	f.Add([]byte(`<link rel="alternate feed" type="application/atom+xml" href="//x.org/a">`), "")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		_ = Sniff(body, contentType)
		for _, l := range Discover(body, "https://www.example.org/page") {
			if u := baseURL(l.URL); u == nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				t.Fatalf("discovered a link that is not absolute http(s): %+v", l)
			}
		}
		for _, s := range SitemapsFromRobots(body, "https://www.example.org/robots.txt") {
			if baseURL(s) == nil {
				t.Fatalf("sitemap %q is not absolute", s)
			}
		}
	})
}

func FuzzHubFromHeader(f *testing.F) {
	f.Add(`<https://hub.example.com/>; rel="hub", <https://x.org/feed>; rel=self`)
	f.Add(`<a,b>; rel="hub self"; title="x, y"`)
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Link", v)
		hub, self := HubFromHeader(h)
		if (hub != "" && baseURL(hub) == nil) || (self != "" && baseURL(self) == nil) || strings.ContainsAny(hub+self, "<>") {
			t.Fatalf("HubFromHeader(%q) = %q, %q", v, hub, self)
		}
	})
}
