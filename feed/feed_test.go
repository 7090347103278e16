package feed

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/communique-news/communique"
)

var retrieved = time.Date(2026, 11, 26, 18, 0, 0, 0, time.FixedZone("CET", 3600))

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFile(t *testing.T, name, feedURL string) *Feed {
	t.Helper()
	f, err := Parse(readTestdata(t, name), feedURL, retrieved)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return f
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func checkItem(t *testing.T, got, want communique.Item) {
	t.Helper()
	if got.GUID != want.GUID || got.URL != want.URL || got.Title != want.Title || got.Author != want.Author ||
		!got.Published.Equal(want.Published) || !got.Updated.Equal(want.Updated) || got.DateMissing != want.DateMissing {
		t.Errorf("item\n got: guid=%q url=%q title=%q author=%q published=%v updated=%v missing=%v\nwant: guid=%q url=%q title=%q author=%q published=%v updated=%v missing=%v",
			got.GUID, got.URL, got.Title, got.Author, got.Published, got.Updated, got.DateMissing,
			want.GUID, want.URL, want.Title, want.Author, want.Published, want.Updated, want.DateMissing)
	}
	if want.Summary != "" && got.Summary != want.Summary {
		t.Errorf("summary of %q = %q, want %q", got.Title, got.Summary, want.Summary)
	}
	if got.Key != ItemKey(got) {
		t.Errorf("Key %q is not ItemKey %q", got.Key, ItemKey(got))
	}
	if got.Published.Location() != time.UTC {
		t.Errorf("Published %v is not in UTC", got.Published)
	}
}

func TestParseRSS2(t *testing.T) {
	f := parseFile(t, "rss2.xml", "https://www.example.gov/news/rss.xml")
	if f.Title != "Ministry of Examples & Tests — News" || f.SiteURL != "https://www.example.gov/news/" ||
		f.HubURL != "https://hub.example.net/" || f.SelfURL != "https://www.example.gov/news/rss.xml" {
		t.Errorf("feed = %q %q hub=%q self=%q", f.Title, f.SiteURL, f.HubURL, f.SelfURL)
	}
	want := []communique.Item{
		{GUID: "release-1001", URL: "https://www.example.gov/news/2024/agreement.html?utm_source=rss",
			Title: "Minister welcomes the agreement", Author: "Press Office",
			Summary:   "The Minister welcomed the agreement & said so.",
			Published: utc("2024-12-15T12:15:00Z")},
		// relative link, no xml:base: resolved against the feed's URL; EST is UTC-5
		{URL: "https://www.example.gov/news/2024/relative.html", Title: "Relative link without xml:base",
			Summary: "Plain summary.", Published: utc("2024-12-16T14:30:00Z")},
		// the second item with GUID release-1001 is dropped
		{URL: "https://www.example.gov/news/2024/undated.html", Title: "No date at all",
			Published: retrieved.UTC(), DateMissing: true},
		// the item with neither title nor link is dropped
		{GUID: "https://www.example.gov/news/2024/permalink-guid.html", URL: "https://www.example.gov/news/2024/permalink-guid.html",
			Title: "Wrong weekday and no seconds", Published: utc("2024-12-18T14:05:00Z")},
	}
	if len(f.Items) != len(want) {
		for _, it := range f.Items {
			t.Logf("%+v", it)
		}
		t.Fatalf("%d items, want %d", len(f.Items), len(want))
	}
	for i := range want {
		checkItem(t, f.Items[i], want[i])
	}
	if c := f.Items[0].ContentHTML; !strings.Contains(c, "<p>Full text.</p>") {
		t.Errorf("ContentHTML = %q, want content:encoded", c)
	}
	if f.Items[0].Key != "guid:release-1001" || f.Items[1].Key != "url:https://www.example.gov/news/2024/relative.html" {
		t.Errorf("keys %q, %q", f.Items[0].Key, f.Items[1].Key)
	}
	if f.Items[1].ContentHTML != "" {
		t.Errorf("plain description became ContentHTML %q", f.Items[1].ContentHTML)
	}
}

func TestParseAtomXMLBase(t *testing.T) {
	f := parseFile(t, "atom.xml", "https://press.example.org/en/atom.xml")
	if f.Title != "Council Press" || f.SiteURL != "https://press.example.org/en/press/" || f.HubURL != "https://pubsubhubbub.example.com/" || f.SelfURL != "https://press.example.org/en/atom.xml" {
		t.Errorf("feed = %q %q hub=%q self=%q", f.Title, f.SiteURL, f.HubURL, f.SelfURL)
	}
	want := []communique.Item{
		{GUID: "urn:example:press:1", URL: "https://press.example.org/en/releases/2025/09/conclusions.html",
			Title: "Council adopts conclusions", Author: "General Secretariat", Summary: "The Council adopted conclusions today.",
			Published: utc("2025-09-08T08:00:00Z"), Updated: utc("2025-09-08T10:30:00Z")},
		{GUID: "urn:example:press:2", URL: "https://press.example.org/en/statements/2025/09/statement.html",
			Title: "Statement with only an update date", Summary: "Only content, no summary.",
			Published: utc("2025-09-07T08:00:00Z")},
	}
	if len(f.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(f.Items), len(want))
	}
	for i := range want {
		checkItem(t, f.Items[i], want[i])
	}
	if c := f.Items[0].ContentHTML; !strings.Contains(c, `href="https://press.example.org/en/releases/annex.pdf"`) {
		t.Errorf("content links not resolved against xml:base: %q", c)
	}
}

