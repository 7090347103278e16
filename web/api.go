package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

// apiRelease is a release in the JSON API. Html and text are present only
// on /api/v1/releases/{id} and only for full-text licences; the lede is
// absent for link-only licences.
type apiRelease struct {
	ID             int64                `json:"id"`
	Title          string               `json:"title"`
	URL            string               `json:"url"`       // the original
	Permalink      string               `json:"permalink"` // this site's page
	Organization   string               `json:"organization"`
	Country        string               `json:"country,omitempty"`
	SourceID       int64                `json:"source_id,omitempty"`
	Author         string               `json:"author,omitempty"`
	Published      time.Time            `json:"published,omitzero"`
	DateEstimated  bool                 `json:"date_estimated,omitempty"`
	Modified       time.Time            `json:"modified,omitzero"`
	Retrieved      time.Time            `json:"retrieved,omitzero"`
	Updated        time.Time            `json:"updated,omitzero"`
	Revisions      int                  `json:"revisions,omitempty"`
	Lede           string               `json:"lede,omitempty"`
	Language       string               `json:"language,omitempty"`
	WordCount      int                  `json:"word_count"`
	ReadingMinutes int                  `json:"reading_minutes"`
	Image          string               `json:"image,omitempty"`
	SiteName       string               `json:"site_name,omitempty"`
	Licence        string               `json:"licence"`
	Fallback       bool                 `json:"fallback,omitempty"`
	StoryID        int64                `json:"story_id,omitempty"`
	Story          string               `json:"story,omitempty"` // the story in the API, when StoryID is set
	Copies         []apiCopy            `json:"copies"`
	Entities       *communique.Entities `json:"entities,omitempty"`
	Snippet        string               `json:"snippet,omitempty"`      // plain text
	SnippetHTML    string               `json:"snippet_html,omitempty"` // escaped, matches in <mark>
	HTML           string               `json:"html,omitempty"`
	Text           string               `json:"text,omitempty"`
	Attribution    string               `json:"attribution"`
}

