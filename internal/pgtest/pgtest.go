// Package pgtest gives tests the PostgreSQL server they may use: the URL in
// COMMUNIQUE_TEST_POSTGRES (which .ci/run sets), or a skip where it is unset,
// so that a plain go test ./... passes on a machine without one.
package pgtest

import (
	"os"
	"testing"
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
