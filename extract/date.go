package extract

import (
	"regexp"
	"strings"
	"time"

	"github.com/araddon/dateparse"
	dps "github.com/markusmobius/go-dateparser"
	"github.com/markusmobius/go-htmldate"
	"golang.org/x/net/html"

	"github.com/communique-news/communique"
)

// publishedKeys are the meta properties, names and itemprops that state a
// page's publication date, in order of trust.
var publishedKeys = []string{
	"article:published_time", "og:article:published_time", "og:published_time", "datepublished",
	"article:published", "published_time", "publication_date", "publish_date", "publish-date",
	"publishdate", "pubdate", "dc.date.issued", "dcterms.issued", "dc.date.created", "dcterms.created",
	"citation_publication_date", "citation_date", "sailthru.date", "parsely-pub-date", "date",
	"dc.date", "dcterms.date", "datecreated", "article.published", "release_date", "og:pubdate",
}

// modifiedKeys state when the page was last changed.
var modifiedKeys = []string{
	"article:modified_time", "og:updated_time", "datemodified", "article:modified", "modified_time",
	"dc.date.modified", "dcterms.modified", "last-modified", "lastmod", "revised",
}

// chooseDates picks the release's own publication and modification dates:
// JSON-LD of the article, then the meta tags, then a <time> element, then
// go-htmldate's scan of the page (URL, text such as "08 Sep. 2025"). The
// retrieval date is never used.
func chooseDates(doc *html.Node, f *facts, ld ldFacts, pageURL string, a *communique.Article) (published, modified time.Time) {
	published = parseDate(ld.published)
	if published.IsZero() {
		for _, k := range publishedKeys {
			if published = parseDate(f.meta[k]); !published.IsZero() {
				break
			}
		}
	}
	// The date the page shows its readers, in its first <time> element,
	// overrides the metadata when they are days apart: metadata is often
	// a template's or a first draft's date. Pages with many <time>
	// elements (comments, lists of posts) are left out, as are "updated"
	// times.
	if len(f.times) > 0 && len(f.times) <= 3 {
		t := f.times[0]
		if !t.modified && !rxUpdated.MatchString(t.text) {
			if v := parseDate(firstOf(t.datetime, t.text)); !v.IsZero() {
				if d := v.Sub(published); published.IsZero() || d > 36*time.Hour || d < -36*time.Hour {
					published = v
				}
			}
		}
	}
	if !published.IsZero() && len(f.times) == 0 {
		// No <time>: the date written under the headline overrides the
		// metadata in the same way, unless it is the page's stated
		// modification date shown without its label.
		if v := dateNearHeadline(f, a.Title); !v.IsZero() {
			if d := v.Sub(published); (d > 36*time.Hour || d < -36*time.Hour) && !isModified(v, f, ld) {
				published = v
			}
		}
	}
	if published.IsZero() {
		for _, t := range f.times {
			if t.pubdate && !t.modified && !rxUpdated.MatchString(t.text) {
				if published = parseDate(firstOf(t.datetime, t.text)); !published.IsZero() {
					break
				}
			}
		}
	}
	if published.IsZero() {
		for _, t := range f.times {
			if !t.modified && t.datetime != "" && !rxUpdated.MatchString(t.text) {
				if published = parseDate(t.datetime); !published.IsZero() {
					break
				}
			}
		}
	}
	if published.IsZero() {
		published = dateNearHeadline(f, a.Title)
	}
	if published.IsZero() {
		res, err := htmldate.FromDocument(doc, htmldate.Options{
			URL:                 firstOf(a.CanonicalURL, pageURL),
			UseOriginalDate:     true,
			SkipExtensiveSearch: false,
			DateParserConfig:    dateParserConfig(chooseLanguage(f)),
		})
		if err == nil && !res.IsZero() {
			published = res.DateTime
		}
	}
	modified = parseDate(ld.modified)
	if modified.IsZero() {
		for _, k := range modifiedKeys {
			if modified = parseDate(f.meta[k]); !modified.IsZero() {
				break
			}
		}
	}
	if modified.IsZero() {
		for _, t := range f.times {
			if t.modified {
				if modified = parseDate(firstOf(t.datetime, t.text)); !modified.IsZero() {
					break
				}
			}
		}
	}
	if !published.IsZero() && !modified.IsZero() && modified.Before(published) {
		modified = time.Time{}
	}
	return published, modified
}

var dateLayouts = []string{
	time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00",
	"2006-01-02T15:04", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02",
	time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700", "20060102",
}

var (
	rxTextDate = regexp.MustCompile(`(?i)(?:^|[^\w])((?:\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4})|(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})|(?:\d{4}-\d{2}-\d{2}))(?:[^\w]|$)`)
	rxOrdinal  = regexp.MustCompile(`(?i)(\d)(?:st|nd|rd|th)\b`)
	rxUpdated  = regexp.MustCompile(`(?i)^\W*(?:last )?(?:updated|modified|revised|edited)`)
	rxMonthDot = regexp.MustCompile(`(?i)\b(jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.`)
	minDate    = time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)
)

