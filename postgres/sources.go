package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/communique-news/communique"
)

// sourceReleases counts the releases a source led to: those first seen
// through it, and those its items found already stored (a republisher's
// copy seen first, the originator's feed later).
const sourceReleases = `(SELECT count(*) FROM (SELECT r.id FROM releases r WHERE r.source_id = s.id
			UNION SELECT i.release_id FROM items i WHERE i.source_id = s.id AND i.release_id IS NOT NULL) x)`

const sourceColumns = `s.id, s.kind, s.url, s.title, s.organization, s.country, s.licence, s.selectors, s.created,
	s.etag, s.last_modified, s.last_fetch, s.last_success, s.last_status, s.last_error, s.consecutive_errors,
	CASE WHEN isfinite(s.next_poll) THEN s.next_poll END, s.interval_seconds, s.hub_url, s.topic_url, s.websub_secret, s.websub_lease_until`

func scanSource(row pgx.Row) (*communique.Source, error) {
	var s communique.Source
	var sel []byte
	var lastFetch, lastSuccess, lease, next *time.Time
	var interval int64
	dest := []any{&s.ID, &s.Kind, &s.URL, &s.Title, &s.Organization, &s.Country, &s.Licence, &sel, &s.Created,
		&s.State.ETag, &s.State.LastModified, &lastFetch, &lastSuccess, &s.State.LastStatus, &s.State.LastError,
		&s.State.ConsecutiveErrors, &next, &interval, &s.State.HubURL, &s.State.TopicURL,
		&s.State.WebSubSecret, &lease}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if len(sel) > 0 {
		s.Selectors = new(communique.Selectors)
		if err := json.Unmarshal(sel, s.Selectors); err != nil {
			return nil, err
		}
	}
	s.State.LastFetch, s.State.LastSuccess, s.State.WebSubLeaseUntil = deref(lastFetch), deref(lastSuccess), deref(lease)
	s.State.Interval = time.Duration(interval) * time.Second
	s.Created = s.Created.UTC()
	s.State.NextPoll = deref(next)
	return &s, nil
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullTime stores a zero time as NULL.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func selectorsJSON(s *communique.Selectors) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	return json.Marshal(s)
}

// pgInfinity is the next-poll time of a source never polled: due at once.
const pgInfinity = "-infinity"

func (db *DB) CreateSource(ctx context.Context, s *communique.Source) error {
	sel, err := selectorsJSON(s.Selectors)
	if err != nil {
		return err
	}
	if s.Created.IsZero() {
		s.Created = time.Now().UTC().Truncate(time.Microsecond)
	}
	err = db.pool.QueryRow(ctx, `INSERT INTO sources (kind, url, title, organization, country, licence, selectors, created, next_poll)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::timestamptz) RETURNING id`,
		s.Kind, s.URL, s.Title, s.Organization, s.Country, s.Licence, sel, s.Created, pollTimeText(s.State.NextPoll)).Scan(&s.ID)
	return mapErr(err, "source "+s.URL)
}

