package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/feed"
)

func init() {
	commands["source"] = command{"manage sources: source add|list|remove|test|discover", runSource}
	commands["import"] = command{"subscribe the sources of an OPML file: import FILE.opml", runImport}
	commands["export"] = command{"print the sources as OPML", runExport}
}

// toolFlags are the flags of the commands that work on a data directory
// without serving it.
func toolFlags(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.dataDir, "data", "./data", "data directory")
	fs.BoolVar(&c.allowPrivate, "allow-private-addresses", false, "let the fetcher connect to private, loopback and link-local addresses")
	c.hostDelay = time.Second
	c.logLevel = "warn"
}

// openTool opens a data directory for a command-line tool: the store, the
// pipeline and the queue (to enqueue, not to work).
func openTool(ctx context.Context, cfg config) (*app, error) {
	cfg.adminToken = "-" // tools act as the owner of the data directory
	return openApp(ctx, cfg, os.Stderr)
}

func runSource(ctx context.Context, e env) error {
	if len(e.args) == 0 {
		fmt.Fprintln(e.stderr, "Usage: communique source add|list|remove|test|discover …   (communique source add --help)")
		return errUsage
	}
	sub, rest := e.args[0], env{args: e.args[1:], stdout: e.stdout, stderr: e.stderr}
	switch sub {
	case "add":
		return sourceAdd(ctx, rest)
	case "list":
		return sourceList(ctx, rest)
	case "remove", "rm":
		return sourceRemove(ctx, rest)
	case "test":
		return sourceTest(ctx, rest)
	case "discover":
		return sourceDiscover(ctx, rest)
	case "-h", "--help", "help":
		fmt.Fprintln(e.stdout, "Usage: communique source add|list|remove|test|discover …   (communique source add --help)")
		return nil
	}
	return fmt.Errorf("unknown source command %q (add, list, remove, test, discover)", sub)
}

// sourceFlags binds the flags that describe a source.
func sourceFlags(fs *flag.FlagSet, s *communique.Source, sel *communique.Selectors) {
	fs.StringVar(&s.Organization, "org", "", "originating organisation, e.g. NATO")
	fs.StringVar(&s.Country, "country", "", "ISO 3166 two-letter country of the organisation")
	fs.Func("licence", "what may be republished: full, summary or link (default full)", func(v string) error {
		s.Licence = communique.Licence(v)
		return nil
	})
	fs.Func("kind", "feed, html or sitemap (default: found out from the URL)", func(v string) error {
		s.Kind = communique.SourceKind(v)
		return nil
	})
	fs.StringVar(&sel.Item, "item", "", "html listings: CSS selector of one item (default: detected)")
	fs.StringVar(&sel.Link, "link", "", "html listings: selector of the item's link, within the item")
	fs.StringVar(&sel.Title, "title", "", "html listings: selector of the item's title, within the item")
	fs.StringVar(&sel.Date, "date", "", "html listings: selector of the item's date, within the item")
	fs.StringVar(&sel.Next, "next", "", "html listings: selector of the next-page link")
	fs.IntVar(&sel.MaxPages, "max-pages", 0, "html listings: pages followed on the first poll (default 5)")
}

func withSelectors(s *communique.Source, sel communique.Selectors) {
	if sel != (communique.Selectors{}) {
		if s.Kind == "" {
			s.Kind = communique.KindHTML
		}
		s.Selectors = &sel
	}
}

func sourceAdd(ctx context.Context, e env) error {
	var cfg config
	var s communique.Source
	var sel communique.Selectors
	fs := newFlags(e, "source add", "source add URL [--org NAME] [--country CC] [--licence full|summary|link] [--kind feed|html|sitemap] [--item SEL …]")
	toolFlags(fs, &cfg)
	sourceFlags(fs, &s, &sel)
	args, err := parseArgs(fs, e, 1)
	if err != nil {
		return err
	}
	s.URL = args[0]
	withSelectors(&s, sel)
	a, err := openTool(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.sources.AddSource(ctx, &s); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "added source %d: %s %s (%s)\n", s.ID, s.Kind, s.URL, orDash(s.Organization))
	return nil
}

