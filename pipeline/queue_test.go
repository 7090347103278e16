package pipeline

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

// waitFor checks cond until it holds, failing the test if it has not after
// a generous bound (a safety net for a stuck queue, not a timing check).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func stopQueue(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Errorf("stopping the queue: %v", err)
	}
}

func TestQueueEndToEnd(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	now := e.clock.Now()
	items := feedItems(o, 0, 3, now)
	for i, it := range items {
		o.article(fmt.Sprintf("/news/%d", i), "Gov", it.Title, it.Published, uint64(300+i))
	}
	o.set("/feed.xml", "application/rss+xml", rss("", "", items...))
	o.set("/sitemap.xml", "application/xml", urlset(smURL{Loc: o.URL + "/news/9", NewsPub: now, Title: "Only in the sitemap"}))
	o.article("/news/9", "Gov", "Only in the sitemap", now, 309)
	feedSrc := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})
	smSrc := e.addSource(communique.Source{Kind: communique.KindSitemap, URL: o.URL + "/sitemap.xml", Organization: "Gov"})

	q, _ := e.openQueue(QueueOptions{Work: true, FetchPollInterval: 20 * time.Millisecond, ScheduleEvery: 100 * time.Millisecond, PollWorkers: 1, IngestWorkers: 2})
	if err := q.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "four releases", func() bool { return len(e.releases()) >= 4 })
	// Once both sources have been polled and recorded, nothing is due
	// (the test clock does not move): the queue empties.
	waitFor(t, "an idle queue", func() bool {
		c, err := q.Counts(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c["available"]+c["running"]+c["retryable"]+c["scheduled"] == 0 && c["completed"] >= 6
	})
	stopQueue(t, q)

	rels := e.releases()
	if len(rels) != 4 {
		t.Errorf("%d releases, want 4", len(rels))
	}
	for _, s := range []*communique.Source{feedSrc, smSrc} {
		st := e.source(s.ID)
		if st.State.LastSuccess.IsZero() || !st.State.NextPoll.After(now) || st.State.LastError != "" {
			t.Errorf("source %s state %+v", s.URL, st.State)
		}
	}
	if n := o.hit("/feed.xml"); n != 1 {
		t.Errorf("the feed was polled %d times while the clock stood still", n)
	}
	for i := range 3 {
		if n := o.hit(fmt.Sprintf("/news/%d", i)); n != 1 {
			t.Errorf("page %d fetched %d times", i, n)
		}
		if seen, _ := e.seen(feedSrc.ID, "guid:"+items[i].GUID, ""); !seen {
			t.Errorf("item %d not marked", i)
		}
	}
}

func TestQueueResumesInterruptedJobs(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	url := o.article("/news/1", "Gov", "Harbour reopens", e.clock.Now(), 401)
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})
	src.State.NextPoll = e.clock.Now().Add(24 * time.Hour) // not due: only the ingest job runs
	if err := e.store.RecordPoll(e.ctx, src.ID, src.State); err != nil {
		t.Fatal(err)
	}

	// A process enqueued an ingest and died while running it.
	q, db := e.openQueue(QueueOptions{})
	it := communique.Item{Key: "url:" + url, URL: url, Title: "Harbour reopens", Published: e.clock.Now()}
	if err := q.insert(e.ctx, IngestArgs{SourceID: src.ID, Key: it.Key, Item: it}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(e.ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = CURRENT_TIMESTAMP WHERE kind = 'ingest'`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	q, _ = e.openQueue(QueueOptions{Work: true, FetchPollInterval: 20 * time.Millisecond, ScheduleEvery: time.Hour})
	if err := q.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the interrupted ingest", func() bool { return len(e.releases()) == 1 })
	stopQueue(t, q)
	if r := e.releases(); len(r) != 1 || r[0].URL != communique.CanonicalURL(url) {
		t.Errorf("releases after resuming: %+v", r)
	}
}
