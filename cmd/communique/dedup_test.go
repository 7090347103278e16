package main

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
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

// TestDedupStory renders the story releases of dedup/testdata as pages and
// checks that NATO's and the Iraqi government's releases about one meeting
// get one story ID, and the other releases none.
func TestDedupStory(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "dedup", "testdata", "stories.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		ID, Story, Organization, URL, Title, Text string
		Published                                 string
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	story := map[string]string{}
	for _, c := range cases {
		var page strings.Builder
		page.WriteString("<!doctype html><html lang=en><head><meta charset=utf-8><title>" + html.EscapeString(c.Title) + "</title>")
		page.WriteString(`<link rel="canonical" href="` + html.EscapeString(c.URL) + `">`)
		page.WriteString(`<meta property="og:site_name" content="` + html.EscapeString(c.Organization) + `">`)
		page.WriteString(`<meta property="article:published_time" content="` + c.Published + `"></head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav><main><article><h1>` + html.EscapeString(c.Title) + "</h1>")
		for _, p := range strings.Split(c.Text, "\n\n") {
			page.WriteString("<p>" + html.EscapeString(p) + "</p>")
		}
		page.WriteString("</article></main><footer>© " + html.EscapeString(c.Organization) + "</footer></body></html>")
		f := filepath.Join(dir, c.ID+".html")
		if err := os.WriteFile(f, []byte(page.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		story[f] = c.Story
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), append([]string{"dedup", "--json"}, files...), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	ids := map[string]int64{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var g dedupGroup
		if err := json.Unmarshal([]byte(line), &g); err != nil {
			t.Fatal(err)
		}
		if len(g.Copies) != 0 {
			t.Errorf("%s has copies %v: different releases were merged", g.Release, g.Copies)
		}
		ids[g.Release] = g.Story
	}
	if len(ids) != len(files) {
		t.Fatalf("%d groups for %d different releases:\n%s", len(ids), len(files), out.String())
	}
	for _, a := range files {
		for _, b := range files {
			if a >= b {
				continue
			}
			same := story[a] != "" && story[a] == story[b]
			if got := ids[a] != 0 && ids[a] == ids[b]; got != same {
				t.Errorf("%s (story %d) and %s (story %d): same story %v, want %v", filepath.Base(a), ids[a], filepath.Base(b), ids[b], got, same)
			}
		}
	}
}
