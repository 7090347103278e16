package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

func openCached(t testing.TB) *sql.DB {
	t.Helper()
	db, err := OpenDB(DSN(filepath.Join(t.TempDir(), "c.db")))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)`); err != nil {
		t.Fatal(err)
	}
	return db
}

// idle lists the SQL of the statements the (only) connection keeps.
func idle(t *testing.T, db *sql.DB) map[string]bool {
	t.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := map[string]bool{}
	err = c.Raw(func(dc any) error {
		for q := range dc.(*cacheConn).idle {
			got[q] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestStmtCacheReuses(t *testing.T) {
	db := openCached(t)
	const ins = `INSERT INTO t (v) VALUES (?)`
	for i := range 3 {
		if _, err := db.Exec(ins, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if !idle(t, db)[ins] {
		t.Fatalf("the insert is not kept: %v", idle(t, db))
	}
	// A constraint error leaves the statement usable.
	if _, err := db.Exec(ins, "1"); err == nil {
		t.Fatal("duplicate insert succeeded")
	}
	if _, err := db.Exec(ins, "3"); err != nil {
		t.Fatalf("after an error: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE v >= ?`, "0").Scan(&n); err != nil || n != 4 {
		t.Fatalf("count = %d, %v; want 4", n, err)
	}
	// The same count again sees the new row: the statement was reset.
	if _, err := db.Exec(ins, "4"); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM t WHERE v >= ?`, "0").Scan(&n); err != nil || n != 5 {
		t.Fatalf("count = %d, %v; want 5", n, err)
	}
}

// The same SQL run while its rows are still open gets a statement of its
// own, and both read their own results.
func TestStmtCacheNested(t *testing.T) {
	db := openCached(t)
	for _, v := range []string{"a", "b", "c"} {
		if _, err := db.Exec(`INSERT INTO t (v) VALUES (?)`, v); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	const q = `SELECT v FROM t WHERE v >= ? ORDER BY v`
	outer, err := tx.Query(q, "a")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var v string
		if err := outer.Scan(&v); err != nil {
			t.Fatal(err)
		}
		var inner string
		if err := tx.QueryRow(q, v).Scan(&inner); err != nil {
			t.Fatal(err)
		}
		got = append(got, v+inner)
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(got) != "[aa bb cc]" {
		t.Fatalf("got %v, want [aa bb cc]", got)
	}
}

func TestStmtCacheSchemaChange(t *testing.T) {
	db := openCached(t)
	const q = `SELECT * FROM t`
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	rows.Close()
	if _, err := db.Exec(`ALTER TABLE t ADD COLUMN w TEXT`); err != nil {
		t.Fatal(err)
	}
	rows, err = db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := rows.Columns()
	rows.Close()
	if len(cols) != 2 || len(after) != 3 {
		t.Fatalf("columns before %v, after %v: the cached statement did not see the new column", cols, after)
	}
}

func TestStmtCacheBounded(t *testing.T) {
	db := openCached(t)
	for i := range stmtCacheSize + 10 {
		if _, err := db.Exec(fmt.Sprintf(`SELECT %d`, i)); err != nil {
			t.Fatal(err)
		}
	}
	got := idle(t, db)
	if len(got) != stmtCacheSize {
		t.Fatalf("%d statements kept, want %d", len(got), stmtCacheSize)
	}
	if got[`SELECT 0`] || !got[fmt.Sprintf(`SELECT %d`, stmtCacheSize+9)] {
		t.Fatal("the least recently used statements were not the ones closed")
	}
}

func BenchmarkStmtCache(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cached=%v", cached), func(b *testing.B) {
			var db *sql.DB
			if cached {
				db = openCached(b)
			} else {
				var err error
				if db, err = sql.Open("sqlite", DSN(filepath.Join(b.TempDir(), "u.db"))); err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)`); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.Exec(`INSERT INTO t (v) VALUES ('x')`); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				var id int64
				if err := db.QueryRow(`SELECT id FROM t WHERE v = ? AND id > ? ORDER BY id LIMIT 1`, "x", 0).Scan(&id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
