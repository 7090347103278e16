package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/dedup"
	"github.com/communique-news/communique/edit"
	"github.com/communique-news/communique/enrich"
	"github.com/communique-news/communique/extract"
	"github.com/communique-news/communique/fetch"
)

// Outcome says what ingesting an item did.
type Outcome string

const (
	OutcomeNew       Outcome = "new"       // a new release
	OutcomeCopy      Outcome = "copy"      // attached to a known release as a copy
	OutcomeRevision  Outcome = "revision"  // a known release changed: new revision
	OutcomeUnchanged Outcome = "unchanged" // nothing new (or only cosmetic changes)
	OutcomeRepointed Outcome = "repointed" // the originator's page replaced a republisher's copy
	OutcomeSkipped   Outcome = "skipped"   // an item without a link: nothing to credit or link to
)

// Ingest turns one item into a stored release: fetch the page, extract,
// edit, enrich, de-duplicate, store, group into a story. Ingesting a known
// item again (a sitemap's lastmod changed) stores a revision if its text
// changed. A transient fetch failure is returned (the job is retried) unless
// last is true, when the feed's own content is used instead and the release
// is marked as a fallback.
func (p *Pipeline) Ingest(ctx context.Context, src *communique.Source, it communique.Item, last bool) (Outcome, *communique.Release, error) {
	if it.URL == "" {
		// Every release links its original ("View the original at …"); an
		// item that names no page (no link, and a GUID that is not a URL)
		// has none. It is marked as seen, so that it is not retried at
		// every poll, and logged and counted, not published.
		p.logger().Warn("item without a link skipped", "source", src.ID, "key", it.Key, "title", it.Title)
		p.Metrics.ingest(OutcomeSkipped)
		return OutcomeSkipped, nil, p.Store.MarkItem(ctx, src.ID, it.Key, communique.CanonicalURL(it.URL), 0)
	}
	a, err := p.read(ctx, it.URL, last)
	if err != nil {
		return "", nil, err
	}
	if a == nil || strings.TrimSpace(a.Text) == "" {
		a = extract.FromItem(it)
	}
	var original *communique.Article
	if a.OriginalURL != "" && !sameURL(a.OriginalURL, a.URL) && !sameURL(a.OriginalURL, it.URL) {
		// A republisher's copy that names its original: unless the original
		// is known already, read it too, so that the release is the
		// originator's own page. Failing that, the copy's text stands in
		// until the original arrives.
		known, err := found(p.Store.ReleaseByURL(ctx, communique.CanonicalURL(a.OriginalURL)))
		if err != nil {
			return "", nil, err
		}
		if known != nil {
			// The original is stored: this copy only joins it. A copy's
			// text never revises the originator's.
			if err := p.addCopy(ctx, known.ID, src, it.URL); err != nil {
				return "", nil, err
			}
			if err := p.Store.MarkItem(ctx, src.ID, it.Key, communique.CanonicalURL(it.URL), known.ID); err != nil {
				return "", nil, err
			}
			p.Metrics.ingest(OutcomeCopy)
			return OutcomeCopy, known, nil
		}
		if o, err := p.read(ctx, a.OriginalURL, true); err == nil && o != nil && strings.TrimSpace(o.Text) != "" {
			original = o
		}
	}
	start := time.Now()
	rel := edit.Release(a, it, src, p.now())
	copyURL := ""
	if original != nil {
		orig := edit.Release(original, communique.Item{URL: a.OriginalURL, Title: it.Title, Published: it.Published, DateMissing: it.DateMissing}, src, p.now())
		if orig.Organization == src.Organization && a.Originator != "" {
			orig.Organization = a.Originator
		}
		copyURL = it.URL
		rel = orig
	} else if !sameURL(rel.URL, it.URL) && it.URL != "" {
		copyURL = it.URL // the copy's text stands in for the original named by it
	}
	p.Metrics.stage("edit", start)
	start = time.Now()
	p.enrich(rel)
	p.Metrics.stage("enrich", start)
	start = time.Now()
	rel.ContentHash = dedup.ContentHash(rel.Text)
	rel.Fingerprint = dedup.Fingerprint(rel.Text, nil)
	p.Metrics.stage("fingerprint", start)

	start = time.Now()
	claimed := ""
	if !a.Fallback && a.OriginalURL == "" && a.CanonicalURL != "" && !sameURL(a.CanonicalURL, rel.URL) {
		claimed = communique.CanonicalURL(a.CanonicalURL)
	}
	outcome, err := p.store(ctx, src, rel, copyURL, claimed)
	p.Metrics.stage("store", start)
	if err != nil {
		return "", nil, err
	}
	if outcome == OutcomeNew || outcome == OutcomeRepointed {
		start = time.Now()
		stored := rel // a new release is as it was stored
		if outcome == OutcomeRepointed {
			// The known release took this text: its story, dates and
			// copies are the stored ones.
			if stored, err = p.Store.Release(ctx, rel.ID); err != nil {
				return "", nil, err
			}
		}
		if err := p.group(ctx, stored); err != nil {
			return "", nil, err
		}
		rel.StoryID = stored.StoryID
		p.Metrics.stage("story", start)
	}
	if err := p.Store.MarkItem(ctx, src.ID, it.Key, communique.CanonicalURL(it.URL), rel.ID); err != nil {
		return "", nil, err
	}
	p.Metrics.ingest(outcome)
	p.logger().Info("ingested", "source", src.ID, "url", it.URL, "release", rel.ID, "outcome", outcome, "fallback", rel.Fallback)
	return outcome, rel, nil
}

