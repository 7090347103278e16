package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/communique-news/communique"
)

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func mustNotContain(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(body, n) {
			t.Errorf("%s contains %q", what, n)
		}
	}
}

// alternates lists the feeds a page advertises, by type.
func alternates(t *testing.T, page string) map[string]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "link" {
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if a["rel"] == "alternate" {
				out[a["type"]] = a["href"]
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func TestHomePage(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/")
	if rec.Code != 200 {
		t.Fatalf("GET /: %d", rec.Code)
	}
	body := rec.Body.String()
	mustContain(t, "home", body, "NATO Chief Welcomes Iraqi Prime Minister", `href="/releases/1"`, `href="/org/NATO"`, "Security Council extends mission in Iraq")
	// The list shows ledes except for link-only releases.
	mustContain(t, "home", body, "Secretary General Mark Rutte welcomed")
	mustNotContain(t, "home", body, "LINK-ONLY-LEDE")
	// Feed finders that match the raw markup see the media types unescaped.
	mustContain(t, "home", body, `<link rel="alternate" type="application/rss+xml"`, `type="application/atom+xml"`, `type="application/feed+json"`)
	alt := alternates(t, body)
	want := map[string]string{"application/rss+xml": "/feed.rss", "application/atom+xml": "/feed.atom", "application/feed+json": "/feed.json"}
	for typ, href := range want {
		if alt[typ] != href {
			t.Errorf("home advertises %s at %q, want %q", typ, alt[typ], href)
		}
	}
	// Newest first.
	if i, j := strings.Index(body, "/releases/1\""), strings.Index(body, "/releases/2\""); i < 0 || j < 0 || i > j {
		t.Errorf("home is not newest first (release 1 at %d, release 2 at %d)", i, j)
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestSite(t, fixture())
	for _, path := range []string{"/", "/releases/1", "/api/v1/releases", "/feed.atom", "/nope"} {
		rec := ts.get(t, path)
		h := rec.Header()
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy: %v", path, h)
		}
	}
}

func TestReleasePage(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/releases/1")
	if rec.Code != 200 {
		t.Fatalf("GET /releases/1: %d", rec.Code)
	}
	body := rec.Body.String()
	mustContain(t, "release page", body,
		`<link rel="canonical" href="https://www.nato.int/cps/en/natohq/news_237412.htm">`,
		"<h1>NATO Chief Welcomes Iraqi Prime Minister</h1>",
		`<a href="/org/NATO">NATO</a>`,
		`datetime="2025-09-08T12:00:00Z"`, // published
		`datetime="2025-09-08T13:00:00Z"`, // retrieved
		"View the original at",
		`class="original" href="https://www.nato.int/cps/en/natohq/news_237412.htm"`,
		"Republished from the original release by NATO. Communiqué is not affiliated with the originator.",
		"Also published by", `href="https://www.miragenews.com/nato-chief-welcomes-iraqi-prime-minister/"`, "Mirage News",
		"<p>They discussed NATO Mission Iraq.</p>",
	)
	mustNotContain(t, "release page", body, "Updated</dt>")
	// Who and where the release names, each linking to its page and to a
	// search; a region, which has no page, to a search.
	mustContain(t, "release entities", body, "In this release",
		`<a href="/person/Mark%20Rutte">Mark Rutte</a> <span class="note">Secretary General, NATO</span> <a class="search-link" href="/search?q=person%3A%22Mark&#43;Rutte%22" aria-label="Search for Mark Rutte">search</a>`,
		`<a href="/org/NATO%20Mission%20Iraq">NATO Mission Iraq</a> <span class="note">NMI</span>`,
		`<a href="/country/IQ">Iraq</a>`, `href="/search?q=country%3AIQ"`, `href="/search?q=%22Middle&#43;East%22">Middle East</a>`)
	// The organisation's feeds are advertised.
	if alt := alternates(t, body); alt["application/atom+xml"] != "/org/NATO/feed.atom" {
		t.Errorf("release page advertises %v", alt)
	}

	mustNotContain(t, "release page", body, "could not be read")
	ts.store.releases[0].Fallback = true
	mustContain(t, "fallback release", ts.get(t, "/releases/1").Body.String(), "The original page could not be read")
	ts.store.releases[0].Fallback = false

	// A revised release says so.
	body = ts.get(t, "/releases/2").Body.String()
	mustContain(t, "revised release", body, "Updated</dt>", `href="/releases/2/revisions">(2 revisions`)

	// What changed, word by word.
	rec = ts.get(t, "/releases/2/revisions")
	if rec.Code != 200 {
		t.Fatalf("revisions: %d", rec.Code)
	}
	mustContain(t, "revisions", rec.Body.String(), "Revision 2", "<ins>new </ins>", "Title changed to “Allies agree new defence plans”", "The first text retrieved.")
	// A summary-only release shows when it changed, not the text.
	rec = ts.get(t, "/releases/3/revisions")
	mustContain(t, "summary revisions", rec.Body.String(), "Revision 2", "changes to the text are not shown")
	mustNotContain(t, "summary revisions", rec.Body.String(), "SUMMARY-ONLY-BODY")
	if rec := ts.get(t, "/releases/99/revisions"); rec.Code != 404 {
		t.Errorf("revisions of a missing release: %d", rec.Code)
	}

	for path, code := range map[string]int{"/releases/999": 404, "/releases/abc": 404, "/releases/-1": 404} {
		if rec := ts.get(t, path); rec.Code != code {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, code)
		}
	}
}

func TestConfigAttribution(t *testing.T) {
	ts := newTestSite(t, fixture(), func(c *Config) {
		c.SiteName = "Wire"
		c.Attribution = "From {organization}, via {site}."
	})
	body := ts.get(t, "/releases/1").Body.String()
	mustContain(t, "release page", body, "From NATO, via Wire.", "<title>NATO Chief Welcomes Iraqi Prime Minister — Wire</title>")
}

func TestLicences(t *testing.T) {
	ts := newTestSite(t, fixture())

	summary := ts.get(t, "/releases/3").Body.String()
	mustContain(t, "summary release", summary, "The Security Council today extended the mandate", "View the original at", "summary only")
	mustNotContain(t, "summary release", summary, "SUMMARY-ONLY-BODY")

	link := ts.get(t, "/releases/4").Body.String()
	mustContain(t, "link release", link, "ICRC visits detainees in Iraq", `href="https://www.icrc.org/en/document/iraq-detention-visits"`, "link only")
	mustNotContain(t, "link release", link, "LINK-ONLY-LEDE", "LINK-ONLY-BODY")

	for _, f := range []string{"/feed.rss", "/feed.atom", "/feed.json"} {
		body := ts.get(t, f).Body.String()
		mustNotContain(t, f, body, "SUMMARY-ONLY-BODY", "LINK-ONLY-LEDE", "LINK-ONLY-BODY")
		mustContain(t, f, body, "The Security Council today extended the mandate", "They discussed NATO Mission Iraq.")
	}
	api := ts.get(t, "/api/v1/releases/3").Body.String()
	mustNotContain(t, "API summary release", api, "SUMMARY-ONLY-BODY")
	mustContain(t, "API summary release", api, "The Security Council today extended")
	api = ts.get(t, "/api/v1/releases/4").Body.String()
	mustNotContain(t, "API link release", api, "LINK-ONLY")
	api = ts.get(t, "/api/v1/releases").Body.String()
	mustNotContain(t, "API list", api, "LINK-ONLY", "SUMMARY-ONLY")
	api = ts.get(t, "/api/v1/releases/1").Body.String()
	mustContain(t, "API full release", api, `"html":`, `"text":`, "They discussed NATO Mission Iraq.")
}

var scriptTag = regexp.MustCompile(`(?i)<script|<img src=x|javascript:`)

// activeMarkup finds script elements, event handler attributes and
// javascript: URLs in a parsed page.
func activeMarkup(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "script" {
				found = append(found, "<script>")
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") || strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
					found = append(found, a.Key+"="+a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return found
}

func TestXSS(t *testing.T) {
	ts := newTestSite(t, fixture())
	for _, path := range []string{"/", "/releases/5", "/org/NATO", "/sources/1", "/search?q=body"} {
		rec := ts.get(t, path)
		if rec.Code != 200 {
			t.Errorf("GET %s: %d", path, rec.Code)
			continue
		}
		body := rec.Body.String()
		if m := scriptTag.FindString(body); m != "" {
			t.Errorf("GET %s: hostile markup %q reached the page", path, m)
		}
		if m := activeMarkup(t, body); len(m) > 0 {
			t.Errorf("GET %s: active markup %q reached the page", path, m)
		}
		if path == "/releases/5" {
			mustContain(t, path, body, "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;", "<p>Body</p>", `src="https://www.nato.int/a.jpg"`,
				`href="https://www.nato.int/cps/en/natohq/news_237600.htm?a=1&amp;b=2"`)
		}
	}
	// A query with markup is echoed escaped.
	rec := ts.get(t, `/search?q=%3Cscript%3Ealert(1)%3C/script%3E`)
	if m := scriptTag.FindString(rec.Body.String()); m != "" {
		t.Errorf("search echoes %q", m)
	}
	// Feeds carry the title as text, never as markup.
	for _, f := range []string{"/feed.rss", "/feed.atom"} {
		body := ts.get(t, f).Body.String()
		mustNotContain(t, f, body, "<script")
	}
}

func TestHighlight(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a \x02match\x03 b", "a <mark>match</mark> b"},
		{"<b>\x02x\x03</b>", "&lt;b&gt;<mark>x</mark>&lt;/b&gt;"},
		{"\x02<script>\x03", "<mark>&lt;script&gt;</mark>"},
		{"unclosed \x02mark", "unclosed <mark>mark</mark>"},
		{"stray \x03close", "stray close"},
		{"\x02\x02twice\x03\x03", "<mark>twice</mark>"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"a & \"b\"", "a &amp; &#34;b&#34;"},
	} {
		if got := string(highlight(tc.in)); got != tc.want {
			t.Errorf("highlight(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := plainSnippet("a \x02b\x03 c"); got != "a b c" {
		t.Errorf("plainSnippet = %q", got)
	}
}

func FuzzHighlight(f *testing.F) {
	for _, s := range []string{"a \x02b\x03", "<x>\x02", "\x03\x03<", "\xff\x02&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(highlight(s))
		rest := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(out)
		if strings.ContainsAny(rest, "<>\"'\x02\x03") {
			t.Fatalf("highlight(%q) = %q leaves markup or markers", s, out)
		}
		if strings.Count(out, "<mark>") != strings.Count(out, "</mark>") {
			t.Fatalf("highlight(%q) = %q is unbalanced", s, out)
		}
	})
}

func TestOrgPages(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/org/NATO")
	if rec.Code != 200 {
		t.Fatalf("GET /org/NATO: %d", rec.Code)
	}
	body := rec.Body.String()
	mustContain(t, "org page", body, "<h1>NATO</h1>", "NATO Chief Welcomes", "Allies agree new defence plans")
	mustNotContain(t, "org page", body, "Security Council extends")
	if alt := alternates(t, body); alt["application/feed+json"] != "/org/NATO/feed.json" {
		t.Errorf("org page advertises %v", alt)
	}

	// A name with a slash and a space round-trips through its path.
	body = ts.get(t, "/org").Body.String()
	mustContain(t, "organisations", body, `href="/org/ICRC%2FCICR"`, `href="/org/United%20Nations"`)
	rec = ts.get(t, "/org/ICRC%2FCICR")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "ICRC visits detainees") {
		t.Errorf("GET /org/ICRC%%2FCICR: %d", rec.Code)
	}
	if rec := ts.get(t, "/org/United%20Nations/feed.rss"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "Security Council extends") {
		t.Errorf("UN feed: %d", rec.Code)
	}
	// An organisation with a source but no release yet has a page and feeds.
	ts.store.sources = append(ts.store.sources, &communique.Source{ID: 4, URL: "https://www.who.int/rss", Organization: "WHO"})
	if rec := ts.get(t, "/org/WHO"); rec.Code != 200 || !strings.Contains(rec.Body.String(), "No releases from WHO yet") {
		t.Errorf("GET /org/WHO: %d", rec.Code)
	}
	if rec := ts.get(t, "/org/WHO/feed.json"); rec.Code != 200 {
		t.Errorf("GET /org/WHO/feed.json: %d", rec.Code)
	}
	if rec := ts.get(t, "/org/Nobody"); rec.Code != 404 {
		t.Errorf("GET /org/Nobody: %d, want 404", rec.Code)
	}
	if rec := ts.get(t, "/org/Nobody/feed.atom"); rec.Code != 404 {
		t.Errorf("GET /org/Nobody/feed.atom: %d, want 404", rec.Code)
	}
}

func TestSourcePages(t *testing.T) {
	ts := newTestSite(t, fixture())
	body := ts.get(t, "/sources").Body.String()
	mustContain(t, "sources", body, `href="/sources/1"`, "NATO news", "HTTP 503 Service Unavailable", "health-failing", "health-ok", "health-pending", "3 sources, 1 failing",
		`<td class="num">3</td>`) // NATO's releases, counted for the page (Sources does not count)

	body = ts.get(t, "/sources?health=failing").Body.String()
	mustContain(t, "failing sources", body, `href="/sources/2"`)
	mustNotContain(t, "failing sources", body, `href="/sources/1"`, `href="/sources/3"`)

	rec := ts.get(t, "/sources/2")
	if rec.Code != 200 {
		t.Fatalf("GET /sources/2: %d", rec.Code)
	}
	body = rec.Body.String()
	mustContain(t, "source page", body,
		"Last fetch", "Last success", "HTTP status</dt><dd>503", "HTTP 503 Service Unavailable", "(4 in a row)", "Next poll",
		`datetime="2025-09-08T14:00:00Z"`, // next poll
		"Security Council extends mission in Iraq")
	mustNotContain(t, "source page", body, "NATO Chief")
	if alt := alternates(t, body); alt["application/rss+xml"] != "/sources/2/feed.rss" {
		t.Errorf("source page advertises %v", alt)
	}
	if rec := ts.get(t, "/sources/77"); rec.Code != 404 {
		t.Errorf("GET /sources/77: %d", rec.Code)
	}
}

func TestSearchPage(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/search?q=iraq")
	if rec.Code != 200 {
		t.Fatalf("search: %d\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	mustContain(t, "search", body, "<mark>Iraq</mark>", "NATO Chief Welcomes", "Security Council extends",
		`href="/search?org=NATO&amp;q=iraq"`,                        // organisation facet
		`href="/search?q=iraq&amp;since=2025-09&amp;until=2025-09"`, // month facet
		`href="/search?q=iraq&#43;lang%3Aen"`,                       // language facet, through the query language
		"September 2025", `value="iraq"`)
	// Snippets quote bodies, so only full-text releases have them.
	mustNotContain(t, "search", body, "LINK-ONLY")
	alt := alternates(t, body)
	if alt["application/atom+xml"] != "/search/feed.atom?q=iraq" {
		t.Errorf("search advertises %v", alt)
	}

	// A facet link narrows, and the filter shows with a link to drop it.
	body = ts.get(t, "/search?q=iraq&org=NATO").Body.String()
	mustContain(t, "narrowed search", body, "NATO Chief Welcomes", "org: NATO", `href="/search?q=iraq"`)
	mustNotContain(t, "narrowed search", body, "Security Council extends")

	// An empty search shows the form only.
	rec = ts.get(t, "/search")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `id="search-q"`) {
		t.Errorf("empty search: %d", rec.Code)
	}
}

func TestSearchSyntaxError(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, `/search?q=nato+%22iraq`)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("bad query: %d, want 400", rec.Code)
	}
	body := rec.Body.String()
	mustContain(t, "syntax error page", body, "unclosed quote", "close the phrase with", "(at character 6)", "nato &#34;iraq\n     ^", `aria-invalid="true"`)

	rec = ts.get(t, `/api/v1/releases?q=nato+%22iraq`)
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("API bad query: %d, want 400", rec.Code)
	}
	mustContain(t, "API syntax error", rec.Body.String(), `"code": "invalid"`, `"position": 5`, "unclosed quote", "close the phrase")

	rec = ts.get(t, `/search/feed.rss?q=nato+%22iraq`)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "unclosed quote") {
		t.Errorf("feed of a bad query: %d %s", rec.Code, rec.Body)
	}

	// Any error without a position is still shown.
	ts = newTestSite(t, fixture(), func(c *Config) {
		c.Parse = func(string, time.Time) (communique.Query, error) {
			return communique.Query{}, errors.New("unknown field foo:")
		}
	})
	rec = ts.get(t, `/search?q=foo:bar`)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "unknown field foo:") {
		t.Errorf("plain parse error: %d", rec.Code)
	}
}

