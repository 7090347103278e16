// Package postgres is the Store on PostgreSQL (pgx), for installations that
// outgrow one machine: any number of web and worker processes share it.
// Search is a weighted tsvector (title > lede > body, accents folded,
// English stemming) with a GIN index, compiled from the same Query as the
// SQLite store.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/communique-news/communique"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key under which migrations run, so that
// processes starting together do not race.
const migrationLock = 0x636f6d6d756e // "commun"

// DefaultMaxConns is the connection pool's size when the URL does not set
// pool_max_conns.
const DefaultMaxConns = 16

// DB is the PostgreSQL store.
type DB struct {
	pool *pgxpool.Pool
	caps caps
	// decisions admits the decisions that hold a connection for their lock:
	// one fewer than the pool's connections. A decision holds its lock's
	// connection while it stores the release through another; with every
	// connection held by a lock, none was left to store, and a worker whose
	// pool_max_conns was at or below its ingest workers stalled until its
	// jobs timed out.
	decisions chan struct{}
	// hist caches the planner's histogram of publication dates (see dates).
	hist struct {
		sync.Mutex
		read   time.Time
		bounds []time.Time
	}
}

var _ communique.Store = (*DB)(nil)

// Open connects to the database at url (postgres://…), applies the embedded
// migrations, and returns the store.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// OpenWorker is Open for a process that only runs queued jobs (serve
// --role worker): its transactions commit without waiting for their WAL
// to reach the disk (synchronous_commit off, unless the URL sets it).
//
// Every write of such a process is redone if lost. PostgreSQL loses
// commits only from the end of its log, in order, and a job is recorded
// done after its writes: a crash of the server that loses a release (or an
// item's mark, or a poll's queued items) loses the record of its job's
// completion (or of the poll's feed state) with it, and the job runs again.
// Waiting for the flush of each release (tens of kilobytes of text, TOAST
// and index entries) and of each of River's own commits held a worker at
// ~184 releases/s on this project's 2-core test machine; without, 200.
// Web processes, which make the writes people ask for, keep the default.
func OpenWorker(ctx context.Context, url string) (*DB, error) {
	cfg, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	if _, set := cfg.ConnConfig.RuntimeParams["synchronous_commit"]; !set {
		cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	}
	return OpenConfig(ctx, cfg)
}

func parseURL(url string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, communique.Errorf(communique.EINVALID, "database URL: %v", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default, max(4, CPUs), is below what one process uses at
		// once: 4 polls, 8 ingests, River's producer and maintenance, and
		// web requests. pool_max_conns in the URL overrides it.
		cfg.MaxConns = max(cfg.MaxConns, DefaultMaxConns)
	}
	return cfg, nil
}

// OpenConfig is Open with a parsed pool configuration (tests set a schema
// through its search_path).
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*DB, error) {
	if _, set := cfg.ConnConfig.RuntimeParams["jit"]; !set {
		// The store's queries are short; the planner's cost estimates for
		// searches of common words made PostgreSQL compile some of them
		// (8 ms of a 30 ms query). jit=on in the URL turns it back on.
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	db := &DB{pool: pool, caps: defaultCaps, decisions: make(chan struct{}, max(1, int(cfg.MaxConns)-1))}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Pool is the connection pool, for River's driver.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// minVersion is the oldest PostgreSQL the store runs on (bit_count, which
// the decision's match uses, came with 14).
const minVersion = 14

// checkVersion refuses a server older than minVersion, given its
// server_version ("15.20 (Debian 15.20-0+deb12u1)", "17beta1").
func checkVersion(v string) error {
	major := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			break
		}
		major = major*10 + int(c-'0')
	}
	if major < minVersion {
		return fmt.Errorf("PostgreSQL %s: Communiqué needs PostgreSQL %d or later", v, minVersion)
	}
	return nil
}

// migrate applies the migrations not yet applied, in name order, each in its
// own transaction, holding a session advisory lock throughout.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Release()
	if err := checkVersion(conn.Conn().PgConn().ParameterStatus("server_version")); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLock)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		var done bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)`, name).Scan(&done); err != nil {
			return err
		}
		if done {
			continue
		}
		sql, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

// tx runs f in one transaction.
func (db *DB) tx(ctx context.Context, f func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, f)
}

// mapErr turns engine errors users can act on into communique errors.
func mapErr(err error, what string) error {
	var pe *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return communique.Errorf(communique.ENOTFOUND, "%s not found", what)
	case errors.As(err, &pe) && pe.Code == "23505":
		return communique.Errorf(communique.ECONFLICT, "%s already exists", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