func TestParseAtomRelativeWithoutBase(t *testing.T) {
	f := parseFile(t, "atom_nobase.xml", "https://example.org/feeds/atom.xml")
	if len(f.Items) != 1 || f.Items[0].URL != "https://example.org/releases/one.html" {
		t.Fatalf("items = %+v", f.Items)
	}
}

func TestParseRDF(t *testing.T) {
	f := parseFile(t, "rdf.xml", "https://bank.example.eu/rss")
	if f.Title != "Central Bank Press Releases" || f.SiteURL != "https://bank.example.eu/press/" {
		t.Errorf("feed = %q %q", f.Title, f.SiteURL)
	}
	want := []communique.Item{
		{URL: "https://bank.example.eu/press/pr250908.html", Title: "Monetary policy decisions", Author: "Directorate General Communications",
			Summary: "The Governing Council decided to keep rates unchanged.", Published: utc("2025-09-08T12:15:00Z")},
		{URL: "https://bank.example.eu/press/pr250901.html", Title: "Account of the meeting", Published: utc("2025-09-01T00:00:00Z")},
	}
	if len(f.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(f.Items), len(want))
	}
	for i := range want {
		checkItem(t, f.Items[i], want[i])
	}
}

func TestParseJSONFeed(t *testing.T) {
	f := parseFile(t, "feed.json", "https://agency.example.int/feed.json")
	if f.Title != "Agency Newsroom" || f.SiteURL != "https://agency.example.int/" || f.HubURL != "https://hub.example.int/" || f.SelfURL != "https://agency.example.int/feed.json" {
		t.Errorf("feed = %q %q hub=%q self=%q", f.Title, f.SiteURL, f.HubURL, f.SelfURL)
	}
	want := []communique.Item{
		{GUID: "https://agency.example.int/news/2025/alert", URL: "https://agency.example.int/news/2025/alert", Title: "Agency issues alert",
			Author: "Media Office", Summary: "An alert was issued.", Published: utc("2025-09-08T13:00:00Z"), Updated: utc("2025-09-08T15:00:00Z")},
		{GUID: "2", URL: "https://agency.example.int/news/2025/note", Summary: "A note without a title. Second paragraph with <angle> brackets.",
			Published: utc("2025-09-08T00:00:00Z")},
	}
	if len(f.Items) != len(want) {
		t.Fatalf("%d items, want %d", len(f.Items), len(want))
	}
	for i := range want {
		checkItem(t, f.Items[i], want[i])
	}
	if got := f.Items[0].ContentHTML; got != "<p>An <strong>alert</strong> was issued.</p>" {
		t.Errorf("content_html = %q", got)
	}
	if got := f.Items[1].ContentHTML; got != "<p>A note without a title.</p><p>Second paragraph with &lt;angle&gt; brackets.</p>" {
		t.Errorf("content_text as HTML = %q", got)
	}
}