// read fetches and extracts a page. Transient failures are returned unless
// last is set; every other failure yields a nil article (the caller falls
// back on the feed's content).
func (p *Pipeline) read(ctx context.Context, url string, last bool) (*communique.Article, error) {
	if url == "" {
		return nil, nil
	}
	start := time.Now()
	resp, err := p.Fetcher.Get(ctx, fetch.Request{URL: url})
	p.Metrics.stage("fetch", start)
	if err != nil {
		if transient(err) && !last {
			return nil, err
		}
		p.logger().Warn("page not fetched; using the feed's content", "url", url, "err", err)
		return nil, nil
	}
	start = time.Now()
	a, err := extract.Extract(resp.Body, resp.URL, p.Extract)
	p.Metrics.stage("extract", start)
	if err != nil {
		p.logger().Warn("page not extracted; using the feed's content", "url", url, "err", err)
		return nil, nil
	}
	return a, nil
}

// transient reports whether a fetch error may go away by itself.
func transient(err error) bool {
	var fe *fetch.Error
	if !errors.As(err, &fe) {
		return !errors.Is(err, context.Canceled)
	}
	switch fe.Kind {
	case fetch.KindTimeout, fetch.KindNetwork, fetch.KindRetryLater:
		return true
	case fetch.KindStatus:
		return fe.Status >= 500 || fe.Status == 408 || fe.Status == 429
	}
	return false
}

// enrich finds the release's language when the page did not say, and its
// entities.
func (p *Pipeline) enrich(r *communique.Release) {
	if r.Language == "" {
		r.Language = enrich.Language(r.Text)
	}
	if p.Enricher == nil || r.Text == "" {
		return
	}
	r.Entities = p.Enricher.Enrich(enrich.Doc{Title: r.Title, Text: r.Text, Lang: r.Language, Originator: r.Organization})
}

// store decides what the release is against what is stored — new, a copy of
// a known release, a revision of one, or nothing new — and stores it so.
// claimed is the URL an original page names as its canonical address on
// another site, if any.
func (p *Pipeline) store(ctx context.Context, src *communique.Source, rel *communique.Release, copyURL, claimed string) (Outcome, error) {
	// Everything the decision could use is read at once (on PostgreSQL in
	// the lock's round trip). A release found by URL did not need its hash
	// and similar releases read, but such releases are rare (a known item
	// is ingested again only when its sitemap date changes); new releases,
	// which need all three, are the rule.
	unlock, m, err := p.lockDecision(ctx, rel, copyURL, claimed)
	if err != nil {
		return "", err
	}
	defer unlock()
	byURL := m.ByURL[0] // matchURLs' order
	if byURL == nil && copyURL != "" {
		byURL = m.ByURL[1]
	}
	if byURL == nil && claimed != "" {
		// A page that names as its canonical address the very URL a
		// republisher's copy named as the original is that original (a
		// mirror, or the site behind another address): its text replaces
		// the copy's, and the release keeps the originator's URL.
		if known := m.ByURL[len(m.ByURL)-1]; known != nil && sameURL(known.URL, claimed) {
			rel.ID = known.ID
			return OutcomeRepointed, p.takeOriginal(ctx, src, known, rel, known.URL, rel.URL)
		}
	}
	var byHash *communique.Release
	var similar []*communique.Release
	if byURL == nil {
		if byHash = m.ByHash; byHash == nil {
			similar = m.Similar
		}
	}
	v := dedup.Decide(rel, byURL, byHash, similar)
	switch v.Kind {
	case dedup.New:
		if err := p.Store.CreateRelease(ctx, rel); err != nil {
			return "", err
		}
		if copyURL != "" {
			if err := p.addCopy(ctx, rel.ID, src, copyURL); err != nil {
				return "", err
			}
		}
		return OutcomeNew, nil
	case dedup.Copy:
		rel.ID = v.Release.ID
		if v.Repoint {
			// The originator's page arrived after a republisher's copy:
			// it becomes the release's text and URL.
			return OutcomeRepointed, p.takeOriginal(ctx, src, v.Release, rel, rel.URL, v.Release.URL)
		}
		u := copyURL
		if u == "" {
			u = rel.URL
		}
		if err := p.addCopy(ctx, rel.ID, src, u); err != nil {
			return "", err
		}
		return OutcomeCopy, nil
	case dedup.Revision:
		rel.ID = v.Release.ID
		rel.Retrieved = v.Release.Retrieved
		if err := p.Store.ReviseRelease(ctx, rel); err != nil {
			return "", err
		}
		return OutcomeRevision, nil
	}
	rel.ID = v.Release.ID
	if copyURL != "" && !sameURL(copyURL, v.Release.URL) {
		// Nothing new in the text, but the copy is still one more place
		// the release was published.
		if err := p.addCopy(ctx, rel.ID, src, copyURL); err != nil {
			return "", err
		}
	}
	return OutcomeUnchanged, nil
}