// pollTimeText renders a next-poll time for a ::timestamptz cast.
func pollTimeText(t time.Time) string {
	if t.IsZero() {
		return pgInfinity
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (db *DB) UpdateSource(ctx context.Context, s *communique.Source) error {
	sel, err := selectorsJSON(s.Selectors)
	if err != nil {
		return err
	}
	tag, err := db.pool.Exec(ctx, `UPDATE sources SET kind=$2, url=$3, title=$4, organization=$5, country=$6, licence=$7, selectors=$8 WHERE id=$1`,
		s.ID, s.Kind, s.URL, s.Title, s.Organization, s.Country, s.Licence, sel)
	if err != nil {
		return mapErr(err, "source "+s.URL)
	}
	if tag.RowsAffected() == 0 {
		return communique.Errorf(communique.ENOTFOUND, "source %d not found", s.ID)
	}
	return nil
}

func (db *DB) RecordPoll(ctx context.Context, id int64, st communique.PollState) error {
	tag, err := db.pool.Exec(ctx, `UPDATE sources SET etag=$2, last_modified=$3, last_fetch=$4, last_success=$5, last_status=$6,
		last_error=$7, consecutive_errors=$8, next_poll=$9::text::timestamptz, interval_seconds=$10, hub_url=$11, topic_url=$12,
		websub_secret=$13, websub_lease_until=$14 WHERE id=$1`,
		id, st.ETag, st.LastModified, nullTime(st.LastFetch), nullTime(st.LastSuccess), st.LastStatus, st.LastError,
		st.ConsecutiveErrors, pollTimeText(st.NextPoll), int64(st.Interval/time.Second), st.HubURL, st.TopicURL,
		st.WebSubSecret, nullTime(st.WebSubLeaseUntil))
	if err != nil {
		return mapErr(err, "source")
	}
	if tag.RowsAffected() == 0 {
		return communique.Errorf(communique.ENOTFOUND, "source %d not found", id)
	}
	return nil
}

func (db *DB) DeleteSource(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `DELETE FROM sources WHERE id=$1`, id)
	if err != nil {
		return mapErr(err, "source")
	}
	if tag.RowsAffected() == 0 {
		return communique.Errorf(communique.ENOTFOUND, "source %d not found", id)
	}
	return nil
}

func (db *DB) Source(ctx context.Context, id int64) (*communique.Source, error) {
	s, err := scanSource(db.pool.QueryRow(ctx, `SELECT `+sourceColumns+` FROM sources s WHERE s.id=$1`, id))
	if err != nil {
		return nil, mapErr(err, "source")
	}
	return s, nil
}

func (db *DB) CountSourceReleases(ctx context.Context, srcs []*communique.Source) error {
	if len(srcs) == 0 {
		return nil
	}
	ids := make([]int64, len(srcs))
	for i, s := range srcs {
		ids[i] = s.ID
	}
	rows, err := db.pool.Query(ctx, `SELECT s.id, `+sourceReleases+` FROM sources s WHERE s.id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	counts := make(map[int64]int, len(srcs))
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		counts[id] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range srcs {
		s.Releases = counts[s.ID]
	}
	return nil
}

func (db *DB) Sources(ctx context.Context) ([]*communique.Source, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+sourceColumns+` FROM sources s ORDER BY s.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*communique.Source
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (db *DB) DueSources(ctx context.Context, now time.Time, limit int) ([]*communique.Source, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+sourceColumns+` FROM sources s WHERE s.next_poll <= $1 ORDER BY s.next_poll, s.id LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*communique.Source
	for rows.Next() {
		s, err := scanSource(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (db *DB) ItemsSeen(ctx context.Context, sourceID int64, items []communique.ItemRef) ([]bool, error) {
	keys, urls := make([]string, len(items)), make([]string, len(items))
	for i, it := range items {
		keys[i], urls[i] = it.Key, it.URL
	}
	// Two lookups per item, so that each uses its index (items_url is
	// partial: only url <> '' proves it applies).
	rows, err := db.pool.Query(ctx, `SELECT EXISTS (SELECT 1 FROM items WHERE source_id = $1 AND key = q.key)
			OR (q.url <> '' AND EXISTS (SELECT 1 FROM items WHERE source_id = $1 AND url = q.url AND url <> ''))
		FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS q(key, url, n) ORDER BY q.n`, sourceID, keys, urls)
	if err != nil {
		return nil, fmt.Errorf("looking up items: %w", err)
	}
	seen, err := pgx.CollectRows(rows, pgx.RowTo[bool])
	if err != nil {
		return nil, fmt.Errorf("looking up items: %w", err)
	}
	return seen, nil
}

func (db *DB) MarkItem(ctx context.Context, sourceID int64, key, url string, releaseID int64) error {
	var rid any
	if releaseID != 0 {
		rid = releaseID
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO items (source_id, key, url, release_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source_id, key) DO UPDATE SET release_id = coalesce(EXCLUDED.release_id, items.release_id), url = EXCLUDED.url`,
		sourceID, key, url, rid)
	return mapErr(err, "item")
}