func TestParseEncodings(t *testing.T) {
	for _, tc := range []struct {
		file, feedTitle, title, summary string
		published                       time.Time
	}{
		{"latin1.xml", "Ministère des Affaires étrangères", "Le ministre se félicite de l'accord", "Déclaration à la presse.", utc("2025-09-08T09:00:00Z")},
		{"windows1252.xml", "Budget ’news’", "Minister’s statement on the €5 billion café fund", "“A good day,” said the Minister – really.", utc("2025-09-08T10:00:00Z")},
		{"undeclared_latin1.xml", "Undeclared", "Declaración del Ministerio – €", "", time.Time{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			f := parseFile(t, tc.file, "https://www.example.eu/feed")
			if f.Title != tc.feedTitle {
				t.Errorf("feed title %q, want %q", f.Title, tc.feedTitle)
			}
			if len(f.Items) != 1 {
				t.Fatalf("%d items", len(f.Items))
			}
			it := f.Items[0]
			if it.Title != tc.title || it.Summary != tc.summary {
				t.Errorf("item %q / %q, want %q / %q", it.Title, it.Summary, tc.title, tc.summary)
			}
			if !tc.published.IsZero() && !it.Published.Equal(tc.published) {
				t.Errorf("published %v, want %v", it.Published, tc.published)
			}
		})
	}
}

func TestParseControlCharacters(t *testing.T) {
	f := parseFile(t, "control.xml", "https://www.example.org/rss")
	if f.Title != "Control characters" {
		t.Errorf("feed title %q", f.Title)
	}
	if len(f.Items) != 1 {
		t.Fatalf("%d items", len(f.Items))
	}
	it := f.Items[0]
	if it.Title != "Title with a backspace and a escape" || !strings.HasPrefix(it.Summary, "Text with NUL and form feed") {
		t.Errorf("item %q / %q", it.Title, it.Summary)
	}
	for _, s := range []string{it.Title, it.Summary} {
		for _, r := range s {
			if unicode.IsControl(r) || r == 0xFFFE {
				t.Errorf("%q kept control character %U", s, r)
			}
		}
	}
}

func TestParseNotAFeed(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"html", "<!DOCTYPE html><html><head><title>x</title></head><body>hi</body></html>", "HTML page"},
		{"sitemap", string(readTestdata(t, "news_sitemap.xml")), "sitemap"},
		{"garbage", "just some text", "not a feed"},
		{"truncated", `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item><title>a`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse([]byte(tc.body), "https://example.org/feed", retrieved)
			if tc.name == "truncated" {
				// A truncated feed either fails cleanly or yields what it holds.
				if err == nil && f == nil {
					t.Fatal("nil feed and nil error")
				}
				return
			}
			if err == nil {
				t.Fatalf("no error for %s", tc.name)
			}
			if communique.ErrorCode(err) != communique.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want EINVALID mentioning %q", err, tc.want)
			}
		})
	}
}

func TestItemKey(t *testing.T) {
	pub := utc("2025-09-08T10:00:00Z")
	for _, tc := range []struct {
		it   communique.Item
		want string
	}{
		{communique.Item{GUID: "  abc  ", URL: "https://x.org/a"}, "guid:abc"},
		{communique.Item{URL: " HTTPS://X.org/a/?utm_source=rss#top "}, "url:https://x.org/a"},
	} {
		if got := ItemKey(tc.it); got != tc.want {
			t.Errorf("ItemKey(%+v) = %q, want %q", tc.it, got, tc.want)
		}
	}
	long := strings.Repeat("x", 5000)
	if k := ItemKey(communique.Item{GUID: long}); len(k) > 100 || !strings.HasPrefix(k, "guid:sha256-") || k == ItemKey(communique.Item{GUID: long + "y"}) {
		t.Errorf("key of a 5000-byte GUID: %q", k)
	}
	a := ItemKey(communique.Item{Title: "Statement  by the Council", Published: pub})
	b := ItemKey(communique.Item{Title: " Statement by the Council ", Published: pub.In(time.FixedZone("", 7200))})
	c := ItemKey(communique.Item{Title: "Statement by the Council", Published: pub.Add(time.Hour)})
	if !strings.HasPrefix(a, "hash:") || a != b || a == c {
		t.Errorf("title+date keys: %q %q %q", a, b, c)
	}
	// A missing date is the retrieval time: it must not change the key.
	d1 := ItemKey(communique.Item{Title: "Undated", Published: pub, DateMissing: true})
	d2 := ItemKey(communique.Item{Title: "Undated", Published: pub.Add(time.Hour), DateMissing: true})
	if d1 != d2 {
		t.Errorf("undated item keys differ across polls: %q %q", d1, d2)
	}
}

