package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/search"
	"github.com/communique-news/communique/sqlite"
)

func init() {
	commands["search"] = command{"search the releases: search QUERY [--json] [--limit N] (nato -russia, \"a phrase\", org:NATO, since:7d …)", runSearch}
	commands["reindex"] = command{"rebuild the search index of the store (the data directory's, or --db's)", runReindex}
}

// openExisting opens the store named by --db (a postgres:// URL; the
// default is $COMMUNIQUE_DB) or, without one, the SQLite store of an
// existing data directory (which it does not create).
func openExisting(ctx context.Context, db, dir string) (communique.Store, error) {
	if db != "" {
		return openStoreURL(ctx, db)
	}
	path := filepath.Join(dir, "communique.db")
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("no store at %s: run `communique serve --data %s` first, or pass --data DIR or --db postgres://…", path, dir)
	}
	return sqlite.Open(ctx, path)
}

// searchResult is one release as `search --json` prints it.
type searchResult struct {
	ID           int64     `json:"id"`
	Title        string    `json:"title"`
	URL          string    `json:"url"`
	Organization string    `json:"organization"`
	Language     string    `json:"language,omitempty"`
	Published    time.Time `json:"published"`
	Snippet      string    `json:"snippet,omitempty"`
}

func runSearch(ctx context.Context, e env) error {
	fs := newFlags(e, "search", `search QUERY [--data DIR | --db postgres://…] [--json] [--limit N] [--sort relevance|date] [--facets] [--cursor C]

Quote the query when it has spaces or exclusions: communique search 'al-Sudani -source:gov.uk since:2025-09'
Language: words, "exact phrases", -excluded, OR, (groups), prefix*, title:, org:, source:, country:,
person:, lang:, since: and until: (YYYY-MM-DD, YYYY-MM, or 7d, 2w, 3m, 1y)`)
	dataDir := fs.String("data", "./data", "data directory")
	var c config
	dbFlag(fs, &c)
	asJSON := fs.Bool("json", false, "print the results as JSON")
	limit := fs.Int("limit", 20, "results per page (at most 500)")
	sort := fs.String("sort", "", "relevance or date (default: relevance with words, else date)")
	facets := fs.Bool("facets", false, "also count the results by organisation, country, language and month")
	cursor := fs.String("cursor", "", "continue from the next cursor of a previous search")
	// Flags may come before or after the query's words, and a word may
	// start with - (an exclusion) without being taken for a flag.
	flagArgs, words := splitArgs(fs, e.args)
	if err := parseFlags(fs, env{args: flagArgs, stdout: e.stdout, stderr: e.stderr}); err != nil {
		return err
	}
	words = append(words, fs.Args()...)
	text := strings.Join(words, " ")
	if strings.TrimSpace(text) == "" && *cursor == "" {
		fs.Usage()
		return errUsage
	}
	q, err := search.Parse(text, time.Now())
	if err != nil {
		return fmt.Errorf("%w\n  %s\n  %s^", err, text, strings.Repeat(" ", posOf(err)))
	}
	q.Limit, q.Sort, q.Facets, q.Cursor = *limit, communique.Sort(*sort), *facets, *cursor
	db, err := openExisting(ctx, c.db, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	page, err := db.Releases(ctx, q)
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			Total    int                `json:"total"`
			Next     string             `json:"next,omitempty"`
			Releases []searchResult     `json:"releases"`
			Facets   *communique.Facets `json:"facets,omitempty"`
		}{Total: page.Total, Next: page.Next, Releases: []searchResult{}, Facets: page.Facets}
		for _, r := range page.Releases {
			out.Releases = append(out.Releases, searchResult{ID: r.ID, Title: r.Title, URL: r.URL, Organization: r.Organization,
				Language: r.Language, Published: r.Published, Snippet: page.Snippets[r.ID]})
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	mark := strings.NewReplacer("\x02", "«", "\x03", "»", "\n", " ")
	for _, r := range page.Releases {
		fmt.Fprintf(e.stdout, "%s  %s — %s\n  %s\n", r.Published.Format("2006-01-02"), r.Organization, r.Title, r.URL)
		if s := page.Snippets[r.ID]; s != "" {
			fmt.Fprintf(e.stdout, "  %s\n", mark.Replace(s))
		}
		fmt.Fprintln(e.stdout)
	}
	fmt.Fprintf(e.stdout, "%d of %d releases\n", len(page.Releases), page.Total)
	if page.Facets != nil {
		for _, f := range []struct {
			name string
			fc   []communique.FacetCount
		}{{"organisations", page.Facets.Organizations}, {"countries", page.Facets.Countries}, {"languages", page.Facets.Languages}, {"months", page.Facets.Months}} {
			var parts []string
			for _, c := range f.fc {
				parts = append(parts, fmt.Sprintf("%s (%d)", c.Value, c.Count))
			}
			fmt.Fprintf(e.stdout, "%s: %s\n", f.name, strings.Join(parts, ", "))
		}
	}
	if page.Next != "" {
		fmt.Fprintf(e.stdout, "more: --cursor %s\n", page.Next)
	}
	return nil
}

// splitArgs separates the flags fs defines (with their values) from the
// other arguments; everything after "--" is an argument.
func splitArgs(fs *flag.FlagSet, args []string) (flags, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(rest, args[i+1:]...)
		}
		name, hasValue := strings.TrimLeft(a, "-"), false
		if n, _, ok := strings.Cut(name, "="); ok {
			name, hasValue = n, true
		}
		f := fs.Lookup(name)
		if !strings.HasPrefix(a, "-") || f == nil {
			if a == "-h" || a == "-help" || a == "--help" {
				flags = append(flags, a)
				continue
			}
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); (!ok || !b.IsBoolFlag()) && !hasValue && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, rest
}

// posOf is the position a query error points at, 0 if none.
func posOf(err error) int {
	if p, ok := err.(interface{ Position() int }); ok {
		return p.Position()
	}
	return 0
}

func runReindex(ctx context.Context, e env) error {
	fs := newFlags(e, "reindex", "reindex [--data DIR | --db postgres://…]   (rebuilds the full-text and entity indexes from the stored releases)")
	dataDir := fs.String("data", "./data", "data directory")
	var c config
	dbFlag(fs, &c)
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	db, err := openExisting(ctx, c.db, *dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	if err := db.Reindex(ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reindexed in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}
