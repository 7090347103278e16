package pipeline

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/communique-news/communique"
)

func ingestJob(src *communique.Source, it communique.Item, attempt int) *river.Job[IngestArgs] {
	return &river.Job[IngestArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: 5}, Args: IngestArgs{SourceID: src.ID, Key: it.Key, Item: it}}
}

func TestIngestWorker(t *testing.T) {
	e := newEnv(t, "www.gov.example", "busy.example")
	// The fetch client's clock and the worker's snooze both read real
	// time here: set the test clock to now.
	e.clock.Add(time.Since(e.clock.Now()))
	o, busy := e.origin("www.gov.example"), e.origin("busy.example")
	q, _ := e.openQueue(QueueOptions{})
	w := &ingestWorker{q: q}
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Gov"})

	// The host asks to wait: the job is snoozed for that long, without
	// spending an attempt.
	busy.status("/news/1", 429, "Retry-After", "3600")
	it := communique.Item{Key: "guid:1", URL: busy.URL + "/news/1", Title: "Ports reopen", Published: e.clock.Now(),
		Summary: "The ports reopen on Monday after the storm, the ministry of transport announced today."}
	err := w.Work(e.ctx, ingestJob(src, it, 1))
	var snooze *rivertype.JobSnoozeError
	if !errors.As(err, &snooze) || snooze.Duration < 50*time.Minute || snooze.Duration > time.Hour {
		t.Errorf("a 429 with Retry-After 3600: %v, want a snooze of about an hour", err)
	}

	// A server error is retried; on the last attempt the feed's content
	// is used.
	o2 := "/news/2"
	o.status(o2, 502)
	it2 := communique.Item{Key: "guid:2", URL: o.URL + o2, Title: "Bridge closed", Published: e.clock.Now(),
		Summary: "The old bridge over the river is closed to heavy lorries from tomorrow for inspection."}
	if err := w.Work(e.ctx, ingestJob(src, it2, 1)); err == nil || errors.As(err, &snooze) {
		t.Errorf("a 502 on the first attempt: %v, want an error to retry", err)
	}
	if err := w.Work(e.ctx, ingestJob(src, it2, 5)); err != nil {
		t.Fatalf("last attempt: %v", err)
	}
	rels := e.releases()
	if len(rels) != 1 || !rels[0].Fallback {
		t.Errorf("after the last attempt: %d releases", len(rels))
	}

	// A job for a source that was removed is cancelled, not retried.
	if err := e.store.DeleteSource(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	var cancel *rivertype.JobCancelError
	if err := w.Work(e.ctx, ingestJob(src, it2, 1)); !errors.As(err, &cancel) {
		t.Errorf("ingest for a removed source: %v, want a cancellation", err)
	}
	if err := (&pollWorker{q: q}).Work(e.ctx, &river.Job[PollArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: PollArgs{SourceID: src.ID}}); !errors.As(err, &cancel) {
		t.Errorf("poll of a removed source: %v, want a cancellation", err)
	}
}

func TestScheduleDue(t *testing.T) {
	e := newEnv(t, "www.gov.example")
	o := e.origin("www.gov.example")
	q, db := e.openQueue(QueueOptions{})
	due := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/a.xml"})
	later := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/b.xml"})
	later.State.NextPoll = e.clock.Now().Add(time.Hour)
	if err := e.store.RecordPoll(e.ctx, later.ID, later.State); err != nil {
		t.Fatal(err)
	}
	pollJobs := func() map[int64]int {
		rows, err := db.QueryContext(e.ctx, `SELECT json_extract(json(args), '$.source_id') FROM river_job WHERE kind = 'poll'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int64]int{}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			out[id]++
		}
		return out
	}
	// Scheduling twice while the first poll waits enqueues it once.
	for range 2 {
		if err := q.ScheduleDue(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := pollJobs(); got[due.ID] != 1 || got[later.ID] != 0 {
		t.Errorf("poll jobs by source: %v (due %d, later %d)", got, due.ID, later.ID)
	}
	// PollNow makes a source due at once.
	if err := q.PollNow(e.ctx, later.ID); err != nil {
		t.Fatal(err)
	}
	if got := pollJobs(); got[later.ID] != 1 {
		t.Errorf("PollNow: %v", got)
	}
	if st := e.source(later.ID).State; st.NextPoll.After(e.clock.Now()) {
		t.Errorf("PollNow left the next poll at %v", st.NextPoll)
	}
}

// pollThreeItems polls a feed of three new items once, through the poll job,
// with ingests spread by spread, and returns the queue's database. The test
// clock is set to now: River compares scheduled times with real time.
func pollThreeItems(t *testing.T, spread time.Duration) (*env, *sql.DB) {
	e := newEnv(t, "www.gov.example")
	e.clock.Add(time.Since(e.clock.Now()))
	o := e.origin("www.gov.example")
	o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, 3, e.clock.Now())...))
	q, db := e.openQueue(QueueOptions{SpreadIngest: spread})
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})
	if err := (&pollWorker{q: q}).Work(e.ctx, &river.Job[PollArgs]{JobRow: &rivertype.JobRow{Attempt: 1}, Args: PollArgs{SourceID: src.ID}}); err != nil {
		t.Fatal(err)
	}
	return e, db
}

// ingestOffsets returns the offset of each ingest job's scheduled time from
// the first's, in unit, and the states the jobs are in.
func ingestOffsets(t *testing.T, db *sql.DB, unit time.Duration) (offsets []int, states map[string]int) {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT CAST(round((julianday(scheduled_at) - julianday(min(scheduled_at) OVER ())) * 86400e6) AS INTEGER), state
		FROM river_job WHERE kind = 'ingest' ORDER BY scheduled_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	states = map[string]int{}
	for rows.Next() {
		var us int64
		var state string
		if err := rows.Scan(&us, &state); err != nil {
			t.Fatal(err)
		}
		offsets = append(offsets, int((time.Duration(us)*time.Microsecond+unit/2)/unit))
		states[state]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return offsets, states
}

// The ingest jobs of one poll are due the host delay apart, so that one
// feed's items do not hold every worker waiting on one host. They are
// queued available, not scheduled: River's scheduler would make them
// available only every 5 s.
func TestPollSpreadsIngests(t *testing.T) {
	e, db := pollThreeItems(t, 2*time.Second)
	offsets, states := ingestOffsets(t, db, time.Second)
	if fmt.Sprint(offsets) != "[0 2 4]" || states["available"] != 3 {
		t.Errorf("ingest jobs due at offsets %v s, in states %v; want [0 2 4], all 3 available", offsets, states)
	}
	// The job kind's own options (its queue, uniqueness) still hold.
	var other int
	if err := db.QueryRowContext(e.ctx, `SELECT count(*) FROM river_job WHERE kind = 'ingest' AND (queue <> ? OR unique_key IS NULL)`, QueueIngest).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if other != 0 {
		t.Errorf("%d spread ingest jobs lost their queue or uniqueness", other)
	}
}

// With no host delay, a poll's items are still MinSpread apart, so that the
// items of polls that end together interleave in the queue.
func TestPollSpreadsIngestsWithoutDelay(t *testing.T) {
	_, db := pollThreeItems(t, 0)
	offsets, states := ingestOffsets(t, db, time.Millisecond)
	want := fmt.Sprint([]int{0, int(MinSpread / time.Millisecond), int(2 * MinSpread / time.Millisecond)})
	if fmt.Sprint(offsets) != want || states["available"] != 3 {
		t.Errorf("no delay: ingest jobs due at offsets %v ms, in states %v; want %s, all 3 available", offsets, states, want)
	}
}

// A worker takes a spread ingest job only when it is due, although it is
// queued available: the first of a poll's items is ingested at once, the
// next two (due in an hour and in two) wait. The worker's first look for
// jobs, made before the first release is stored, has room for all three.
func TestSpreadIngestsWaitUntilDue(t *testing.T) {
	e, db := pollThreeItems(t, time.Hour)
	q, _ := e.openQueue(QueueOptions{Work: true, FetchPollInterval: 20 * time.Millisecond, ScheduleEvery: time.Hour, IngestWorkers: 3})
	if err := q.Start(e.ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first item's release", func() bool { return len(e.releases()) >= 1 })
	stopQueue(t, q)
	var attempted int
	if err := db.QueryRowContext(e.ctx, `SELECT count(*) FROM river_job WHERE kind = 'ingest' AND attempt > 0`).Scan(&attempted); err != nil {
		t.Fatal(err)
	}
	if n := len(e.releases()); n != 1 || attempted != 1 {
		t.Errorf("%d releases, %d ingest jobs attempted; want the first item's only", n, attempted)
	}
}

// Ingest slots are refilled within ingestCooldown of freeing, whatever the
// client's cooldown, and never later than the client's own: River's default
// 100 ms would hold a worker's eight slots to about eighty jobs a second.
func TestIngestQueueCooldown(t *testing.T) {
	for _, c := range []struct{ client, want time.Duration }{
		{river.FetchCooldownDefault, ingestCooldown},
		{5 * time.Millisecond, 5 * time.Millisecond},
	} {
		qs := queues(QueueOptions{}, c.client)
		if got := qs[QueueIngest].FetchCooldown; got != c.want {
			t.Errorf("client cooldown %v: ingest queue cooldown %v, want %v", c.client, got, c.want)
		}
		if got := qs[QueuePoll].FetchCooldown; got != 0 {
			t.Errorf("client cooldown %v: poll queue cooldown %v, want the client's", c.client, got)
		}
	}
	// River checks every queue's cooldown against the poll interval: a
	// worker polling every 5 ms must still start.
	e := newEnv(t)
	e.openQueue(QueueOptions{Work: true, FetchPollInterval: 5 * time.Millisecond})
}
