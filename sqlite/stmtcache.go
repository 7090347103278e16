package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"

	"modernc.org/sqlite"
)

// stmtCacheSize bounds the statements a connection keeps prepared. The
// store's fixed statements and River's number well under a hundred; search
// statements, built per query, come and go through the least recently used
// slots.
const stmtCacheSize = 128

// OpenDB opens dsn (see DSN) through modernc.org/sqlite with a statement
// cache on every connection.
//
// database/sql keeps no statements of its own: every Query and Exec on a
// modernc connection parses and plans its SQL again, and SQLite's parser was
// a fifth of the CPU of an ingest (bench ingest --cpuprofile), half of it
// River's. A cached statement is reused by the next call with the same SQL
// on the same connection once the previous one's rows are closed; SQLite
// re-prepares it by itself should the schema change.
func OpenDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(cacheConnector{c}), nil
}

type cacheConnector struct{ driver.Connector }

func (c cacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	// modernc's connections implement all of these; a driver that did not
	// would make every statement fail rather than run uncached.
	if _, ok := conn.(interface {
		driver.ConnPrepareContext
		driver.ConnBeginTx
		driver.ExecerContext
		driver.QueryerContext
		driver.Pinger
		driver.SessionResetter
		driver.Validator
	}); !ok {
		conn.Close()
		return nil, fmt.Errorf("sqlite driver connection %T lacks an interface the statement cache needs", conn)
	}
	return &cacheConn{Conn: conn, idle: map[string]*cachedStmt{}}, nil
}

// cacheConn is a connection with its idle prepared statements. database/sql
// never uses one connection from two goroutines at once, rows included, so
// it needs no lock.
type cacheConn struct {
	driver.Conn
	idle map[string]*cachedStmt // prepared and not in use, by SQL
	tick uint64                 // use counter, for least recently used
}

type cachedStmt struct {
	s    driver.Stmt
	used uint64
}

// take returns the idle statement for query, prepared if there is none.
// While the caller uses it, it is out of the cache: the same SQL run again
// before it is given back (rows of a query still open) gets its own.
func (c *cacheConn) take(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.idle[query]; ok {
		delete(c.idle, query)
		return cs, nil
	}
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &cachedStmt{s: s}, nil
}

// give puts a statement back, closing the least recently used one if the
// cache is full, or cs itself if its SQL already has an idle statement.
func (c *cacheConn) give(query string, cs *cachedStmt) {
	if _, dup := c.idle[query]; dup {
		cs.s.Close()
		return
	}
	if len(c.idle) >= stmtCacheSize {
		var oldest string
		var at uint64
		first := true
		for q, o := range c.idle {
			if first || o.used < at {
				oldest, at, first = q, o.used, false
			}
		}
		c.idle[oldest].s.Close()
		delete(c.idle, oldest)
	}
	c.tick++
	cs.used = c.tick
	c.idle[query] = cs
}

func (c *cacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	r, err := cs.s.(driver.StmtExecContext).ExecContext(ctx, args)
	c.give(query, cs) // reset by the driver, error or not
	return r, err
}

func (c *cacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := cs.s.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.give(query, cs)
		return nil, err
	}
	return &cacheRows{Rows: rows, done: func() { c.give(query, cs) }}, nil
}

func (c *cacheConn) Close() error {
	for q, cs := range c.idle {
		cs.s.Close()
		delete(c.idle, q)
	}
	return c.Conn.Close()
}

func (c *cacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cacheConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cacheConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cacheConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// cacheRows gives its statement back when closed (closing resets it) and
// passes on the column type information of the driver's rows.
type cacheRows struct {
	driver.Rows
	done func()
}

func (r *cacheRows) Close() error {
	err := r.Rows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}

func (r *cacheRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cacheRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cacheRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cacheRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cacheRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
