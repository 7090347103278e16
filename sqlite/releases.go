package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"time"

	"github.com/communique-news/communique"
)

const releaseColumns = `r.id, coalesce(r.source_id, 0), r.url, r.organization, r.country, r.title, r.author, r.language, r.image,
	r.site_name, r.published, r.date_estimated, r.modified, r.retrieved, r.updated, t.lede, t.html, t.body, r.word_count,
	r.licence, r.fallback, r.content_hash, r.fingerprint, r.story_id, t.entities`

// releaseFrom is the FROM clause that releaseColumns reads.
const releaseFrom = ` FROM releases r JOIN release_texts t ON t.id = r.id`

func scanRelease(row scanner, extra ...any) (*communique.Release, error) {
	var r communique.Release
	var published, retrieved, updated, fp int64
	var modified sql.NullInt64
	var ents sql.NullString
	dest := append([]any{&r.ID, &r.SourceID, &r.URL, &r.Organization, &r.Country, &r.Title, &r.Author, &r.Language, &r.Image,
		&r.SiteName, &published, &r.DateEstimated, &modified, &retrieved, &updated, &r.Lede, &r.HTML, &r.Text,
		&r.WordCount, &r.Licence, &r.Fallback, &r.ContentHash, &fp, &r.StoryID, &ents}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.Fingerprint = uint64(fp)
	r.Published, r.Retrieved, r.Updated = fromMicro(published), fromMicro(retrieved), fromMicro(updated)
	r.Modified = fromNullMicro(modified)
	if ents.Valid && ents.String != "" {
		r.Entities = new(communique.Entities)
		if err := json.Unmarshal([]byte(ents.String), r.Entities); err != nil {
			return nil, err
		}
	}
	return &r, nil
}

func entitiesJSON(e *communique.Entities) (any, error) {
	if e == nil {
		return nil, nil
	}
	b, err := json.Marshal(e)
	return string(b), err
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func writeEntities(ctx context.Context, tx *sql.Tx, id int64, e *communique.Entities, fresh bool) error {
	if !fresh {
		if _, err := tx.ExecContext(ctx, `DELETE FROM release_entities WHERE release_id=?`, id); err != nil {
			return err
		}
	}
	for _, k := range e.IndexKeys() {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO release_entities (kind, key, release_id) VALUES (?, ?, ?)`, k.Kind, k.Key, id); err != nil {
			return err
		}
	}
	return nil
}

// indexText adds a release's text to the search index.
func indexText(ctx context.Context, tx *sql.Tx, id int64, title, lede, body, terms string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO releases_fts (rowid, title, lede, body, terms) VALUES (?, ?, ?, ?, ?)`, id, title, lede, body, terms)
	return err
}

// unindexText removes a release's current text from the search index; an
// external-content index needs the very text it indexed to remove it.
func unindexText(ctx context.Context, tx *sql.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO releases_fts (releases_fts, rowid, title, lede, body, terms)
		SELECT 'delete', id, title, lede, body, terms FROM releases_fts_content WHERE id = ?`, id)
	return err
}

func validRelease(r *communique.Release) error {
	if strings.TrimSpace(r.URL) == "" {
		return communique.Errorf(communique.EINVALID, "a release needs a URL")
	}
	if r.Licence != "" && !r.Licence.Valid() {
		return communique.Errorf(communique.EINVALID, "licence %q: want full, summary or link", r.Licence)
	}
	return nil
}

// prepare fills the defaults a new release takes.
func (db *DB) prepare(r *communique.Release) {
	if r.Retrieved.IsZero() {
		r.Retrieved = db.now().UTC()
	}
	r.Retrieved = r.Retrieved.UTC().Truncate(time.Microsecond)
	if r.Updated.IsZero() {
		r.Updated = r.Retrieved
	}
	if r.Published.IsZero() {
		r.Published, r.DateEstimated = r.Retrieved, true
	}
	if r.Licence == "" {
		r.Licence = communique.LicenceFull
	}
}

// insertRelease adds r and its first revision in tx, and indexes it unless
// deferIndex (the caller then calls indexText).
//
// Index writes come after every other write of a transaction: FTS5 flushes
// its in-memory terms to a new segment whenever a later statement opens a
// statement savepoint, and merging those small segments was most of the
// cost of a bulk load.
func insertRelease(ctx context.Context, tx *sql.Tx, r *communique.Release, deferIndex bool) error {
	ents, err := entitiesJSON(r.Entities)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO releases (source_id, published, month, organization, language, country,
		date_estimated, modified, retrieved, updated, word_count, licence, fallback, content_hash, fingerprint,
		story_id, url, title, author, image, site_name)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
		nullID(r.SourceID), micro(r.Published), monthOf(r.Published), r.Organization, r.Language, r.Country,
		b2i(r.DateEstimated), nullMicro(r.Modified), micro(r.Retrieved), micro(r.Updated), r.WordCount, r.Licence,
		b2i(r.Fallback), r.ContentHash, int64(r.Fingerprint), r.StoryID, r.URL, r.Title,
		r.Author, r.Image, r.SiteName).Scan(&r.ID)
	if err != nil {
		return mapErr(err, "release "+r.URL)
	}
	terms := termsOf(r)
	if _, err := tx.ExecContext(ctx, `INSERT INTO release_texts (id, lede, entities, html, body, terms) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID, r.Lede, ents, r.HTML, r.Text, terms); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO revisions (release_id, number, title, content_hash, retrieved, current)
		VALUES (?, 1, ?, ?, ?, 1)`, r.ID, r.Title, r.ContentHash, micro(r.Retrieved)); err != nil {
		return err
	}
	r.Revisions = 1
	if err := writeEntities(ctx, tx, r.ID, r.Entities, true); err != nil {
		return err
	}
	if !deferIndex {
		return indexText(ctx, tx, r.ID, r.Title, r.Lede, r.Text, terms)
	}
	return nil
}

func (db *DB) CreateRelease(ctx context.Context, r *communique.Release) error {
	if err := validRelease(r); err != nil {
		return err
	}
	db.prepare(r)
	return db.update(ctx, func(tx *sql.Tx) error { return insertRelease(ctx, tx, r, false) })
}

// CreateReleases adds many releases in one transaction (bulk loads and
// benchmarks); it is all or nothing.
func (db *DB) CreateReleases(ctx context.Context, rs []*communique.Release) error {
	for _, r := range rs {
		if err := validRelease(r); err != nil {
			return err
		}
		db.prepare(r)
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		for _, r := range rs {
			if err := insertRelease(ctx, tx, r, true); err != nil {
				return err
			}
		}
		for _, r := range rs {
			if err := indexText(ctx, tx, r.ID, r.Title, r.Lede, r.Text, termsOf(r)); err != nil {
				return err
			}
		}
		return nil
	})
}

// updateRelease replaces a release's stored fields.
func updateRelease(ctx context.Context, tx *sql.Tx, r *communique.Release) error {
	if err := validRelease(r); err != nil {
		return err
	}
	ents, err := entitiesJSON(r.Entities)
	if err != nil {
		return err
	}
	if r.Licence == "" {
		r.Licence = communique.LicenceFull
	}
	if err := unindexText(ctx, tx, r.ID); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE releases SET source_id=?, published=?, month=?, organization=?, language=?,
		country=?, date_estimated=?, modified=?, updated=?, word_count=?, licence=?, fallback=?, content_hash=?,
		fingerprint=?, story_id=?, url=?, title=?, author=?, image=?, site_name=?
		WHERE id=?`,
		nullID(r.SourceID), micro(r.Published), monthOf(r.Published), r.Organization, r.Language, r.Country,
		b2i(r.DateEstimated), nullMicro(r.Modified), micro(r.Updated), r.WordCount, r.Licence, b2i(r.Fallback),
		r.ContentHash, int64(r.Fingerprint), r.StoryID, r.URL, r.Title, r.Author, r.Image,
		r.SiteName, r.ID)
	if err != nil {
		return mapErr(err, "release "+r.URL)
	}
	if err := affected(res, "release", r.ID); err != nil {
		return err
	}
	terms := termsOf(r)
	if _, err := tx.ExecContext(ctx, `UPDATE release_texts SET lede=?, entities=?, html=?, body=?, terms=? WHERE id=?`,
		r.Lede, ents, r.HTML, r.Text, terms, r.ID); err != nil {
		return err
	}
	if err := writeEntities(ctx, tx, r.ID, r.Entities, false); err != nil {
		return err
	}
	return indexText(ctx, tx, r.ID, r.Title, r.Lede, r.Text, terms)
}

