package edit

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/extract"
)

func TestSanitizeXSS(t *testing.T) {
	cases := []struct {
		name, in string
		bad      []string // must not appear in the output (lower-cased)
		keep     []string // must appear
	}{
		{"script", `<p>a</p><script>alert(1)</script><p>b</p>`, []string{"<script", "alert(1)"}, []string{"<p>a</p>", "<p>b</p>"}},
		{"onerror", `<img src="/x.png" onerror="alert(1)" alt="x">`, []string{"onerror", "alert"}, []string{`src="https://example.org/x.png"`}},
		{"javascript url", `<a href="javascript:alert(1)">x</a><a href="JaVaScRiPt:alert(2)">y</a>`, []string{"javascript:", "alert"}, []string{"x", "y"}},
		{"entity-encoded javascript", `<a href="&#106;avascript:alert(1)">x</a>`, []string{"javascript", "alert"}, nil},
		{"svg onload", `<svg onload="alert(1)"><circle r="1"/></svg><p>ok</p>`, []string{"<svg", "onload", "alert"}, []string{"<p>ok</p>"}},
		{"style expression", `<p style="width: expression(alert(1))">t</p><style>p{background:url(javascript:alert(1))}</style>`, []string{"expression", "style", "alert"}, []string{"t"}},
		{"iframe not allowed", `<iframe src="https://evil.example/x"></iframe><p>t</p>`, []string{"<iframe", "evil"}, []string{"<p>t</p>"}},
		{"iframe allowed", `<iframe src="https://www.youtube-nocookie.com/embed/abc" onload="alert(1)"></iframe>`, []string{"onload", "alert"}, []string{`src="https://www.youtube-nocookie.com/embed/abc"`, "sandbox"}},
		{"iframe youtube (tracking) not allowed", `<iframe src="https://www.youtube.com/embed/abc"></iframe>`, []string{"<iframe"}, nil},
		{"data url", `<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a><img src="data:image/svg+xml;base64,PHN2Zz4=">`, []string{"data:"}, []string{"x"}},
		{"form", `<form action="https://evil.example"><input name="q"><button>go</button></form><p>t</p>`, []string{"<form", "<input", "<button", "evil"}, []string{"<p>t</p>"}},
		{"event handler on link", `<a href="https://a.example/" onclick="alert(1)" onmouseover="x()">a</a>`, []string{"onclick", "onmouseover"}, []string{"nofollow", "noopener", "noreferrer"}},
		{"tracking pixel", `<p>t</p><img src="https://example.org/p.gif" width="1" height="1"><img src="https://www.google-analytics.com/collect?x=1">`, []string{"p.gif", "google-analytics"}, []string{"<p>t</p>"}},
		{"meta refresh and base", `<meta http-equiv="refresh" content="0;url=https://evil.example"><base href="https://evil.example/"><p>t</p>`, []string{"refresh", "<base", "evil"}, []string{"<p>t</p>"}},
		{"object embed", `<object data="x.swf"></object><embed src="x.swf"><p>t</p>`, []string{"<object", "<embed", "swf"}, []string{"<p>t</p>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Sanitize(c.in, "https://example.org/news/1.html")
			low := strings.ToLower(out)
			for _, b := range c.bad {
				if strings.Contains(low, strings.ToLower(b)) {
					t.Errorf("output keeps %q: %s", b, out)
				}
			}
			for _, k := range c.keep {
				if !strings.Contains(out, k) {
					t.Errorf("output lost %q: %s", k, out)
				}
			}
		})
	}
}

