package web

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// browser keeps cookies between requests, as a browser would.
type browser struct {
	ts      *testSite
	cookies map[string]*http.Cookie
}

func newBrowser(ts *testSite) *browser { return &browser{ts: ts, cookies: map[string]*http.Cookie{}} }

func (b *browser) do(t *testing.T, method, target string, body string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if method == "POST" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	b.ts.h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return rec
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page")
	}
	return m[1]
}

// login signs the browser in through the form and returns the admin page.
func (b *browser) login(t *testing.T) string {
	t.Helper()
	page := b.do(t, "GET", "/admin", "").Body.String()
	rec := b.do(t, "POST", "/admin/login", formBody("csrf", csrfOf(t, page), "token", testToken))
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	rec = b.do(t, "GET", "/admin", "")
	if !strings.Contains(rec.Body.String(), "Add a source") {
		t.Fatalf("the admin page after login does not offer to add a source")
	}
	if !strings.Contains(rec.Body.String(), `<td class="num">3</td>`) {
		t.Errorf("the admin page does not count NATO's 3 releases")
	}
	return rec.Body.String()
}

func TestAdminLogin(t *testing.T) {
	ts := newTestSite(t, fixture())
	b := newBrowser(ts)
	rec := b.do(t, "GET", "/admin", "")
	page := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(page, `name="token"`) || strings.Contains(page, "Add a source") {
		t.Fatalf("anonymous /admin: %d, no login form or shows the admin forms", rec.Code)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("admin page Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
	token := csrfOf(t, page)

	// Without the CSRF token, or with a forged one, the login is refused.
	for _, body := range []string{"token=" + testToken, "token=" + testToken + "&csrf=AAAA", "token=" + testToken + "&csrf=" + token + "x"} {
		if rec := b.do(t, "POST", "/admin/login", body); rec.Code != http.StatusForbidden {
			t.Errorf("login with %q: %d, want 403", body, rec.Code)
		}
	}
	// From another site, even with a token, it is refused.
	if rec := b.do(t, "POST", "/admin/login", "token="+testToken+"&csrf="+token, "Origin", "https://evil.example"); rec.Code != http.StatusForbidden {
		t.Errorf("cross-origin login: %d", rec.Code)
	}
	// The wrong token is refused.
	if rec := b.do(t, "POST", "/admin/login", "token=nope&csrf="+csrfOf(t, b.do(t, "GET", "/admin", "").Body.String())); rec.Code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", rec.Code)
	}
	if _, ok := b.cookies[sessionCookie]; ok {
		t.Fatal("a refused login set a session")
	}

	b.login(t)
	c := b.cookies[sessionCookie]
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" {
		t.Fatalf("session cookie %+v", c)
	}
	if strings.Contains(c.Value, testToken) {
		t.Error("the session cookie carries the admin token")
	}

	// A tampered session is no session.
	tampered := &browser{ts: ts, cookies: map[string]*http.Cookie{sessionCookie: {Name: sessionCookie, Value: "x" + c.Value}}}
	if strings.Contains(tampered.do(t, "GET", "/admin", "").Body.String(), "Add a source") {
		t.Error("a tampered session cookie was accepted")
	}
	// An expired session is no session.
	later := newTestSite(t, ts.store, func(cfg *Config) {
		cfg.Now = func() time.Time { return t0.Add(3*time.Hour + sessionTTL + time.Minute) }
	})
	old := &browser{ts: later, cookies: map[string]*http.Cookie{sessionCookie: c}}
	if strings.Contains(old.do(t, "GET", "/admin", "").Body.String(), "Add a source") {
		t.Error("an expired session was accepted")
	}
	// Another admin token ends every session.
	rotated := newTestSite(t, ts.store, func(cfg *Config) { cfg.AdminToken = "another" })
	if strings.Contains((&browser{ts: rotated, cookies: map[string]*http.Cookie{sessionCookie: c}}).do(t, "GET", "/admin", "").Body.String(), "Add a source") {
		t.Error("a session survived a new admin token")
	}

	// Logging out ends the session.
	page = b.do(t, "GET", "/admin", "").Body.String()
	if rec := b.do(t, "POST", "/admin/logout", "csrf="+csrfOf(t, page)); rec.Code != http.StatusSeeOther {
		t.Errorf("logout: %d", rec.Code)
	}
	if strings.Contains(b.do(t, "GET", "/admin", "").Body.String(), "Add a source") {
		t.Error("still signed in after logging out")
	}
}

