package web

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// benchStore has n releases of realistic size (a 600-word body).
func benchStore(n int) *fakeStore {
	st := fixture()
	para := "<p>" + strings.Repeat("The Secretary General welcomed the Prime Minister to NATO Headquarters and discussed security in the region. ", 10) + "</p>"
	body := strings.Repeat(para, 6)
	st.releases = st.releases[:0]
	for i := range n {
		st.releases = append(st.releases, &communique.Release{
			ID: int64(i + 1), SourceID: 1, URL: fmt.Sprintf("https://www.nato.int/cps/en/natohq/news_%d.htm", 230000+i),
			Organization: []string{"NATO", "United Nations", "ICRC", "European Central Bank"}[i%4],
			Title:        fmt.Sprintf("Release %d: Secretary General welcomes Prime Minister of Iraq", i),
			Language:     "en", Published: t0.Add(-time.Duration(i) * time.Hour), Retrieved: t0.Add(-time.Duration(i)*time.Hour + time.Minute),
			Updated: t0.Add(-time.Duration(i)*time.Hour + time.Minute), WordCount: 600, Licence: communique.LicenceFull,
			Lede: "Secretary General Mark Rutte welcomed Prime Minister Mohammed Shia' al-Sudani of Iraq to NATO Headquarters on Monday.",
			HTML: body, Text: body,
		})
	}
	return st
}

func benchGet(b *testing.B, path string) {
	ts := newTestSite(b, benchStore(50))
	req := httptest.NewRequest("GET", path, nil)
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
	b.SetBytes(int64(rec.Body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{h: make(http.Header)}
		ts.h.ServeHTTP(w, req)
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmark measures rendering rather than buffer growth.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return io.Discard.Write(p) }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkHomePage renders the home page with 50 releases.
func BenchmarkHomePage(b *testing.B) { benchGet(b, "/") }

// BenchmarkReleasePage renders one release with a 600-word body.
func BenchmarkReleasePage(b *testing.B) { benchGet(b, "/releases/1") }

// BenchmarkFeed renders each feed format with 50 full-text items.
func BenchmarkFeed(b *testing.B) {
	for _, f := range feedFormats {
		b.Run(f.ext, func(b *testing.B) { benchGet(b, "/feed."+f.ext) })
	}
}

// BenchmarkFeedWriters renders the formats alone, without the store or the
// sanitiser, over 50 prepared items.
func BenchmarkFeedWriters(b *testing.B) {
	srv, err := newServer(Config{Store: benchStore(50)})
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/feed.rss", nil)
	res, err := srv.store.Releases(req.Context(), communique.Query{Limit: 50})
	if err != nil {
		b.Fatal(err)
	}
	l, _ := srv.homeListing(req)
	for _, f := range feedFormats {
		fd := srv.buildFeed(req, l, f, res)
		b.Run(f.ext, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f.render(io.Discard, fd); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAPIReleases answers /api/v1/releases with 50 releases.
func BenchmarkAPIReleases(b *testing.B) { benchGet(b, "/api/v1/releases?limit=50") }

// BenchmarkFeedNotModified answers a reader polling an unchanged feed.
func BenchmarkFeedNotModified(b *testing.B) {
	ts := newTestSite(b, benchStore(50))
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.atom", nil))
	req := httptest.NewRequest("GET", "/feed.atom", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{h: make(http.Header)}
		ts.h.ServeHTTP(w, req)
	}
}
