package extract

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden is what a golden file records of an article.
type golden struct {
	URL          string `json:"url"`
	CanonicalURL string `json:"canonical_url"`
	Title        string `json:"title"`
	Author       string `json:"author"`
	Published    string `json:"published"`
	Modified     string `json:"modified"`
	Language     string `json:"language"`
	SiteName     string `json:"site_name"`
	Image        string `json:"image"`
	Originator   string `json:"originator"`
	OriginalURL  string `json:"original_url"`
	Text         string `json:"text"`
}

func toGolden(a *communique.Article) golden {
	g := golden{URL: a.URL, CanonicalURL: a.CanonicalURL, Title: a.Title, Author: a.Author, Language: a.Language,
		SiteName: a.SiteName, Image: a.Image, Originator: a.Originator, OriginalURL: a.OriginalURL, Text: a.Text}
	if !a.Published.IsZero() {
		g.Published = a.Published.Format(time.RFC3339)
	}
	if !a.Modified.IsZero() {
		g.Modified = a.Modified.Format(time.RFC3339)
	}
	return g
}

func TestGolden(t *testing.T) {
	pages, err := filepath.Glob("testdata/pages/*.html.gz")
	if err != nil || len(pages) == 0 {
		t.Fatalf("no test pages: %v", err)
	}
	for _, p := range pages {
		id := strings.TrimSuffix(filepath.Base(p), ".html.gz")
		t.Run(id, func(t *testing.T) {
			body, err := ReadPage(p)
			if err != nil {
				t.Fatal(err)
			}
			u, err := os.ReadFile(strings.TrimSuffix(p, ".html.gz") + ".url")
			if err != nil {
				t.Fatal(err)
			}
			a, err := Extract(body, strings.TrimSpace(string(u)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(toGolden(a), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Join("testdata", "golden", id+".json")
			if *update {
				if err := os.WriteFile(name, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
				t.Errorf("%s differs from the golden file; if the change is intended, run go test -run TestGolden -update\ngot:\n%s", name, got)
			}
		})
	}
}

func TestSizeCap(t *testing.T) {
	body := []byte("<html><body><p>" + strings.Repeat("word ", 300) + "</p></body></html>")
	_, err := Extract(body, "https://example.org/a", Options{MaxBytes: 1000})
	if communique.ErrorCode(err) != communique.EINVALID || !strings.Contains(communique.ErrorMessage(err), "over the") {
		t.Fatalf("err = %v, want EINVALID about the cap", err)
	}
	if _, err := Extract(body, "https://example.org/a", Options{MaxBytes: 1 << 20}); err != nil {
		t.Fatalf("under the cap: %v", err)
	}
}

func TestEmptyPage(t *testing.T) {
	for _, body := range []string{"", "<html></html>", "<html><body><nav><a href=/>Home</a></nav></body></html>"} {
		if a, err := Extract([]byte(body), "https://example.org/", Options{}); err == nil {
			t.Errorf("%q: got an article %+v, want an error", body, a)
		}
	}
}

func TestFooterGenericPhrasing(t *testing.T) {
	page := `<html><head><title>Council adopts new water rules | Daily Wire Service</title></head><body>
<nav><a href="/">Home</a></nav><article><h1>Council adopts new water rules</h1>
<p>The regional council adopted new rules on water use on Tuesday, after a year of consultation with farmers, cities and industry across the basin.</p>
<p>The rules cap withdrawals during droughts and require metering for all large users, with the first checks due next spring in the northern districts.</p>
<p>Officials said the measures would be reviewed after three years and adjusted to the state of the reservoirs and the river flows observed then.</p>
<p>This article was originally published by the Regional Water Authority. <a href="https://water.example.gov/news/rules-2025">Read the original</a>.</p>
</article></body></html>`
	a, err := Extract([]byte(page), "https://wire.example.com/2025/council-water-rules", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Originator != "the Regional Water Authority" && a.Originator != "Regional Water Authority" {
		t.Errorf("originator %q", a.Originator)
	}
	if a.OriginalURL != "https://water.example.gov/news/rules-2025" {
		t.Errorf("original URL %q", a.OriginalURL)
	}
	if strings.Contains(a.Text, "originally published") || !strings.Contains(a.Text, "cap withdrawals") {
		t.Errorf("text %q", a.Text)
	}
	if a.Title != "Council adopts new water rules" {
		t.Errorf("title %q", a.Title)
	}
	// The same words inside a paragraph are not a footer.
	inline := strings.Replace(page, "<p>This article was originally published", "<p>Officials noted that the plan, which was first published by the council in May, had changed. This article was originally published", 1)
	b, err := Extract([]byte(inline), "https://wire.example.com/2025/council-water-rules", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b.OriginalURL != "" || b.Footer != "" {
		t.Errorf("a sentence inside a paragraph was taken for a footer: %q", b.Footer)
	}
	// No footers configured: nothing removed.
	c, err := Extract([]byte(page), "https://wire.example.com/2025/council-water-rules", Options{Footers: []FooterPattern{}})
	if err != nil {
		t.Fatal(err)
	}
	if c.OriginalURL != "" || c.Footer != "" {
		t.Errorf("footer found with no patterns: %q", c.Footer)
	}
}

func TestRules(t *testing.T) {
	page := `<html><head><title>X</title></head><body><div class="teaser"><p>` + strings.Repeat("Teaser words that are not the release at all. ", 30) + `</p></div>
<div class="release-body"><h1 class="hl">The release headline</h1><p>Only this is the release text.</p><div class="share">Share this</div></div></body></html>`
	rules := []Rule{{Host: "example.gov", Content: ".release-body", Remove: ".share, h1", Title: ".hl"}}
	a, err := Extract([]byte(page), "https://www.example.gov/r/1", Options{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != "Only this is the release text." || a.Title != "The release headline" {
		t.Errorf("text %q title %q", a.Text, a.Title)
	}
	// The rule applies only to its host.
	b, err := Extract([]byte(page), "https://other.example.org/r/1", Options{Rules: rules})
	if err != nil {
		t.Fatal(err)
	}
	if b.Text == a.Text {
		t.Error("rule applied on another host")
	}
}

func TestStripAffixes(t *testing.T) {
	cases := []struct{ in, site, host, want string }{
		{"NATO Chief Welcomes Iraqi Prime Minister | Mirage News", "Mirage News", "www.miragenews.com", "NATO Chief Welcomes Iraqi Prime Minister"},
		{"NATO - News: NATO Chief welcomes Iraqi Prime Minister, 08-Sep.-2025", "", "www.nato.int", "NATO Chief welcomes Iraqi Prime Minister"},
		{"Press release: Minister visits Lagos – GOV.UK", "GOV.UK", "www.gov.uk", "Minister visits Lagos"},
		{"Council adopts budget - City of Springfield", "City of Springfield", "springfield.example.gov", "Council adopts budget"},
		{"Rates unchanged | News | Central Bank", "", "centralbank.example", "Rates unchanged"},
		{"Peace talks: what comes next", "", "example.org", "Peace talks: what comes next"},
		{"Go ahead, self-host Postgres", "", "example.com", "Go ahead, self-host Postgres"},
	}
	for _, c := range cases {
		if got := stripAffixes(c.in, c.site, c.host); got != c.want {
			t.Errorf("stripAffixes(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	cases := map[string]string{
		"2025-09-08T12:30:00+02:00": "2025-09-08", "2025-09-08": "2025-09-08", "08 Sep. 2025": "2025-09-08",
		"Sept. 8, 2025": "2025-09-08", "Mon, 08 Sep 2025 10:00:00 +0000": "2025-09-08", "September 8, 2025": "2025-09-08",
		"1890-01-01": "", "not a date": "", "": "",
	}
	for in, want := range cases {
		got := ""
		if d := parseDate(in); !d.IsZero() {
			got = d.Format("2006-01-02")
		}
		if got != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFromItem(t *testing.T) {
	it := communique.Item{URL: "https://example.org/1", Title: " A  title ", Summary: "First paragraph.\n\nSecond paragraph.", Published: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)}
	a := FromItem(it)
	if !a.Fallback || a.Title != "A title" || a.Text != "First paragraph.\n\nSecond paragraph." || !a.Published.Equal(it.Published) {
		t.Errorf("%+v", a)
	}
	it.DateMissing = true
	it.ContentHTML = "<p>Body <b>bold</b></p><script>x()</script>"
	a = FromItem(it)
	if !a.Published.IsZero() || a.Text != "Body bold" {
		t.Errorf("published %v text %q", a.Published, a.Text)
	}
}

func TestWordF1(t *testing.T) {
	p, r, f := WordF1("The cat sat, the cat!", "the cat sat on the mat")
	// got: the cat sat the cat (5); want: the cat sat on the mat (6); common: the×2 cat sat = 4
	if fmt.Sprintf("%.3f %.3f %.3f", p, r, f) != "0.800 0.667 0.727" {
		t.Errorf("p %.3f r %.3f f %.3f", p, r, f)
	}
	if _, _, f := WordF1("", ""); f != 1 {
		t.Error("two empty texts")
	}
	if !TitleMatch("It’s  “here” – now", "It's \"here\" - now") || TitleMatch("A", "a") {
		t.Error("TitleMatch")
	}
}

// bigPage is a ~5 MB release page: a long article amid navigation,
// related links and comments.
func bigPage() []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Annual report | Ministry</title>
<meta property="article:published_time" content="2025-06-30T09:00:00Z"></head><body><nav>`)
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, `<a href="/section/%d">Section %d</a> `, i, i)
	}
	b.WriteString(`</nav><main><article><h1>Annual report</h1>`)
	for b.Len() < 4<<20 {
		b.WriteString(`<p>The ministry reports that programme spending rose in every region, while administrative costs fell for the third year in a row, according to the audited accounts published today.</p>`)
	}
	b.WriteString(`</article><aside>`)
	for b.Len() < 5<<20-2000 {
		b.WriteString(`<div class="related"><a href="/news/x">Related release title here</a></div>`)
	}
	b.WriteString(`</aside></main></body></html>`)
	return []byte(b.String())
}

// TestMemoryBigPage: a 5 MB page is processed within about 100 MB of
// allocations, measured with runtime.MemStats.
func TestMemoryBigPage(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a 5 MB page")
	}
	if raceEnabled {
		t.Skip("allocation figures are meaningless under the race detector")
	}
	page := bigPage()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a, err := Extract(page, "https://ministry.example.gov/report", Options{MaxBytes: 6 << 20})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	total := after.TotalAlloc - before.TotalAlloc
	peak := after.HeapInuse
	t.Logf("page %.1f MB: allocated %.1f MB in all, heap in use after %.1f MB, %d words", float64(len(page))/(1<<20), float64(total)/(1<<20), float64(peak)/(1<<20), len(strings.Fields(a.Text)))
	if !strings.Contains(a.Text, "audited accounts") {
		t.Error("lost the text")
	}
	// The target is about 100 MB for a 5 MB page; the margin absorbs
	// differences between Go versions, not a regression to quadratic
	// behaviour (which allocated 44 GB here).
	if total > 150<<20 {
		t.Errorf("allocated %.0f MB for one 5 MB page, want about 100 MB at most", float64(total)/(1<<20))
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte(`<html><head><title>T | S</title><meta property="og:title" content="T"></head><body><h1>T</h1><p>Text.</p></body></html>`), "https://example.org/a")
	f.Add([]byte(`<p>/Public Release. This material from the originating organization/author(s) might be <a href="x">View in full here</a>.</p>`), "https://www.miragenews.com/x")
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","headline":"H","datePublished":"2025-01-01","author":[{"name":"A"}]}]}</script><time datetime="x">08 Sep. 2025</time>`), "")
	f.Add([]byte("\xff\xfe<\x00h\x001\x00>"), "::")
	for _, p := range []string{"testdata/pages/2862.html.gz", "testdata/pages/4557.html.gz"} {
		if b, err := ReadPage(p); err == nil {
			f.Add(b, "https://example.org/p")
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, u string) {
		a, err := Extract(body, u, Options{MaxBytes: 1 << 20})
		if err == nil && strings.TrimSpace(a.Text) == "" {
			t.Error("article without text")
		}
	})
}

func benchPage(b *testing.B, name string) []byte {
	body, err := ReadPage(name)
	if err != nil {
		b.Skipf("%s: %v", name, err)
	}
	return body
}

func BenchmarkExtract(b *testing.B) {
	pages := []struct{ name, file, url string }{
		{"seed-original", seedDir + "/nato-original.html", "https://www.nato.int/cps/en/natohq/news_237412.htm"},
		{"seed-copy", seedDir + "/mirage-copy.html", "https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister-1529944/"},
		{"dev-4557", "testdata/pages/4557.html.gz", "https://gumc.georgetown.edu/news-release/"},
		{"dev-2862", "testdata/pages/2862.html.gz", "https://go.dev/blog/defer-panic-and-recover"},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			body := benchPage(b, p.file)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Extract(body, p.url, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("plain-trafilatura-dev-4557", func(b *testing.B) {
		body := benchPage(b, "testdata/pages/4557.html.gz")
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Plain(body, "https://gumc.georgetown.edu/news-release/"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkExtractBig reports the allocations for a 5 MB page (B/op).
func BenchmarkExtractBig(b *testing.B) {
	page := bigPage()
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Extract(page, "https://ministry.example.gov/report", Options{MaxBytes: 6 << 20}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConcurrentExtract: Extract shares only immutable tables; concurrent
// calls give the same results (run with -race).
func TestConcurrentExtract(t *testing.T) {
	pages, _ := filepath.Glob("testdata/pages/*.html.gz")
	var bodies [][]byte
	var want []string
	for _, p := range pages {
		b, err := ReadPage(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Extract(b, "https://example.org/p", Options{})
		if err != nil {
			t.Fatal(err)
		}
		bodies, want = append(bodies, b), append(want, a.Title+"\n"+a.Text)
	}
	errs := make(chan string, 4*len(bodies))
	done := make(chan struct{})
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i, b := range bodies {
				a, err := Extract(b, "https://example.org/p", Options{})
				if err != nil || a.Title+"\n"+a.Text != want[i] {
					errs <- fmt.Sprintf("page %d differs (err %v)", i, err)
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestDeepNesting: a page nested beyond the HTML parser's limit is refused
// with an EINVALID error, quickly, rather than exhausting the stack.
func TestDeepNesting(t *testing.T) {
	page := "<html><body>" + strings.Repeat("<div>", 100000) + "<p>text</p>" + strings.Repeat("</div>", 100000) + "</body></html>"
	_, err := Extract([]byte(page), "https://example.org/", Options{})
	if communique.ErrorCode(err) != communique.EINVALID {
		t.Fatalf("err = %v, want EINVALID", err)
	}
}

// A <time> labelled "Updated" outside the element ("Updated: <time>",
// "<span>Last updated on</span> <time>") is the modification date, not the
// publication date, whatever the metadata says.
func TestUpdatedLabelBeforeTime(t *testing.T) {
	paras := strings.Repeat(`<p>The regional council adopted new rules on water use on Tuesday, after a year of consultation with farmers, cities and industry across the basin.</p>`, 4)
	for _, byline := range []string{
		`<div class="byline-date">Updated: <time datetime="2025-12-31T20:51:17Z">Dec 31, 2025</time></div>`,
		`<div class="byline"><span>Last updated on</span> <time datetime="2025-12-31T20:51:17Z">Dec 31, 2025</time></div>`,
	} {
		page := `<html><head><meta property="article:published_time" content="2025-12-08T22:31:00Z"><title>Water rules</title></head><body>
<article><h1>Council adopts new water rules</h1>` + byline + paras + `</article></body></html>`
		a, err := Extract([]byte(page), "https://news.example.org/water", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Published.Format("2006-01-02"); got != "2025-12-08" {
			t.Errorf("%s: published %s, want the metadata's 2025-12-08", byline, got)
		}
		if got := a.Modified.Format("2006-01-02"); got != "2025-12-31" {
			t.Errorf("%s: modified %s, want 2025-12-31", byline, got)
		}
	}
	// Without the label, the date the page shows days apart from the
	// metadata is the publication date.
	page := `<html><head><meta property="article:published_time" content="2025-12-08T22:31:00Z"><title>Water rules</title></head><body>
<article><h1>Council adopts new water rules</h1><div class="byline-date">Posted <time datetime="2025-12-31T20:51:17Z">Dec 31, 2025</time></div>` + paras + `</article></body></html>`
	a, err := Extract([]byte(page), "https://news.example.org/water", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Published.Format("2006-01-02"); got != "2025-12-31" {
		t.Errorf("unlabelled <time>: published %s, want 2025-12-31", got)
	}
}
