package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/communique-news/communique"
)

const releaseColumns = `r.id, coalesce(r.source_id, 0), r.url, r.organization, r.country, r.title, r.author, r.language, r.image,
	r.site_name, r.published, r.date_estimated, r.modified, r.retrieved, r.updated, r.lede, r.html, r.body, r.word_count,
	r.licence, r.fallback, r.content_hash, r.fingerprint, r.story_id, r.entities`

func scanRelease(row pgx.Row) (*communique.Release, error) {
	var r communique.Release
	if err := scanReleaseInto(row, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// scanReleaseInto scans releaseColumns into r, after the columns before
// them into before.
func scanReleaseInto(row pgx.Row, r *communique.Release, before ...any) error {
	var modified *time.Time
	var fp int64
	var ents []byte
	err := row.Scan(append(before, &r.ID, &r.SourceID, &r.URL, &r.Organization, &r.Country, &r.Title, &r.Author, &r.Language, &r.Image,
		&r.SiteName, &r.Published, &r.DateEstimated, &modified, &r.Retrieved, &r.Updated, &r.Lede, &r.HTML, &r.Text,
		&r.WordCount, &r.Licence, &r.Fallback, &r.ContentHash, &fp, &r.StoryID, &ents)...)
	if err != nil {
		return err
	}
	r.Fingerprint = uint64(fp)
	r.Modified = deref(modified)
	r.Published, r.Retrieved, r.Updated = r.Published.UTC(), r.Retrieved.UTC(), r.Updated.UTC()
	if len(ents) > 0 {
		r.Entities = new(communique.Entities)
		if err := json.Unmarshal(ents, r.Entities); err != nil {
			return err
		}
	}
	return nil
}

// blocks splits a fingerprint into the four 16-bit blocks the similarity
// lookup indexes: two fingerprints within 3 bits share at least one block.
func blocks(fp uint64) [4]int32 {
	return [4]int32{int32(fp & 0xffff), int32(fp >> 16 & 0xffff), int32(fp >> 32 & 0xffff), int32(fp >> 48 & 0xffff)}
}

func entitiesJSON(e *communique.Entities) ([]byte, error) {
	if e == nil {
		return nil, nil
	}
	return json.Marshal(e)
}

// writeEntities replaces the entity keys indexed for a release (a new
// release's go in with it: insertReleaseSQL).
func writeEntities(ctx context.Context, tx pgx.Tx, id int64, e *communique.Entities) error {
	if _, err := tx.Exec(ctx, `DELETE FROM release_entities WHERE release_id=$1`, id); err != nil {
		return err
	}
	kinds, keys := entityKeys(e)
	if len(kinds) == 0 {
		return nil
	}
	// One statement for all of them: a release names tens of entities.
	_, err := tx.Exec(ctx, `INSERT INTO release_entities (release_id, kind, key)
		SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS e(k, v) ON CONFLICT DO NOTHING`, id, kinds, keys)
	return err
}

// entityKeys is what release_entities indexes of e, as two parallel arrays
// (kind, key).
func entityKeys(e *communique.Entities) (kinds, keys []string) {
	ks := e.IndexKeys()
	kinds, keys = make([]string, len(ks)), make([]string, len(ks))
	for i, k := range ks {
		kinds[i], keys[i] = k.Kind, k.Key
	}
	return kinds, keys
}

// insertReleaseSQL adds a release, its first revision and its entity keys
// in one statement, which is atomic without a transaction of its own: one
// round trip where BEGIN, the insert, the entities and COMMIT took up to
// four (of the 18 an ingested release cost).
const insertReleaseSQL = `WITH r AS (INSERT INTO releases (source_id, url, organization, country, title, author, language, image,
	site_name, published, date_estimated, modified, retrieved, updated, lede, html, body, word_count, licence, fallback,
	content_hash, fingerprint, fp0, fp1, fp2, fp3, story_id, entities)
	VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28)
	RETURNING id, title, content_hash, retrieved),
	v AS (INSERT INTO revisions (release_id, number, title, content_hash, retrieved, current)
	SELECT id, 1, title, content_hash, retrieved, true FROM r),
	e AS (INSERT INTO release_entities (release_id, kind, key)
	SELECT r.id, k, v FROM r, unnest($29::text[], $30::text[]) AS e(k, v) ON CONFLICT DO NOTHING)
	SELECT id FROM r`

// insertArgs fills a release's defaults and returns insertReleaseSQL's arguments.
func insertArgs(r *communique.Release) ([]any, error) {
	ents, err := entitiesJSON(r.Entities)
	if err != nil {
		return nil, err
	}
	if r.Retrieved.IsZero() {
		r.Retrieved = time.Now().UTC()
	}
	if r.Updated.IsZero() {
		r.Updated = r.Retrieved
	}
	if r.Published.IsZero() {
		r.Published, r.DateEstimated = r.Retrieved, true
	}
	b := blocks(r.Fingerprint)
	var src any
	if r.SourceID != 0 {
		src = r.SourceID
	}
	kinds, keys := entityKeys(r.Entities)
	return []any{src, r.URL, r.Organization, r.Country, r.Title, r.Author, r.Language, r.Image, r.SiteName, r.Published,
		r.DateEstimated, nullTime(r.Modified), r.Retrieved, r.Updated, r.Lede, r.HTML, r.Text, r.WordCount, r.Licence,
		r.Fallback, r.ContentHash, int64(r.Fingerprint), b[0], b[1], b[2], b[3], r.StoryID, ents, kinds, keys}, nil
}

func (db *DB) CreateRelease(ctx context.Context, r *communique.Release) error {
	args, err := insertArgs(r)
	if err != nil {
		return err
	}
	return mapErr(db.pool.QueryRow(ctx, insertReleaseSQL, args...).Scan(&r.ID), "release "+r.URL)
}

// CreateReleases adds many releases in one transaction, pipelined (bulk
// loads and benchmarks); it is all or nothing.
func (db *DB) CreateReleases(ctx context.Context, rs []*communique.Release) error {
	batch := &pgx.Batch{}
	for _, r := range rs {
		args, err := insertArgs(r)
		if err != nil {
			return err
		}
		batch.Queue(insertReleaseSQL, args...)
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		res := tx.SendBatch(ctx, batch)
		for _, r := range rs {
			if err := res.QueryRow().Scan(&r.ID); err != nil {
				res.Close()
				return mapErr(err, "release "+r.URL)
			}
		}
		return res.Close()
	})
}

// update replaces a release's stored fields.
func update(ctx context.Context, tx pgx.Tx, r *communique.Release) error {
	ents, err := entitiesJSON(r.Entities)
	if err != nil {
		return err
	}
	b := blocks(r.Fingerprint)
	tag, err := tx.Exec(ctx, `UPDATE releases SET url=$2, organization=$3, country=$4, title=$5, author=$6, language=$7,
		image=$8, site_name=$9, published=$10, date_estimated=$11, modified=$12, updated=$13, lede=$14, html=$15, body=$16,
		word_count=$17, licence=$18, fallback=$19, content_hash=$20, fingerprint=$21, fp0=$22, fp1=$23, fp2=$24, fp3=$25,
		story_id=$26, entities=$27 WHERE id=$1`,
		r.ID, r.URL, r.Organization, r.Country, r.Title, r.Author, r.Language, r.Image, r.SiteName, r.Published,
		r.DateEstimated, nullTime(r.Modified), r.Updated, r.Lede, r.HTML, r.Text, r.WordCount, r.Licence, r.Fallback,
		r.ContentHash, int64(r.Fingerprint), b[0], b[1], b[2], b[3], r.StoryID, ents)
	if err != nil {
		return mapErr(err, "release "+r.URL)
	}
	if tag.RowsAffected() == 0 {
		return communique.Errorf(communique.ENOTFOUND, "release %d not found", r.ID)
	}
	return writeEntities(ctx, tx, r.ID, r.Entities)
}

func (db *DB) ReviseRelease(ctx context.Context, r *communique.Release) error {
	if r.Updated.IsZero() || !r.Updated.After(r.Retrieved) {
		r.Updated = time.Now().UTC()
	}
	return db.tx(ctx, func(tx pgx.Tx) error {
		// The superseded revision takes its own copy of the text.
		if _, err := tx.Exec(ctx, `UPDATE revisions v SET html = r.html, body = r.body, current = false
			FROM releases r WHERE r.id = v.release_id AND v.release_id = $1 AND v.current`, r.ID); err != nil {
			return err
		}
		if err := update(ctx, tx, r); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO revisions (release_id, number, title, content_hash, retrieved, current)
			SELECT $1, coalesce(max(number), 0) + 1, $2, $3, $4, true FROM revisions WHERE release_id = $1`,
			r.ID, r.Title, r.ContentHash, r.Updated)
		return err
	})
}

func (db *DB) UpdateRelease(ctx context.Context, r *communique.Release) error {
	return db.tx(ctx, func(tx pgx.Tx) error { return update(ctx, tx, r) })
}

func (db *DB) AddCopy(ctx context.Context, c *communique.Copy) error {
	if c.FirstSeen.IsZero() {
		c.FirstSeen = time.Now().UTC()
	}
	var src any
	if c.SourceID != 0 {
		src = c.SourceID
	}
	err := db.pool.QueryRow(ctx, `INSERT INTO copies (release_id, source_id, url, publisher, first_seen) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (release_id, url) DO UPDATE SET url = EXCLUDED.url RETURNING id`,
		c.ReleaseID, src, c.URL, c.Publisher, c.FirstSeen).Scan(&c.ID)
	if err != nil {
		var exists bool
		if e := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM releases WHERE id=$1)`, c.ReleaseID).Scan(&exists); e == nil && !exists {
			return communique.Errorf(communique.ENOTFOUND, "release %d not found", c.ReleaseID)
		}
		return mapErr(err, "copy "+c.URL)
	}
	return nil
}

func (db *DB) DeleteRelease(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM releases WHERE id=$1`, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return communique.Errorf(communique.ENOTFOUND, "release %d not found", id)
	}
	return nil
}

func (db *DB) Release(ctx context.Context, id int64) (*communique.Release, error) {
	r, err := scanRelease(db.pool.QueryRow(ctx, `SELECT `+releaseColumns+` FROM releases r WHERE r.id=$1`, id))
	if err != nil {
		return nil, mapErr(err, "release")
	}
	return r, db.details(ctx, r)
}

// details fills a release's copies and revision count.
func (db *DB) details(ctx context.Context, r *communique.Release) error {
	rows, err := db.pool.Query(ctx, `SELECT id, release_id, coalesce(source_id, 0), url, publisher, first_seen FROM copies WHERE release_id=$1 ORDER BY first_seen, id`, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var c communique.Copy
		if err := rows.Scan(&c.ID, &c.ReleaseID, &c.SourceID, &c.URL, &c.Publisher, &c.FirstSeen); err != nil {
			return err
		}
		c.FirstSeen = c.FirstSeen.UTC()
		r.Copies = append(r.Copies, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return db.pool.QueryRow(ctx, `SELECT count(*) FROM revisions WHERE release_id=$1`, r.ID).Scan(&r.Revisions)
}

func (db *DB) ReleaseByURL(ctx context.Context, url string) (*communique.Release, error) {
	r, err := scanRelease(db.pool.QueryRow(ctx, `SELECT `+releaseColumns+` FROM releases r WHERE r.url=$1
		UNION ALL SELECT `+releaseColumns+` FROM releases r JOIN copies c ON c.release_id = r.id WHERE c.url=$1 LIMIT 1`, url))
	if err != nil {
		return nil, mapErr(err, "release at "+url)
	}
	return r, db.details(ctx, r)
}

// matchSQL answers a MatchQuery in one statement: $1 the URLs, $2 the
// hash, $3 the fingerprint, $4–$7 its blocks, $8 the distance, $9 the
// limit (NULL: none). Each row is a match: its kind (0 by URL, 1 by hash,
// 2 similar), its URL's ordinal (kind 0) or its distance (kind 2), then
// the release. Candidates share a block; the full rows are read only for
// those within the distance (releases of one site share blocks often).
const matchSQL = `WITH m AS (
		SELECT 0 AS kind, q.n::int AS n, coalesce((SELECT id FROM releases WHERE url = q.url),
			(SELECT release_id FROM copies WHERE url = q.url ORDER BY id LIMIT 1)) AS id
		FROM unnest($1::text[]) WITH ORDINALITY AS q(url, n)
		UNION ALL (SELECT 1, 0, id FROM releases WHERE content_hash = $2 AND $2 <> '' ORDER BY id LIMIT 1)
		UNION ALL (SELECT 2, d, id FROM (SELECT id, bit_count((fingerprint # $3)::bit(64))::int AS d FROM releases
			WHERE fp0 = $4 OR fp1 = $5 OR fp2 = $6 OR fp3 = $7) c WHERE d <= $8 ORDER BY d, id LIMIT $9))
	SELECT m.kind, m.n, ` + releaseColumns + ` FROM m JOIN releases r ON r.id = m.id ORDER BY m.kind, m.n, r.id`

func matchArgs(q communique.MatchQuery) []any {
	b := blocks(q.Fingerprint)
	var limit *int
	if q.Limit > 0 {
		limit = &q.Limit
	}
	return []any{q.URLs, q.Hash, int64(q.Fingerprint), b[0], b[1], b[2], b[3], q.MaxDistance, limit}
}

func scanMatches(rows pgx.Rows, q communique.MatchQuery) (*communique.Matches, error) {
	defer rows.Close()
	m := &communique.Matches{ByURL: make([]*communique.Release, len(q.URLs))}
	for rows.Next() {
		var kind, n int
		var r communique.Release
		if err := scanReleaseInto(rows, &r, &kind, &n); err != nil {
			return nil, err
		}
		switch kind {
		case 0:
			m.ByURL[n-1] = &r
		case 1:
			m.ByHash = &r
		default:
			m.Similar = append(m.Similar, &r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("matching a release: %w", err)
	}
	return m, nil
}

func (db *DB) Match(ctx context.Context, q communique.MatchQuery) (*communique.Matches, error) {
	// An unnamed statement, planned for its arguments each time, as a
	// decision's is (see planEachTime).
	rows, err := db.pool.Query(ctx, matchSQL, append([]any{pgx.QueryExecModeDescribeExec}, matchArgs(q)...)...)
	if err != nil {
		return nil, fmt.Errorf("matching a release: %w", err)
	}
	return scanMatches(rows, q)
}

func (db *DB) Revisions(ctx context.Context, releaseID int64) ([]communique.Revision, error) {
	rows, err := db.pool.Query(ctx, `SELECT v.id, v.release_id, v.number, v.title,
		CASE WHEN v.current THEN r.html ELSE v.html END, CASE WHEN v.current THEN r.body ELSE v.body END,
		v.content_hash, v.retrieved
		FROM revisions v JOIN releases r ON r.id = v.release_id WHERE v.release_id=$1 ORDER BY v.number`, releaseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []communique.Revision
	for rows.Next() {
		var v communique.Revision
		if err := rows.Scan(&v.ID, &v.ReleaseID, &v.Number, &v.Title, &v.HTML, &v.Text, &v.ContentHash, &v.Retrieved); err != nil {
			return nil, err
		}
		v.Retrieved = v.Retrieved.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}

func (db *DB) Organizations(ctx context.Context) ([]communique.FacetCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT organization, count(*) FROM release_search WHERE organization <> '' GROUP BY organization ORDER BY count(*) DESC, organization`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []communique.FacetCount
	for rows.Next() {
		var f communique.FacetCount
		if err := rows.Scan(&f.Value, &f.Count); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Reindex rebuilds the entity index from the stored entities, and the search
// table (text vectors, dates, organisations) from releases.
func (db *DB) Reindex(ctx context.Context) error {
	return db.tx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, entities FROM releases`)
		if err != nil {
			return err
		}
		type ent struct {
			id int64
			e  *communique.Entities
		}
		var all []ent
		for rows.Next() {
			var id int64
			var raw []byte
			if err := rows.Scan(&id, &raw); err != nil {
				rows.Close()
				return err
			}
			var e *communique.Entities
			if len(raw) > 0 {
				e = new(communique.Entities)
				if err := json.Unmarshal(raw, e); err != nil {
					rows.Close()
					return err
				}
			}
			all = append(all, ent{id, e})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range all {
			if err := writeEntities(ctx, tx, a.id, a.e); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM release_search`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO release_search (id, source_id, story_id, published, organization, language, head, search)
			SELECT id, source_id, story_id, published, organization, language, communique_head_vector(title, lede),
				communique_search_vector(title, lede, body) FROM releases`)
		return err
	})
}

// releasesByID reads the releases of ids, in that order.
func (db *DB) releasesByID(ctx context.Context, ids []int64) ([]*communique.Release, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT `+releaseColumns+` FROM releases r WHERE r.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading releases: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]*communique.Release, len(ids))
	for rows.Next() {
		r, err := scanRelease(rows)
		if err != nil {
			return nil, err
		}
		byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*communique.Release, 0, len(ids))
	for _, id := range ids {
		if r := byID[id]; r != nil { // deleted since it matched
			out = append(out, r)
		}
	}
	return out, nil
}
