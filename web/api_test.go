package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

type releasesResponse struct {
	Releases []struct {
		ID           int64     `json:"id"`
		Title        string    `json:"title"`
		URL          string    `json:"url"`
		Permalink    string    `json:"permalink"`
		Organization string    `json:"organization"`
		Published    time.Time `json:"published"`
		Retrieved    time.Time `json:"retrieved"`
		Updated      time.Time `json:"updated"`
		Lede         string    `json:"lede"`
		Language     string    `json:"language"`
		WordCount    int       `json:"word_count"`
		Licence      string    `json:"licence"`
		Copies       []any     `json:"copies"`
		Snippet      string    `json:"snippet"`
		SnippetHTML  string    `json:"snippet_html"`
		HTML         *string   `json:"html"`
	} `json:"releases"`
	Next    string          `json:"next"`
	NextURL string          `json:"next_url"`
	Total   int             `json:"total"`
	Facets  json.RawMessage `json:"facets"`
}

type apiErr struct {
	Error struct {
		Code     string `json:"code"`
		Message  string `json:"message"`
		Position *int   `json:"position"`
	} `json:"error"`
}

func decode[T any](t *testing.T, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return v
}

func TestAPIReleases(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/api/v1/releases")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/releases: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	out := decode[releasesResponse](t, rec.Body.Bytes())
	if len(out.Releases) != 5 || out.Total != 5 || out.Next != "" || out.Facets != nil {
		t.Fatalf("listing: %d releases, total %d, next %q, facets %s", len(out.Releases), out.Total, out.Next, out.Facets)
	}
	r := out.Releases[0]
	if r.ID != 1 || r.URL != "https://www.nato.int/cps/en/natohq/news_237412.htm" || r.Permalink != "http://example.com/releases/1" ||
		r.Organization != "NATO" || !r.Published.Equal(t0) || !r.Retrieved.Equal(t0.Add(time.Hour)) || r.Lede == "" ||
		r.Language != "en" || r.WordCount != 18 || r.Licence != "full" || r.Copies == nil || r.HTML != nil {
		t.Errorf("release 1 in the listing: %+v", r)
	}

	// Filters.
	for q, want := range map[string][]int64{
		"org=NATO":         {1, 2, 5},
		"source=2":         {3},
		"since=2025-09-07": {1, 2},
		"until=2025-09-05": {4, 5}, // a day includes itself
		"since=2025-09-06T00:00:00Z&until=2025-09-07T12:00:00Z": {3},
		"q=iraq":                    {1, 3, 4},
		"q=iraq&org=United+Nations": {3},
	} {
		rec := ts.get(t, "/api/v1/releases?"+q)
		if rec.Code != 200 {
			t.Errorf("?%s: %d %s", q, rec.Code, rec.Body)
			continue
		}
		out := decode[releasesResponse](t, rec.Body.Bytes())
		var got []int64
		for _, r := range out.Releases {
			got = append(got, r.ID)
		}
		if len(got) != len(want) || !equalIDs(got, want) {
			t.Errorf("?%s: releases %v, want %v", q, got, want)
		}
	}

	// A search has snippets and facets.
	out = decode[releasesResponse](t, ts.get(t, "/api/v1/releases?q=rutte").Body.Bytes())
	if len(out.Releases) != 1 || out.Releases[0].Snippet == "" || !strings.Contains(out.Releases[0].SnippetHTML, "<mark>Rutte</mark>") || strings.ContainsAny(out.Releases[0].Snippet, "\x02\x03") {
		t.Errorf("search result: %+v", out.Releases)
	}
	if body := ts.get(t, "/api/v1/releases?q=iraq").Body.String(); strings.Contains(body, "LINK-ONLY") || strings.Contains(body, "SUMMARY-ONLY") {
		t.Error("search snippets quote a release whose licence forbids it")
	}
	if !strings.Contains(string(out.Facets), `"organizations"`) {
		t.Errorf("search facets: %s", out.Facets)
	}
	if out := decode[releasesResponse](t, ts.get(t, "/api/v1/releases?facets=1").Body.Bytes()); out.Facets == nil {
		t.Error("facets=1 gave no facets")
	}

	// Cursor pagination walks every release once.
	seen := map[int64]bool{}
	next := "/api/v1/releases?limit=2"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		out := decode[releasesResponse](t, ts.get(t, next).Body.Bytes())
		for _, r := range out.Releases {
			if seen[r.ID] {
				t.Errorf("release %d seen twice", r.ID)
			}
			seen[r.ID] = true
		}
		next = ""
		if out.Next != "" {
			if !strings.HasSuffix(out.NextURL, "cursor="+out.Next+"&limit=2") {
				t.Errorf("next_url %q", out.NextURL)
			}
			next = "/api/v1/releases?limit=2&cursor=" + out.Next
		}
	}
	if len(seen) != 5 {
		t.Errorf("pagination saw %d releases, want 5", len(seen))
	}
	// next= works as well as cursor=.
	if out := decode[releasesResponse](t, ts.get(t, "/api/v1/releases?limit=2&next=2").Body.Bytes()); len(out.Releases) != 2 || out.Releases[0].ID != 3 {
		t.Errorf("?next=2: %+v", out.Releases)
	}

	// Bad parameters are 400 with a JSON error.
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "since=yesterday", "source=abc", "sort=random", "facets=maybe", "since=2025-09-08&until=2025-09-01"} {
		rec := ts.get(t, "/api/v1/releases?"+q)
		e := decode[apiErr](t, rec.Body.Bytes())
		if rec.Code != 400 || e.Error.Code != "invalid" || e.Error.Message == "" {
			t.Errorf("?%s: %d %+v", q, rec.Code, e)
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAPIRelease(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/api/v1/releases/1")
	if rec.Code != 200 {
		t.Fatalf("GET /api/v1/releases/1: %d", rec.Code)
	}
	var r map[string]any
	r = decode[map[string]any](t, rec.Body.Bytes())
	copies, _ := r["copies"].([]any)
	if r["html"] == nil || r["text"] == nil || len(copies) != 1 || !strings.Contains(r["attribution"].(string), "NATO") {
		t.Errorf("release 1: %v", r)
	}
	// A body with hostile markup is sanitised in the API too.
	r = decode[map[string]any](t, ts.get(t, "/api/v1/releases/5").Body.Bytes())
	if h := r["html"].(string); strings.Contains(h, "<script") || strings.Contains(h, "onerror") || strings.Contains(h, "javascript:") {
		t.Errorf("API html not sanitised: %s", h)
	}
	for path, code := range map[string]int{"/api/v1/releases/99": 404, "/api/v1/releases/x": 404, "/api/v1/nothing": 404} {
		rec := ts.get(t, path)
		e := decode[apiErr](t, rec.Body.Bytes())
		if rec.Code != code || e.Error.Code != "not_found" {
			t.Errorf("GET %s: %d %+v", path, rec.Code, e)
		}
	}
}

func TestAPISources(t *testing.T) {
	ts := newTestSite(t, fixture())
	rec := ts.get(t, "/api/v1/sources")
	var out struct {
		Sources []map[string]any `json:"sources"`
	}
	out = decode[struct {
		Sources []map[string]any `json:"sources"`
	}](t, rec.Body.Bytes())
	if rec.Code != 200 || len(out.Sources) != 3 {
		t.Fatalf("GET /api/v1/sources: %d, %d sources", rec.Code, len(out.Sources))
	}
	un := out.Sources[1]
	for k, want := range map[string]any{"id": 2.0, "kind": "html", "url": "https://press.un.org/en/content/press-release", "organization": "United Nations",
		"licence": "summary", "releases": 1.0, "last_error": "HTTP 503 Service Unavailable", "last_status": 503.0, "health": "failing",
		"last_fetch": "2025-09-08T12:00:00Z", "next_poll": "2025-09-08T14:00:00Z", "consecutive_errors": 4.0} {
		if un[k] != want {
			t.Errorf("source 2 %s = %v, want %v", k, un[k], want)
		}
	}
	if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "etag") {
		t.Error("the sources API shows poll secrets")
	}
	if rec := ts.get(t, "/api/v1/sources/1"); rec.Code != 200 || !strings.Contains(rec.Body.String(), `"NATO news"`) {
		t.Errorf("GET /api/v1/sources/1: %d", rec.Code)
	}
	if rec := ts.get(t, "/api/v1/sources/9"); rec.Code != 404 {
		t.Errorf("GET /api/v1/sources/9: %d", rec.Code)
	}
}

func TestAPIWritesNeedToken(t *testing.T) {
	ts := newTestSite(t, fixture())
	body := `{"url":"https://www.who.int/rss-feeds/news-english.xml","organization":"WHO"}`
	for _, tc := range []struct {
		method, path, body string
		hdr                []string
	}{
		{"POST", "/api/v1/sources", body, nil},
		{"POST", "/api/v1/sources", body, []string{"Authorization", "Bearer wrong"}},
		{"POST", "/api/v1/sources", body, []string{"Authorization", "Basic " + testToken}},
		{"POST", "/api/v1/sources", body, []string{"Authorization", "Bearer " + testToken + "x"}},
		{"DELETE", "/api/v1/sources/1", "", nil},
		{"DELETE", "/api/v1/sources?id=1", "", []string{"Authorization", "Bearer "}},
		{"POST", "/api/v1/sources/1/poll", "", nil},
	} {
		rec := ts.do(t, tc.method, tc.path, strings.NewReader(tc.body), tc.hdr...)
		e := decode[apiErr](t, rec.Body.Bytes())
		if rec.Code != http.StatusUnauthorized || e.Error.Code != "unauthorized" || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s %v: %d %+v", tc.method, tc.path, tc.hdr, rec.Code, e)
		}
	}
	if len(ts.sources.added)+len(ts.sources.removed)+len(ts.sources.polled) != 0 {
		t.Error("an unauthorised write reached the sources")
	}

	// A server without a token refuses every write.
	ts = newTestSite(t, fixture(), func(c *Config) { c.AdminToken = "" })
	rec := ts.do(t, "POST", "/api/v1/sources", strings.NewReader(body), "Authorization", "Bearer ")
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("tokenless server: %d", rec.Code)
	}
}