func TestParseKeysStableAcrossPolls(t *testing.T) {
	body := readTestdata(t, "rss2.xml")
	a, err := Parse(body, "https://www.example.gov/news/rss.xml", retrieved)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(body, "https://www.example.gov/news/rss.xml", retrieved.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Items {
		if a.Items[i].Key != b.Items[i].Key {
			t.Errorf("item %d key changed between polls: %q → %q", i, a.Items[i].Key, b.Items[i].Key)
		}
	}
}

func rssWithItems(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Bench</title><link>https://www.example.gov/</link>`)
	for i := range n {
		fmt.Fprintf(&b, `<item><title>Release number %d on the &lt;budget&gt;</title><link>https://www.example.gov/news/%d.html</link><guid>id-%d</guid>`+
			`<pubDate>Mon, 08 Sep 2025 10:%02d:00 +0200</pubDate><description>Summary of release %d, with a few words of text.</description>`+
			`<content:encoded><![CDATA[<p>Paragraph one of release %d.</p><p>Paragraph two, somewhat longer, with <a href="/x">a link</a>.</p>]]></content:encoded></item>`, i, i, i, i%60, i, i)
	}
	b.WriteString(`</channel></rss>`)
	return b.Bytes()
}

func TestParseManyItems(t *testing.T) {
	f, err := Parse(rssWithItems(50), "https://www.example.gov/rss", retrieved)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 50 || f.Items[49].Title != "Release number 49 on the <budget>" {
		t.Fatalf("%d items, last %+v", len(f.Items), f.Items[len(f.Items)-1])
	}
}

func BenchmarkParse(b *testing.B) {
	body := rssWithItems(50)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(body, "https://www.example.gov/rss", retrieved); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"rss2.xml", "atom.xml", "rdf.xml", "feed.json", "latin1.xml", "control.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		feed, err := Parse(body, "https://example.org/feed", retrieved)
		if err != nil {
			var ce *communique.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error is not a communique.Error: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, it := range feed.Items {
			if it.URL == "" && it.Title == "" {
				t.Fatalf("item with neither link nor title: %+v", it)
			}
			if it.Key == "" || seen[it.Key] {
				t.Fatalf("empty or repeated key %q", it.Key)
			}
			seen[it.Key] = true
		}
	})
}

func FuzzItemKey(f *testing.F) {
	f.Add("guid-1", "https://example.org/a?utm_source=x", "Title", int64(1757325600), false)
	f.Add("", "/relative", "", int64(0), true)
	f.Add("", "", "Only a title", int64(-1), false)
	f.Add(" ", "  ", " ", int64(1), false)
	f.Fuzz(func(t *testing.T, guid, link, title string, unix int64, missing bool) {
		it := communique.Item{GUID: guid, URL: link, Title: title, Published: time.Unix(unix, 0), DateMissing: missing}
		k := ItemKey(it)
		if k != ItemKey(it) {
			t.Fatal("ItemKey is not stable")
		}
		if (link != "" || title != "") && k == "" {
			t.Fatalf("empty key for %+v", it)
		}
		if !strings.HasPrefix(k, "guid:") && !strings.HasPrefix(k, "url:") && !strings.HasPrefix(k, "hash:") {
			t.Fatalf("key %q has no kind prefix", k)
		}
		// The retrieval time of an undated item never changes its key.
		if missing {
			later := it
			later.Published = it.Published.Add(time.Hour)
			if ItemKey(later) != k {
				t.Fatal("key of an undated item depends on the retrieval time")
			}
		}
	})
}