func (db *DB) ReviseRelease(ctx context.Context, r *communique.Release) error {
	if r.Updated.IsZero() || !r.Updated.After(r.Retrieved) {
		r.Updated = db.now().UTC()
	}
	r.Updated = r.Updated.UTC().Truncate(time.Microsecond)
	return db.update(ctx, func(tx *sql.Tx) error {
		// The superseded revision takes its own copy of the text.
		if _, err := tx.ExecContext(ctx, `UPDATE revisions SET html = t.html, body = t.body, current = 0
			FROM release_texts t WHERE t.id = revisions.release_id AND revisions.release_id = ? AND revisions.current = 1`, r.ID); err != nil {
			return err
		}
		if err := updateRelease(ctx, tx, r); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO revisions (release_id, number, title, content_hash, retrieved, current)
			SELECT ?, coalesce(max(number), 0) + 1, ?, ?, ?, 1 FROM revisions WHERE release_id = ?`,
			r.ID, r.Title, r.ContentHash, micro(r.Updated), r.ID)
		return err
	})
}

func (db *DB) UpdateRelease(ctx context.Context, r *communique.Release) error {
	if r.Updated.IsZero() {
		r.Updated = r.Retrieved
	}
	return db.update(ctx, func(tx *sql.Tx) error { return updateRelease(ctx, tx, r) })
}

func (db *DB) AddCopy(ctx context.Context, c *communique.Copy) error {
	if strings.TrimSpace(c.URL) == "" {
		return communique.Errorf(communique.EINVALID, "a copy needs a URL")
	}
	if c.FirstSeen.IsZero() {
		c.FirstSeen = db.now().UTC()
	}
	c.FirstSeen = c.FirstSeen.UTC().Truncate(time.Microsecond)
	return db.update(ctx, func(tx *sql.Tx) error {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM releases WHERE id=?)`, c.ReleaseID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return communique.Errorf(communique.ENOTFOUND, "release %d not found", c.ReleaseID)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO copies (release_id, source_id, url, publisher, first_seen) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (release_id, url) DO NOTHING`, c.ReleaseID, nullID(c.SourceID), c.URL, c.Publisher, micro(c.FirstSeen)); err != nil {
			return mapErr(err, "copy "+c.URL)
		}
		var first int64
		err := tx.QueryRowContext(ctx, `SELECT id, first_seen FROM copies WHERE release_id=? AND url=?`, c.ReleaseID, c.URL).Scan(&c.ID, &first)
		c.FirstSeen = fromMicro(first)
		return err
	})
}

func (db *DB) DeleteRelease(ctx context.Context, id int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE items SET release_id = NULL WHERE release_id = ?`, id); err != nil {
			return err
		}
		if err := unindexText(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM releases WHERE id=?`, id)
		if err != nil {
			return err
		}
		return affected(res, "release", id)
	})
}

// details fills a release's copies and revision count.
func details(ctx context.Context, tx *sql.Tx, r *communique.Release) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, release_id, coalesce(source_id, 0), url, publisher, first_seen FROM copies WHERE release_id=? ORDER BY first_seen, id`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c communique.Copy
		var first int64
		if err := rows.Scan(&c.ID, &c.ReleaseID, &c.SourceID, &c.URL, &c.Publisher, &first); err != nil {
			return err
		}
		c.FirstSeen = fromMicro(first)
		r.Copies = append(r.Copies, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return tx.QueryRowContext(ctx, `SELECT count(*) FROM revisions WHERE release_id=?`, r.ID).Scan(&r.Revisions)
}

// one reads a single release with its details.
func (db *DB) one(ctx context.Context, what, query string, args ...any) (*communique.Release, error) {
	var r *communique.Release
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = scanRelease(tx.QueryRowContext(ctx, query, args...)); err != nil {
			return err
		}
		return details(ctx, tx, r)
	})
	if err != nil {
		return nil, mapErr(err, what)
	}
	return r, nil
}

func (db *DB) Release(ctx context.Context, id int64) (*communique.Release, error) {
	return db.one(ctx, "release", releaseByID, id)
}

func (db *DB) ReleaseByURL(ctx context.Context, url string) (*communique.Release, error) {
	return db.one(ctx, "release at "+url, releaseByURL, url)
}

// Lookups of the ingest path (TestLookupsUseIndexes checks their plans).
const (
	// The partial index on content_hash serves only a query that says
	// the hash is not empty: a bound parameter does not, and the lookup
	// scanned every release (5% of an ingest's CPU at 2,000 releases).
	releaseByHash = `SELECT ` + releaseColumns + releaseFrom + ` WHERE r.content_hash=? AND r.content_hash <> '' ORDER BY r.id LIMIT 1`
	releaseByURL  = `SELECT ` + releaseColumns + releaseFrom + ` WHERE r.id = coalesce(
		(SELECT id FROM releases WHERE url = ?1), (SELECT release_id FROM copies WHERE url = ?1 ORDER BY id LIMIT 1))`
	releaseByID = `SELECT ` + releaseColumns + releaseFrom + ` WHERE r.id=?`
	// The fingerprint's blocks are terms of the search index (see
	// blockTerms); the parameter is their expression, blocksExpr.
	similarBlocks = `SELECT r.id, r.fingerprint FROM releases_fts CROSS JOIN ` + releaseKeys + ` ON r.id = releases_fts.rowid
			WHERE releases_fts MATCH ?`
)

// Match reads the releases at q's URLs, the one with its hash, and those
// that share at least one 16-bit block of its fingerprint (which finds
// every fingerprint within 3 bits, and the MinHash candidates of package
// dedup) within q.MaxDistance, nearest first, in one read transaction.
func (db *DB) Match(ctx context.Context, q communique.MatchQuery) (*communique.Matches, error) {
	m := &communique.Matches{ByURL: make([]*communique.Release, len(q.URLs))}
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		for i, u := range q.URLs {
			if m.ByURL[i], err = optional(scanRelease(tx.QueryRowContext(ctx, releaseByURL, u))); err != nil {
				return err
			}
		}
		if q.Hash != "" {
			if m.ByHash, err = optional(scanRelease(tx.QueryRowContext(ctx, releaseByHash, q.Hash))); err != nil {
				return err
			}
		}
		m.Similar, err = similar(ctx, tx, q)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("matching a release: %w", err)
	}
	return m, nil
}

