package feed

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// TestRealPages runs discovery and listing detection over the shared corpus
// of real article pages: each is sniffed as HTML, and DetectSelectors either
// finds a listing whose selectors read the same items back, or says clearly
// that there is none.
func TestRealPages(t *testing.T) {
	files, _ := filepath.Glob("../../shared/corpus/wcxb-dev-articles/html/*")
	seed, _ := filepath.Glob("../../shared/corpus/seed/*.html")
	if len(files) > 200 {
		files = files[:200] // enough variety; keeps the test quick on a shared machine
	}
	files = append(files, seed...)
	if len(files) == 0 {
		t.Skip("../../shared/corpus is absent: no real pages to run over")
	}
	found := 0
	var slowest time.Duration
	var slowestFile string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if Sniff(b, "text/html; charset=utf-8") != FormatHTML {
			t.Errorf("%s (gzip'd or not) is not sniffed as HTML", f)
		}
		if strings.HasSuffix(f, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if got := Sniff(b, "text/html; charset=utf-8"); got != FormatHTML {
			t.Errorf("%s sniffed as %v", f, got)
		}
		for _, l := range Discover(b, "https://www.example.org/a/page.html") {
			if baseURL(l.URL) == nil || !feedTypes[l.Type] && l.Type != "application/json" {
				t.Errorf("%s: discovered %+v", f, l)
			}
		}
		start := time.Now()
		sel, items, err := DetectSelectors(b, "https://www.example.org/a/page.html", retrieved)
		if d := time.Since(start); d > slowest {
			slowest, slowestFile = d, f
		}
		if err != nil {
			if communique.ErrorCode(err) != communique.EINVALID {
				t.Errorf("%s: %v", f, err)
			}
			continue
		}
		found++
		l, err := ParseListing(b, "https://www.example.org/a/page.html", sel, retrieved)
		if err != nil || len(l.Items) != len(items) {
			t.Errorf("%s: detected %+v, %d items, but ParseListing gives %v", f, sel, len(items), err)
		}
	}
	t.Logf("%d pages, a listing detected on %d; slowest DetectSelectors %v (%s)", len(files), found, slowest, slowestFile)
}
