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

	// ItemSeen reports whether the source already delivered an item with
	// this key, or with this URL (feeds that change GUIDs). URLs are
	// compared as given: callers pass CanonicalURL(url) to both methods.
	ItemSeen(ctx context.Context, sourceID int64, key, url string) (bool, error)
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
	// ReleaseByHash finds a release by the ContentHash of its current text.
	ReleaseByHash(ctx context.Context, hash string) (*Release, error)
	// SimilarReleases lists up to limit releases that share at least one
	// 16-bit block of fp (dedup.Blocks) and are within maxDistance bits
	// (Hamming distance) of it, nearest first.
	SimilarReleases(ctx context.Context, fp uint64, maxDistance int, limit int) ([]*Release, error)
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

// DecisionLocker is a Store shared by several processes that can make the
// de-duplication decision about a release (look up what is stored, decide
// new, copy or revision, write) one at a time with every other decision it
// could depend on, whichever process makes it. Two decisions depend on each
// other when they share a key: the pipeline gives the release's URLs, its
// content hash and its fingerprint blocks, which is everything a lookup
// finds a stored release by. Stores used by one process need not implement
// it (the pipeline then decides one release at a time).
type DecisionLocker interface {
	// LockDecision waits until no other decision holds any of keys and
	// holds them until unlock is called (or the process dies).
	LockDecision(ctx context.Context, keys []string) (unlock func(), err error)
}
