package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/communique-news/communique"
)

// Entity pages: a person, an organisation or a country, with the releases
// that name it (newest first, paginated and with feeds like every listing),
// its releases over time and who it appears with.

// maxEntityName bounds a name in an entity page's path.
const maxEntityName = 200

// coMentionSample is how many of an entity's newest releases "appears
// with" counts over: those of the first HTML page, so that the first page
// (the one most read) costs one query. Counting over every release would
// cost a read of each; the newest page says who the entity is with now.
// Later pages read the first page again for it.
const coMentionSample = pageSize

// appearsWithTop is how many co-mentioned entities of each kind a page lists.
const appearsWithTop = 10

// personPath is a person's page on this site.
func personPath(name string) string { return "/person/" + url.PathEscape(name) }

// countryPath is a country's page on this site.
func countryPath(code string) string { return "/country/" + url.PathEscape(strings.ToUpper(code)) }

// storyPath is a story's page on this site.
func storyPath(id int64) string { return "/stories/" + strconv.FormatInt(id, 10) }

// regionNames are the English names of regions (golang.org/x/text's CLDR
// tables); package-level because it is an immutable table.
var regionNames = display.English.Regions()

// countryName is the English name of an ISO 3166-1 alpha-2 code, and
// whether the code names a country (or a grouping such as EU that has one).
func countryName(code string) (string, bool) {
	if len(code) != 2 || !isASCIILetter(code[0]) || !isASCIILetter(code[1]) {
		return "", false
	}
	code = strings.ToUpper(code)
	if code == "ZZ" { // "Unknown Region"
		return "", false
	}
	reg, err := language.ParseRegion(code)
	if err != nil {
		return "", false
	}
	name := regionNames.Name(reg)
	if name == "" {
		return "", false
	}
	return name, true
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// countryLabel is a code's name for display, the code itself if unknown.
func countryLabel(code string) string {
	if n, ok := countryName(code); ok {
		return n
	}
	return strings.ToUpper(code)
}

func fieldNode(field, value string) *communique.Node {
	return &communique.Node{Op: communique.OpField, Field: field, Text: value}
}

// entityName reads the {name} of an entity page's path.
func entityName(r *http.Request, noun string) (string, error) {
	name := strings.TrimSpace(r.PathValue("name"))
	if name == "" {
		return "", communique.Errorf(communique.ENOTFOUND, "no %s named", noun)
	}
	if len(name) > maxEntityName {
		return "", communique.Errorf(communique.ENOTFOUND, "a %s name of %d bytes is too long (the limit is %d)", noun, len(name), maxEntityName)
	}
	return name, nil
}

func (s *server) personListing(r *http.Request) (*listing, error) {
	name, err := entityName(r, "person")
	if err != nil {
		return nil, err
	}
	return &listing{
		Title:       name,
		Description: "Releases on " + s.siteName + " that name " + name + ".",
		Path:        personPath(name),
		FeedBase:    personPath(name) + "/feed",
		Query:       communique.Query{Text: fieldNode("person", name), Sort: communique.SortDate},
		ifEmpty: func(*http.Request) error {
			return communique.Errorf(communique.ENOTFOUND, "no release names a person called %q", name)
		},
	}, nil
}

func (s *server) countryListing(r *http.Request) (*listing, error) {
	code := strings.TrimSpace(r.PathValue("code"))
	name, ok := countryName(code)
	if !ok {
		return nil, communique.Errorf(communique.ENOTFOUND, "%q is not an ISO 3166 country code (two letters, such as IQ or FR)", code)
	}
	code = strings.ToUpper(code)
	return &listing{
		Title:       name,
		Description: "Releases on " + s.siteName + " that name " + name + " (" + code + ").",
		Path:        countryPath(code),
		FeedBase:    countryPath(code) + "/feed",
		Query:       communique.Query{Text: fieldNode("country", code), Sort: communique.SortDate},
	}, nil
}

// entityView is what entity.html shows: a listing with its releases over
// time and who it appears with.
type entityView struct {
	List        *listView
	Kind        string // person, org, country, story
	Subtitle    string
	Months      []monthBar
	With        []entityGroup // people, organisations, countries co-mentioned
	Sample      int           // how many releases With counts over
	OwnOnly     string        // org pages: the link to only the organisation's own releases
	AllReleases string        // org pages showing own releases: the link back to all
	Story       *storySummary // story pages
}

// monthBar is one month of an entity's releases over time.
type monthBar struct {
	Month string // 2025-09
	Label string // September 2025
	Count int
	Width int // a multiple of 5 from 5 to 100: the bar's class (no inline styles under the CSP)
	Href  string
}

// monthBars turns the Months facet (newest first) into bars, oldest first.
func monthBars(f *communique.Facets) []monthBar {
	if f == nil || len(f.Months) == 0 {
		return nil
	}
	most := 0
	for _, m := range f.Months {
		most = max(most, m.Count)
	}
	out := make([]monthBar, 0, len(f.Months))
	for _, m := range f.Months {
		if m.Count <= 0 {
			continue
		}
		w := (m.Count*100/most + 4) / 5 * 5
		out = append(out, monthBar{Month: m.Value, Label: monthLabel(m.Value), Count: m.Count, Width: max(w, 5)})
	}
	slices.SortFunc(out, func(a, b monthBar) int { return strings.Compare(a.Month, b.Month) })
	return fillMonths(out)
}

// maxFilledMonths bounds the time line that fillMonths makes: a longer span
// keeps only the months with releases.
const maxFilledMonths = 36

// fillMonths adds the months without releases between the first and the
// last of bars (sorted, oldest first), so that the bars are a time line.
func fillMonths(bars []monthBar) []monthBar {
	if len(bars) < 2 {
		return bars
	}
	first, err1 := time.Parse("2006-01", bars[0].Month)
	last, err2 := time.Parse("2006-01", bars[len(bars)-1].Month)
	if err1 != nil || err2 != nil {
		return bars
	}
	span := (last.Year()-first.Year())*12 + int(last.Month()-first.Month()) + 1
	if span <= len(bars) || span > maxFilledMonths {
		return bars
	}
	out := make([]monthBar, 0, span)
	i := 0
	for m := first; !m.After(last); m = m.AddDate(0, 1, 0) {
		v := m.Format("2006-01")
		if i < len(bars) && bars[i].Month == v {
			out = append(out, bars[i])
			i++
			continue
		}
		out = append(out, monthBar{Month: v, Label: monthLabel(v)})
	}
	return out
}

// entityKey identifies the page's own entity, so that it is not listed as
// appearing with itself.
type entityKey struct{ kind, key string }

// appearsWith counts the people, organisations and countries named in
// releases, one count per release, and lists the most frequent of each
// kind (ties by name), each linking to its page.
func appearsWith(releases []*communique.Release, self entityKey) []entityGroup {
	type tally struct {
		label, detail string
		n             int
	}
	people, orgs, countries := map[string]*tally{}, map[string]*tally{}, map[string]*tally{}
	bump := func(m map[string]*tally, seen map[string]bool, key, label, detail string) {
		if key == "" || seen[key] {
			return
		}
		seen[key] = true
		t := m[key]
		if t == nil {
			t = &tally{label: label, detail: detail}
			m[key] = t
		}
		t.n++
	}
	for _, r := range releases {
		e := r.Entities
		if e == nil {
			continue
		}
		seen := map[string]bool{}
		for _, p := range e.People {
			k := strings.ToLower(strings.TrimSpace(p.Name))
			if self.kind == "person" && k == self.key {
				continue
			}
			bump(people, seen, "p"+k, strings.TrimSpace(p.Name), p.Title)
		}
		for _, o := range e.Organizations {
			k := strings.ToLower(strings.TrimSpace(o.Name))
			a := strings.ToLower(strings.TrimSpace(o.Acronym))
			if self.kind == "org" && (k == self.key || a != "" && a == self.key) {
				continue
			}
			if k == "" {
				continue
			}
			detail := ""
			if o.Acronym != "" && !strings.EqualFold(o.Acronym, o.Name) {
				detail = o.Acronym
			}
			bump(orgs, seen, "o"+k, strings.TrimSpace(o.Name), detail)
		}
		codes := slices.Clone(e.Countries)
		for _, p := range e.Places {
			if p.Kind == communique.PlaceCountry && p.Country != "" {
				codes = append(codes, p.Country)
			}
		}
		for _, c := range codes {
			c = strings.ToUpper(strings.TrimSpace(c))
			if _, ok := countryName(c); !ok || self.kind == "country" && strings.ToLower(c) == self.key {
				continue
			}
			bump(countries, seen, "c"+c, c, "")
		}
	}
	top := func(m map[string]*tally, href func(label string) string, label func(string) string) []entityLink {
		ts := make([]*tally, 0, len(m))
		for _, t := range m {
			ts = append(ts, t)
		}
		slices.SortFunc(ts, func(a, b *tally) int {
			if a.n != b.n {
				return b.n - a.n
			}
			return strings.Compare(a.label, b.label)
		})
		ts = ts[:min(len(ts), appearsWithTop)]
		out := make([]entityLink, len(ts))
		for i, t := range ts {
			out[i] = entityLink{Label: label(t.label), Detail: t.detail, Href: href(t.label), Count: t.n}
		}
		return out
	}
	same := func(v string) string { return v }
	var groups []entityGroup
	for _, g := range []entityGroup{
		{Name: "People", Items: top(people, personPath, same)},
		{Name: "Organisations", Items: top(orgs, orgPath, same)},
		{Name: "Countries", Items: top(countries, countryPath, countryLabel)},
	} {
		if len(g.Items) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}

// personRole is the title and affiliation releases give a person most
// often ("Secretary General, NATO"), "" if none.
func personRole(releases []*communique.Release, key string) string {
	n := map[string]int{}
	best := ""
	for _, r := range releases {
		if r.Entities == nil {
			continue
		}
		for _, p := range r.Entities.People {
			if strings.ToLower(strings.TrimSpace(p.Name)) != key {
				continue
			}
			var parts []string
			for _, v := range []string{p.Title, p.Affiliation} {
				if v = strings.TrimSpace(v); v != "" {
					parts = append(parts, v)
				}
			}
			role := strings.Join(parts, ", ")
			if role == "" {
				continue
			}
			n[role]++
			if best == "" || n[role] > n[best] || n[role] == n[best] && role < best {
				best = role
			}
			break
		}
	}
	return best
}

// entityPage serves a person's, an organisation's or a country's page.
func (s *server) entityPage(kind, section string, lf listingFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, err := lf(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		// A country's code is upper case in its canonical path.
		if kind == "country" && r.PathValue("code") != strings.ToUpper(r.PathValue("code")) {
			target := l.Path
			if r.URL.RawQuery != "" {
				target += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, target, http.StatusMovedPermanently)
			return
		}
		l.Query.Facets = true
		res, err := s.page(r, l)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		ev := &entityView{List: s.listView(l, res), Kind: kind, Months: monthBars(res.Facets)}
		sample := res.Releases
		if r.URL.Query().Get("cursor") != "" || r.URL.Query().Get("next") != "" {
			if sample, err = s.coMentionSample(r.Context(), l.Query); err != nil {
				s.pageError(w, r, err)
				return
			}
		}
		ev.Sample = len(sample)
		var self entityKey
		switch kind {
		case "person":
			self = entityKey{"person", strings.ToLower(l.Title)}
			ev.Subtitle = personRole(sample, self.key)
			ev.List.Intro = "Releases that name " + l.Title + ", newest first."
			ev.List.Empty = "No release names " + l.Title + "."
		case "org":
			name := strings.TrimSpace(r.PathValue("name"))
			self = entityKey{"org", strings.ToLower(name)}
			if l.Params.Get("own") != "" {
				ev.List.Intro = "Releases originally published by " + name + ", newest first."
				ev.AllReleases = orgPath(name)
			} else {
				ev.List.Intro = "Releases published by " + name + " or naming it, newest first."
				ev.OwnOnly = orgPath(name) + "?own=1"
			}
			ev.List.Empty = "No releases from " + name + " yet."
		case "country":
			self = entityKey{"country", strings.ToLower(strings.TrimSpace(r.PathValue("code")))}
			ev.Subtitle = strings.ToUpper(r.PathValue("code"))
			ev.List.Intro = "Releases that name " + l.Title + ", newest first."
			ev.List.Empty = "No release names " + l.Title + " yet."
		}
		ev.With = appearsWith(sample, self)
		s.render(w, r, http.StatusOK, "entity.html", &pageData{
			Title:       l.Title,
			Description: l.Description,
			Section:     section,
			Feeds:       ev.List.Feeds,
			Data:        ev,
		})
	}
}

// coMentionSample reads the newest releases of a listing that "appears
// with" counts over.
func (s *server) coMentionSample(ctx context.Context, q communique.Query) ([]*communique.Release, error) {
	q.Cursor, q.Facets, q.Limit = "", false, coMentionSample
	res, err := s.store.Releases(ctx, q)
	if err != nil {
		return nil, err
	}
	return res.Releases, nil
}

// storySummary is how big a story is.
type storySummary struct {
	ID            int64
	Path          string
	Releases      int // -1 if not counted
	Organizations []communique.FacetCount
}

// storySummary counts a story's releases and organisations (one query of
// one release with facets).
func (s *server) storySummary(ctx context.Context, id int64) (*storySummary, error) {
	res, err := s.store.Releases(ctx, communique.Query{StoryID: id, Limit: 1, Facets: true, Sort: communique.SortDate})
	if err != nil {
		return nil, err
	}
	st := &storySummary{ID: id, Path: storyPath(id), Releases: res.Total}
	if res.Facets != nil {
		st.Organizations = res.Facets.Organizations
	}
	if st.Releases < 0 {
		st.Releases = 0
		for _, o := range st.Organizations {
			st.Releases += o.Count
		}
	}
	return st, nil
}

func (s *server) storyListing(r *http.Request) (*listing, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return &listing{
		Title:       "Story " + strconv.FormatInt(id, 10),
		Description: "Releases about one event, from every originator, on " + s.siteName + ".",
		Path:        storyPath(id),
		FeedBase:    storyPath(id) + "/feed",
		Query:       communique.Query{StoryID: id, Sort: communique.SortDate},
		ifEmpty: func(*http.Request) error {
			return communique.Errorf(communique.ENOTFOUND, "there is no story %d", id)
		},
	}, nil
}

// GET /stories/{id}: a story's releases, newest first like every listing
// (so that its pages and feeds page the same way), each credited to its
// originator, with the organisations taking part.
func (s *server) story(w http.ResponseWriter, r *http.Request) {
	l, err := s.storyListing(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	l.Query.Facets = true
	res, err := s.page(r, l)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ev := &entityView{List: s.listView(l, res), Kind: "story", Months: monthBars(res.Facets)}
	st := &storySummary{ID: l.Query.StoryID, Path: l.Path, Releases: res.Total}
	if res.Facets != nil {
		st.Organizations = res.Facets.Organizations
	}
	ev.Story = st
	if n := len(res.Releases); n > 0 && res.Next == "" && r.URL.Query().Get("cursor") == "" && r.URL.Query().Get("next") == "" {
		// The whole story is on this page: it is named after its first release.
		ev.List.Heading = res.Releases[n-1].Title
	} else if n > 0 {
		ev.List.Heading = res.Releases[0].Title
	}
	ev.List.Heading = "Story: " + ev.List.Heading
	ev.List.Intro = "Releases about the same event from different originators, newest first."
	ev.List.Empty = "This story has no releases."
	ev.With = appearsWith(res.Releases, entityKey{})
	ev.Sample = len(res.Releases)
	s.render(w, r, http.StatusOK, "entity.html", &pageData{
		Title:       ev.List.Heading,
		Description: l.Description,
		Feeds:       ev.List.Feeds,
		Data:        ev,
	})
}

// storyGroup is one entry of the home page's stories view: a story with
// its releases on the page, or a release standing alone.
type storyGroup struct {
	Story    *storySummary // nil for a release without a story
	Releases []*releaseView
}

// homeStories is the home page grouped by story: the latest releases, each
// story once (at its newest release on the page) with its releases on the
// page under it; releases without a story stand alone.
func (s *server) homeStories(w http.ResponseWriter, r *http.Request, l *listing, res *communique.ResultPage) {
	lv := s.listView(l, res)
	lv.Heading = "Latest releases by story"
	lv.Intro = "The latest releases grouped by story: releases about the same event from different originators are shown together."
	lv.Empty = "No releases yet. Sources are polled in the background; add one on the admin page."
	lv.Toggle = &viewToggle{Stories: true, Other: "/"}
	byStory := map[int64]*storyGroup{}
	for i, rel := range res.Releases {
		v := lv.Releases[i]
		if rel.StoryID == 0 {
			lv.Stories = append(lv.Stories, &storyGroup{Releases: []*releaseView{v}})
			continue
		}
		if g := byStory[rel.StoryID]; g != nil {
			g.Releases = append(g.Releases, v)
			continue
		}
		st, err := s.storySummary(r.Context(), rel.StoryID)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		g := &storyGroup{Story: st, Releases: []*releaseView{v}}
		byStory[rel.StoryID] = g
		lv.Stories = append(lv.Stories, g)
	}
	if res.Next != "" {
		lv.NextURL = withParams("/", url.Values{"view": {"stories"}, "cursor": {res.Next}})
	}
	s.render(w, r, http.StatusOK, "list.html", &pageData{
		Title:   lv.Heading,
		Section: "home",
		Feeds:   lv.Feeds,
		Data:    lv,
	})
}

// viewToggle switches the home page between releases and stories.
type viewToggle struct {
	Stories bool   // the stories view is shown
	Other   string // the link to the other view
}
