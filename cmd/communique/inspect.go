package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/edit"
	"github.com/communique-news/communique/enrich"
	"github.com/communique-news/communique/extract"
	"github.com/communique-news/communique/fetch"
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
	// What enrichment finds (issue 7): people, organisations, places,
	// dates; and the countries (ISO codes) and regions they add up to.
	Entities  *communique.Entities `json:"entities,omitempty"`
	Countries []string             `json:"countries,omitempty"`
	Regions   []string             `json:"regions,omitempty"`
	Error     string               `json:"error,omitempty"`
}

func runInspect(ctx context.Context, e env) error {
	fs := newFlags(e, "inspect", "inspect [--json] [--url URL] [--max-bytes N] FILE_OR_URL...")
	asJSON := fs.Bool("json", false, "print one JSON object per page")
	pageURL := fs.String("url", "", "the URL a FILE was fetched from (default: its canonical URL, else file://)")
	maxBytes := fs.Int64("max-bytes", extract.DefaultMaxBytes, "refuse pages larger than this")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout of each fetch")
	allowPrivate := fs.Bool("allow-private-addresses", false, "let the fetcher connect to private, loopback and link-local addresses")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	opts := extract.Options{MaxBytes: *maxBytes}
	// URLs are fetched as the pipeline fetches them: politely and safely.
	client := fetch.New(fetch.Options{MaxBodyBytes: *maxBytes, Timeout: *timeout, AllowPrivate: *allowPrivate})
	enricher, err := enrich.New()
	if err != nil {
		return err
	}
	failed := 0
	for _, arg := range fs.Args() {
		rec := inspectOne(ctx, client, enricher, arg, *pageURL, opts)
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

func inspectOne(ctx context.Context, client *fetch.Client, enricher *enrich.Enricher, arg, pageURL string, opts extract.Options) inspectRecord {
	var rec inspectRecord
	var body []byte
	var err error
	if strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://") {
		rec.URL = arg
		var resp *fetch.Response
		if resp, err = client.Get(ctx, fetch.Request{URL: arg}); err == nil {
			body, rec.URL = resp.Body, resp.URL
		}
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
	if rec.Language == "" {
		rec.Language = enrich.Language(r.Text)
	}
	org := a.Originator
	if org == "" {
		org = a.SiteName
	}
	rec.Entities = enricher.Enrich(enrich.Doc{Title: r.Title, Text: r.Text, Lang: rec.Language, Originator: org})
	rec.Countries, rec.Regions = rec.Entities.Countries, rec.Entities.Regions
	return rec
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
	if e := r.Entities; e != nil {
		var people, orgs, places, dates []string
		for _, p := range e.People {
			people = append(people, strings.TrimSpace(p.Name+" ("+strings.Trim(p.Title+", "+p.Affiliation, ", ")+")"))
		}
		for _, o := range e.Organizations {
			orgs = append(orgs, strings.TrimSpace(o.Name+" "+paren(o.Acronym)))
		}
		for _, p := range e.Places {
			places = append(places, p.Name)
		}
		for _, d := range e.Dates {
			dates = append(dates, d.Text)
		}
		line("people", strings.Join(people, "; "))
		line("orgs", strings.Join(orgs, "; "))
		line("places", strings.Join(places, ", "))
		line("countries", strings.Join(r.Countries, " "))
		line("regions", strings.Join(r.Regions, ", "))
		line("dates", strings.Join(dates, "; "))
	}
	fmt.Fprintln(w)
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
