package communique

import (
	"strings"
	"time"
)

// Release is one release, once.
type Release struct {
	ID       int64
	SourceID int64 // the source through which it was first seen (0 if that source was removed)

	// URL is the original's URL: the originator's own page whenever known.
	URL          string
	Organization string // the originating organisation
	Country      string // ISO code of the organisation's country, if known

	Title    string
	Author   string
	Language string
	Image    string
	SiteName string

	Published time.Time // as stated by the release or its feed
	// DateEstimated is true when no date was found and Published is the
	// retrieval time.
	DateEstimated bool
	Modified      time.Time // as stated by the page, if at all
	Retrieved     time.Time // first seen by us
	Updated       time.Time // last revision stored by us (== Retrieved if none)

	Lede      string // first meaningful paragraph, ≤ 60 words, plain text
	HTML      string // sanitised body
	Text      string // plain text body
	WordCount int
	Licence   Licence // of the source it came through; decides what is shown
	Fallback  bool    // body taken from the feed because the page could not be read

	ContentHash string // hash of the normalised text (exact duplicates)
	Fingerprint uint64 // near-duplicate fingerprint: four 16-bit MinHash blocks (dedup.Blocks)
	StoryID     int64  // 0 if not part of a story

	Entities *Entities // nil until enriched

	// Filled by the store when reading one release; ignored when writing.
	Copies    []Copy
	Revisions int // number of stored revisions
}

// ReadingMinutes is the reading time at 230 words a minute, at least 1.
func (r *Release) ReadingMinutes() int {
	m := (r.WordCount + 229) / 230
	if m < 1 {
		m = 1
	}
	return m
}

// Copy is the same release seen at another URL or through another source.
type Copy struct {
	ID        int64
	ReleaseID int64
	SourceID  int64
	URL       string
	Publisher string // who published the copy, e.g. "Mirage News"
	FirstSeen time.Time
}

// Revision is the text of a release as it was at one fetch.
type Revision struct {
	ID          int64
	ReleaseID   int64
	Number      int // 1 for the first text
	Title       string
	HTML        string
	Text        string
	ContentHash string
	Retrieved   time.Time
}

// Entities is what enrichment finds in a release.
type Entities struct {
	People        []Person       `json:"people"`
	Organizations []Organization `json:"organizations"`
	Places        []Place        `json:"places"`
	Dates         []DateMention  `json:"dates"`
	Countries     []string       `json:"countries"` // ISO 3166-1 alpha-2, sorted, unique
	Regions       []string       `json:"regions"`   // names, sorted, unique
}

// Person is a person named in a release, with the title and affiliation the
// release gives them.
type Person struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Affiliation string `json:"affiliation,omitempty"`
}

// Organization is an organisation named in a release.
type Organization struct {
	Name    string `json:"name"`
	Acronym string `json:"acronym,omitempty"`
	Country string `json:"country,omitempty"` // ISO code of the country it belongs to, if stated
}

// PlaceKind is country, city or region.
type PlaceKind string

const (
	PlaceCountry PlaceKind = "country"
	PlaceCity    PlaceKind = "city"
	PlaceRegion  PlaceKind = "region"
)

// Place is a place named in a release.
type Place struct {
	Name    string    `json:"name"`
	Kind    PlaceKind `json:"kind"`
	Country string    `json:"country,omitempty"` // ISO code; for a region, empty
}

// DateMention is a date written in a release.
type DateMention struct {
	Text string `json:"text"`
	Date string `json:"date,omitempty"` // YYYY-MM-DD when the day is known
	Year int    `json:"year,omitempty"` // when only the year is given
}

// EntityKey is one entry of a store's entity index: what the person:,
// org: and country: filters (and the country facet) look up.
type EntityKey struct {
	Kind string // person, org, country or region
	Key  string // lower-cased name, acronym, ISO code or region name
}

// IndexKeys are the keys a release with these entities is found under, each
// once: people by name, organisations by name and acronym, countries by ISO
// code (from Countries and from country places), regions by name.
func (e *Entities) IndexKeys() []EntityKey {
	if e == nil {
		return nil
	}
	seen := map[EntityKey]bool{}
	var out []EntityKey
	add := func(kind, key string) {
		k := EntityKey{kind, strings.ToLower(strings.TrimSpace(key))}
		if k.Key != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, p := range e.People {
		add("person", p.Name)
	}
	for _, o := range e.Organizations {
		add("org", o.Name)
		add("org", o.Acronym)
	}
	for _, c := range e.Countries {
		add("country", c)
	}
	for _, p := range e.Places {
		if p.Kind == PlaceCountry && p.Country != "" {
			add("country", p.Country)
		}
	}
	for _, r := range e.Regions {
		add("region", r)
	}
	return out
}
