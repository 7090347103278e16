// Package communique is the domain of Communiqué, a self-hosted newswire for
// official public releases: the types that flow through the pipeline
// (Source, Item, Article, Release, Copy, Revision, Entities, Query) and the
// Store interface that the pipeline and the web layer use.
//
// Nothing in this package imports a database driver or the network. The
// subpackages are named after what they adapt (sqlite, postgres, web) or what
// they do (fetch, feed, extract, edit, dedup, enrich, search, pipeline), and
// they meet only through the types declared here.
package communique

import "time"

// SourceKind says how a source is read.
type SourceKind string

const (
	KindFeed    SourceKind = "feed"    // RSS, Atom, RDF or JSON Feed
	KindHTML    SourceKind = "html"    // an HTML listing page read by CSS selectors
	KindSitemap SourceKind = "sitemap" // a sitemap, sitemap index or Google News sitemap
)

// Valid reports whether k is a known kind.
func (k SourceKind) Valid() bool { return k == KindFeed || k == KindHTML || k == KindSitemap }

// Licence is what the source allows us to republish.
type Licence string

const (
	LicenceFull    Licence = "full"    // the whole text
	LicenceSummary Licence = "summary" // the lede and a link
	LicenceLink    Licence = "link"    // the title and a link
)

// Valid reports whether l is a known licence class.
func (l Licence) Valid() bool { return l == LicenceFull || l == LicenceSummary || l == LicenceLink }

// Selectors are the CSS selectors that read an HTML listing page.
// Item selects one block per release; Link, Title and Date are relative to it.
// Next selects the link to the next page of the listing (optional).
type Selectors struct {
	Item     string `json:"item"`
	Link     string `json:"link,omitempty"`
	Title    string `json:"title,omitempty"`
	Date     string `json:"date,omitempty"`
	Next     string `json:"next,omitempty"`
	MaxPages int    `json:"max_pages,omitempty"`
}

// Source is a place where releases come from.
type Source struct {
	ID           int64
	Kind         SourceKind
	URL          string
	Title        string // the feed's own title, once known
	Organization string // the originating organisation, e.g. "NATO"
	Country      string // ISO 3166-1 alpha-2 of the organisation, if any
	Licence      Licence
	Selectors    *Selectors // KindHTML only
	Created      time.Time

	State PollState

	// Releases is the number of releases this source led to: first seen
	// through it, or found already stored by its items. Filled by
	// Store.CountSourceReleases (Store.Source and Store.Sources leave it 0);
	// ignored when writing.
	Releases int
}

// PollState is what the scheduler knows about a source's last polls.
type PollState struct {
	ETag              string
	LastModified      string
	LastFetch         time.Time // last attempt
	LastSuccess       time.Time
	LastStatus        int    // HTTP status of the last attempt, 0 if none
	LastError         string // empty once the source recovers
	ConsecutiveErrors int
	NextPoll          time.Time
	Interval          time.Duration // current adaptive poll interval
	HubURL            string        // WebSub hub advertised by the feed
	TopicURL          string        // WebSub topic (the feed's self URL)
	WebSubSecret      string        // secret of our WebSub subscription
	WebSubLeaseUntil  time.Time     // when the hub's lease ends; zero if not subscribed
}

// Item is one entry of a source as the source lists it: a pointer to a
// release, with whatever the feed said about it.
type Item struct {
	// Key identifies the item within its source: the GUID, else the
	// normalised link, else a hash of title and date (see feed.ItemKey).
	Key         string
	GUID        string
	URL         string
	Title       string
	Summary     string // plain-text summary
	ContentHTML string // full content when the feed carries it
	Author      string
	Published   time.Time
	Updated     time.Time
	// DateMissing is true when the source gave no usable date and
	// Published was set to the retrieval time.
	DateMissing bool
}

// Article is what extraction finds on a release's page, before editing.
type Article struct {
	URL          string // the page that was read
	CanonicalURL string
	Title        string
	Author       string
	Published    time.Time
	Modified     time.Time
	Language     string // BCP 47, e.g. "en"
	Image        string
	SiteName     string
	HTML         string // main content, not yet sanitised
	Text         string // main content as plain text, paragraphs separated by blank lines

	// Originator and OriginalURL are set when the page is a republisher's
	// copy that names the originating organisation and the original page.
	Originator  string
	OriginalURL string
	// Footer is the republisher boilerplate removed from the body, if any.
	Footer string

	// Fallback is true when the page could not be read and the article was
	// made from the feed item's own content.
	Fallback bool
}

// FeedCandidate is one way of following a site that discovery found: a feed
// the page advertises or that sits at a common path, the page itself as an
// HTML listing, or a sitemap named by robots.txt.
type FeedCandidate struct {
	URL   string
	Kind  SourceKind
	Title string
	Why   string // where it was found
}
