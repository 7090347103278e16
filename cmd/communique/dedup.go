package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/dedup"
	"github.com/communique-news/communique/edit"
	"github.com/communique-news/communique/extract"
)

func init() {
	commands["dedup"] = command{"group local pages into releases, copies and stories: communique dedup [--json] FILE...", runDedup}
}

// dedupGroup is one release with what was found to be the same release.
type dedupGroup struct {
	Release   string   `json:"release"`
	Copies    []string `json:"copies"`
	Revisions []string `json:"revisions,omitempty"`
	Story     int64    `json:"story"`
}

func runDedup(ctx context.Context, e env) error {
	fs := newFlags(e, "dedup", "dedup [--json] FILE...   (.html or .html.gz pages)")
	asJSON := fs.Bool("json", false, "print one JSON object per group")
	if err := parseFlags(fs, e); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	groups, err := dedupFiles(ctx, fs.Args(), time.Now())
	if err != nil {
		return err
	}
	enc := json.NewEncoder(e.stdout)
	for _, g := range groups {
		if *asJSON {
			if err := enc.Encode(g); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(e.stdout, "%s\n", g.Release)
		for _, c := range g.Copies {
			fmt.Fprintf(e.stdout, "  copy      %s\n", c)
		}
		for _, r := range g.Revisions {
			fmt.Fprintf(e.stdout, "  revision  %s\n", r)
		}
		if g.Story != 0 {
			fmt.Fprintf(e.stdout, "  story     %d\n", g.Story)
		}
	}
	return nil
}

// dedupPage is one file read as the pipeline reads a page.
type dedupPage struct {
	file    string
	rel     *communique.Release
	pageURL string // where the page says it lives
}

// dedupFiles runs extract → edit → dedup over local pages in the order
// given, with an in-memory index in place of the store, and returns the
// groups in order of their first file. The first page of a release is its
// release until the originator's page comes (Decide's Repoint).
func dedupFiles(ctx context.Context, files []string, now time.Time) ([]dedupGroup, error) {
	var groups []*dedupGroup
	var rels []*communique.Release // rels[i] is groups[i]'s current release
	byURL := map[string]int{}      // canonical URL (release or copy) → group
	byHash := map[string]int{}
	ix := dedup.NewIndex()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		p, err := readPage(f, now)
		if err != nil {
			return nil, err
		}
		in := p.rel
		var found, hashed *communique.Release
		if g, ok := byURL[communique.CanonicalURL(in.URL)]; ok {
			found = rels[g]
		} else if g, ok := byURL[communique.CanonicalURL(p.pageURL)]; ok {
			found = rels[g]
		}
		if g, ok := byHash[in.ContentHash]; ok {
			hashed = rels[g]
		}
		var similar []*communique.Release
		for _, id := range ix.Near(in.Fingerprint, dedup.MaxDistance) {
			similar = append(similar, rels[id])
		}
		v := dedup.Decide(in, found, hashed, similar)
		switch v.Kind {
		case dedup.New:
			g := len(groups)
			in.ID = int64(g)
			groups = append(groups, &dedupGroup{Release: f, Copies: []string{}})
			rels = append(rels, in)
			ix.Add(in.ID, in.Fingerprint)
			byHash[in.ContentHash] = g
			byURL[communique.CanonicalURL(in.URL)] = g
			byURL[communique.CanonicalURL(p.pageURL)] = g
			continue
		case dedup.Copy:
			g := int(v.Release.ID)
			if v.Repoint {
				grp := groups[g]
				grp.Copies = append(grp.Copies, grp.Release)
				grp.Release = f
				in.ID = int64(g)
				rels[g] = in
				ix.Add(in.ID, in.Fingerprint)
				byHash[in.ContentHash] = g
			} else {
				groups[g].Copies = append(groups[g].Copies, f)
			}
			byURL[communique.CanonicalURL(in.URL)] = g
			byURL[communique.CanonicalURL(p.pageURL)] = g
		case dedup.Revision:
			g := int(v.Release.ID)
			groups[g].Revisions = append(groups[g].Revisions, f)
			in.ID = int64(g)
			rels[g] = in
			ix.Add(in.ID, in.Fingerprint)
			byHash[in.ContentHash] = g
		default: // the same text again
			g := int(v.Release.ID)
			groups[g].Copies = append(groups[g].Copies, f)
		}
	}
	// Stories: groups whose releases are about one event.
	story := make([]int, len(groups)) // union-find parents
	for i := range story {
		story[i] = i
	}
	var root func(int) int
	root = func(i int) int {
		for story[i] != i {
			story[i] = story[story[i]]
			i = story[i]
		}
		return i
	}
	for i := range rels {
		for j := i + 1; j < len(rels); j++ {
			if dedup.SameStory(rels[i], rels[j]) {
				story[root(j)] = root(i)
			}
		}
	}
	size := map[int]int{}
	for i := range groups {
		size[root(i)]++
	}
	ids := map[int]int64{}
	out := make([]dedupGroup, len(groups))
	for i, g := range groups {
		out[i] = *g
		if r := root(i); size[r] > 1 {
			if ids[r] == 0 {
				ids[r] = int64(len(ids) + 1)
			}
			out[i].Story = ids[r]
		}
	}
	return out, nil
}

// maxPageBytes caps what is read of one file, compressed or not.
const maxPageBytes = extract.DefaultMaxBytes

// readPage reads, extracts and edits one local page. Its URL is the
// canonical URL the page declares, else a file: URL.
func readPage(file string, now time.Time) (*dedupPage, error) {
	body, err := readLocal(file)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	pageURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	a, err := extract.Extract(body, pageURL, extract.Options{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if u, err := url.Parse(a.CanonicalURL); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		pageURL = a.CanonicalURL
		if b, err := extract.Extract(body, pageURL, extract.Options{}); err == nil {
			a = b
		}
	}
	// A local page has no source: its publisher is the site it names, else
	// its host's name (nato.int: "nato").
	src := &communique.Source{Organization: a.SiteName, Licence: communique.LicenceFull}
	if src.Organization == "" {
		src.Organization = siteName(pageURL)
	}
	rel := edit.Release(a, communique.Item{URL: pageURL, Title: a.Title, Published: a.Published}, src, now)
	rel.ContentHash = dedup.ContentHash(rel.Text)
	rel.Fingerprint = dedup.Fingerprint(rel.Text, nil)
	return &dedupPage{file: file, rel: rel, pageURL: pageURL}, nil
}

// siteName is the main label of u's host ("nato" for www.nato.int,
// "gov" is skipped in "pmo.gov.iq"), or "".
func siteName(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	labels := strings.Split(strings.TrimPrefix(strings.ToLower(p.Hostname()), "www."), ".")
	for i := len(labels) - 2; i >= 0; i-- {
		switch labels[i] {
		case "gov", "go", "gob", "gouv", "govt", "co", "com", "org", "ac", "edu", "int", "net":
			continue
		}
		return labels[i]
	}
	return ""
}

// readLocal reads a file, gunzipping .gz, refusing more than maxPageBytes.
func readLocal(file string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(file, ".gz") {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(b) > maxPageBytes {
		return nil, communique.Errorf(communique.EINVALID, "%s is over the %d MiB page cap", file, maxPageBytes>>20)
	}
	return b, nil
}