// lockDecision makes the decision about rel one at a time with every
// decision it could depend on, and reads what it is decided against: the
// releases at matchURLs, with rel's hash, and similar to it. The lock is
// across processes through the store when it is a DecisionLocker, else one
// at a time in this process.
func (p *Pipeline) lockDecision(ctx context.Context, rel *communique.Release, copyURL, claimed string) (func(), *communique.Matches, error) {
	q := communique.MatchQuery{URLs: matchURLs(rel, copyURL, claimed), Hash: rel.ContentHash,
		Fingerprint: rel.Fingerprint, MaxDistance: dedup.MaxDistance, Limit: maxSimilar}
	if l, ok := p.Store.(communique.DecisionLocker); ok {
		return l.LockDecision(ctx, decisionKeys(rel, copyURL, claimed), q)
	}
	p.decide.Lock()
	m, err := p.Store.Match(ctx, q)
	if err != nil {
		p.decide.Unlock()
		return nil, nil, err
	}
	return p.decide.Unlock, m, nil
}

// matchURLs are the URLs a release is matched by: its own, then the copy's
// it was read through and the one it claims as canonical, where given.
func matchURLs(rel *communique.Release, copyURL, claimed string) []string {
	urls := []string{rel.URL}
	for _, u := range []string{copyURL, claimed} {
		if u != "" {
			urls = append(urls, u)
		}
	}
	return urls
}

// decisionKeys are the keys of the decision about rel: everything it is
// matched by (its URLs, its content hash, its fingerprint blocks: similar
// releases share one). Two decisions that share none cannot find each
// other's release.
func decisionKeys(rel *communique.Release, copyURL, claimed string) []string {
	keys := []string{"hash " + rel.ContentHash}
	for _, u := range matchURLs(rel, copyURL, claimed) {
		keys = append(keys, "url "+u)
	}
	for i, b := range dedup.Blocks(rel.Fingerprint) {
		keys = append(keys, fmt.Sprintf("block %d %d", i, b))
	}
	return keys
}

// maxSimilar is how many releases sharing a fingerprint block are compared.
// At a million releases some dozens share one by chance: enough are taken
// for the text check to see the real copy among them.
const maxSimilar = 100

// takeOriginal makes the originator's page (orig) the text of a release
// first stored from a republisher's copy: the release gets orig's text,
// title, dates and entities, the URL url, and copyURL is attached as a copy.
func (p *Pipeline) takeOriginal(ctx context.Context, src *communique.Source, stored, orig *communique.Release, url, copyURL string) error {
	up := *stored
	up.URL, up.Title, up.HTML, up.Text, up.Lede = url, orig.Title, orig.HTML, orig.Text, orig.Lede
	up.WordCount, up.ContentHash, up.Fingerprint = orig.WordCount, orig.ContentHash, orig.Fingerprint
	up.Published, up.DateEstimated, up.Modified = orig.Published, orig.DateEstimated, orig.Modified
	up.Author, up.Language, up.Image, up.SiteName = orig.Author, orig.Language, orig.Image, orig.SiteName
	up.Entities, up.Fallback = orig.Entities, orig.Fallback
	if orig.Organization != "" {
		up.Organization = orig.Organization
	}
	up.Copies = nil
	if err := p.Store.UpdateRelease(ctx, &up); err != nil {
		return err
	}
	if copyURL != "" && !sameURL(copyURL, url) {
		return p.addCopy(ctx, stored.ID, src, copyURL)
	}
	return nil
}

// found maps a store's "not found" to a nil release.
func found(r *communique.Release, err error) (*communique.Release, error) {
	if communique.ErrorCode(err) == communique.ENOTFOUND {
		return nil, nil
	}
	return r, err
}

func (p *Pipeline) addCopy(ctx context.Context, releaseID int64, src *communique.Source, url string) error {
	publisher := src.Organization
	if publisher == "" {
		publisher = src.Title
	}
	err := p.Store.AddCopy(ctx, &communique.Copy{ReleaseID: releaseID, SourceID: src.ID, URL: communique.CanonicalURL(url), Publisher: publisher, FirstSeen: p.now()})
	if err != nil {
		return fmt.Errorf("attaching copy %s: %w", url, err)
	}
	return nil
}

func sameURL(a, b string) bool { return communique.CanonicalURL(a) == communique.CanonicalURL(b) }
