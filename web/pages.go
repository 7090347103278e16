package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/dedup"
)

// listView is what list.html, source.html and search.html show.
type listView struct {
	Heading  string
	Intro    string
	Releases []*releaseView
	NextURL  string // the next page, if any
	Total    int    // -1 if not counted
	Feeds    []feedLink
	Empty    string // shown when there are no releases

	Source *sourceView // source.html
	Search *searchView // search.html

	// The home page's views: Stories is set in the stories view.
	Toggle  *viewToggle
	Stories []*storyGroup
}

// page runs a listing's query for one HTML page.
func (s *server) page(r *http.Request, l *listing) (*communique.ResultPage, error) {
	v := r.URL.Query()
	q := l.Query
	q.Limit = pageSize
	var err error
	if q.Cursor, err = cursorParam(v); err != nil {
		return nil, err
	}
	res, err := s.store.Releases(r.Context(), q)
	if err != nil {
		return nil, err
	}
	return res, l.checkEmpty(r, q, res)
}

func (s *server) listView(l *listing, res *communique.ResultPage) *listView {
	lv := &listView{Heading: l.Title, Intro: l.Description, Total: res.Total, Feeds: l.feedLinks()}
	for _, rel := range res.Releases {
		rv := s.view(rel, false)
		// A snippet may quote the body, which only a full licence allows.
		if snip := res.Snippets[rel.ID]; snip != "" && rv.Licence == communique.LicenceFull {
			rv.Snippet = highlight(snip)
		}
		lv.Releases = append(lv.Releases, rv)
	}
	if res.Next != "" {
		p := url.Values{}
		for k, vs := range l.Params {
			p[k] = vs
		}
		p.Set("cursor", res.Next)
		lv.NextURL = withParams(l.Path, p)
	}
	return lv
}

