package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/communique-news/communique"
)

// sourceReleases counts the releases a source led to: those first seen
// through it, and those its items found already stored (a republisher's
// copy seen first, the originator's feed later).
const sourceReleases = `(SELECT count(*) FROM (SELECT r.id FROM releases r WHERE r.source_id = s.id
			UNION SELECT i.release_id FROM items i WHERE i.source_id = s.id AND i.release_id IS NOT NULL) x)`

const sourceColumns = `s.id, s.kind, s.url, s.title, s.organization, s.country, s.licence, s.selectors, s.created,
	s.etag, s.last_modified, s.last_fetch, s.last_success, s.last_status, s.last_error, s.consecutive_errors,
	s.next_poll, s.interval_seconds, s.hub_url, s.topic_url, s.websub_secret, s.websub_lease_until`

type scanner interface{ Scan(...any) error }

func scanSource(row scanner) (*communique.Source, error) {
	var s communique.Source
	var sel sql.NullString
	var created int64
	var lastFetch, lastSuccess, next, lease sql.NullInt64
	var interval int64
	dest := []any{&s.ID, &s.Kind, &s.URL, &s.Title, &s.Organization, &s.Country, &s.Licence, &sel, &created,
		&s.State.ETag, &s.State.LastModified, &lastFetch, &lastSuccess, &s.State.LastStatus, &s.State.LastError,
		&s.State.ConsecutiveErrors, &next, &interval, &s.State.HubURL, &s.State.TopicURL, &s.State.WebSubSecret, &lease}
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if sel.Valid && sel.String != "" {
		s.Selectors = new(communique.Selectors)
		if err := json.Unmarshal([]byte(sel.String), s.Selectors); err != nil {
			return nil, err
		}
	}
	s.Created = fromMicro(created)
	s.State.LastFetch, s.State.LastSuccess = fromNullMicro(lastFetch), fromNullMicro(lastSuccess)
	s.State.NextPoll, s.State.WebSubLeaseUntil = fromNullMicro(next), fromNullMicro(lease)
	s.State.Interval = time.Duration(interval) * time.Second
	return &s, nil
}

func selectorsJSON(s *communique.Selectors) (any, error) {
	if s == nil {
		return nil, nil
	}
	b, err := json.Marshal(s)
	return string(b), err
}

func validSource(s *communique.Source) error {
	switch {
	case s.URL == "":
		return communique.Errorf(communique.EINVALID, "a source needs a URL")
	case !s.Kind.Valid():
		return communique.Errorf(communique.EINVALID, "source kind %q: want feed, html or sitemap", s.Kind)
	case s.Licence != "" && !s.Licence.Valid():
		return communique.Errorf(communique.EINVALID, "licence %q: want full, summary or link", s.Licence)
	}
	return nil
}

func (db *DB) CreateSource(ctx context.Context, s *communique.Source) error {
	if err := validSource(s); err != nil {
		return err
	}
	sel, err := selectorsJSON(s.Selectors)
	if err != nil {
		return err
	}
	if s.Licence == "" {
		s.Licence = communique.LicenceFull
	}
	if s.Created.IsZero() {
		s.Created = db.now().UTC().Truncate(time.Microsecond)
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO sources (kind, url, title, organization, country, licence, selectors, created, next_poll)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			s.Kind, s.URL, s.Title, s.Organization, s.Country, s.Licence, sel, micro(s.Created), nullMicro(s.State.NextPoll)).Scan(&s.ID)
		return mapErr(err, "source "+s.URL)
	})
}

