package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/postgres"
	"github.com/communique-news/communique/sqlite"
)

func init() {
	commands["migrate"] = command{"copy an installation to another database: migrate --from sqlite:DIR --to postgres://…", runMigrate}
}

// openStoreURL opens "sqlite:DIR" (the store in a data directory) or a
// postgres:// URL.
func openStoreURL(ctx context.Context, u string) (communique.Store, error) {
	switch {
	case strings.HasPrefix(u, "sqlite:"):
		return sqlite.Open(ctx, filepath.Join(strings.TrimPrefix(u, "sqlite:"), "communique.db"))
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return postgres.Open(ctx, u)
	}
	return nil, fmt.Errorf("%q: want sqlite:DIR or postgres://…", u)
}

func runMigrate(ctx context.Context, e env) error {
	fs := newFlags(e, "migrate", "migrate --from sqlite:DIR --to postgres://…   (resumable: run it again after an interruption)")
	from := fs.String("from", "", "source installation: sqlite:DIR (a data directory) or postgres://…")
	to := fs.String("to", "", "target database: postgres://… or sqlite:DIR")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		fs.Usage()
		return errUsage
	}
	src, err := openStoreURL(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := openStoreURL(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	return migrateStores(ctx, src, dst, func(format string, args ...any) { fmt.Fprintf(e.stdout, format, args...) })
}

// migrateStores copies sources (with their poll state), releases (with their
// revisions replayed in order, and their copies) from src to dst. What dst
// already has (by URL) is kept, so an interrupted copy resumes where it
// stopped. Items are not copied: the first polls after the move find their
// releases already stored by URL and mark them again.
func migrateStores(ctx context.Context, src, dst communique.Store, say func(string, ...any)) error {
	sources, err := src.Sources(ctx)
	if err != nil {
		return err
	}
	existing, err := dst.Sources(ctx)
	if err != nil {
		return err
	}
	byURL := map[string]int64{}
	for _, s := range existing {
		byURL[s.URL] = s.ID
	}
	ids := map[int64]int64{} // source ID in src → in dst
	for _, s := range sources {
		if id, ok := byURL[s.URL]; ok {
			ids[s.ID] = id
			continue
		}
		c := *s
		c.ID = 0
		if err := dst.CreateSource(ctx, &c); err != nil {
			return fmt.Errorf("source %s: %w", s.URL, err)
		}
		if err := dst.RecordPoll(ctx, c.ID, s.State); err != nil {
			return err
		}
		ids[s.ID] = c.ID
	}
	say("sources: %d (%d already there)\n", len(sources), len(existing))

	copied, skipped := 0, 0
	start := time.Now()
	q := communique.Query{Sort: communique.SortDate, Limit: 500}
	for {
		page, err := src.Releases(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range page.Releases {
			if _, err := dst.ReleaseByURL(ctx, r.URL); err == nil {
				skipped++
				continue
			} else if communique.ErrorCode(err) != communique.ENOTFOUND {
				return err
			}
			if err := migrateRelease(ctx, src, dst, r.ID, ids); err != nil {
				return fmt.Errorf("release %s: %w", r.URL, err)
			}
			copied++
			if copied%500 == 0 {
				say("releases: %d copied, %d already there (%.0f/s)\n", copied, skipped, float64(copied)/time.Since(start).Seconds())
			}
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	say("releases: %d copied, %d already there\n", copied, skipped)

	// Verify.
	a, err := src.Releases(ctx, communique.Query{Limit: 1})
	if err != nil {
		return err
	}
	b, err := dst.Releases(ctx, communique.Query{Limit: 1})
	if err != nil {
		return err
	}
	ds, err := dst.Sources(ctx)
	if err != nil {
		return err
	}
	if b.Total < a.Total || len(ds) < len(sources) {
		return fmt.Errorf("verification failed: source has %d releases and %d sources, target %d and %d", a.Total, len(sources), b.Total, len(ds))
	}
	say("verified: %d releases and %d sources in the source; %d and %d in the target\n", a.Total, len(sources), b.Total, len(ds))
	return nil
}

func migrateRelease(ctx context.Context, src, dst communique.Store, id int64, ids map[int64]int64) error {
	r, err := src.Release(ctx, id)
	if err != nil {
		return err
	}
	revs, err := src.Revisions(ctx, id)
	if err != nil {
		return err
	}
	cur := *r
	cur.ID, cur.SourceID = 0, ids[r.SourceID]
	cur.Copies = nil
	// Replay the history: the first revision creates the release, each
	// later one revises it, and the current fields are set last.
	first := cur
	if len(revs) > 0 {
		first.Title, first.HTML, first.Text, first.ContentHash = revs[0].Title, revs[0].HTML, revs[0].Text, revs[0].ContentHash
		first.Updated = revs[0].Retrieved
	}
	if err := dst.CreateRelease(ctx, &first); err != nil {
		return err
	}
	for _, v := range revs[min(1, len(revs)):] {
		step := first
		step.Title, step.HTML, step.Text, step.ContentHash, step.Updated = v.Title, v.HTML, v.Text, v.ContentHash, v.Retrieved
		if err := dst.ReviseRelease(ctx, &step); err != nil {
			return err
		}
	}
	cur.ID = first.ID
	if err := dst.UpdateRelease(ctx, &cur); err != nil {
		return err
	}
	for _, c := range r.Copies {
		c.ID, c.ReleaseID, c.SourceID = 0, cur.ID, ids[c.SourceID]
		if err := dst.AddCopy(ctx, &c); err != nil {
			return err
		}
	}
	return nil
}