// parseDate reads a date as pages write it in metadata; it returns the
// zero time for anything unreadable or implausible (before 1995 or more
// than a day ahead of the clock).
func parseDate(s string) time.Time {
	s = strings.TrimSpace(s)
	if len(s) < 6 || len(s) > 64 {
		return time.Time{}
	}
	var t time.Time
	var err error
	for _, l := range dateLayouts {
		if t, err = time.Parse(l, s); err == nil {
			break
		}
	}
	if err != nil {
		t, err = dateparse.ParseIn(s, time.UTC)
		if err != nil {
			// Written dates: "08 Sep. 2025", "Sept. 8, 2025".
			s2 := rxMonthDot.ReplaceAllString(s, "$1")
			s2 = strings.ReplaceAll(strings.ReplaceAll(s2, "Sept ", "Sep "), "sept ", "sep ")
			if t, err = dateparse.ParseIn(s2, time.UTC); err != nil {
				return time.Time{}
			}
		}
	}
	if t.Before(minDate) || t.After(time.Now().Add(24*time.Hour)) {
		return time.Time{}
	}
	return t
}

// dateNearHeadline is a date written just under (or above) the headline,
// as "08 Sep. 2025" or "December 16, 2025", unless it is marked as an
// update.
func dateNearHeadline(f *facts, title string) time.Time {
	h := f.h1node
	for i, t := range f.h1 {
		if strings.EqualFold(fold(t), fold(title)) {
			h = f.h1nodes[i]
			break
		}
	}
	if h == nil {
		return time.Time{}
	}
	near := textAround(h, 160, 400)
	for _, m := range rxTextDate.FindAllStringSubmatchIndex(near, 4) {
		before := near[max(0, m[2]-24):m[2]]
		if rxUpdatedBefore.MatchString(before) {
			continue
		}
		s := rxOrdinal.ReplaceAllString(near[m[2]:m[3]], "$1")
		s = strings.Replace(s, " of ", " ", 1)
		if t := parseDate(s); !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

var rxUpdatedBefore = regexp.MustCompile(`(?i)(?:updated|modified|revised|edited)\s*(?:on\s*)?:?\s*$`)

func sameDay(a, b time.Time) bool {
	return a.Format("2006-01-02") == b.UTC().Format("2006-01-02") || a.UTC().Format("2006-01-02") == b.UTC().Format("2006-01-02") || a.Format("2006-01-02") == b.Format("2006-01-02")
}

// textAround is up to before bytes of text that precede n in document
// order and up to after bytes that follow its start.
func textAround(n *html.Node, before, after int) string {
	// Following text: n's own and its following nodes'.
	var b strings.Builder
	var walk func(*html.Node) bool
	walk = func(x *html.Node) bool {
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			if b.Len() >= after {
				return true
			}
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
				b.WriteByte(' ')
			case html.ElementNode:
				if c.Data == "script" || c.Data == "style" || c.Data == "noscript" {
					continue
				}
				if walk(c) {
					return true
				}
			}
		}
		return false
	}
	var prev strings.Builder
	// Preceding text: the previous siblings of n and of its ancestors.
	for x := n; x != nil && prev.Len() < before; x = x.Parent {
		for p := x.PrevSibling; p != nil && prev.Len() < before; p = p.PrevSibling {
			if p.Type == html.TextNode {
				prev.WriteString(p.Data)
			} else if p.Type == html.ElementNode && p.Data != "script" && p.Data != "style" {
				prev.WriteString(textOfNode(p))
			}
			prev.WriteByte(' ')
		}
	}
	walk(n)
	for x := n; x != nil && b.Len() < after; x = x.Parent {
		for s := x.NextSibling; s != nil && b.Len() < after; s = s.NextSibling {
			if s.Type == html.TextNode {
				b.WriteString(s.Data)
				b.WriteByte(' ')
			} else if s.Type == html.ElementNode && s.Data != "script" && s.Data != "style" {
				walk(s)
			}
		}
	}
	// Following text first: the date under the headline is the likelier.
	return clean(b.String()) + " | " + clean(prev.String())
}

func textOfNode(n *html.Node) string {
	s := textOf(n)
	if len(s) > 400 {
		s = s[len(s)-400:]
	}
	return s
}

// dateParserConfigs are go-dateparser settings for htmldate's extensive
// search, one per page language: by default go-dateparser tries every
// locale it knows on every string, which was a sixth of the extraction
// time. Built once; read-only.
var dateParserConfigs = func() map[string]*dps.Configuration {
	m := map[string]*dps.Configuration{}
	for _, l := range []string{"en", "fr", "de", "es", "it", "pt", "nl", "ru", "ar", "zh", "ja", "pl", "sv", "da", "fi", "nb", "cs", "tr", "uk", "el", "ro", "hu", "ko", "id"} {
		langs := []string{l}
		if l != "en" {
			langs = append(langs, "en")
		}
		m[l] = &dps.Configuration{Languages: langs, PreferredDateSource: dps.Past, StrictParsing: true}
	}
	return m
}()

func dateParserConfig(lang string) *dps.Configuration {
	if i := strings.IndexByte(lang, '-'); i > 0 {
		lang = lang[:i]
	}
	if c, ok := dateParserConfigs[strings.ToLower(lang)]; ok {
		return c
	}
	if lang == "" {
		return dateParserConfigs["en"]
	}
	return nil // an uncommon language: let go-dateparser try them all
}

// isModified reports whether v is the page's stated modification date.
func isModified(v time.Time, f *facts, ld ldFacts) bool {
	for _, m := range []string{ld.modified, f.meta["article:modified_time"], f.meta["og:updated_time"], f.meta["datemodified"]} {
		if mod := parseDate(m); !mod.IsZero() && sameDay(v, mod) {
			return true
		}
	}
	return false
}
