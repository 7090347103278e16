package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/edit"
	"github.com/communique-news/communique/extract"
)

func init() {
	commands["inspect"] = command{"show what extraction and editing make of pages: communique inspect [--json] FILE_OR_URL...", runInspect}
}

// inspectRecord is one line of `communique inspect --json`.
type inspectRecord struct {
	File          string    `json:"file,omitempty"`
	URL           string    `json:"url"`
	CanonicalURL  string    `json:"canonical_url,omitempty"`
	Title         string    `json:"title"`
	Published     time.Time `json:"published,omitzero"`
	DateEstimated bool      `json:"date_estimated,omitempty"`
	Modified      time.Time `json:"modified,omitzero"`
	Author        string    `json:"author,omitempty"`
	Language      string    `json:"language,omitempty"`
	SiteName      string    `json:"site_name,omitempty"`
	Image         string    `json:"image,omitempty"`
	Lede          string    `json:"lede"`
	Text          string    `json:"text"`
	HTML          string    `json:"html"`
	Originator    string    `json:"originator,omitempty"`
	OriginalURL   string    `json:"original_url,omitempty"`
	Footer        string    `json:"footer,omitempty"`
	WordCount     int       `json:"word_count"`
	ReadingMin    int       `json:"reading_minutes"`
	Error         string    `json:"error,omitempty"`
}

func runInspect(ctx context.Context, e env) error {
	fs := newFlags(e, "inspect", "inspect [--json] [--url URL] [--max-bytes N] FILE_OR_URL...")
	asJSON := fs.Bool("json", false, "print one JSON object per page")
	pageURL := fs.String("url", "", "the URL a FILE was fetched from (default: its canonical URL, else file://)")
	maxBytes := fs.Int64("max-bytes", extract.DefaultMaxBytes, "refuse pages larger than this")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each fetch")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	opts := extract.Options{MaxBytes: *maxBytes}
	client := &http.Client{Timeout: *timeout}
	failed := 0
	for _, arg := range fs.Args() {
		rec := inspectOne(ctx, client, arg, *pageURL, opts)
		if rec.Error != "" {
			failed++
		}
		if *asJSON {
			if err := json.NewEncoder(e.stdout).Encode(rec); err != nil {
				return err
			}
			continue
		}
		printInspect(e.stdout, rec)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d pages could not be read", failed, fs.NArg())
	}
	return nil
}

func inspectOne(ctx context.Context, client *http.Client, arg, pageURL string, opts extract.Options) inspectRecord {
	var rec inspectRecord
	var body []byte
	var err error
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		rec.URL = arg
		body, rec.URL, err = fetchPage(ctx, client, arg, opts.MaxBytes)
	} else {
		rec.File = arg
		rec.URL = pageURL
		if rec.URL == "" {
			abs, _ := filepath.Abs(arg)
			rec.URL = "file://" + filepath.ToSlash(abs)
		}
		body, err = extract.ReadPage(arg)
	}
	if err != nil {
		rec.Error = err.Error()
		return rec
	}
	a, err := extract.Extract(body, rec.URL, opts)
	if err != nil {
		rec.Error = communique.ErrorMessage(err)
		return rec
	}
	if pageURL == "" && rec.File != "" && a.CanonicalURL != "" {
		// A saved page: its own canonical URL says where it lives.
		rec.URL, a.URL = a.CanonicalURL, a.CanonicalURL
	}
	r := edit.Release(a, communique.Item{URL: rec.URL, DateMissing: true}, nil, time.Now())
	rec.CanonicalURL = r.URL
	rec.Title, rec.Author, rec.Language, rec.SiteName, rec.Image = r.Title, r.Author, r.Language, r.SiteName, r.Image
	if !r.DateEstimated {
		rec.Published = r.Published
	}
	rec.DateEstimated = r.DateEstimated
	rec.Modified = r.Modified
	rec.Lede, rec.Text, rec.HTML = r.Lede, r.Text, r.HTML
	rec.Originator, rec.OriginalURL, rec.Footer = a.Originator, a.OriginalURL, a.Footer
	rec.WordCount, rec.ReadingMin = r.WordCount, r.ReadingMinutes()
	return rec
}

// fetchPage is a plain GET with a timeout and a size cap.
func fetchPage(ctx context.Context, client *http.Client, u string, max int64) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, u, err
	}
	req.Header.Set("User-Agent", "Communique-inspect/1 (+https://github.com/communique-news/communique)")
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	resp, err := client.Do(req)
	if err != nil {
		return nil, u, err
	}
	defer resp.Body.Close()
	final := resp.Request.URL.String()
	if resp.StatusCode != http.StatusOK {
		return nil, final, fmt.Errorf("%s: HTTP %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, final, err
	}
	if int64(len(body)) > max {
		return nil, final, communique.Errorf(communique.EINVALID, "page is over the %.1f MB cap", float64(max)/(1<<20))
	}
	return body, final, nil
}

func printInspect(w io.Writer, r inspectRecord) {
	name := r.URL
	if r.File != "" {
		name = r.File
	}
	fmt.Fprintf(w, "== %s\n", name)
	if r.Error != "" {
		fmt.Fprintf(w, "error:      %s\n\n", r.Error)
		return
	}
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-11s %s\n", k+":", v)
		}
	}
	line("title", r.Title)
	line("url", r.CanonicalURL)
	if !r.Published.IsZero() {
		line("published", r.Published.Format(time.RFC3339))
	} else {
		line("published", "(none found)")
	}
	if !r.Modified.IsZero() {
		line("modified", r.Modified.Format(time.RFC3339))
	}
	line("author", r.Author)
	line("language", r.Language)
	line("site", r.SiteName)
	line("originator", r.Originator)
	line("original", r.OriginalURL)
	if r.Footer != "" {
		line("footer", truncate(r.Footer, 100))
	}
	fmt.Fprintf(w, "%-11s %d words, %d min\n", "length:", r.WordCount, r.ReadingMin)
	line("lede", r.Lede)
	fmt.Fprintln(w)
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