func TestParseRSSXMLBaseAndEntities(t *testing.T) {
	body := `<?xml version="1.0"?>
<rss version="2.0"><channel xml:base="https://cdn.example.com/base/"><title>Caf&eacute; &amp;amp; news&nbsp;today</title><link>https://www.example.com/</link>
<item><title>Base-relative</title><link>releases/a.html</link><description>&lt;p&gt;See &lt;a href="annex.pdf"&gt;the annex&lt;/a&gt;, &lt;a href="https://other.org/x"&gt;this&lt;/a&gt; and &lt;img src="/img/a.png"&gt;.&lt;/p&gt;</description></item>
</channel></rss>`
	f, err := Parse([]byte(body), "https://www.example.com/rss.xml", retrieved)
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "Café & news today" {
		t.Errorf("title with HTML entities: %q", f.Title)
	}
	if len(f.Items) != 1 || f.Items[0].URL != "https://cdn.example.com/base/releases/a.html" {
		t.Fatalf("items %+v", f.Items)
	}
	c := f.Items[0].ContentHTML
	for _, want := range []string{`href="https://cdn.example.com/base/releases/annex.pdf"`, `href="https://other.org/x"`, `src="https://cdn.example.com/img/a.png"`} {
		if !strings.Contains(c, want) {
			t.Errorf("ContentHTML %q lacks %s", c, want)
		}
	}
	if s := f.Items[0].Summary; s != "See the annex, this and ." {
		t.Errorf("summary %q", s)
	}
}

func TestResolveHTMLLinks(t *testing.T) {
	base := baseURL("https://www.example.org/news/item.html")
	for in, want := range map[string]string{
		`<p>No links</p>`:                             `<p>No links</p>`,
		`<a href="https://x.org/">abs</a>`:            `<a href="https://x.org/">abs</a>`,
		`<a href="#top">top</a><a href='mailto:a@b'>`: `<a href="#top">top</a><a href='mailto:a@b'>`,
		`<a href="../a.html" class="x">rel</a>`:       `<a href="https://www.example.org/a.html" class="x">rel</a>`,
		`<img src="/i.png" alt="A &amp; B"/>`:         `<img src="https://www.example.org/i.png" alt="A &amp; B"/>`,
		`<p>x &lt; y</p><a href=b.html>b</a>`:         `<p>x &lt; y</p><a href="https://www.example.org/news/b.html">b</a>`,
	} {
		if got := resolveHTMLLinks(in, base); got != want {
			t.Errorf("resolveHTMLLinks(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseGUIDSharedByEveryItem(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>Broken GUIDs</title>`)
	for i := range 4 {
		fmt.Fprintf(&b, `<item><title>Release %d</title><link>https://x.org/r/%d</link><guid isPermaLink="false">0</guid></item>`, i, i)
	}
	b.WriteString(`</channel></rss>`)
	f, err := Parse([]byte(b.String()), "https://x.org/rss", retrieved)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 4 {
		t.Fatalf("%d items, want 4: a GUID on every item is no identifier", len(f.Items))
	}
	for i, it := range f.Items {
		if want := fmt.Sprintf("url:https://x.org/r/%d", i); it.Key != want || it.GUID != "" {
			t.Errorf("item %d: key %q guid %q, want %q", i, it.Key, it.GUID, want)
		}
	}
}

func TestParseUTF16(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel><title>Zürich €</title><item><title>Ärger über Ölpreise</title><link>https://x.ch/a</link></item></channel></rss>`
	for _, order := range []string{"le", "be"} {
		var b []byte
		if order == "le" {
			b = []byte{0xFF, 0xFE}
		} else {
			b = []byte{0xFE, 0xFF}
		}
		for _, r := range doc {
			// every character here is in the BMP
			if order == "le" {
				b = append(b, byte(r), byte(r>>8))
			} else {
				b = append(b, byte(r>>8), byte(r))
			}
		}
		f, err := Parse(b, "https://x.ch/rss", retrieved)
		if err != nil {
			t.Fatalf("UTF-16%s: %v", order, err)
		}
		if f.Title != "Zürich €" || len(f.Items) != 1 || f.Items[0].Title != "Ärger über Ölpreise" {
			t.Errorf("UTF-16%s: %q %+v", order, f.Title, f.Items)
		}
	}
}
