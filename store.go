package communique

import (
	"context"
	"time"
)

// Store keeps sources and releases. Each method is one transaction. Two
// implementations: sqlite (the default) and postgres; storetest is the
// conformance suite both pass.
//
// Methods that find nothing return an *Error with code ENOTFOUND.
type Store interface {
	// CreateSource adds s and sets s.ID and s.Created. A source with the
	// same URL already present is an ECONFLICT error.
	CreateSource(ctx context.Context, s *Source) error
	// UpdateSource saves the user-editable fields of s (kind, URL, title,
	// organisation, country, licence, selectors), not its poll state.
	UpdateSource(ctx context.Context, s *Source) error
	// RecordPoll saves a source's poll state.
	RecordPoll(ctx context.Context, id int64, st PollState) error
	// DeleteSource removes a source. Its releases stay, with SourceID 0.
	DeleteSource(ctx context.Context, id int64) error
	// Source reads a source without counting its releases (Releases is
	// 0): the pipeline reads its source for every item, and counting reads
	// every release and item the source led to (two seconds for 94,000 on
	// PostgreSQL). Pages that show the count ask CountSourceReleases.
	Source(ctx context.Context, id int64) (*Source, error)
	// Sources lists every source, ordered by ID, without counting their
	// releases (Releases is 0): /healthz and the organisation pages list
	// them too, and counting reads every release of every source.
	Sources(ctx context.Context) ([]*Source, error)
	// CountSourceReleases fills the Releases of each of srcs (by ID): the
	// releases the source led to. Pages count only the sources they show.
	// A source no longer stored is left at 0.
	CountSourceReleases(ctx context.Context, srcs []*Source) error
	// DueSources lists up to limit sources whose NextPoll is at or before now.
	DueSources(ctx context.Context, now time.Time, limit int) ([]*Source, error)

	// ItemsSeen reports for each item whether the source already
	// delivered one with its key, or with its URL (feeds that change
	// GUIDs): one look for a whole feed. URLs are compared as given:
	// callers pass CanonicalURL(url) to both methods.
	ItemsSeen(ctx context.Context, sourceID int64, items []ItemRef) ([]bool, error)
	// MarkItem records that an item was handled and led to releaseID
	// (0 if it led to nothing). Marking an item twice is not an error.
	MarkItem(ctx context.Context, sourceID int64, key, url string, releaseID int64) error

	// CreateRelease adds r as a new release with its first revision, sets
	// r.ID, and indexes it. A release with the same URL already present is
	// an ECONFLICT error.
	CreateRelease(ctx context.Context, r *Release) error
	// ReviseRelease stores a new revision of a known release (r.ID) and
	// replaces its current text, title and derived fields with r's, setting
	// Updated. The previous text stays as an earlier revision.
	ReviseRelease(ctx context.Context, r *Release) error
	// UpdateRelease replaces the stored fields of r without making a
	// revision (re-pointing a release to its original URL, enrichment,
	// story assignment).
	UpdateRelease(ctx context.Context, r *Release) error
	// AddCopy attaches a copy to a release. A copy with the same URL already
	// attached is ignored.
	AddCopy(ctx context.Context, c *Copy) error
	DeleteRelease(ctx context.Context, id int64) error

	// Release reads one release with its Copies and Revisions count.
	Release(ctx context.Context, id int64) (*Release, error)
	// ReleaseByURL finds a release by its URL or by the URL of one of its copies.
	ReleaseByURL(ctx context.Context, url string) (*Release, error)
	// Match reads everything the de-duplication decision compares a
	// release with, in one go (see MatchQuery).
	Match(ctx context.Context, q MatchQuery) (*Matches, error)
	// Revisions lists a release's revisions, oldest first.
	Revisions(ctx context.Context, releaseID int64) ([]Revision, error)

	// Releases answers a listing or a search.
	Releases(ctx context.Context, q Query) (*ResultPage, error)
	// Organizations lists originating organisations with their number of releases.
	Organizations(ctx context.Context) ([]FacetCount, error)
	// Reindex rebuilds the search index from the stored releases.
	Reindex(ctx context.Context) error

	Close() error
}

// ItemRef names an item of a source: its key, and its URL ("" if none).
type ItemRef struct{ Key, URL string }

// DecisionLocker is a Store shared by several processes that can make the
// de-duplication decision about a release (look up what is stored, decide
// new, copy or revision, write) one at a time with every other decision it
// could depend on, whichever process makes it. Two decisions depend on each
// other when they share a key: the pipeline gives the release's URLs, its
// content hash and its fingerprint blocks, which is everything a lookup
// finds a stored release by. Stores used by one process need not implement
// it (the pipeline then decides one release at a time).
type DecisionLocker interface {
	// LockDecision waits until no other decision holds any of keys, holds
	// them until unlock is called (or the process dies), and returns what
	// Match(q) finds once they are held. Locking and reading together let
	// a store send both in one round trip.
	LockDecision(ctx context.Context, keys []string, q MatchQuery) (unlock func(), m *Matches, err error)
}

// MatchQuery asks what is stored that a release could be: the release at
// one of its URLs, the release with its text, the releases with nearly its
// fingerprint.
type MatchQuery struct {
	URLs        []string // release or copy URLs, as CanonicalURL gives them
	Hash        string   // ContentHash; "" matches nothing
	Fingerprint uint64
	MaxDistance int // most bits (Hamming distance) a similar release differs by
	Limit       int // most similar releases; 0: no limit
}

// Matches is what a MatchQuery found. Its releases carry no Copies and no
// Revisions count: the decision needs neither.
type Matches struct {
	// ByURL[i] is the release at URLs[i] or with a copy there; nil if none.
	ByURL []*Release
	// ByHash is the earliest release whose current text has the hash.
	ByHash *Release
	// Similar are the releases that share at least one 16-bit block of the
	// fingerprint (dedup.Blocks) and are within MaxDistance bits of it,
	// nearest first (then oldest first).
	Similar []*Release
}
