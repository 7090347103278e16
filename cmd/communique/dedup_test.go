package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDedupSeed: the seed's republisher copy and the NATO page form one
// group whose release is the NATO page, in either order.
func TestDedupSeed(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "seed")
	nato, mirage := filepath.Join(dir, "nato-original.html"), filepath.Join(dir, "mirage-copy.html")
	if _, err := os.Stat(nato); err != nil {
		t.Skip("../../../shared/corpus/seed is absent")
	}
	for _, order := range [][]string{{nato, mirage}, {mirage, nato}} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), append([]string{"dedup", "--json"}, order...), &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 1 {
			t.Fatalf("%d groups, want 1:\n%s", len(lines), out.String())
		}
		var g dedupGroup
		if err := json.Unmarshal([]byte(lines[0]), &g); err != nil {
			t.Fatal(err)
		}
		if g.Release != nato || len(g.Copies) != 1 || g.Copies[0] != mirage {
			t.Fatalf("order %v: group %+v, want release %s with copy %s", order, g, nato, mirage)
		}
	}
}

func TestDedupUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"dedup"}, &out, &errb); code != 2 {
		t.Fatalf("no files: exit %d, want 2", code)
	}
	if code := run(context.Background(), []string{"dedup", filepath.Join(t.TempDir(), "missing.html")}, &out, &errb); code != 1 {
		t.Fatalf("missing file: exit %d, want 1", code)
	}
}
