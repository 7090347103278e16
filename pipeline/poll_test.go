package pipeline

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/communique-news/communique"
)

func feedItems(o *origin, from, to int, at time.Time) []feedItem {
	var items []feedItem
	for i := from; i < to; i++ {
		items = append(items, feedItem{
			GUID:      fmt.Sprintf("release-%d", i),
			Link:      fmt.Sprintf("%s/news/%d", o.URL, i),
			Title:     fmt.Sprintf("Release number %d", i),
			Published: at.Add(-time.Duration(i) * time.Hour),
		})
	}
	return items
}

func TestPollConditionalGET(t *testing.T) {
	e := newEnv(t, "press.example")
	o := e.origin("press.example")
	o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, 3, e.clock.Now())...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Press"})

	found, src := e.mustPoll(src)
	if len(found) != 3 {
		t.Fatalf("first poll found %d items, want 3: %v", len(found), urls(found))
	}
	if src.State.ETag == "" || src.State.LastStatus != 200 {
		t.Fatalf("state after first poll: %+v", src.State)
	}
	e.mark(src, found)
	etag := src.State.ETag

	e.clock.Add(time.Hour)
	found, src = e.mustPoll(src)
	if len(found) != 0 {
		t.Errorf("second poll found %v", urls(found))
	}
	reqs := o.requests("/feed.xml")
	if got := reqs[len(reqs)-1].Header.Get("If-None-Match"); got != etag {
		t.Errorf("second poll sent If-None-Match %q, want %q", got, etag)
	}
	if src.State.LastStatus != 304 || src.State.ETag != etag {
		t.Errorf("after a 304: status %d, etag %q (want 304, %q)", src.State.LastStatus, src.State.ETag, etag)
	}
	if !src.State.LastSuccess.Equal(e.clock.Now()) || src.State.LastError != "" {
		t.Errorf("a 304 is a success: %+v", src.State)
	}

	// A changed feed is read again; items already seen are not returned.
	o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, 5, e.clock.Now())...))
	e.clock.Add(time.Hour)
	found, src = e.mustPoll(src)
	want := []string{o.URL + "/news/3", o.URL + "/news/4"}
	if got := urls(found); !slices.Equal(got, want) {
		t.Errorf("third poll found %v, want %v", got, want)
	}
	if src.State.ETag == etag {
		t.Error("the new ETag was not kept")
	}
}

func TestPollAdaptiveInterval(t *testing.T) {
	e := newEnv(t, "press.example")
	o := e.origin("press.example")
	e.p.Policy = PollPolicy{Min: 10 * time.Minute, Max: 4 * time.Hour, Initial: time.Hour}
	n := 1
	o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, n, e.clock.Now())...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})

	prev := time.Hour // Initial
	// New items every poll: the interval halves down to Min.
	for i := range 5 {
		found, s := e.mustPoll(src)
		if len(found) == 0 {
			t.Fatalf("poll %d found nothing", i)
		}
		e.mark(s, found)
		want := max(prev/2, 10*time.Minute)
		if s.State.Interval != want || !s.State.NextPoll.Equal(e.clock.Now().Add(want)) {
			t.Fatalf("poll %d with new items: interval %v, next %v; want %v", i, s.State.Interval, s.State.NextPoll, want)
		}
		prev, src = want, s
		n++
		o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, n, e.clock.Now())...))
		e.clock.Add(s.State.Interval)
	}
	if prev != 10*time.Minute {
		t.Fatalf("interval did not reach Min: %v", prev)
	}
	found, src := e.mustPoll(src)
	e.mark(src, found)
	// Nothing new: the interval stretches up to Max.
	prev = src.State.Interval
	for i := range 12 {
		e.clock.Add(prev)
		found, s := e.mustPoll(src)
		if len(found) != 0 {
			t.Fatalf("poll %d found %v", i, urls(found))
		}
		want := min(prev*3/2, 4*time.Hour)
		if d := s.State.Interval - want; d < -time.Second || d > time.Second {
			t.Fatalf("poll %d without new items: interval %v, want %v", i, s.State.Interval, want)
		}
		if s.State.Interval <= prev && prev < 4*time.Hour {
			t.Fatalf("interval did not grow: %v after %v", s.State.Interval, prev)
		}
		prev, src = s.State.Interval, s
	}
	if prev != 4*time.Hour {
		t.Errorf("interval did not reach Max: %v", prev)
	}
}

func TestPollFailureBackoffAndRecovery(t *testing.T) {
	e := newEnv(t, "press.example")
	o := e.origin("press.example")
	e.p.Policy = PollPolicy{Min: 5 * time.Minute, Max: time.Hour}
	o.status("/feed.xml", 500)
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})

	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		found, st, err, s := e.poll(src)
		if err == nil || len(found) != 0 {
			t.Fatalf("poll %d of a failing source: found %d, err %v", i, len(found), err)
		}
		if st.ConsecutiveErrors != i+1 || s.State.ConsecutiveErrors != i+1 {
			t.Errorf("poll %d: %d consecutive errors recorded", i, s.State.ConsecutiveErrors)
		}
		if !strings.Contains(s.State.LastError, "500") || s.State.LastStatus != 500 {
			t.Errorf("poll %d: last error %q, status %d", i, s.State.LastError, s.State.LastStatus)
		}
		if got := s.State.NextPoll.Sub(e.clock.Now()); got != w {
			t.Errorf("poll %d: next poll in %v, want %v", i, got, w)
		}
		if !s.State.LastSuccess.IsZero() {
			t.Errorf("poll %d: a failure recorded a success", i)
		}
		src = s
		e.clock.Add(w)
	}

	o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, 2, e.clock.Now())...))
	found, src := e.mustPoll(src)
	if len(found) != 2 {
		t.Errorf("recovered poll found %d items", len(found))
	}
	if src.State.LastError != "" || src.State.ConsecutiveErrors != 0 || !src.State.LastSuccess.Equal(e.clock.Now()) {
		t.Errorf("state after recovery: %+v", src.State)
	}
}

