// Package sqlite is the default Store: one SQLite file (WAL) through
// modernc.org/sqlite, pure Go. Search is an FTS5 index (porter stemming over
// unicode61 with diacritics removed, bm25 with title > lede > body and a mild
// recency boost), compiled from the same Query as the PostgreSQL store.
//
// Writes go through a single connection (SQLite has one writer at a time;
// queueing them in Go is cheaper than busy-waiting in SQLite), reads through
// a pool of read-only connections that WAL lets run beside the writer. Every
// public method is one transaction.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/communique-news/communique"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the SQLite store.
type DB struct {
	write *sql.DB // one connection, BEGIN IMMEDIATE
	read  *sql.DB // read-only pool
	ckpt  *checkpointer
	now   func() time.Time
	caps  caps
}

var _ communique.Store = (*DB)(nil)

// DSN is the data source name (for OpenDB, or database/sql's "sqlite" driver) that
// opens path with the settings this store uses: WAL, a busy timeout,
// foreign keys and synchronous=NORMAL. The pipeline opens River's own
// database with it.
//
// A new database gets 8 KiB pages (SQLite's default is 4 KiB): a release
// with its text is about 16 KiB, and the search index's merges write
// segments of many pages, so half as many pages means half as many page
// writes and b-tree cells. The page size of an existing database does not
// change. The page size must be set before WAL mode, which fixes it:
// modernc runs the _pragma list sorted by name ("journal_mode" before
// "page_size"), so WAL is set by its own key, applied after the list.
func DSN(path string) string {
	v := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "page_size(8192)", "synchronous(NORMAL)"} {
		v.Add("_pragma", p)
	}
	v.Set("_journal_mode", "WAL")
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + v.Encode()
}

// writeCacheKiB is the page cache of the write connection (SQLite's default
// is 2,000 KiB): the search index's merges read back the segments they
// merge, which a small cache sends to the file system every time. With 8 KiB
// pages, bench search indexed a million releases at 1,155/s against 933/s.
const writeCacheKiB = 32 << 10

// Open opens (creating if needed) the store at path and applies the
// embedded migrations not yet applied.
func Open(ctx context.Context, path string) (*DB, error) {
	w, err := OpenDB(DSN(path) + fmt.Sprintf("&_txlock=immediate&_pragma=cache_size(-%d)&_pragma=wal_autocheckpoint(0)", writeCacheKiB))
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	db := &DB{write: w, now: time.Now, caps: caps{count: CountCap, rank: RankCap, facet: FacetCap, df: DFCap}}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	r, err := OpenDB(DSN(path) + "&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	db.read = r
	if db.ckpt, err = startCheckpointer(path); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	db.ckpt.wake() // the migrations' pages
	return db, nil
}

// Close stops the checkpointer and closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.ckpt.close(), db.read.Close(), db.write.Close())
}

// migrate applies the migrations not yet applied, in name order, each in its
// own (immediate, hence exclusive among writers) transaction.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		err := db.update(ctx, func(tx *sql.Tx) error {
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE name = ?`, name).Scan(&done); err != nil || done > 0 {
				return err
			}
			text, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(text)); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations (name, applied) VALUES (?, ?)`, name, time.Now().UnixMicro())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	// A migration that changed what the index holds asks for a reindex.
	return db.update(ctx, func(tx *sql.Tx) error {
		var pending bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM reindex_pending)`).Scan(&pending); err != nil || !pending {
			return err
		}
		return reindex(ctx, tx)
	})
}

// update runs f in one write transaction, then wakes the checkpointer.
func (db *DB) update(ctx context.Context, f func(*sql.Tx) error) error {
	err := inTx(ctx, db.write, nil, f)
	if db.ckpt != nil { // nil while Open migrates
		db.ckpt.wake()
	}
	return err
}

// view runs f in one read transaction (a consistent snapshot).
func (db *DB) view(ctx context.Context, f func(*sql.Tx) error) error {
	return inTx(ctx, db.read, &sql.TxOptions{ReadOnly: true}, f)
}

func inTx(ctx context.Context, d *sql.DB, opts *sql.TxOptions, f func(*sql.Tx) error) error {
	tx, err := d.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// mapErr turns engine errors users can act on into communique errors.
func mapErr(err error, what string) error {
	var se *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return communique.Errorf(communique.ENOTFOUND, "%s not found", what)
	case errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY):
		return communique.Errorf(communique.ECONFLICT, "%s already exists", what)
	case errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return communique.Errorf(communique.ENOTFOUND, "%s refers to something that does not exist", what)
	}
	var ce *communique.Error
	if errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Times are stored as Unix microseconds, UTC; the zero time as NULL.

func micro(t time.Time) int64 { return t.UnixMicro() }

func nullMicro(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicro(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicro(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMicro(v.Int64)
}

// monthOf is YYYYMM of t in UTC.
func monthOf(t time.Time) int {
	t = t.UTC()
	return t.Year()*100 + int(t.Month())
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