type apiCopy struct {
	URL       string    `json:"url"`
	Publisher string    `json:"publisher,omitempty"`
	SourceID  int64     `json:"source_id,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
}

func (s *server) apiReleaseOf(r *http.Request, rel *communique.Release, full bool) apiRelease {
	lic := licenceOf(rel)
	a := apiRelease{
		ID:             rel.ID,
		Title:          rel.Title,
		URL:            rel.URL,
		Permalink:      s.abs(r, releasePath(rel.ID)),
		Organization:   rel.Organization,
		Country:        rel.Country,
		SourceID:       rel.SourceID,
		Author:         rel.Author,
		Published:      rel.Published,
		DateEstimated:  rel.DateEstimated,
		Modified:       rel.Modified,
		Retrieved:      rel.Retrieved,
		Updated:        rel.Updated,
		Revisions:      rel.Revisions,
		Language:       rel.Language,
		WordCount:      rel.WordCount,
		ReadingMinutes: rel.ReadingMinutes(),
		Image:          rel.Image,
		SiteName:       rel.SiteName,
		Licence:        string(lic),
		Fallback:       rel.Fallback,
		StoryID:        rel.StoryID,
		Copies:         []apiCopy{},
		Entities:       rel.Entities,
	}
	if lic != communique.LicenceLink {
		a.Lede = rel.Lede
	}
	if rel.StoryID != 0 {
		a.Story = s.abs(r, "/api/v1"+storyPath(rel.StoryID))
	}
	if full && lic == communique.LicenceFull {
		a.HTML = s.policy.Sanitize(rel.HTML)
		a.Text = rel.Text
	}
	for _, c := range rel.Copies {
		a.Copies = append(a.Copies, apiCopy{URL: c.URL, Publisher: c.Publisher, SourceID: c.SourceID, FirstSeen: c.FirstSeen})
	}
	org := rel.Organization
	if org == "" {
		org = "the originator"
	}
	a.Attribution = strings.NewReplacer("{organization}", org, "{site}", s.siteName).Replace(s.attribution)
	return a
}

// apiEndpoints describe the API at GET /api/v1.
var apiEndpoints = []struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Auth   bool   `json:"auth,omitempty"`
	About  string `json:"about"`
}{
	{"GET", "/api/v1/releases", false, "releases, newest first or by relevance; parameters q (query language), org, source, since, until (YYYY-MM-DD, YYYY-MM or RFC 3339; until is exclusive, a day or month includes itself), sort (date|relevance), limit (1-500), cursor (from next), facets=1"},
	{"GET", "/api/v1/releases/{id}", false, "one release with its copies, revisions (count), story_id and entities; html and text when the licence allows the full text"},
	{"GET", "/api/v1/stories/{id}", false, "one story: its releases newest first, each with its originator, and the organisations taking part; limit (1-500), cursor (from next)"},
	{"GET", "/api/v1/organizations", false, "originating organisations with their number of releases"},
	{"GET", "/api/v1/sources", false, "sources with their health"},
	{"GET", "/api/v1/sources/{id}", false, "one source"},
	{"POST", "/api/v1/sources", true, `add a source: {"url", "kind" (feed|html|sitemap, or none to detect), "organization", "country", "licence" (full|summary|link), "title", "selectors" (html only)}`},
	{"DELETE", "/api/v1/sources/{id}", true, "remove a source; its releases stay"},
	{"POST", "/api/v1/sources/{id}/poll", true, "poll a source now"},
}

// GET /api/v1
func (s *server) apiIndex(w http.ResponseWriter, r *http.Request) {
	s.apiJSON(w, http.StatusOK, map[string]any{
		"name":      s.siteName,
		"auth":      "writes need Authorization: Bearer <admin token>",
		"errors":    `{"error":{"code":"invalid|unauthorized|not_found|conflict|internal","message":"…"}}`,
		"endpoints": apiEndpoints,
	})
}

// GET /api/v1/releases?org=&source=&since=&until=&limit=&q=&sort=&cursor=&facets=1
func (s *server) apiReleases(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	q := strings.TrimSpace(v.Get("q"))
	if len(q) > 2000 {
		s.apiError(w, r, communique.Errorf(communique.EINVALID, "the query is %d bytes long; the limit is 2000", len(q)))
		return
	}
	query, err := s.parseQuery(q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := plainFilters(v, &query); err != nil {
		s.apiError(w, r, err)
		return
	}
	if query.Limit, err = limitParam(v, 50); err != nil {
		s.apiError(w, r, err)
		return
	}
	if query.Cursor, err = cursorParam(v); err != nil {
		s.apiError(w, r, err)
		return
	}
	switch f := v.Get("facets"); f {
	case "":
		query.Facets = q != ""
	case "1", "true":
		query.Facets = true
	case "0", "false":
		query.Facets = false
	default:
		s.apiError(w, r, communique.Errorf(communique.EINVALID, "facets=%q: want 1 or 0", f))
		return
	}
	res, err := s.store.Releases(r.Context(), query)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Releases []apiRelease       `json:"releases"`
		Next     string             `json:"next"`
		NextURL  string             `json:"next_url,omitempty"`
		Total    int                `json:"total"`
		Facets   *communique.Facets `json:"facets,omitempty"`
	}{Releases: make([]apiRelease, 0, len(res.Releases)), Next: res.Next, Total: res.Total}
	if query.Facets {
		out.Facets = res.Facets
		if out.Facets == nil {
			out.Facets = &communique.Facets{}
		}
	}
	for _, rel := range res.Releases {
		a := s.apiReleaseOf(r, rel, false)
		// A snippet may quote the body, which only a full licence allows.
		if snip := res.Snippets[rel.ID]; snip != "" && licenceOf(rel) == communique.LicenceFull {
			a.Snippet = plainSnippet(snip)
			a.SnippetHTML = string(highlight(snip))
		}
		out.Releases = append(out.Releases, a)
	}
	if res.Next != "" {
		p := url.Values{}
		for k, vs := range v {
			p[k] = vs
		}
		p.Set("cursor", res.Next)
		out.NextURL = s.abs(r, "/api/v1/releases?"+p.Encode())
	}
	s.apiJSON(w, http.StatusOK, out)
}

// GET /api/v1/releases/{id}
func (s *server) apiRelease(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rel, err := s.store.Release(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, s.apiReleaseOf(r, rel, true))
}

// GET /api/v1/stories/{id}?limit=&cursor=
func (s *server) apiStory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	v := r.URL.Query()
	q := communique.Query{StoryID: id, Sort: communique.SortDate, Facets: true}
	if q.Limit, err = limitParam(v, 50); err != nil {
		s.apiError(w, r, err)
		return
	}
	if q.Cursor, err = cursorParam(v); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.store.Releases(r.Context(), q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(res.Releases) == 0 && q.Cursor == "" {
		s.apiError(w, r, communique.Errorf(communique.ENOTFOUND, "there is no story %d", id))
		return
	}
	type org struct {
		Name      string `json:"name"`
		Releases  int    `json:"releases"`
		Permalink string `json:"permalink"`
	}
	out := struct {
		ID            int64        `json:"id"`
		Permalink     string       `json:"permalink"`
		Total         int          `json:"total"`
		Organizations []org        `json:"organizations"`
		Releases      []apiRelease `json:"releases"`
		Next          string       `json:"next"`
		NextURL       string       `json:"next_url,omitempty"`
	}{ID: id, Permalink: s.abs(r, storyPath(id)), Total: res.Total, Organizations: []org{}, Releases: make([]apiRelease, 0, len(res.Releases)), Next: res.Next}
	if res.Facets != nil {
		for _, o := range res.Facets.Organizations {
			out.Organizations = append(out.Organizations, org{Name: o.Value, Releases: o.Count, Permalink: s.abs(r, orgPath(o.Value))})
		}
	}
	for _, rel := range res.Releases {
		out.Releases = append(out.Releases, s.apiReleaseOf(r, rel, false))
	}
	if res.Next != "" {
		p := url.Values{"cursor": {res.Next}}
		if lim := v.Get("limit"); lim != "" {
			p.Set("limit", lim)
		}
		out.NextURL = s.abs(r, "/api/v1"+storyPath(id)+"?"+p.Encode())
	}
	s.apiJSON(w, http.StatusOK, out)
}

// GET /api/v1/organizations
func (s *server) apiOrganizations(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.store.Organizations(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	type org struct {
		Name      string `json:"name"`
		Releases  int    `json:"releases"`
		Permalink string `json:"permalink"`
	}
	out := struct {
		Organizations []org `json:"organizations"`
	}{Organizations: make([]org, 0, len(orgs))}
	for _, o := range orgs {
		out.Organizations = append(out.Organizations, org{Name: o.Value, Releases: o.Count, Permalink: s.abs(r, orgPath(o.Value))})
	}
	s.apiJSON(w, http.StatusOK, out)
}

// apiSource is a source in the JSON API. Poll secrets (ETag, WebSub
// secret) are never shown.
type apiSource struct {
	ID                int64                 `json:"id"`
	Kind              communique.SourceKind `json:"kind"`
	URL               string                `json:"url"`
	Title             string                `json:"title,omitempty"`
	Organization      string                `json:"organization"`
	Country           string                `json:"country,omitempty"`
	Licence           communique.Licence    `json:"licence"`
	Selectors         *communique.Selectors `json:"selectors,omitempty"`
	Created           time.Time             `json:"created,omitzero"`
	Permalink         string                `json:"permalink"`
	Releases          int                   `json:"releases"`
	Health            string                `json:"health"` // ok, failing, pending
	LastError         string                `json:"last_error"`
	LastFetch         time.Time             `json:"last_fetch,omitzero"`
	LastSuccess       time.Time             `json:"last_success,omitzero"`
	LastStatus        int                   `json:"last_status,omitempty"`
	ConsecutiveErrors int                   `json:"consecutive_errors"`
	NextPoll          time.Time             `json:"next_poll,omitzero"`
	IntervalSeconds   int64                 `json:"interval_seconds,omitempty"`
	WebSub            bool                  `json:"websub"`
}

func (s *server) apiSourceOf(r *http.Request, src *communique.Source) apiSource {
	st := src.State
	return apiSource{
		ID:                src.ID,
		Kind:              src.Kind,
		URL:               src.URL,
		Title:             src.Title,
		Organization:      src.Organization,
		Country:           src.Country,
		Licence:           src.Licence,
		Selectors:         src.Selectors,
		Created:           src.Created,
		Permalink:         s.abs(r, sourcePath(src.ID)),
		Releases:          src.Releases,
		Health:            s.sourceView(src).Health,
		LastError:         st.LastError,
		LastFetch:         st.LastFetch,
		LastSuccess:       st.LastSuccess,
		LastStatus:        st.LastStatus,
		ConsecutiveErrors: st.ConsecutiveErrors,
		NextPoll:          st.NextPoll,
		IntervalSeconds:   int64(st.Interval / time.Second),
		WebSub:            !st.WebSubLeaseUntil.IsZero() && st.WebSubLeaseUntil.After(s.now()),
	}
}

// GET /api/v1/sources
func (s *server) apiSources(w http.ResponseWriter, r *http.Request) {
	srcs, err := s.store.Sources(r.Context())
	if err == nil {
		err = s.store.CountSourceReleases(r.Context(), srcs)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Sources []apiSource `json:"sources"`
	}{Sources: make([]apiSource, 0, len(srcs))}
	for _, src := range srcs {
		out.Sources = append(out.Sources, s.apiSourceOf(r, src))
	}
	s.apiJSON(w, http.StatusOK, out)
}

// GET /api/v1/sources/{id}
func (s *server) apiSource(w http.ResponseWriter, r *http.Request) {
	src, err := s.countedSourceFromPath(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusOK, s.apiSourceOf(r, src))
}

// sourceInput is the body of POST /api/v1/sources.
type sourceInput struct {
	URL          string                `json:"url"`
	Kind         string                `json:"kind"`
	Title        string                `json:"title"`
	Organization string                `json:"organization"`
	Country      string                `json:"country"`
	Licence      string                `json:"licence"`
	License      string                `json:"license"` // the American spelling, accepted too
	Selectors    *communique.Selectors `json:"selectors"`
}

// source checks what can be checked without the network and makes the
// domain value; the Sources implementation validates the rest.
func (in *sourceInput) source() (*communique.Source, error) {
	src := &communique.Source{
		Kind:         communique.SourceKind(strings.ToLower(strings.TrimSpace(in.Kind))),
		URL:          strings.TrimSpace(in.URL),
		Title:        strings.TrimSpace(in.Title),
		Organization: strings.TrimSpace(in.Organization),
		Country:      strings.ToUpper(strings.TrimSpace(in.Country)),
		Licence:      communique.Licence(strings.ToLower(strings.TrimSpace(in.Licence))),
		Selectors:    in.Selectors,
	}
	if src.Licence == "" {
		src.Licence = communique.Licence(strings.ToLower(strings.TrimSpace(in.License)))
	}
	if src.URL == "" {
		return nil, communique.Errorf(communique.EINVALID, "url is required")
	}
	if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, communique.Errorf(communique.EINVALID, "url %q is not an http(s) URL", src.URL)
	}
	if src.Kind != "" && !src.Kind.Valid() {
		return nil, communique.Errorf(communique.EINVALID, "kind %q: want feed, html or sitemap (or leave it out to detect it)", in.Kind)
	}
	if src.Licence != "" && !src.Licence.Valid() {
		return nil, communique.Errorf(communique.EINVALID, "licence %q: want full, summary or link", src.Licence)
	}
	if src.Country != "" && len(src.Country) != 2 {
		return nil, communique.Errorf(communique.EINVALID, "country %q: want an ISO 3166 two-letter code", src.Country)
	}
	if src.Kind != communique.KindHTML && src.Selectors != nil && *src.Selectors != (communique.Selectors{}) {
		return nil, communique.Errorf(communique.EINVALID, "selectors apply to HTML listings only (kind html)")
	}
	if s := src.Selectors; s != nil && *s == (communique.Selectors{}) {
		src.Selectors = nil
	}
	return src, nil
}

// POST /api/v1/sources
func (s *server) apiAddSource(w http.ResponseWriter, r *http.Request) {
	if !s.apiAuthorized(w, r) {
		return
	}
	var in sourceInput
	if err := decodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	src, err := in.source()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if s.sources == nil {
		s.apiError(w, r, communique.Errorf(communique.EINVALID, "this server does not manage sources"))
		return
	}
	if err := s.sources.AddSource(r.Context(), src); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.log.Info("source added", "id", src.ID, "url", src.URL, "via", "api")
	w.Header().Set("Location", s.abs(r, "/api/v1/sources/"+strconv.FormatInt(src.ID, 10)))
	s.apiJSON(w, http.StatusCreated, s.apiSourceOf(r, src))
}

// DELETE /api/v1/sources/{id} (or /api/v1/sources?id=N)
func (s *server) apiRemoveSource(w http.ResponseWriter, r *http.Request) {
	if !s.apiAuthorized(w, r) {
		return
	}
	raw := r.PathValue("id")
	if raw == "" {
		raw = r.URL.Query().Get("id")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		s.apiError(w, r, communique.Errorf(communique.EINVALID, "id=%q: want a source ID", raw))
		return
	}
	if s.sources == nil {
		s.apiError(w, r, communique.Errorf(communique.EINVALID, "this server does not manage sources"))
		return
	}
	if err := s.sources.RemoveSource(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.log.Info("source removed", "id", id, "via", "api")
	w.WriteHeader(http.StatusNoContent)
}

// POST /api/v1/sources/{id}/poll
func (s *server) apiPoll(w http.ResponseWriter, r *http.Request) {
	if !s.apiAuthorized(w, r) {
		return
	}
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if s.sources == nil {
		s.apiError(w, r, communique.Errorf(communique.EINVALID, "this server does not manage sources"))
		return
	}
	if err := s.sources.PollNow(r.Context(), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiJSON(w, http.StatusAccepted, map[string]any{"id": id, "status": "poll scheduled"})
}

// apiAuthorized checks the admin token of a write: a Bearer token, or an
// admin session with the CSRF token in X-CSRF-Token.
func (s *server) apiAuthorized(w http.ResponseWriter, r *http.Request) bool {
	if s.bearerOK(r) {
		return true
	}
	if sid, ok := s.session(r); ok && s.validCSRF(r, sid, r.Header.Get("X-CSRF-Token")) {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="communique"`)
	msg := "this request needs the admin token: Authorization: Bearer <token>"
	if s.token == "" {
		msg = "writes are disabled: the server has no admin token"
	}
	s.apiError(w, r, communique.Errorf(communique.EUNAUTHORIZED, "%s", msg))
	return false
}

