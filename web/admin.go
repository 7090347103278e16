package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

// Admin sessions are stateless: the cookie holds a random session ID and an
// expiry, signed with a key derived from the admin token (so changing the
// token ends every session). CSRF tokens are HMACs of the session ID (or,
// before login, of a random nonce kept in its own cookie), so a form posted
// from another site, which can read neither cookie, cannot carry one.
const (
	sessionCookie = "communique_session"
	nonceCookie   = "communique_csrf"
	sessionTTL    = 12 * time.Hour
	csrfField     = "csrf"
	maxFormBytes  = 64 << 10
)

var b64 = base64.RawURLEncoding

func (s *server) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// bearerOK reports whether the request carries the admin token as a Bearer
// token, compared in constant time.
func (s *server) bearerOK(r *http.Request) bool {
	if s.token == "" {
		return false
	}
	h := r.Header.Get("Authorization")
	const prefix = "bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return false
	}
	return s.tokenOK(strings.TrimSpace(h[len(prefix):]))
}

// tokenOK compares a presented token with the admin token in constant time
// (hashing both first, so that their lengths do not leak either).
func (s *server) tokenOK(got string) bool {
	if s.token == "" || got == "" {
		return false
	}
	a := sha256.Sum256([]byte(got))
	b := sha256.Sum256([]byte(s.token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// newSession makes a signed session cookie value.
func (s *server) newSession() (value string, expires time.Time) {
	var payload [24]byte
	rand.Read(payload[:16])
	expires = s.now().Add(sessionTTL)
	binary.BigEndian.PutUint64(payload[16:], uint64(expires.Unix()))
	p := b64.EncodeToString(payload[:])
	return p + "." + b64.EncodeToString(s.mac("session", p)), expires
}

// session returns the ID of a valid, unexpired admin session.
func (s *server) session(r *http.Request) (string, bool) {
	if s.token == "" {
		return "", false
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return "", false
	}
	p, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return "", false
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac("session", p)) {
		return "", false
	}
	payload, err := b64.DecodeString(p)
	if err != nil || len(payload) != 24 {
		return "", false
	}
	if s.now().Unix() >= int64(binary.BigEndian.Uint64(payload[16:])) {
		return "", false
	}
	return "s:" + p, true
}

// csrfToken is the token forms carry for a binding (a session or a nonce).
func (s *server) csrfToken(binding string) string {
	return b64.EncodeToString(s.mac("csrf", binding))
}

func (s *server) validCSRF(r *http.Request, binding, token string) bool {
	if binding == "" || token == "" || !s.sameOrigin(r) {
		return false
	}
	got, err := b64.DecodeString(token)
	return err == nil && hmac.Equal(got, s.mac("csrf", binding))
}

// sameOrigin refuses a request whose Origin header names another host.
func (s *server) sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	return u.Host == r.Host || (s.baseURL != nil && u.Host == s.baseURL.Host)
}

// loginNonce returns the pre-login nonce, setting its cookie if needed.
func (s *server) loginNonce(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(nonceCookie); err == nil && len(c.Value) >= 16 && len(c.Value) <= 64 {
		return "n:" + c.Value
	}
	var b [18]byte
	rand.Read(b[:])
	v := b64.EncodeToString(b[:])
	http.SetCookie(w, &http.Cookie{Name: nonceCookie, Value: v, Path: "/admin", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	return "n:" + v
}

// adminView is what admin.html shows.
type adminView struct {
	Disabled bool // no admin token configured
	LoggedIn bool
	CSRF     string
	Error    string
	Notice   string
	Sources  []*sourceView
	Pager    pager
	Form     sourceForm
	ReadOnly bool // no Sources implementation
	// Candidates are what discovery found for Form.URL.
	Candidates []communique.FeedCandidate
	Discovered bool
}

// discoverer is implemented by a Sources that can list the ways of
// following a site (the pipeline's does).
type discoverer interface {
	Discover(ctx context.Context, pageURL string) ([]communique.FeedCandidate, error)
}

// POST /admin/discover: list the feeds, listings and sitemaps of a site, each
// with a button that adds it.
func (s *server) adminDiscover(w http.ResponseWriter, r *http.Request) {
	if !s.adminGuard(w, r) {
		return
	}
	form := formOf(r)
	v := &adminView{LoggedIn: true, CSRF: s.adminCSRF(r), Form: form, Discovered: true}
	d, ok := s.sources.(discoverer)
	if !ok {
		v.Error = "This server cannot look for feeds."
		s.renderAdmin(w, r, http.StatusBadRequest, v)
		return
	}
	cands, err := d.Discover(r.Context(), strings.TrimSpace(form.URL))
	if err != nil {
		v.Error = errorText(err)
		s.renderAdmin(w, r, statusOf(err), v)
		return
	}
	v.Candidates = cands
	s.renderAdmin(w, r, http.StatusOK, v)
}

// sourceForm is the add-source form's values, kept when it is refused.
type sourceForm struct {
	URL, Organization, Country, Licence, Kind, Title string
	Item, Link, ItemTitle, Date, Next                string
}

func (f *sourceForm) input() *sourceInput {
	in := &sourceInput{URL: f.URL, Organization: f.Organization, Country: f.Country, Licence: f.Licence, Kind: f.Kind, Title: f.Title}
	sel := communique.Selectors{Item: strings.TrimSpace(f.Item), Link: strings.TrimSpace(f.Link), Title: strings.TrimSpace(f.ItemTitle), Date: strings.TrimSpace(f.Date), Next: strings.TrimSpace(f.Next)}
	if sel != (communique.Selectors{}) {
		in.Selectors = &sel
	}
	return in
}

func formOf(r *http.Request) sourceForm {
	g := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return sourceForm{
		URL: g("url"), Organization: g("organization"), Country: g("country"), Licence: g("licence"), Kind: g("kind"), Title: g("title"),
		Item: g("selector_item"), Link: g("selector_link"), ItemTitle: g("selector_title"), Date: g("selector_date"), Next: g("selector_next"),
	}
}

func (s *server) renderAdmin(w http.ResponseWriter, r *http.Request, status int, v *adminView) {
	v.Disabled = s.token == ""
	v.ReadOnly = s.sources == nil
	if v.Form.Licence == "" {
		v.Form.Licence = string(communique.LicenceFull)
	}
	if v.LoggedIn && v.Sources == nil {
		srcs, err := s.store.Sources(r.Context())
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		lo, hi, pg := paginate(r, len(srcs), sourcesPerPage)
		if err := s.store.CountSourceReleases(r.Context(), srcs[lo:hi]); err != nil {
			s.pageError(w, r, err)
			return
		}
		for _, src := range srcs[lo:hi] {
			v.Sources = append(v.Sources, s.sourceView(src))
		}
		v.Pager = pg
	}
	s.render(w, r, status, "admin.html", &pageData{Title: "Admin", Section: "admin", NoIndex: true, Data: v})
}

// GET /admin
func (s *server) admin(w http.ResponseWriter, r *http.Request) {
	v := &adminView{}
	if s.token != "" {
		if sid, ok := s.session(r); ok {
			v.LoggedIn, v.CSRF = true, s.csrfToken(sid)
		} else {
			v.CSRF = s.csrfToken(s.loginNonce(w, r))
		}
	}
	q := r.URL.Query()
	for _, n := range []struct{ key, msg string }{
		{"added", "Source %d added; its first poll is scheduled."},
		{"removed", "Source %d removed. Its releases stay."},
		{"polled", "A poll of source %d is scheduled."},
	} {
		if id, err := strconv.ParseInt(q.Get(n.key), 10, 64); err == nil && id > 0 {
			v.Notice = strings.Replace(n.msg, "%d", strconv.FormatInt(id, 10), 1)
		}
	}
	s.renderAdmin(w, r, http.StatusOK, v)
}

// POST /admin/login
func (s *server) adminLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderAdmin(w, r, http.StatusBadRequest, &adminView{Error: "The form could not be read."})
		return
	}
	if s.token == "" {
		s.renderAdmin(w, r, http.StatusUnauthorized, &adminView{})
		return
	}
	binding := ""
	if c, err := r.Cookie(nonceCookie); err == nil {
		binding = "n:" + c.Value
	}
	if !s.validCSRF(r, binding, r.PostFormValue(csrfField)) {
		s.renderAdmin(w, r, http.StatusForbidden, &adminView{CSRF: s.csrfToken(s.loginNonce(w, r)), Error: "The form expired or did not come from this site. Please sign in again."})
		return
	}
	if !s.tokenOK(r.PostFormValue("token")) {
		s.log.Warn("admin login refused", "remote", r.RemoteAddr)
		s.renderAdmin(w, r, http.StatusUnauthorized, &adminView{CSRF: s.csrfToken(binding), Error: "That is not the admin token."})
		return
	}
	value, expires := s.newSession()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", Expires: expires, MaxAge: int(sessionTTL / time.Second),
		HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: nonceCookie, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	s.log.Info("admin signed in", "remote", r.RemoteAddr)
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// adminGuard checks a form post from the admin page: a Bearer token, or an
// admin session and the CSRF token bound to it.
func (s *server) adminGuard(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.renderAdmin(w, r, http.StatusBadRequest, &adminView{Error: "The form could not be read."})
		return false
	}
	if s.bearerOK(r) {
		return true
	}
	sid, ok := s.session(r)
	if !ok {
		v := &adminView{Error: "Please sign in with the admin token."}
		if s.token != "" {
			v.CSRF = s.csrfToken(s.loginNonce(w, r))
		}
		s.renderAdmin(w, r, http.StatusUnauthorized, v)
		return false
	}
	if !s.validCSRF(r, sid, r.PostFormValue(csrfField)) {
		s.log.Warn("admin form refused: bad CSRF token", "path", r.URL.Path, "remote", r.RemoteAddr)
		s.renderAdmin(w, r, http.StatusForbidden, &adminView{LoggedIn: true, CSRF: s.csrfToken(sid),
			Error: "The form expired or did not come from this site; nothing was changed. Please try again."})
		return false
	}
	return true
}

// adminCSRF is the token for the forms of the page answering r.
func (s *server) adminCSRF(r *http.Request) string {
	if sid, ok := s.session(r); ok {
		return s.csrfToken(sid)
	}
	return ""
}

// POST /admin/logout
func (s *server) adminLogout(w http.ResponseWriter, r *http.Request) {
	if !s.adminGuard(w, r) {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
}

// POST /admin/sources
func (s *server) adminAdd(w http.ResponseWriter, r *http.Request) {
	if !s.adminGuard(w, r) {
		return
	}
	form := formOf(r)
	fail := func(err error) {
		status := statusOf(err)
		if status == http.StatusInternalServerError {
			s.log.Error("adding a source", "err", err)
		}
		s.renderAdmin(w, r, status, &adminView{LoggedIn: true, CSRF: s.adminCSRF(r), Form: form, Error: errorText(err)})
	}
	src, err := form.input().source()
	if err != nil {
		fail(err)
		return
	}
	if s.sources == nil {
		fail(communique.Errorf(communique.EINVALID, "this server does not manage sources"))
		return
	}
	if err := s.sources.AddSource(r.Context(), src); err != nil {
		fail(err)
		return
	}
	s.log.Info("source added", "id", src.ID, "url", src.URL, "via", "admin")
	http.Redirect(w, r, "/admin?added="+strconv.FormatInt(src.ID, 10), http.StatusSeeOther)
}

// POST /admin/sources/{id}/remove
func (s *server) adminRemove(w http.ResponseWriter, r *http.Request) {
	s.adminSourceAction(w, r, "removed", func(id int64) error {
		if s.sources == nil {
			return communique.Errorf(communique.EINVALID, "this server does not manage sources")
		}
		return s.sources.RemoveSource(r.Context(), id)
	})
}

// POST /admin/sources/{id}/poll
func (s *server) adminPoll(w http.ResponseWriter, r *http.Request) {
	s.adminSourceAction(w, r, "polled", func(id int64) error {
		if s.sources == nil {
			return communique.Errorf(communique.EINVALID, "this server does not manage sources")
		}
		return s.sources.PollNow(r.Context(), id)
	})
}

func (s *server) adminSourceAction(w http.ResponseWriter, r *http.Request, done string, act func(id int64) error) {
	if !s.adminGuard(w, r) {
		return
	}
	id, err := pathID(r)
	if err == nil {
		err = act(id)
	}
	if err != nil {
		status := statusOf(err)
		if status == http.StatusInternalServerError {
			s.log.Error("changing a source", "path", r.URL.Path, "err", err)
		}
		s.renderAdmin(w, r, status, &adminView{LoggedIn: true, CSRF: s.adminCSRF(r), Error: errorText(err)})
		return
	}
	s.log.Info("source "+done, "id", id, "via", "admin")
	http.Redirect(w, r, "/admin?"+done+"="+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// errorText is what a page says about an error: its message, or a generic
// line for internal errors.
func errorText(err error) string {
	if communique.ErrorCode(err) == communique.EINTERNAL {
		return "Something went wrong on our side; nothing may have changed. Please try again later."
	}
	return communique.ErrorMessage(err)
}
