// Package pgtest gives tests the PostgreSQL server they may use: the URL in
// COMMUNIQUE_TEST_POSTGRES (which .ci/run sets), or a skip where it is unset,
// so that a plain go test ./... passes on a machine without one.
package pgtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable that names the test server.
const Env = "COMMUNIQUE_TEST_POSTGRES"

// URL returns the test server's URL, or skips the test where there is none.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(Env)
	if url == "" {
		t.Skip(Env + " is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable); skipping this PostgreSQL test")
	}
	return url
}

// Conn connects to the test server (or skips the test), for statements
// outside any store: making and dropping databases and schemas. It is closed
// when the test ends, after the cleanups the test registers later, which
// may still use it.
func Conn(t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
