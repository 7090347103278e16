package web

import (
	"net/http"
	"strings"
	"testing"
)

func TestAdminDiscover(t *testing.T) {
	ts := newTestSite(t, fixture())
	b := newBrowser(ts)
	csrf := csrfOf(t, b.login(t))

	rec := b.do(t, "POST", "/admin/discover", formBody("csrf", csrf, "url", "https://www.example.org/news", "organization", "Example", "licence", "summary"))
	if rec.Code != http.StatusOK {
		t.Fatalf("discover: %d", rec.Code)
	}
	page := rec.Body.String()
	mustContain(t, "candidates", page, "https://www.example.org/feed.xml", "https://www.example.org/sitemap-news.xml",
		"advertised by the page", `name="kind" value="sitemap"`, `name="organization" value="Example"`, "Example &lt;news&gt;")
	if strings.Contains(page, "Example <news>") {
		t.Error("a candidate's title is not escaped")
	}
	// A candidate's button adds it like the form does.
	add := formBody("csrf", csrf, "url", "https://www.example.org/sitemap-news.xml", "kind", "sitemap", "organization", "Example", "licence", "summary")
	if rec := b.do(t, "POST", "/admin/sources", add); rec.Code != http.StatusSeeOther {
		t.Fatalf("add candidate: %d", rec.Code)
	}
	if got := ts.sources.added; len(got) != 1 || got[0].Kind != "sitemap" || got[0].Organization != "Example" {
		t.Errorf("added %+v", got)
	}
	// An unreachable site is explained; without the CSRF token nothing runs.
	if rec := b.do(t, "POST", "/admin/discover", formBody("csrf", csrf, "url", "https://nowhere.invalid/")); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "no such host") {
		t.Errorf("unreachable: %d", rec.Code)
	}
	if rec := b.do(t, "POST", "/admin/discover", formBody("url", "https://www.example.org/")); rec.Code == http.StatusOK {
		t.Error("discovery ran without a CSRF token")
	}
}
