package feed

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/communique-news/communique"
)

func TestOPMLRoundTrip(t *testing.T) {
	sources := []*communique.Source{
		{Kind: communique.KindFeed, URL: "https://news.un.org/feed/subscribe/en/news/all/rss.xml", Title: "UN News", Organization: "United Nations", Licence: communique.LicenceFull},
		{Kind: communique.KindHTML, URL: "https://www.nato.int/cps/en/natohq/news.htm", Title: "NATO <News> & \"Releases\"", Organization: "NATO", Country: "BE", Licence: communique.LicenceSummary,
			Selectors: &communique.Selectors{Item: "div.news-item", Link: "a", Date: "span.date", Next: "span.pagination__next > a", MaxPages: 3}},
		{Kind: communique.KindSitemap, URL: "https://www.example.int/news-sitemap.xml", Organization: "Example Org", Licence: communique.LicenceLink},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "Communiqué sources", sources); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`xmlns:communique="` + OPMLNamespace + `"`, `type="rss" xmlUrl="https://news.un.org/feed/subscribe/en/news/all/rss.xml"`, `communique:organization="NATO"`, `<title>Communiqué sources</title>`} {
		if !strings.Contains(out, want) {
			t.Errorf("OPML lacks %s:\n%s", want, out)
		}
	}
	got, err := ParseOPML(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []Outline{
		{Title: "UN News", XMLURL: sources[0].URL, Organization: "United Nations", Licence: "full", Kind: "feed"},
		{Title: `NATO <News> & "Releases"`, XMLURL: sources[1].URL, Organization: "NATO", Country: "BE", Licence: "summary", Kind: "html", Selectors: sources[1].Selectors},
		{Title: "Example Org", XMLURL: sources[2].URL, Organization: "Example Org", Licence: "link", Kind: "sitemap"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseOPMLFromOtherReaders(t *testing.T) {
	f := bytes.NewReader(readTestdata(t, "subscriptions.opml"))
	got, err := ParseOPML(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Outline{
		{Title: "UN News", XMLURL: "https://news.un.org/feed/subscribe/en/news/all/rss.xml", HTMLURL: "https://news.un.org/"},
		{Title: "ECB press", XMLURL: "https://www.ecb.europa.eu/rss/press.html"},
		{Title: "WHO", XMLURL: "https://www.who.int/rss-feeds/news-english.xml", Organization: "WHO", Country: "CH"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseOPML:\n got %+v\nwant %+v", got, want)
	}
	for name, body := range map[string]string{"not xml": "hello", "not opml": `<?xml version="1.0"?><rss/>`} {
		if _, err := ParseOPML(strings.NewReader(body)); communique.ErrorCode(err) != communique.EINVALID {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func FuzzParseOPML(f *testing.F) {
	f.Add(readTestdata(f, "subscriptions.opml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		outlines, err := ParseOPML(bytes.NewReader(body))
		if err != nil {
			return
		}
		for _, o := range outlines {
			if o.XMLURL == "" {
				t.Fatalf("outline without URL: %+v", o)
			}
		}
	})
}