func TestPagination(t *testing.T) {
	st := fixture()
	for i := int64(10); i < 10+2*pageSize; i++ {
		r := *st.releases[1]
		r.ID, r.URL, r.Published = i, r.URL+"?n="+string(rune('a'+i%26)), t0.Add(-time.Duration(i)*time.Hour*24)
		st.releases = append(st.releases, &r)
	}
	ts := newTestSite(t, st)
	body := ts.get(t, "/").Body.String()
	next := fmt.Sprintf("/?cursor=%d", pageSize)
	if !strings.Contains(body, `href="`+next+`"`) || !strings.Contains(body, `rel="next"`) {
		t.Fatalf("home page 1 has no link to page 2")
	}
	body = ts.get(t, next).Body.String()
	if strings.Contains(body, `href="/releases/1"`) || !strings.Contains(body, "Allies agree") {
		t.Errorf("page 2 repeats page 1 or is empty")
	}
}

func TestNotFoundAndErrors(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/no/such/page")
	if rec.Code != 404 || !strings.Contains(rec.Body.String(), "Not found") {
		t.Errorf("unknown page: %d", rec.Code)
	}
	st := fixture()
	st.fail = errors.New("disk I/O error at /var/lib/secret.db")
	ts = newTestSite(t, st)
	for _, path := range []string{"/", "/releases/1", "/feed.rss", "/api/v1/releases", "/sources"} {
		rec := ts.get(t, path)
		if rec.Code != 500 {
			t.Errorf("GET %s with a failing store: %d, want 500", path, rec.Code)
		}
		if strings.Contains(rec.Body.String(), "secret.db") {
			t.Errorf("GET %s leaks the internal error", path)
		}
	}
}

