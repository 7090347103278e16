// Package pipeline runs the flow from a source to stored releases: polling a
// source for items, and ingesting each item (fetch the page, extract, edit,
// de-duplicate, enrich, store). The stages are plain functions in their own
// packages; this package calls them in order, and runs them as durable jobs
// in a River queue (jobs.go) so that a crash loses nothing.
package pipeline

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/enrich"
	"github.com/communique-news/communique/extract"
	"github.com/communique-news/communique/fetch"
)

// Fetcher is what the pipeline needs of the HTTP client (fetch.Client).
type Fetcher interface {
	Get(ctx context.Context, r fetch.Request) (*fetch.Response, error)
}

// Pipeline holds what the stages need. All fields but Store and Fetcher are
// optional.
type Pipeline struct {
	Store    communique.Store
	Fetcher  Fetcher
	Enricher *enrich.Enricher // nil: releases are not enriched
	Extract  extract.Options
	Policy   PollPolicy
	Metrics  *Metrics
	Logger   *slog.Logger
	Now      func() time.Time

	// CallbackBase is this installation's public base URL; with it, feeds
	// that advertise a WebSub hub are subscribed to (Poster sends the
	// requests). Without it, every source is polled.
	CallbackBase string
	Poster       Poster

	// MaxListingPages caps how many pages of an HTML listing the first poll
	// follows (default 5); MaxSitemapChildren how many child sitemaps of an
	// index one poll reads (default 20).
	MaxListingPages    int
	MaxSitemapChildren int

	// decide makes the de-duplication step (look up what is stored,
	// decide, write) one at a time in this process when the store is not
	// a DecisionLocker: two ingests of the same release running together
	// (the originator's feed and a republisher's) would each find nothing
	// and both store it.
	decide sync.Mutex
}

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Now().UTC()
}

func (p *Pipeline) logger() *slog.Logger {
	if p.Logger != nil {
		return p.Logger
	}
	return slog.New(slog.DiscardHandler)
}
