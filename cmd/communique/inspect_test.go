package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestInspectJSON(t *testing.T) {
	page, err := os.ReadFile("../../../shared/corpus/seed/mirage-copy.html")
	if err != nil {
		t.Skipf("seed corpus not available: %v", err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/copy.html" {
			http.NotFound(w, r)
			return
		}
		w.Write(page)
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := dir + "/copy.html"
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"inspect", "--json", "--allow-private-addresses", file, srv.URL + "/copy.html", srv.URL + "/missing.html"}, &out, &errOut)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one page missing); stderr %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	for i, l := range lines[:2] {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"url", "title", "published", "lede", "text", "html", "originator", "original_url", "word_count", "entities", "countries", "regions"} {
			if _, ok := rec[k]; !ok {
				t.Errorf("line %d lacks %q", i, k)
			}
		}
		if rec["originator"] != "NATO" || rec["original_url"] != "https://www.nato.int/cps/en/natohq/news_237412.htm" {
			t.Errorf("line %d: originator %v original %v", i, rec["originator"], rec["original_url"])
		}
		if strings.Contains(rec["text"].(string), "Public Release") {
			t.Errorf("line %d kept the footer", i)
		}
		if !strings.Contains(l, `"name":"Mark Rutte","title":"Secretary General"`) || !strings.Contains(l, `"IQ"`) {
			t.Errorf("line %d lacks the seed's entities (Mark Rutte, IQ)", i)
		}
	}
	if !strings.Contains(lines[2], `"error"`) {
		t.Errorf("missing page: %s", lines[2])
	}
	// Without the flag, the fetcher refuses loopback addresses.
	out.Reset()
	if code := run(context.Background(), []string{"inspect", "--json", srv.URL + "/copy.html"}, &out, &errOut); code != 1 || !strings.Contains(out.String(), "private") {
		t.Errorf("a loopback URL was fetched without --allow-private-addresses (exit %d): %s", code, out.String())
	}
	// Without --json: a readable summary.
	out.Reset()
	if code := run(context.Background(), []string{"inspect", file}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "originator: NATO") || !strings.Contains(out.String(), "title:") {
		t.Errorf("summary:\n%s", out.String())
	}
}
