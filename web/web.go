// Package web serves Communiqué to readers and to programs: the
// server-rendered site (html/template, no JavaScript), RSS 2.0, Atom 1.0 and
// JSON Feed 1.1 for every listing, and the JSON API under /api/v1.
//
// It reads through communique.Store only and changes sources through the
// Sources interface, which the pipeline implements.
//
// URL scheme:
//
//	/                                latest releases
//	/releases/{id}                   one release
//	/releases/{id}/revisions         its stored texts and what changed
//	/?view=stories                   latest releases grouped by story
//	/org, /org/{name}                organisations; the releases of one organisation
//	                                 and those naming it (?own=1: its own only)
//	/person/{name}, /country/{code}  the releases naming a person or a country
//	                                 (ISO 3166 alpha-2), over time, and who
//	                                 they appear with
//	/stories/{id}                    the releases of one story
//	/sources, /sources/{id}          sources with their health
//	/search?q=…                      search (facets, highlighted snippets)
//	…/feed.rss, …/feed.atom, …/feed.json
//	                                 the feeds of every listing above: /feed.rss,
//	                                 /org/{name}/feed.atom, /sources/{id}/feed.json,
//	                                 /person/{name}/feed.rss, /stories/{id}/feed.atom,
//	                                 /search/feed.rss?q=…
//	/admin                           add, remove and poll sources (admin token)
//	/api/v1/…                        JSON API
//	/healthz, /metrics, /static/…
package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"

	"github.com/communique-news/communique"
)

// Sources is what the admin page and API call to change sources; the
// pipeline implements it (validation, feed discovery, scheduling a first
// poll).
type Sources interface {
	// AddSource stores s and sets s.ID. s.URL may be a page: the
	// implementation discovers its feed. Bad input is a communique.Error
	// with code EINVALID or ECONFLICT.
	AddSource(ctx context.Context, s *communique.Source) error
	RemoveSource(ctx context.Context, id int64) error
	PollNow(ctx context.Context, id int64) error
}

// Config is what a site is built from. Store is required; everything else
// has a default or may be nil.
type Config struct {
	Store communique.Store
	// Sources changes sources; nil makes the site read-only.
	Sources Sources
	// Parse parses the query language (search.Parse). Its errors are shown
	// with Error(); an error with a Position() int method also gets its
	// position marked. nil disables search by query text.
	Parse func(q string, now time.Time) (communique.Query, error)
	// AdminToken guards every write (API and admin page). Empty disables writes.
	AdminToken string
	// SiteName defaults to "Communiqué".
	SiteName string
	// BaseURL is the public base URL for absolute links (feeds, API
	// permalinks). Empty means each request's scheme and Host.
	BaseURL string
	// Attribution is the line shown on every release page; {organization}
	// is replaced by the originator's name and {site} by SiteName.
	Attribution string
	// Metrics serves /metrics when not nil.
	Metrics http.Handler
	// Health is checked by /healthz; nil means always healthy.
	Health func(ctx context.Context) error
	Logger *slog.Logger
	Now    func() time.Time
}

// DefaultAttribution is the attribution line used when Config.Attribution is empty.
const DefaultAttribution = "Republished from the original release by {organization}. {site} is not affiliated with the originator."

const (
	pageSize = 30 // releases on one HTML listing page
	feedSize = 50 // items in one feed
	maxLimit = 500
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// server is one site. It holds no mutable state: every field is set by New.
type server struct {
	store       communique.Store
	sources     Sources
	parse       func(q string, now time.Time) (communique.Query, error)
	token       string
	key         []byte // HMAC key for sessions and CSRF tokens, derived from the token
	siteName    string
	baseURL     *url.URL
	attribution string
	health      func(ctx context.Context) error
	log         *slog.Logger
	now         func() time.Time
	pages       map[string]*template.Template
	policy      *bluemonday.Policy
	static      http.Handler
	handler     http.Handler // everything, behind the middleware
}

// New builds the site's handler.
func New(cfg Config) (http.Handler, error) {
	s, err := newServer(cfg)
	if err != nil {
		return nil, err
	}
	return s.handler, nil
}

func newServer(cfg Config) (*server, error) {
	if cfg.Store == nil {
		return nil, errors.New("web: Config.Store is required")
	}
	s := &server{
		store:       cfg.Store,
		sources:     cfg.Sources,
		parse:       cfg.Parse,
		token:       cfg.AdminToken,
		siteName:    cfg.SiteName,
		attribution: cfg.Attribution,
		health:      cfg.Health,
		log:         cfg.Logger,
		now:         cfg.Now,
	}
	if s.siteName == "" {
		s.siteName = "Communiqué"
	}
	if s.attribution == "" {
		s.attribution = DefaultAttribution
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("web: base URL %q is not an absolute http(s) URL", cfg.BaseURL)
		}
		u.RawQuery, u.Fragment = "", ""
		s.baseURL = u
	}
	if s.token != "" {
		m := hmac.New(sha256.New, []byte("communique web session key v1"))
		m.Write([]byte(s.token))
		s.key = m.Sum(nil)
	}
	var err error
	if s.pages, err = parseTemplates(); err != nil {
		return nil, err
	}
	// The store holds HTML that the edit stage sanitised; the body is
	// sanitised again here so that a page never depends on that alone.
	s.policy = bluemonday.UGCPolicy()
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	s.static = http.StripPrefix("/static/", http.FileServerFS(sub))

	mux := http.NewServeMux()
	s.routes(mux, cfg.Metrics)
	s.handler = s.middleware(mux)
	return s, nil
}