func TestPollRetryAfter(t *testing.T) {
	e := newEnv(t, "press.example")
	o := e.origin("press.example")
	e.p.Policy = PollPolicy{Min: 5 * time.Minute, Max: 24 * time.Hour}
	o.status("/feed.xml", 503, "Retry-After", "7200")
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})

	_, _, err, src := e.poll(src)
	if err == nil {
		t.Fatal("a 503 was not an error")
	}
	if got := src.State.NextPoll.Sub(e.clock.Now()); got != 2*time.Hour {
		t.Errorf("next poll in %v, want the 2h the server asked for", got)
	}
	hits := o.hit("/feed.xml")

	// Before the time, the client does not even ask.
	e.clock.Add(time.Hour)
	if _, _, err, src = e.poll(src); err == nil {
		t.Fatal("poll before Retry-After succeeded")
	}
	if o.hit("/feed.xml") != hits {
		t.Error("the host was asked again before its Retry-After")
	}
	if src.State.ConsecutiveErrors != 2 || src.State.NextPoll.Before(e.clock.Now().Add(time.Hour)) {
		t.Errorf("state while waiting: %+v", src.State)
	}

	o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, 1, e.clock.Now())...))
	e.clock.Add(time.Hour + time.Second)
	found, src := e.mustPoll(src)
	if len(found) != 1 || src.State.LastError != "" {
		t.Errorf("after the wait: found %d, state %+v", len(found), src.State)
	}
}

func TestPollChangedGUIDsSameLinks(t *testing.T) {
	e := newEnv(t, "press.example")
	o := e.origin("press.example")
	items := feedItems(o, 0, 3, e.clock.Now())
	for i := range items {
		o.article(fmt.Sprintf("/news/%d", i), "Press", items[i].Title, items[i].Published, uint64(100+i))
	}
	o.set("/feed.xml", "application/rss+xml", rss("", "", items...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml", Organization: "Press"})
	found, src := e.mustPoll(src)
	if len(found) != 3 {
		t.Fatalf("found %d", len(found))
	}
	for _, f := range found {
		if out, _ := e.ingest(src, f.Item); out != OutcomeNew {
			t.Fatalf("%s: %s", f.Item.URL, out)
		}
	}

	// The site's new CMS gives every entry a new GUID.
	for i := range items {
		items[i].GUID = fmt.Sprintf("urn:uuid:new-%d", i)
	}
	o.set("/feed.xml", "application/rss+xml", rss("", "", items...))
	e.clock.Add(time.Hour)
	found, src = e.mustPoll(src)
	if len(found) != 0 {
		t.Errorf("the same links under new GUIDs came back: %v", urls(found))
	}

	// And then new GUIDs again, and a tracking parameter on the links:
	// items are compared by canonical URL, so they are still known.
	for i := range items {
		items[i].GUID = fmt.Sprintf("urn:uuid:newer-%d", i)
		items[i].Link += "?utm_source=rss&utm_medium=feed"
	}
	o.set("/feed.xml", "application/rss+xml", rss("", "", items...))
	e.clock.Add(time.Hour)
	found, src = e.mustPoll(src)
	if len(found) != 0 {
		t.Errorf("the same links with a tracking parameter came back: %v", urls(found))
	}
	if n := len(e.releases()); n != 3 {
		t.Errorf("%d releases, want 3", n)
	}
}

func TestPollDuplicateEntriesInOneFeed(t *testing.T) {
	e := newEnv(t, "press.example")
	o := e.origin("press.example")
	items := feedItems(o, 0, 2, e.clock.Now())
	items = append(items, items[0])
	o.set("/feed.xml", "application/rss+xml", rss("", "", items...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})
	found, _ := e.mustPoll(src)
	if len(found) != 2 {
		t.Errorf("an entry listed twice was found twice: %v", urls(found))
	}
}

func TestPollBrokenFeedKeepsValidator(t *testing.T) {
	e := newEnv(t, "press.example")
	o := e.origin("press.example")
	o.set("/feed.xml", "application/rss+xml", rss("", "", feedItems(o, 0, 1, e.clock.Now())...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})
	found, src := e.mustPoll(src)
	e.mark(src, found)
	etag := src.State.ETag

	o.set("/feed.xml", "application/rss+xml", "<rss><channel><item><title>cut off")
	e.clock.Add(time.Hour)
	_, _, err, src := e.poll(src)
	if err == nil {
		t.Fatal("a broken feed was read")
	}
	if src.State.ETag != etag {
		t.Errorf("a failed read replaced the validator: %q", src.State.ETag)
	}
	if src.State.LastError == "" || src.State.ConsecutiveErrors != 1 {
		t.Errorf("the error is not on the source: %+v", src.State)
	}
}