func TestAPIWrites(t *testing.T) {
	ts := newTestSite(t, fixture())
	auth := []string{"Authorization", "Bearer " + testToken, "Content-Type", "application/json"}
	rec := ts.do(t, "POST", "/api/v1/sources", strings.NewReader(`{"url":"https://www.who.int/rss-feeds/news-english.xml","organization":"WHO","country":"ch","license":"summary"}`), auth...)
	if rec.Code != http.StatusCreated {
		t.Fatalf("POST /api/v1/sources: %d %s", rec.Code, rec.Body)
	}
	created := decode[map[string]any](t, rec.Body.Bytes())
	if created["id"] != 4.0 || created["organization"] != "WHO" || created["country"] != "CH" || created["licence"] != "summary" || rec.Header().Get("Location") != "http://example.com/api/v1/sources/4" {
		t.Errorf("created %v at %s", created, rec.Header().Get("Location"))
	}
	html := `{"url":"https://www.osce.org/press-releases","kind":"html","organization":"OSCE","selectors":{"item":".views-row","link":"a","title":"h3","date":"time"}}`
	if rec := ts.do(t, "POST", "/api/v1/sources", strings.NewReader(html), auth...); rec.Code != http.StatusCreated {
		t.Errorf("HTML source: %d %s", rec.Code, rec.Body)
	} else if s := ts.sources.added[1]; s.Selectors == nil || s.Selectors.Item != ".views-row" {
		t.Errorf("HTML source selectors %+v", s.Selectors)
	}

	for _, tc := range []struct {
		body string
		code int
		msg  string
	}{
		{`{"url":"https://www.who.int/rss-feeds/news-english.xml"}`, 409, "already exists"},
		{`{"url":"ftp://example.org/feed"}`, 400, "not an http(s) URL"},
		{`{"organization":"X"}`, 400, "url is required"},
		{`{"url":"https://a.example/","kind":"podcast"}`, 400, "kind"},
		{`{"url":"https://a.example/","licence":"cc-by"}`, 400, "licence"},
		{`{"url":"https://a.example/","country":"France"}`, 400, "country"},
		{`{"url":"https://a.example/","selectors":{"item":"li"}}`, 400, "HTML listings only"},
		{`{"url":"https://a.example/","colour":"red"}`, 400, "unknown field"},
		{`{"url":`, 400, "not valid JSON"},
		{``, 400, "empty"},
		{`{"url":"https://a.example/"} {}`, 400, "more than one"},
		{`{"url":"https://a.example/","title":"` + strings.Repeat("x", maxBody) + `"}`, 400, "larger than"},
	} {
		rec := ts.do(t, "POST", "/api/v1/sources", strings.NewReader(tc.body), auth...)
		e := decode[apiErr](t, rec.Body.Bytes())
		if rec.Code != tc.code || !strings.Contains(e.Error.Message, tc.msg) {
			t.Errorf("POST %.60s: %d %+v, want %d %q", tc.body, rec.Code, e, tc.code, tc.msg)
		}
	}
	if rec := ts.do(t, "POST", "/api/v1/sources", strings.NewReader(`url=x`), "Authorization", "Bearer "+testToken, "Content-Type", "application/x-www-form-urlencoded"); rec.Code != 400 {
		t.Errorf("form body: %d", rec.Code)
	}

	if rec := ts.do(t, "POST", "/api/v1/sources/2/poll", nil, auth...); rec.Code != http.StatusAccepted || len(ts.sources.polled) != 1 || ts.sources.polled[0] != 2 {
		t.Errorf("poll: %d %v", rec.Code, ts.sources.polled)
	}
	if rec := ts.do(t, "DELETE", "/api/v1/sources/3", nil, auth...); rec.Code != http.StatusNoContent {
		t.Errorf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(t, "DELETE", "/api/v1/sources?id=2", nil, auth...); rec.Code != http.StatusNoContent {
		t.Errorf("delete ?id=: %d %s", rec.Code, rec.Body)
	}
	if rec := ts.do(t, "DELETE", "/api/v1/sources/3", nil, auth...); rec.Code != http.StatusNotFound {
		t.Errorf("deleting twice: %d", rec.Code)
	}
	if got := ts.sources.removed; len(got) != 2 || got[0] != 3 || got[1] != 2 {
		t.Errorf("removed %v", got)
	}
}

func TestAPIIndex(t *testing.T) {
	ts := newTestSite(t, fixture())
	for _, path := range []string{"/api/v1", "/api/v1/"} {
		rec := ts.get(t, path)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"/api/v1/releases/{id}"`) {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
	}
}