func (s *server) routes(mux *http.ServeMux, metrics http.Handler) {
	// Pages and their feeds.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /releases/{id}", s.release)
	mux.HandleFunc("GET /releases/{id}/revisions", s.revisions)
	mux.HandleFunc("GET /org", s.orgs)
	mux.HandleFunc("GET /org/{$}", s.orgs)
	mux.HandleFunc("GET /org/{name}", s.entityPage("org", "orgs", s.orgListing))
	mux.HandleFunc("GET /person/{name}", s.entityPage("person", "", s.personListing))
	mux.HandleFunc("GET /country/{code}", s.entityPage("country", "", s.countryListing))
	mux.HandleFunc("GET /stories/{id}", s.story)
	mux.HandleFunc("GET /sources", s.sourceList)
	mux.HandleFunc("GET /sources/{$}", s.sourceList)
	mux.HandleFunc("GET /sources/{id}", s.source)
	mux.HandleFunc("GET /search", s.search)
	for _, f := range feedFormats {
		mux.HandleFunc("GET /feed."+f.ext, s.feedHandler(f, s.homeListing))
		mux.HandleFunc("GET /org/{name}/feed."+f.ext, s.feedHandler(f, s.orgListing))
		mux.HandleFunc("GET /person/{name}/feed."+f.ext, s.feedHandler(f, s.personListing))
		mux.HandleFunc("GET /country/{code}/feed."+f.ext, s.feedHandler(f, s.countryListing))
		mux.HandleFunc("GET /stories/{id}/feed."+f.ext, s.feedHandler(f, s.storyListing))
		mux.HandleFunc("GET /sources/{id}/feed."+f.ext, s.feedHandler(f, s.sourceListing))
		mux.HandleFunc("GET /search/feed."+f.ext, s.feedHandler(f, s.searchListing))
	}

	// Admin.
	mux.HandleFunc("GET /admin", s.admin)
	mux.HandleFunc("POST /admin/login", s.adminLogin)
	mux.HandleFunc("POST /admin/logout", s.adminLogout)
	mux.HandleFunc("POST /admin/sources", s.adminAdd)
	mux.HandleFunc("POST /admin/discover", s.adminDiscover)
	mux.HandleFunc("POST /admin/sources/{id}/remove", s.adminRemove)
	mux.HandleFunc("POST /admin/sources/{id}/poll", s.adminPoll)

	// API.
	mux.HandleFunc("GET /api/v1", s.apiIndex)
	mux.HandleFunc("GET /api/v1/{$}", s.apiIndex)
	mux.HandleFunc("GET /api/v1/releases", s.apiReleases)
	mux.HandleFunc("GET /api/v1/releases/{id}", s.apiRelease)
	mux.HandleFunc("GET /api/v1/stories/{id}", s.apiStory)
	mux.HandleFunc("GET /api/v1/organizations", s.apiOrganizations)
	mux.HandleFunc("GET /api/v1/sources", s.apiSources)
	mux.HandleFunc("POST /api/v1/sources", s.apiAddSource)
	mux.HandleFunc("DELETE /api/v1/sources", s.apiRemoveSource)
	mux.HandleFunc("GET /api/v1/sources/{id}", s.apiSource)
	mux.HandleFunc("DELETE /api/v1/sources/{id}", s.apiRemoveSource)
	mux.HandleFunc("POST /api/v1/sources/{id}/poll", s.apiPoll)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.apiError(w, r, communique.Errorf(communique.ENOTFOUND, "no API endpoint %s %s", r.Method, r.URL.Path))
	})

	// Operations.
	mux.HandleFunc("GET /healthz", s.healthz)
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	mux.Handle("GET /static/", s.static)
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "User-agent: *\nDisallow: /admin\nDisallow: /api/\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.pageError(w, r, communique.Errorf(communique.ENOTFOUND, "there is no page at %s", r.URL.Path))
	})
}

// middleware adds the security headers, recovers from panics and logs
// every request.
func (s *server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		start := s.now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				if !rec.wrote {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			s.log.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", s.now().Sub(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// base is the public base URL: Config.BaseURL, else the request's scheme and Host.
func (s *server) base(r *http.Request) string {
	if s.baseURL != nil {
		return s.baseURL.String()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// abs makes a site path absolute.
func (s *server) abs(r *http.Request, path string) string { return s.base(r) + path }

// secure reports whether cookies should carry the Secure flag.
func (s *server) secure(r *http.Request) bool {
	return r.TLS != nil || (s.baseURL != nil && s.baseURL.Scheme == "https")
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.health != nil {
		if err := s.health(r.Context()); err != nil {
			s.log.Error("health check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// releasePath is a release's page on this site.
func releasePath(id int64) string { return fmt.Sprintf("/releases/%d", id) }

// orgPath is an organisation's page on this site.
func orgPath(name string) string { return "/org/" + url.PathEscape(name) }

// sourcePath is a source's page on this site.
func sourcePath(id int64) string { return fmt.Sprintf("/sources/%d", id) }