func (db *DB) UpdateSource(ctx context.Context, s *communique.Source) error {
	if err := validSource(s); err != nil {
		return err
	}
	sel, err := selectorsJSON(s.Selectors)
	if err != nil {
		return err
	}
	if s.Licence == "" {
		s.Licence = communique.LicenceFull
	}
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sources SET kind=?, url=?, title=?, organization=?, country=?, licence=?, selectors=? WHERE id=?`,
			s.Kind, s.URL, s.Title, s.Organization, s.Country, s.Licence, sel, s.ID)
		if err != nil {
			return mapErr(err, "source "+s.URL)
		}
		return affected(res, "source", s.ID)
	})
}

func affected(res sql.Result, what string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return communique.Errorf(communique.ENOTFOUND, "%s %d not found", what, id)
	}
	return nil
}

func (db *DB) RecordPoll(ctx context.Context, id int64, st communique.PollState) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sources SET etag=?, last_modified=?, last_fetch=?, last_success=?, last_status=?,
			last_error=?, consecutive_errors=?, next_poll=?, interval_seconds=?, hub_url=?, topic_url=?, websub_secret=?,
			websub_lease_until=? WHERE id=?`,
			st.ETag, st.LastModified, nullMicro(st.LastFetch), nullMicro(st.LastSuccess), st.LastStatus, st.LastError,
			st.ConsecutiveErrors, nullMicro(st.NextPoll), int64(st.Interval/time.Second), st.HubURL, st.TopicURL,
			st.WebSubSecret, nullMicro(st.WebSubLeaseUntil), id)
		if err != nil {
			return mapErr(err, "source")
		}
		return affected(res, "source", id)
	})
}

func (db *DB) DeleteSource(ctx context.Context, id int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sources WHERE id=?`, id)
		if err != nil {
			return mapErr(err, "source")
		}
		return affected(res, "source", id)
	})
}

func (db *DB) Source(ctx context.Context, id int64) (*communique.Source, error) {
	var s *communique.Source
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		s, err = scanSource(tx.QueryRowContext(ctx, `SELECT `+sourceColumns+` FROM sources s WHERE s.id=?`, id))
		return err
	})
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
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	counts := make(map[int64]int, len(srcs))
	err = db.view(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT s.id, `+sourceReleases+` FROM sources s WHERE s.id IN (SELECT value FROM json_each(?))`, string(list))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			counts[id] = n
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	for _, s := range srcs {
		s.Releases = counts[s.ID]
	}
	return nil
}

func querySources(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]*communique.Source, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
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

func (db *DB) Sources(ctx context.Context) ([]*communique.Source, error) {
	var out []*communique.Source
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = querySources(ctx, tx, `SELECT `+sourceColumns+` FROM sources s ORDER BY s.id`)
		return err
	})
	return out, err
}

func (db *DB) DueSources(ctx context.Context, now time.Time, limit int) ([]*communique.Source, error) {
	if limit <= 0 {
		limit = 100
	}
	var out []*communique.Source
	err := db.view(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = querySources(ctx, tx, `SELECT `+sourceColumns+` FROM sources s
			WHERE coalesce(s.next_poll, -9223372036854775808) <= ? ORDER BY coalesce(s.next_poll, -9223372036854775808), s.id LIMIT ?`,
			micro(now), limit)
		return err
	})
	return out, err
}

func (db *DB) ItemsSeen(ctx context.Context, sourceID int64, items []communique.ItemRef) ([]bool, error) {
	seen := make([]bool, len(items))
	err := db.view(ctx, func(tx *sql.Tx) error {
		for i, it := range items {
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM items WHERE source_id=? AND key=?)
				OR (? <> '' AND EXISTS (SELECT 1 FROM items WHERE source_id=? AND url=? AND url <> ''))`,
				sourceID, it.Key, it.URL, sourceID, it.URL).Scan(&seen[i])
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("looking up items: %w", err)
	}
	return seen, nil
}

func (db *DB) MarkItem(ctx context.Context, sourceID int64, key, url string, releaseID int64) error {
	return db.update(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO items (source_id, key, url, release_id, seen) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (source_id, key) DO UPDATE SET release_id = coalesce(excluded.release_id, items.release_id), url = excluded.url`,
			sourceID, key, url, nullID(releaseID), micro(db.now()))
		return mapErr(err, "item of source")
	})
}