func TestStaticAndHealth(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/static/style.css")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/css") {
		t.Errorf("style.css: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	rec = ts.get(t, "/healthz")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"ok"`) {
		t.Errorf("healthz: %d %s", rec.Code, rec.Body)
	}
	ts = newTestSite(t, fixture(), func(c *Config) {
		c.Health = func(context.Context) error { return errors.New("queue: database is locked") }
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("communique_up 1\n")) })
	})
	rec = ts.get(t, "/healthz")
	if rec.Code != 503 || strings.Contains(rec.Body.String(), "locked") {
		t.Errorf("failing healthz: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.get(t, "/metrics"); rec.Code != 200 || rec.Body.String() != "communique_up 1\n" {
		t.Errorf("metrics: %d %s", rec.Code, rec.Body)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New without a store succeeded")
	}
	if _, err := New(Config{Store: fixture(), BaseURL: "ftp://x"}); err == nil {
		t.Error("New with an ftp base URL succeeded")
	}
}

func FuzzPlainFilters(f *testing.F) {
	for _, s := range []string{"org=NATO&since=2025-09&until=2025-09-30", "source=-1", "since=2025-13-01", "until=2025-09-08T10:00:00Z&sort=date", "limit=9999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		var q communique.Query
		perr := plainFilters(v, &q)
		if perr != nil && communique.ErrorCode(perr) != communique.EINVALID {
			t.Fatalf("plainFilters(%q): %v is not EINVALID", raw, perr)
		}
		if _, err := limitParam(v, 50); err != nil && communique.ErrorCode(err) != communique.EINVALID {
			t.Fatalf("limitParam(%q): %v", raw, err)
		}
		if perr == nil && !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
			t.Fatalf("plainFilters(%q) accepted an empty range", raw)
		}
	})
}