// optional maps "no row" to a nil release.
func optional(r *communique.Release, err error) (*communique.Release, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// similar reads the releases within q.MaxDistance of q.Fingerprint.
func similar(ctx context.Context, tx *sql.Tx, q communique.MatchQuery) ([]*communique.Release, error) {
	// Candidates share a block; the full rows are read only for those
	// within the distance.
	rows, err := tx.QueryContext(ctx, similarBlocks, blocksExpr(q.Fingerprint))
	if err != nil {
		return nil, err
	}
	type cand struct {
		id int64
		d  int
	}
	var cands []cand
	for rows.Next() {
		var id, f int64
		if err := rows.Scan(&id, &f); err != nil {
			rows.Close()
			return nil, err
		}
		if d := bits.OnesCount64(uint64(f) ^ q.Fingerprint); d <= q.MaxDistance {
			cands = append(cands, cand{id, d})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(cands, func(i, j int) bool {
		return cands[i].d < cands[j].d || (cands[i].d == cands[j].d && cands[i].id < cands[j].id)
	})
	if q.Limit > 0 && len(cands) > q.Limit {
		cands = cands[:q.Limit]
	}
	out := make([]*communique.Release, 0, len(cands))
	for _, c := range cands {
		r, err := scanRelease(tx.QueryRowContext(ctx, releaseByID, c.id))
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (db *DB) Revisions(ctx context.Context, releaseID int64) ([]communique.Revision, error) {
	var out []communique.Revision
	err := db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT v.id, v.release_id, v.number, v.title,
			CASE WHEN v.current = 1 THEN t.html ELSE v.html END, CASE WHEN v.current = 1 THEN t.body ELSE v.body END,
			v.content_hash, v.retrieved
			FROM revisions v LEFT JOIN release_texts t ON t.id = v.release_id WHERE v.release_id=? ORDER BY v.number`, releaseID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v communique.Revision
			var at int64
			if err := rows.Scan(&v.ID, &v.ReleaseID, &v.Number, &v.Title, &v.HTML, &v.Text, &v.ContentHash, &at); err != nil {
				return err
			}
			v.Retrieved = fromMicro(at)
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

func (db *DB) Organizations(ctx context.Context) ([]communique.FacetCount, error) {
	var out []communique.FacetCount
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = facetRows(ctx, tx, `SELECT organization, count(*) FROM releases WHERE organization <> '' GROUP BY organization COLLATE NOCASE ORDER BY count(*) DESC, organization`)
		return err
	})
	return out, err
}

func facetRows(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]communique.FacetCount, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []communique.FacetCount{}
	for rows.Next() {
		var f communique.FacetCount
		if err := rows.Scan(&f.Value, &f.Count); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Reindex rebuilds the entity index and the filter terms from the stored
// releases, then the full-text index, and merges the index's segments.
func (db *DB) Reindex(ctx context.Context) error {
	return db.update(ctx, func(tx *sql.Tx) error { return reindex(ctx, tx) })
}

// reindexChunk is how many releases reindex reads at a time (a variable
// for tests).
var reindexChunk = 5000

func reindex(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM release_entities`); err != nil {
		return err
	}
	// In chunks of ids, so that a million releases are not all in memory.
	type row struct {
		r     communique.Release
		terms string
	}
	chunk := make([]row, 0, reindexChunk)
	for after := int64(0); ; after = chunk[len(chunk)-1].r.ID {
		rows, err := tx.QueryContext(ctx, `SELECT r.id, coalesce(r.source_id, 0), r.organization, r.language, r.published, r.fingerprint, t.entities
			FROM releases r JOIN release_texts t ON t.id = r.id WHERE r.id > ? ORDER BY r.id LIMIT ?`, after, reindexChunk)
		if err != nil {
			return err
		}
		chunk = chunk[:0]
		for rows.Next() {
			var x row
			var pub, fp int64
			var raw sql.NullString
			if err := rows.Scan(&x.r.ID, &x.r.SourceID, &x.r.Organization, &x.r.Language, &pub, &fp, &raw); err != nil {
				rows.Close()
				return err
			}
			x.r.Published, x.r.Fingerprint = fromMicro(pub), uint64(fp)
			if raw.Valid && raw.String != "" {
				x.r.Entities = new(communique.Entities)
				if err := json.Unmarshal([]byte(raw.String), x.r.Entities); err != nil {
					rows.Close()
					return err
				}
			}
			x.terms = termsOf(&x.r)
			chunk = append(chunk, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(chunk) == 0 {
			break
		}
		for _, x := range chunk {
			if err := writeEntities(ctx, tx, x.r.ID, x.r.Entities, true); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE release_texts SET terms = ? WHERE id = ?`, x.terms, x.r.ID); err != nil {
				return err
			}
		}
	}
	for _, cmd := range []string{"rebuild", "optimize"} {
		if _, err := tx.ExecContext(ctx, `INSERT INTO releases_fts (releases_fts) VALUES (?)`, cmd); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM reindex_pending`)
	return err
}

// Optimize merges the search index's segments into one, which makes
// queries faster after a bulk load.
func (db *DB) Optimize(ctx context.Context) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO releases_fts (releases_fts) VALUES ('optimize')`)
		return err
	})
}