func TestAdminForms(t *testing.T) {
	ts := newTestSite(t, fixture())
	b := newBrowser(ts)
	page := b.login(t)
	csrf := csrfOf(t, page)
	mustContain(t, "admin page", page, `action="/admin/sources/2/poll"`, `action="/admin/sources/3/remove"`, "HTTP 503 Service Unavailable")

	// Add a source.
	add := formBody("csrf", csrf, "url", "https://www.iaea.org/feeds/topnews", "organization", "IAEA", "country", "at", "licence", "summary", "kind", "feed")
	rec := b.do(t, "POST", "/admin/sources", add)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/admin?added=4" {
		t.Fatalf("add: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	if s := ts.sources.added; len(s) != 1 || s[0].Organization != "IAEA" || s[0].Country != "AT" || s[0].Licence != "summary" || s[0].Kind != "feed" {
		t.Errorf("added %+v", s)
	}
	mustContain(t, "admin after add", b.do(t, "GET", "/admin?added=4", "").Body.String(), "Source 4 added")

	// A refused source is explained, and the form keeps what was typed.
	rec = b.do(t, "POST", "/admin/sources", add)
	if rec.Code != http.StatusConflict {
		t.Errorf("adding twice: %d", rec.Code)
	}
	mustContain(t, "refused add", rec.Body.String(), "already exists", `value="https://www.iaea.org/feeds/topnews"`, `value="IAEA"`)
	rec = b.do(t, "POST", "/admin/sources", formBody("csrf", csrf, "url", "javascript:alert(1)"))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "not an http(s) URL") {
		t.Errorf("bad URL: %d", rec.Code)
	}
	// HTML listings take selectors.
	rec = b.do(t, "POST", "/admin/sources", formBody("csrf", csrf, "url", "https://www.osce.org/press-releases", "kind", "html", "selector_item", ".views-row", "selector_link", "a"))
	if rec.Code != http.StatusSeeOther || ts.sources.added[1].Selectors == nil || ts.sources.added[1].Selectors.Link != "a" {
		t.Errorf("HTML listing: %d %+v", rec.Code, ts.sources.added)
	}

	// Poll and remove.
	if rec := b.do(t, "POST", "/admin/sources/2/poll", "csrf="+csrf); rec.Code != http.StatusSeeOther || len(ts.sources.polled) != 1 {
		t.Errorf("poll: %d %v", rec.Code, ts.sources.polled)
	}
	if rec := b.do(t, "POST", "/admin/sources/3/remove", "csrf="+csrf); rec.Code != http.StatusSeeOther || len(ts.sources.removed) != 1 {
		t.Errorf("remove: %d %v", rec.Code, ts.sources.removed)
	}
	if rec := b.do(t, "POST", "/admin/sources/3/remove", "csrf="+csrf); rec.Code != http.StatusNotFound {
		t.Errorf("removing twice: %d", rec.Code)
	}
}

func TestAdminCSRF(t *testing.T) {
	ts := newTestSite(t, fixture())
	b := newBrowser(ts)
	b.login(t)
	other := newBrowser(ts)
	otherCSRF := csrfOf(t, other.login(t))

	for _, tc := range []struct {
		name, body string
		hdr        []string
	}{
		{"no token", "url=https://x.example/feed", nil},
		{"forged token", "url=https://x.example/feed&csrf=Zm9yZ2Vk", nil},
		{"another session's token", "url=https://x.example/feed&csrf=" + otherCSRF, nil},
	} {
		if rec := b.do(t, "POST", "/admin/sources", tc.body, tc.hdr...); rec.Code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, rec.Code)
		}
		if rec := b.do(t, "POST", "/admin/sources/1/remove", strings.Replace(tc.body, "url=https://x.example/feed&", "", 1)); rec.Code != http.StatusForbidden {
			t.Errorf("remove with %s: %d, want 403", tc.name, rec.Code)
		}
	}
	// A valid token posted from another origin is refused too.
	page := b.do(t, "GET", "/admin", "").Body.String()
	if rec := b.do(t, "POST", "/admin/sources/1/poll", "csrf="+csrfOf(t, page), "Origin", "https://evil.example"); rec.Code != http.StatusForbidden {
		t.Errorf("cross-origin poll: %d", rec.Code)
	}
	if n := len(ts.sources.added) + len(ts.sources.removed) + len(ts.sources.polled); n != 0 {
		t.Errorf("%d refused forms changed sources", n)
	}

	// Without a session, forms are unauthorised whatever they carry.
	anon := newBrowser(ts)
	if rec := anon.do(t, "POST", "/admin/sources/1/poll", "csrf="+otherCSRF); rec.Code != http.StatusUnauthorized {
		t.Errorf("anonymous poll: %d", rec.Code)
	}
	// A Bearer token needs no CSRF token: no browser sends it on its own.
	if rec := anon.do(t, "POST", "/admin/sources/1/poll", "", "Authorization", "Bearer "+testToken); rec.Code != http.StatusSeeOther {
		t.Errorf("bearer poll: %d", rec.Code)
	}
	// The API accepts a session with its CSRF token in a header.
	if rec := b.do(t, "POST", "/api/v1/sources/1/poll", "", "X-CSRF-Token", csrfOf(t, page)); rec.Code != http.StatusAccepted {
		t.Errorf("session API poll: %d", rec.Code)
	}
	if rec := b.do(t, "POST", "/api/v1/sources/1/poll", ""); rec.Code != http.StatusUnauthorized {
		t.Errorf("session API poll without CSRF: %d", rec.Code)
	}
}

func TestAdminDisabledAndReadOnly(t *testing.T) {
	ts := newTestSite(t, fixture(), func(c *Config) { c.AdminToken = "" })
	rec := newBrowser(ts).do(t, "GET", "/admin", "")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "no admin token") || strings.Contains(rec.Body.String(), `name="token"`) {
		t.Errorf("tokenless admin: %d", rec.Code)
	}
	if rec := newBrowser(ts).do(t, "POST", "/admin/login", "token=&csrf="); rec.Code != http.StatusUnauthorized {
		t.Errorf("tokenless login: %d", rec.Code)
	}

	ts = newTestSite(t, fixture(), func(c *Config) { c.Sources = nil })
	b := newBrowser(ts)
	b.do(t, "GET", "/admin", "")
	page := b.do(t, "GET", "/admin", "").Body.String()
	if rec := b.do(t, "POST", "/admin/login", "token="+testToken+"&csrf="+csrfOf(t, page)); rec.Code != http.StatusSeeOther {
		t.Fatalf("login: %d", rec.Code)
	}
	page = b.do(t, "GET", "/admin", "").Body.String()
	if !strings.Contains(page, "does not manage sources") || strings.Contains(page, "Add a source") {
		t.Errorf("read-only admin page")
	}
	if rec := ts.do(t, "POST", "/api/v1/sources", strings.NewReader(`{"url":"https://a.example/feed"}`), "Authorization", "Bearer "+testToken); rec.Code != 400 {
		t.Errorf("read-only API add: %d", rec.Code)
	}
}