const maxBody = 1 << 20

// decodeJSON reads one JSON object of at most 1 MiB, refusing unknown fields.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(ct, "application/json") {
		return communique.Errorf(communique.EINVALID, "Content-Type %q: send application/json", ct)
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return communique.Errorf(communique.EINVALID, "the request body is larger than %d bytes", maxBody)
		}
		if err == io.EOF {
			return communique.Errorf(communique.EINVALID, "the request body is empty; send a JSON object")
		}
		return communique.Errorf(communique.EINVALID, "the request body is not valid JSON: %v", err)
	}
	if dec.More() {
		return communique.Errorf(communique.EINVALID, "the request body holds more than one JSON value")
	}
	return nil
}

// apiError answers with {"error":{"code","message"}} and the status of the
// code. Internal errors are logged; the client sees a generic message.
func (s *server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	body := map[string]any{}
	if qe, ok := err.(*queryError); ok {
		body["code"] = communique.EINVALID
		body["message"] = qe.Message
		if qe.Hint != "" {
			body["hint"] = qe.Hint
		}
		if qe.Position >= 0 {
			body["position"] = qe.Position
			body["column"] = qe.Column()
		}
	} else {
		code := communique.ErrorCode(err)
		body["code"] = code
		body["message"] = communique.ErrorMessage(err)
	}
	if status == http.StatusInternalServerError {
		s.log.Error("serving API", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	s.apiJSON(w, status, map[string]any{"error": body})
}

func (s *server) apiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
