package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/communique-news/communique/search"
)

// TestRealParserErrors runs the search package's parser behind the site:
// its syntax errors come back as 400 with position and hint, in the page,
// the API and the feeds.
func TestRealParserErrors(t *testing.T) {
	ts := newTestSite(t, fixture(), func(c *Config) { c.Parse = search.Parse })
	for _, q := range []string{`nato "iraq`, `(nato`, `nato)`, `colour:red`} {
		page := ts.get(t, "/search?q="+url.QueryEscape(q))
		if page.Code != http.StatusBadRequest {
			t.Errorf("search %q: %d, want 400", q, page.Code)
			continue
		}
		body := page.Body.String()
		if !strings.Contains(body, "This query cannot be read") || !strings.Contains(body, `class="query-marker"`) {
			t.Errorf("search %q: the page shows no error with its position", q)
		}
		api := ts.get(t, "/api/v1/releases?q="+url.QueryEscape(q))
		e := decode[apiErr](t, api.Body.Bytes())
		if api.Code != 400 || e.Error.Code != "invalid" || e.Error.Position == nil {
			t.Errorf("API %q: %d %+v", q, api.Code, e)
		}
		if rec := ts.get(t, "/search/feed.atom?q="+url.QueryEscape(q)); rec.Code != 400 {
			t.Errorf("feed %q: %d", q, rec.Code)
		}
	}
	// A query the parser accepts reaches the store.
	if rec := ts.get(t, "/search?q=iraq"); rec.Code != 200 {
		t.Errorf("search iraq: %d", rec.Code)
	}
}