func sourceList(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags(e, "source list", "source list [--json]")
	toolFlags(fs, &cfg)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseArgs(fs, e, 0); err != nil {
		return err
	}
	a, err := openTool(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	list, err := a.store.Sources(ctx)
	if err == nil {
		err = a.store.CountSourceReleases(ctx, list)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		for _, s := range list {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tORGANISATION\tRELEASES\tLAST SUCCESS\tLAST ERROR\tURL")
	for _, s := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", s.ID, s.Kind, orDash(s.Organization), s.Releases, when(s.State.LastSuccess), orDash(s.State.LastError), s.URL)
	}
	return tw.Flush()
}

func sourceRemove(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags(e, "source remove", "source remove ID   (its releases stay)")
	toolFlags(fs, &cfg)
	args, err := parseArgs(fs, e, 1)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a source ID (communique source list shows them)", args[0])
	}
	a, err := openTool(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.sources.RemoveSource(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed source %d\n", id)
	return nil
}

func sourceTest(ctx context.Context, e env) error {
	var cfg config
	var s communique.Source
	var sel communique.Selectors
	fs := newFlags(e, "source test", "source test URL [--kind feed|html|sitemap] [--item SEL --link SEL --title SEL --date SEL]   (shows what would be taken; stores nothing)")
	toolFlags(fs, &cfg)
	sourceFlags(fs, &s, &sel)
	args, err := parseArgs(fs, e, 1)
	if err != nil {
		return err
	}
	s.URL = args[0]
	withSelectors(&s, sel)
	a, err := openTool(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	items, err := a.sources.Preview(ctx, &s)
	if err != nil {
		return err
	}
	if s.Selectors != nil {
		fmt.Fprintf(e.stdout, "selectors: --item %q --link %q --title %q --date %q --next %q\n", s.Selectors.Item, s.Selectors.Link, s.Selectors.Title, s.Selectors.Date, s.Selectors.Next)
	}
	fmt.Fprintf(e.stdout, "%d items:\n", len(items))
	for _, it := range items {
		date := it.Published.Format("2006-01-02")
		if it.DateMissing {
			date = "(no date)"
		}
		fmt.Fprintf(e.stdout, "  %s  %s\n      %s\n", date, it.Title, it.URL)
	}
	return nil
}

func sourceDiscover(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags(e, "source discover", "source discover URL   (lists the feeds, listings and sitemaps that can follow a site)")
	toolFlags(fs, &cfg)
	args, err := parseArgs(fs, e, 1)
	if err != nil {
		return err
	}
	a, err := openTool(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	cands, err := a.sources.Discover(ctx, args[0])
	if err != nil {
		return err
	}
	if len(cands) == 0 {
		fmt.Fprintln(e.stdout, "nothing found to follow")
	}
	for i, c := range cands {
		fmt.Fprintf(e.stdout, "%d. %-7s %s  %s (%s)\n", i+1, c.Kind, c.URL, c.Title, c.Why)
	}
	return nil
}

func runImport(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags(e, "import", "import FILE.opml")
	toolFlags(fs, &cfg)
	args, err := parseArgs(fs, e, 1)
	if err != nil {
		return err
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	outlines, err := feed.ParseOPML(f)
	if err != nil {
		return err
	}
	a, err := openTool(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	added, failed := 0, 0
	for _, o := range outlines {
		s := &communique.Source{URL: o.XMLURL, Title: o.Title, Organization: o.Organization, Country: o.Country,
			Licence: communique.Licence(o.Licence), Kind: communique.SourceKind(o.Kind), Selectors: o.Selectors}
		if s.Kind == "" {
			s.Kind = communique.KindFeed // an OPML outline is a feed unless it says otherwise
		}
		if err := a.sources.AddSource(ctx, s); err != nil {
			failed++
			fmt.Fprintf(e.stderr, "skipped %s: %s\n", o.XMLURL, communique.ErrorMessage(err))
			continue
		}
		added++
	}
	fmt.Fprintf(e.stdout, "imported %d sources (%d skipped)\n", added, failed)
	return nil
}

func runExport(ctx context.Context, e env) error {
	var cfg config
	fs := newFlags(e, "export", "export > sources.opml")
	toolFlags(fs, &cfg)
	if _, err := parseArgs(fs, e, 0); err != nil {
		return err
	}
	a, err := openTool(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	list, err := a.store.Sources(ctx)
	if err != nil {
		return err
	}
	return feed.WriteOPML(e.stdout, "Communiqué sources", list)
}

// parseArgs parses flags (before or after the positional arguments) and
// checks that there are exactly n positional arguments.
func parseArgs(fs *flag.FlagSet, e env, n int) ([]string, error) {
	var pos []string
	args := e.args
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, args[0])
		args = fs.Args()[1:]
	}
	if len(pos) != n {
		fs.Usage()
		return nil, errUsage
	}
	return pos, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func when(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04")
}
