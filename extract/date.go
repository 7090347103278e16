package extract

import (
	"regexp"
	"strings"
	"time"

	"github.com/araddon/dateparse"
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
	if published.IsZero() {
		for _, t := range f.times {
			if t.pubdate {
				if published = parseDate(firstOf(t.datetime, t.text)); !published.IsZero() {
					break
				}
			}
		}
	}
	if published.IsZero() {
		for _, t := range f.times {
			if !t.modified && t.datetime != "" {
				if published = parseDate(t.datetime); !published.IsZero() {
					break
				}
			}
		}
	}
	if published.IsZero() {
		res, err := htmldate.FromDocument(doc, htmldate.Options{
			URL:                 firstOf(a.CanonicalURL, pageURL),
			UseOriginalDate:     true,
			SkipExtensiveSearch: false,
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