// fieldError is a parser error that keeps its position and hint in fields
// only, with an Error() that says neither.
type fieldError struct {
	Pos     int
	Message string
	Hint    string
}

func (e *fieldError) Error() string { return e.Message }

// verboseError keeps position and hint in fields and repeats them in Error().
type verboseError struct {
	Pos           int
	Message, Hint string
}

func (e *verboseError) Error() string {
	return fmt.Sprintf("%s at position %d (%s)", e.Message, e.Pos, e.Hint)
}

func TestQueryErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		err       error
		pos       int
		hint, msg string
	}{
		{&posError{pos: 3, msg: "m", hint: "h"}, 3, "", "m at position 3 (h)"},
		{&fieldError{Pos: 7, Message: "unexpected )", Hint: "remove it or add ( before"}, 7, "remove it or add ( before", "unexpected )"},
		{fmt.Errorf("parsing: %w", &fieldError{Pos: 2, Message: "x"}), 2, "", "parsing: x"},
		{errors.New("plain"), -1, "", "plain"},
		{&verboseError{Pos: 4, Message: "unknown field foo:", Hint: "known fields: org"}, 4, "known fields: org", "unknown field foo:"},
	} {
		qe := newQueryError("0123456789", tc.err)
		if qe.Position != tc.pos || qe.Hint != tc.hint || qe.Message != tc.msg {
			t.Errorf("%#v: position %d hint %q message %q, want %d %q %q", tc.err, qe.Position, qe.Hint, qe.Message, tc.pos, tc.hint, tc.msg)
		}
	}
	ts := newTestSite(t, fixture(), func(c *Config) {
		c.Parse = func(string, time.Time) (communique.Query, error) {
			return communique.Query{}, &fieldError{Pos: 5, Message: "unexpected )", Hint: "remove it or add ( before"}
		}
	})
	rec := ts.get(t, "/search?q=nato+)")
	mustContain(t, "search error", rec.Body.String(), "unexpected )", "Hint: remove it or add ( before", "(at character 6)")
	rec = ts.get(t, "/api/v1/releases?q=nato+)")
	mustContain(t, "API error", rec.Body.String(), `"hint": "remove it or add ( before"`, `"position": 5`, `"column": 6`)
}

func TestSourcesPaging(t *testing.T) {
	st := fixture()
	for i := int64(4); i <= sourcesPerPage+10; i++ {
		st.sources = append(st.sources, &communique.Source{ID: i, Kind: communique.KindFeed, URL: fmt.Sprintf("https://s%d.example/feed", i), Organization: "Org"})
	}
	ts := newTestSite(t, st)
	body := ts.get(t, "/sources").Body.String()
	mustContain(t, "sources page 1", body, fmt.Sprintf("1–%d of %d", sourcesPerPage, sourcesPerPage+10), `href="/sources?page=2" rel="next"`, `href="/sources/1"`)
	mustNotContain(t, "sources page 1", body, fmt.Sprintf(`href="/sources/%d"`, sourcesPerPage+1))
	body = ts.get(t, "/sources?page=2").Body.String()
	mustContain(t, "sources page 2", body, fmt.Sprintf(`href="/sources/%d"`, sourcesPerPage+1), `href="/sources" rel="prev"`)
	mustNotContain(t, "sources page 2", body, `href="/sources/1"`, `rel="next"`)
	if rec := ts.get(t, "/sources?page=99"); rec.Code != 200 {
		t.Errorf("a page past the end: %d", rec.Code)
	}
}