func (s *server) home(w http.ResponseWriter, r *http.Request) {
	l, _ := s.homeListing(r)
	view := r.URL.Query().Get("view")
	if view != "" && view != "stories" && view != "releases" {
		s.pageError(w, r, communique.Errorf(communique.EINVALID, "view=%q: want releases or stories", view))
		return
	}
	res, err := s.page(r, l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if view == "stories" {
		s.homeStories(w, r, l, res)
		return
	}
	lv := s.listView(l, res)
	lv.Toggle = &viewToggle{Other: "/?view=stories"}
	lv.Intro = "Official releases from the organisations " + s.siteName + " follows, newest first. Each is credited to its originator and links to the original."
	lv.Empty = "No releases yet. Sources are polled in the background; add one on the admin page."
	s.render(w, r, http.StatusOK, "list.html", &pageData{
		Title:   "Latest releases",
		Section: "home",
		Feeds:   lv.Feeds,
		Data:    lv,
	})
}

func (s *server) orgs(w http.ResponseWriter, r *http.Request) {
	orgs, err := s.store.Organizations(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	slices.SortStableFunc(orgs, func(a, b communique.FacetCount) int {
		return strings.Compare(strings.ToLower(a.Value), strings.ToLower(b.Value))
	})
	s.render(w, r, http.StatusOK, "orgs.html", &pageData{Title: "Organisations", Section: "orgs", Data: orgs})
}

func (s *server) release(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	rel, err := s.store.Release(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.view(rel, true)
	if rel.StoryID != 0 {
		// The page stands without its story: a failure to count it is
		// logged, not shown.
		st, err := s.storySummary(r.Context(), rel.StoryID)
		if err != nil {
			s.log.Error("counting a story", "story", rel.StoryID, "release", rel.ID, "err", err)
		} else if st.Releases > 1 {
			v.Story = st
		}
	}
	p := &pageData{
		Title:       v.Title,
		Description: v.Lede,
		Canonical:   rel.URL,
		Lang:        rel.Language,
		Data:        v,
	}
	if rel.Organization != "" {
		ol := &listing{Title: rel.Organization, FeedBase: orgPath(rel.Organization) + "/feed"}
		p.Feeds = ol.feedLinks()
	}
	s.render(w, r, http.StatusOK, "release.html", p)
}

// revisionView is one stored text of a release, with what changed from the
// one before.
type revisionView struct {
	Number       int
	Retrieved    time.Time
	Title        string
	TitleChanged bool
	Diff         template.HTML // escaped text with <ins> and <del>; full licence only
	Unchanged    bool          // the text is the same as before (a title or markup change)
}

// GET /releases/{id}/revisions
func (s *server) revisions(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	rel, err := s.store.Release(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	revs, err := s.store.Revisions(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	v := s.view(rel, false)
	var views []revisionView
	for i, rev := range revs {
		rv := revisionView{Number: rev.Number, Retrieved: rev.Retrieved, Title: rev.Title}
		if i > 0 {
			prev := revs[i-1]
			rv.TitleChanged = rev.Title != prev.Title
			// A diff quotes the text, which only a full licence allows.
			if v.Licence == communique.LicenceFull {
				edits := dedup.Diff(prev.Text, rev.Text)
				rv.Unchanged = true
				for _, e := range edits {
					if e.Op != dedup.Equal {
						rv.Unchanged = false
						break
					}
				}
				if !rv.Unchanged {
					rv.Diff = dedup.DiffHTML(edits)
				}
			}
		}
		views = append(views, rv)
	}
	slices.Reverse(views)
	s.render(w, r, http.StatusOK, "revisions.html", &pageData{
		Title:   "Revisions of " + v.Title,
		NoIndex: true,
		Lang:    rel.Language,
		Data: struct {
			Release   *releaseView
			Revisions []revisionView
		}{v, views},
	})
}

// sourceView is a source with its health as pages show it.
type sourceView struct {
	*communique.Source
	Name      string
	Path      string
	Health    string // ok, failing, pending
	HealthMsg string
	Overdue   bool
}

func (s *server) sourceView(src *communique.Source) *sourceView {
	v := &sourceView{Source: src, Name: sourceName(src), Path: sourcePath(src.ID)}
	st := src.State
	switch {
	case st.LastError != "":
		v.Health = "failing"
		v.HealthMsg = "Failing"
		if st.ConsecutiveErrors > 1 {
			v.HealthMsg += " (" + strconv.Itoa(st.ConsecutiveErrors) + " errors in a row)"
		}
	case st.LastSuccess.IsZero():
		v.Health = "pending"
		v.HealthMsg = "Not fetched yet"
	default:
		v.Health = "ok"
		v.HealthMsg = "OK"
	}
	v.Overdue = !st.NextPoll.IsZero() && s.now().Sub(st.NextPoll) > time.Hour
	return v
}

// sourcesPerPage is how many sources /sources and /admin show at once.
const sourcesPerPage = 200

// pager is the position of one page in a list kept in memory.
type pager struct {
	From, To, Of int    // 1-based, inclusive
	Prev, Next   string // links, empty at the ends
}

// paginate picks the page ?page=N (from 1) of n items.
func paginate(r *http.Request, n, size int) (lo, hi int, p pager) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	lo = min((page-1)*size, n)
	hi = min(lo+size, n)
	p = pager{From: lo + 1, To: hi, Of: n}
	link := func(pg int) string {
		v := cloneValues(r.URL.Query())
		v.Del("page")
		if pg > 1 {
			v.Set("page", strconv.Itoa(pg))
		}
		return withParams(r.URL.Path, v)
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if hi < n {
		p.Next = link(page + 1)
	}
	return lo, hi, p
}

// sourcesView is what sources.html shows.
type sourcesView struct {
	Sources     []*sourceView
	Total       int
	Failing     int
	OnlyFailing bool
	Pager       pager
}

func (s *server) sourceList(w http.ResponseWriter, r *http.Request) {
	srcs, err := s.store.Sources(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	sv := &sourcesView{Total: len(srcs), OnlyFailing: r.URL.Query().Get("health") == "failing"}
	var views []*sourceView
	for _, src := range srcs {
		v := s.sourceView(src)
		if v.Health == "failing" {
			sv.Failing++
		} else if sv.OnlyFailing {
			continue
		}
		views = append(views, v)
	}
	lo, hi, pg := paginate(r, len(views), sourcesPerPage)
	sv.Sources, sv.Pager = views[lo:hi], pg
	shown := make([]*communique.Source, len(sv.Sources))
	for i, v := range sv.Sources {
		shown[i] = v.Source
	}
	if err := s.store.CountSourceReleases(r.Context(), shown); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "sources.html", &pageData{Title: "Sources", Section: "sources", Data: sv})
}

func (s *server) source(w http.ResponseWriter, r *http.Request) {
	src, err := s.countedSourceFromPath(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l := sourceListingOf(s, src)
	res, err := s.page(r, l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lv := s.listView(l, res)
	lv.Heading = sourceName(src)
	lv.Source = s.sourceView(src)
	lv.Empty = "No releases first seen through this source yet."
	s.render(w, r, http.StatusOK, "source.html", &pageData{
		Title:   lv.Heading,
		Section: "sources",
		Feeds:   lv.Feeds,
		Data:    lv,
	})
}

// searchView is the search form's state, its error and its facets.
type searchView struct {
	Query  string
	Sort   string
	Error  *queryError
	Facets []facetGroup
	// Filters are the plain filters in force, each with a link that drops it.
	Filters []facetLink
}

type facetGroup struct {
	Name  string
	Links []facetLink
}

type facetLink struct {
	Label  string
	Count  int
	Href   string
	Active bool
	Page   string // the entity's own page (organisations, countries), if any
}

func (s *server) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	sv := &searchView{Query: strings.TrimSpace(v.Get("q")), Sort: v.Get("sort")}
	p := &pageData{Title: "Search", Section: "search", Search: sv.Query, NoIndex: true}
	l, err := s.searchListing(r)
	if err != nil {
		status := statusOf(err)
		if status != http.StatusBadRequest {
			s.pageError(w, r, err)
			return
		}
		qe, ok := err.(*queryError)
		if !ok {
			qe = &queryError{Query: sv.Query, Message: communique.ErrorMessage(err), Position: -1}
		}
		sv.Error = qe
		p.Title = "Search: invalid query"
		p.Data = &listView{Heading: "Search", Search: sv}
		s.render(w, r, http.StatusBadRequest, "search.html", p)
		return
	}
	if sv.Query == "" && len(l.Params) == 0 {
		p.Data = &listView{Heading: "Search", Search: sv}
		s.render(w, r, http.StatusOK, "search.html", p)
		return
	}
	l.Query.Facets = true
	res, err := s.page(r, l)
	if err != nil {
		if statusOf(err) == http.StatusBadRequest {
			sv.Error = &queryError{Query: sv.Query, Message: communique.ErrorMessage(err), Position: -1}
			p.Data = &listView{Heading: "Search", Search: sv}
			s.render(w, r, http.StatusBadRequest, "search.html", p)
			return
		}
		s.pageError(w, r, err)
		return
	}
	lv := s.listView(l, res)
	lv.Search = sv
	lv.Empty = "No release matches this search."
	sv.Facets = facetGroups(l, res.Facets)
	sv.Filters = activeFilters(l)
	p.Title = l.Title
	p.Feeds = lv.Feeds
	p.Data = lv
	s.render(w, r, http.StatusOK, "search.html", p)
}

// facetGroups turns facet counts into links that narrow the search:
// organisations and months through the plain filters, countries and
// languages through the query language.
func facetGroups(l *listing, f *communique.Facets) []facetGroup {
	if f == nil {
		return nil
	}
	var groups []facetGroup
	add := func(name string, counts []communique.FacetCount, link func(v string) (url.Values, bool), label func(v string) string, page func(v string) string) {
		g := facetGroup{Name: name}
		for _, c := range counts {
			if c.Value == "" {
				continue
			}
			p, active := link(c.Value)
			fl := facetLink{Label: label(c.Value), Count: c.Count, Href: withParams("/search", p), Active: active}
			if page != nil {
				fl.Page = page(c.Value)
			}
			g.Links = append(g.Links, fl)
		}
		if len(g.Links) > 0 {
			groups = append(groups, g)
		}
	}
	same := func(v string) string { return v }
	add("Organisation", f.Organizations, func(v string) (url.Values, bool) {
		p := cloneValues(l.Params)
		active := p.Get("org") == v
		p.Set("org", v)
		return p, active
	}, same, orgPath)
	add("Country", f.Countries, func(v string) (url.Values, bool) {
		return withTerm(l.Params, "country:"+v)
	}, countryLabel, func(v string) string {
		if _, ok := countryName(v); !ok {
			return ""
		}
		return countryPath(v)
	})
	add("Language", f.Languages, func(v string) (url.Values, bool) {
		return withTerm(l.Params, "lang:"+v)
	}, same, nil)
	add("Month", f.Months, func(v string) (url.Values, bool) {
		p := cloneValues(l.Params)
		active := p.Get("since") == v && p.Get("until") == v
		p.Set("since", v)
		p.Set("until", v)
		return p, active
	}, monthLabel, nil)
	return groups
}

// withTerm adds a field filter to the query text unless it is there already.
func withTerm(params url.Values, term string) (url.Values, bool) {
	p := cloneValues(params)
	q := p.Get("q")
	for _, f := range strings.Fields(q) {
		if strings.EqualFold(f, term) {
			return p, true
		}
	}
	p.Set("q", strings.TrimSpace(q+" "+term))
	return p, false
}

// activeFilters lists the plain filters in force, each linking to the
// search without it.
func activeFilters(l *listing) []facetLink {
	var out []facetLink
	for _, k := range []string{"org", "source", "since", "until"} {
		v := l.Params.Get(k)
		if v == "" {
			continue
		}
		p := cloneValues(l.Params)
		p.Del(k)
		out = append(out, facetLink{Label: k + ": " + v, Href: withParams("/search", p), Active: true})
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	out.Del("cursor")
	return out
}

func monthLabel(v string) string {
	t, err := time.Parse("2006-01", v)
	if err != nil {
		return v
	}
	return t.Format("January 2006")
}

// feedHandler serves a listing's feed in format f: the newest releases
// (or, for a search that does not ask for an order, the newest matches).
func (s *server) feedHandler(f feedFormat, lf listingFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, err := lf(r)
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		v := r.URL.Query()
		q := l.Query
		if q.Sort == "" && v.Get("sort") == "" {
			q.Sort = communique.SortDate
		}
		if q.Limit, err = limitParam(v, feedSize); err != nil {
			s.plainError(w, r, err)
			return
		}
		if q.Cursor, err = cursorParam(v); err != nil {
			s.plainError(w, r, err)
			return
		}
		res, err := s.store.Releases(r.Context(), q)
		if err == nil {
			err = l.checkEmpty(r, q, res)
		}
		if err != nil {
			s.plainError(w, r, err)
			return
		}
		// The tag is a hash of what the feed is made of, so that a reader
		// polling an unchanged feed costs a query, not a render.
		etag := feedETag(f, s.base(r)+l.feedURL(f), res)
		h := w.Header()
		h.Set("Content-Type", f.mime+"; charset=utf-8")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cache-Control", "public, max-age=300")
		h.Set("ETag", etag)
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fd := s.buildFeed(r, l, f, res)
		var buf bytes.Buffer
		if err := f.render(&buf, fd); err != nil {
			h.Del("ETag")
			s.plainError(w, r, err)
			return
		}
		h.Set("Last-Modified", fd.Updated.UTC().Format(http.TimeFormat))
		w.Write(buf.Bytes())
	}
}

// feedETag hashes every field of a result page that a feed shows, with
// the feed's own URL and format.
func feedETag(f feedFormat, self string, res *communique.ResultPage) string {
	h := sha256.New()
	var num [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(num[:], uint64(len(s)))
		h.Write(num[:])
		io.WriteString(h, s)
	}
	str(feedETagVersion)
	str(f.ext)
	str(self)
	str(res.Next)
	for _, r := range res.Releases {
		str(strconv.FormatInt(r.ID, 10))
		for _, t := range []time.Time{r.Published, r.Retrieved, r.Updated} {
			str(t.UTC().Format(time.RFC3339Nano))
		}
		for _, v := range []string{r.URL, r.Title, r.Organization, r.Lede, r.HTML, r.Image, r.Language, string(r.Licence)} {
			str(v)
		}
	}
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18]) + `"`
}

// feedETagVersion changes when the feed writers change what they write, so
// that readers fetch the new form.
const feedETagVersion = "web-feed-2"

// etagMatch reports whether an If-None-Match header names etag.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// buildFeed prepares a result page for the feed writers, obeying each
// release's licence.
func (s *server) buildFeed(r *http.Request, l *listing, f feedFormat, res *communique.ResultPage) *feed {
	base := s.base(r)
	fd := &feed{
		Title:       l.Title + " — " + s.siteName,
		Description: l.Description,
		HomeURL:     base + l.pageURL(),
		SelfURL:     base + l.feedURL(f),
		SiteName:    s.siteName,
		SiteURL:     base + "/",
	}
	if res.Next != "" {
		p := cloneValues(l.Params)
		p.Set("cursor", res.Next)
		if lim := r.URL.Query().Get("limit"); lim != "" {
			p.Set("limit", lim)
		}
		fd.NextURL = base + withParams(l.FeedBase+"."+f.ext, p)
	}
	for _, rel := range res.Releases {
		it := feedItem{
			Permalink:    base + releasePath(rel.ID),
			Original:     rel.URL,
			Title:        displayTitle(rel),
			Organization: rel.Organization,
			OriginSite:   originSite(rel.URL),
			Published:    rel.Published,
			Retrieved:    rel.Retrieved,
			Updated:      rel.Updated,
			Language:     rel.Language,
			Licence:      string(licenceOf(rel)),
			SiteName:     s.siteName,
			Revised:      revised(rel),
		}
		if it.Revised {
			it.Revisions = base + releasePath(rel.ID) + "/revisions"
		}
		if it.Organization == "" {
			it.Organization = hostOf(rel.URL)
		} else {
			it.OrgPage = base + orgPath(rel.Organization)
			// The originator's own releases: its page lists mentions too.
			it.OrgFeed = it.OrgPage + "/feed.atom?own=1"
		}
		switch licenceOf(rel) {
		case communique.LicenceFull:
			it.Summary = rel.Lede
			it.ContentHTML = s.policy.Sanitize(rel.HTML)
			it.Image = rel.Image
		case communique.LicenceSummary:
			it.Summary = rel.Lede
		}
		if u := it.updated(); u.After(fd.Updated) {
			fd.Updated = u
		}
		fd.Items = append(fd.Items, it)
	}
	if fd.Updated.IsZero() {
		fd.Updated = s.now()
	}
	return fd
}

// plainError answers a feed request that failed, as text.
func (s *server) plainError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := communique.ErrorMessage(err)
	if qe, ok := err.(*queryError); ok {
		msg = qe.Message
		if c := qe.Column(); c > 0 {
			msg += " (at character " + strconv.Itoa(c) + ")"
		}
		if qe.Hint != "" {
			msg += "; hint: " + qe.Hint
		}
	}
	if status == http.StatusInternalServerError {
		s.log.Error("serving feed", "path", r.URL.Path, "err", err)
		msg = "internal error"
	}
	http.Error(w, msg, status)
}