func TestSanitizeRelativeURLs(t *testing.T) {
	out := Sanitize(`<p><a href="../about.html">About</a> <img src="img/a.jpg" alt="a"> <a href="#top">top</a></p>`, "https://example.org/news/2025/1.html")
	for _, want := range []string{`href="https://example.org/news/about.html"`, `src="https://example.org/news/2025/img/a.jpg"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in %s", want, out)
		}
	}
}

func TestSanitizeConcurrent(t *testing.T) {
	in := `<p>Hello <a href="/x" onclick="y()">x</a></p><script>z()</script>`
	want := Sanitize(in, "https://example.org/")
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if got := Sanitize(in, "https://example.org/"); got != want {
					errs <- got
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("concurrent result differs: %s", e)
	}
}

func TestLede(t *testing.T) {
	long := strings.Repeat("word ", 70)
	cases := []struct{ name, in, want string }{
		{"skips dateline and byline", "08 Sep. 2025\n\nBy Jane Doe\n\nThe minister met the delegation in Brussels on Monday. They discussed trade.", "The minister met the delegation in Brussels on Monday. They discussed trade."},
		{"sentence boundary", "First sentence has exactly seven words here. " + strings.Repeat("Second sentence is long and keeps going on. ", 10), "First sentence has exactly seven words here. Second sentence is long and keeps going on. Second sentence is long and keeps going on. Second sentence is long and keeps going on. Second sentence is long and keeps going on. Second sentence is long and keeps going on. Second sentence is long and keeps going on."},
		{"abbreviation is no boundary", "Mr. Smith met Dr. Jones at 10 a.m. today in the capital city. " + strings.Repeat("More text follows here for a while. ", 12), ""},
		{"one long sentence is cut", strings.TrimSpace(long), strings.TrimSpace(strings.Repeat("word ", 60)) + "…"},
		{"empty", "", ""},
	}
	for _, c := range cases {
		got := Lede(c.in)
		if n := len(strings.Fields(got)); n > LedeWords {
			t.Errorf("%s: %d words", c.name, n)
		}
		if c.want != "" && got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
		if c.name == "abbreviation is no boundary" && !strings.HasPrefix(got, "Mr. Smith met Dr. Jones at 10 a.m. today in the capital city.") {
			t.Errorf("%s: %q", c.name, got)
		}
	}
}

func TestReleaseFallbackAndDates(t *testing.T) {
	now := time.Date(2025, 9, 10, 12, 0, 0, 0, time.UTC)
	src := &communique.Source{ID: 7, Organization: "Ministry", Country: "FR", Licence: communique.LicenceSummary}
	it := communique.Item{URL: "https://example.org/r/1?utm_source=x", Title: "Title of release",
		ContentHTML: `<p>The ministry announced a new plan on “Monday” to expand rail links across the country.</p><script>x()</script>`,
		Published:   time.Date(2025, 9, 8, 9, 0, 0, 0, time.UTC)}
	r := Release(nil, it, src, now)
	if !r.Fallback || r.Title != "Title of release" || r.URL != "https://example.org/r/1" {
		t.Errorf("fallback %v title %q url %q", r.Fallback, r.Title, r.URL)
	}
	if strings.Contains(r.HTML, "script") || !strings.Contains(r.Text, `"Monday"`) {
		t.Errorf("html %q text %q", r.HTML, r.Text)
	}
	if r.Licence != communique.LicenceSummary || r.Organization != "Ministry" || r.Country != "FR" || r.SourceID != 7 {
		t.Errorf("licence %q org %q country %q source %d", r.Licence, r.Organization, r.Country, r.SourceID)
	}
	if !r.Published.Equal(it.Published) || r.DateEstimated || !r.Retrieved.Equal(now) || !r.Updated.Equal(now) {
		t.Errorf("published %v estimated %v retrieved %v", r.Published, r.DateEstimated, r.Retrieved)
	}
	if r.WordCount != 15 || r.Lede == "" {
		t.Errorf("word count %d lede %q", r.WordCount, r.Lede)
	}

	// The earlier explicit date wins; none at all is an estimate.
	a := &communique.Article{URL: it.URL, Title: "Title of release | Ministry", Text: "Body text here.", HTML: "<p>Body text here.</p>", Published: time.Date(2025, 9, 5, 0, 0, 0, 0, time.UTC)}
	r = Release(a, it, src, now)
	if !r.Published.Equal(a.Published) || r.Fallback {
		t.Errorf("published %v fallback %v", r.Published, r.Fallback)
	}
	if r.Title != "Title of release" {
		t.Errorf("title %q: the feed's title is better than the page's with affixes", r.Title)
	}
	a.Published = time.Time{}
	it.DateMissing = true
	r = Release(a, it, src, now)
	if !r.DateEstimated || !r.Published.Equal(now) {
		t.Errorf("no date: published %v estimated %v", r.Published, r.DateEstimated)
	}
}

func TestReleaseSeedCopy(t *testing.T) {
	body, err := os.ReadFile("../../shared/corpus/seed/mirage-copy.html")
	if err != nil {
		t.Skipf("seed corpus not available: %v", err)
	}
	pageURL := "https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister-1529944/"
	a, err := extract.Extract(body, pageURL, extract.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := &communique.Source{ID: 3, Organization: "Mirage News", Country: "AU", Licence: communique.LicenceSummary}
	it := communique.Item{URL: pageURL, Title: "NATO Chief Welcomes Iraqi Prime Minister", Published: time.Date(2025, 9, 8, 17, 12, 41, 0, time.UTC)}
	r := Release(a, it, src, time.Date(2025, 9, 9, 0, 0, 0, 0, time.UTC))
	if r.Organization != "NATO" || r.Country != "" {
		t.Errorf("organization %q country %q, want NATO", r.Organization, r.Country)
	}
	if r.URL != "https://www.nato.int/cps/en/natohq/news_237412.htm" {
		t.Errorf("url %q", r.URL)
	}
	if strings.Contains(r.Text, "Public Release") || strings.Contains(r.HTML, "View in full") {
		t.Error("footer kept")
	}
	if !strings.HasPrefix(r.Lede, "Secretary General Mark Rutte welcomed Prime Minister") || len(strings.Fields(r.Lede)) > LedeWords {
		t.Errorf("lede %q", r.Lede)
	}
	if r.WordCount < 400 {
		t.Errorf("word count %d", r.WordCount)
	}
}

func BenchmarkSanitize(b *testing.B) {
	in := strings.Repeat(`<p>Secretary General <a href="/people/rutte.htm" onclick="x()">Mark Rutte</a> welcomed the Prime Minister of Iraq to <b>NATO</b> Headquarters.</p><img src="/img/a.jpg" alt="a"><script>track()</script>`, 40)
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		Sanitize(in, "https://www.nato.int/cps/en/natohq/news_237412.htm")
	}
}

func BenchmarkRelease(b *testing.B) {
	para := `<p>Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters, on Monday (8 September 2025). They took stock of the evolving NATO-Iraq partnership.</p>`
	a := &communique.Article{URL: "https://www.nato.int/cps/en/natohq/news_237412.htm", Title: "NATO Chief welcomes Iraqi Prime Minister",
		HTML: strings.Repeat(para, 20), Text: strings.Repeat("Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters, on Monday (8 September 2025). They took stock of the evolving NATO-Iraq partnership.\n\n", 20),
		Published: time.Date(2025, 9, 8, 0, 0, 0, 0, time.UTC)}
	it := communique.Item{URL: a.URL, Title: a.Title}
	src := &communique.Source{Organization: "NATO", Licence: communique.LicenceFull}
	now := time.Date(2025, 9, 9, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		Release(a, it, src, now)
	}
}
