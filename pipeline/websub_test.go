package pipeline

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/sqlite"
	"github.com/communique-news/communique/websub"
)

// hub is the hub side of WebSub, run in the test: it records subscription
// requests and answers 202; the test then makes it verify and push.
type hub struct {
	mu    sync.Mutex
	forms []url.Values
	lease int // seconds granted
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	h.forms = append(h.forms, r.PostForm)
	h.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

func (h *hub) requests() []url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.forms)
}

// verify calls the subscriber's callback as a hub verifies intent, and
// returns the status and body of the answer.
func (h *hub) verify(t *testing.T, callback, mode, topic, challenge string) (int, string) {
	t.Helper()
	q := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.challenge": {challenge}, "hub.lease_seconds": {strconv.Itoa(h.lease)}}
	sep := "?"
	if strings.Contains(callback, "?") {
		sep = "&"
	}
	resp, err := http.Get(callback + sep + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// push posts content to the callback, signed with secret ("" for no
// signature).
func push(t *testing.T, callback, secret, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, callback, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/rss+xml")
	if secret != "" {
		req.Header.Set("X-Hub-Signature", websub.Sign([]byte(body), secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// openQueue opens an SQLite queue beside the env's store, without workers:
// jobs stay in it for the test to look at.
func (e *env) openQueue(o QueueOptions) (*Queue, *sql.DB) {
	e.t.Helper()
	db, err := sqlite.OpenDB(sqlite.DSN(filepath.Join(e.dir, "queue.db")))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { db.Close() })
	q, err := OpenSQLiteQueue(e.ctx, db, e.p, o)
	if err != nil {
		e.t.Fatal(err)
	}
	return q, db
}

// ingestJobs lists the ingest jobs in the queue.
func ingestJobs(t *testing.T, db *sql.DB) []IngestArgs {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT json(args) FROM river_job WHERE kind = 'ingest' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []IngestArgs
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var a IngestArgs
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatalf("job args %s: %v", raw, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func jobURLs(jobs []IngestArgs) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.Item.URL)
	}
	sort := slices.Clone(out)
	slices.Sort(sort)
	return sort
}

func TestWebSub(t *testing.T) {
	e := newEnv(t, "www.gov.example", "hub.example")
	o, ho := e.origin("www.gov.example"), e.origin("hub.example")
	h := &hub{lease: 5 * 24 * 3600}
	ho.handle("/hub", h)
	e.p.Policy = PollPolicy{Min: 5 * time.Minute, Max: 6 * time.Hour, Initial: 30 * time.Minute}
	e.p.Poster = e.client
	q, db := e.openQueue(QueueOptions{})
	cb := httptest.NewServer(q.WebSubHandler())
	t.Cleanup(cb.Close)
	e.p.CallbackBase = cb.URL + "/"

	self := o.URL + "/feed.xml"
	items := feedItems(o, 0, 2, e.clock.Now())
	for i := range 5 {
		o.article(fmt.Sprintf("/news/%d", i), "Gov", fmt.Sprintf("Release number %d", i), e.clock.Now().Add(-time.Duration(i)*time.Hour), uint64(200+i))
	}
	o.set("/feed.xml", "application/rss+xml", rss(self, ho.URL+"/hub", items...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: self, Organization: "Gov"})
	callback := cb.URL + "/websub/" + strconv.FormatInt(src.ID, 10)

	// The first poll finds the hub and asks for a subscription.
	if err := q.poll(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	forms := h.requests()
	if len(forms) != 1 {
		t.Fatalf("%d subscription requests, want 1", len(forms))
	}
	f := forms[0]
	if f.Get("hub.mode") != "subscribe" || f.Get("hub.topic") != self || f.Get("hub.callback") != callback || f.Get("hub.secret") == "" || f.Get("hub.lease_seconds") == "" {
		t.Fatalf("subscription request %v (callback want %s, topic %s)", f, callback, self)
	}
	secret := f.Get("hub.secret")
	src = e.source(src.ID)
	if src.State.HubURL != ho.URL+"/hub" || src.State.TopicURL != self || src.State.WebSubSecret != secret {
		t.Errorf("state after subscribing: hub %q topic %q secret kept %v", src.State.HubURL, src.State.TopicURL, src.State.WebSubSecret == secret)
	}
	if !src.State.WebSubLeaseUntil.IsZero() {
		t.Error("a lease before the hub verified")
	}
	if got := jobURLs(ingestJobs(t, db)); !slices.Equal(got, wantNews(o, 0, 1)) {
		t.Errorf("poll enqueued %v", got)
	}

	// A verification for another topic is refused; the right one is
	// answered with the challenge, and the lease recorded.
	if code, body := h.verify(t, callback, "subscribe", o.URL+"/other.xml", "c1"); code != http.StatusNotFound || body == "c1" {
		t.Errorf("verification of another topic: %d %q", code, body)
	}
	if code, body := h.verify(t, cb.URL+"/websub/999", "subscribe", self, "c1"); code != http.StatusNotFound {
		t.Errorf("verification for an unknown source: %d %q", code, body)
	}
	if !e.source(src.ID).State.WebSubLeaseUntil.IsZero() {
		t.Fatal("a refused verification recorded a lease")
	}
	if code, body := h.verify(t, callback, "subscribe", self, "challenge-4f2a"); code != http.StatusOK || body != "challenge-4f2a" {
		t.Fatalf("verification: %d %q", code, body)
	}
	src = e.source(src.ID)
	leaseEnd := e.clock.Now().Add(5 * 24 * time.Hour)
	if !src.State.WebSubLeaseUntil.Equal(leaseEnd) {
		t.Fatalf("lease until %v, want %v", src.State.WebSubLeaseUntil, leaseEnd)
	}

	// While subscribed, polling goes on at the slowest rate, without
	// subscribing again.
	e.clock.Add(time.Hour)
	if err := q.poll(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	src = e.source(src.ID)
	if got := src.State.NextPoll.Sub(e.clock.Now()); got != 6*time.Hour {
		t.Errorf("next poll while subscribed in %v, want Policy.Max 6h", got)
	}
	if n := len(h.requests()); n != 1 {
		t.Errorf("subscribed again with most of the lease left (%d requests)", n)
	}

	// A signed push enqueues the new entry, and it is ingested.
	pushed := append(feedItems(o, 2, 3, e.clock.Now()), items...)
	if code := push(t, callback, secret, rss(self, ho.URL+"/hub", pushed...)); code != http.StatusAccepted {
		t.Fatalf("signed push answered %d", code)
	}
	jobs := ingestJobs(t, db)
	if got := jobURLs(jobs); !slices.Equal(got, wantNews(o, 0, 1, 2)) {
		t.Fatalf("after a signed push the queue holds %v", got)
	}
	for _, j := range jobs {
		if j.Item.URL != o.URL+"/news/2" {
			continue
		}
		if j.SourceID != src.ID || j.Key == "" || j.Key != j.Item.Key {
			t.Errorf("job args %+v", j)
		}
		out, rel := e.ingest(src, j.Item)
		if out != OutcomeNew || rel.URL != communique.CanonicalURL(o.URL+"/news/2") {
			t.Errorf("ingesting the pushed entry: %s %+v", out, rel)
		}
	}

	// A push signed with another secret, or not signed, is acknowledged
	// and ignored.
	forged := rss(self, ho.URL+"/hub", feedItems(o, 3, 4, e.clock.Now())...)
	if code := push(t, callback, "not-the-secret", forged); code != http.StatusAccepted {
		t.Errorf("a badly signed push answered %d, want 202", code)
	}
	if code := push(t, callback, "", forged); code != http.StatusAccepted {
		t.Errorf("an unsigned push answered %d, want 202", code)
	}
	if got := jobURLs(ingestJobs(t, db)); !slices.Equal(got, wantNews(o, 0, 1, 2)) {
		t.Errorf("a forged push was enqueued: %v", got)
	}

	// Two days before the lease ends nothing is renewed; within a day of
	// its end, the next poll renews it with the same secret.
	e.clock.Add(leaseEnd.Add(-2 * 24 * time.Hour).Sub(e.clock.Now()))
	if err := q.poll(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(h.requests()); n != 1 {
		t.Errorf("renewed two days before the end (%d requests)", n)
	}
	e.clock.Add(36 * time.Hour)
	if err := q.poll(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	forms = h.requests()
	if len(forms) != 2 || forms[1].Get("hub.mode") != "subscribe" || forms[1].Get("hub.callback") != callback || forms[1].Get("hub.secret") != secret {
		t.Fatalf("renewal: %v", forms)
	}
	if code, body := h.verify(t, callback, "subscribe", self, "renew"); code != http.StatusOK || body != "renew" {
		t.Fatalf("renewal verification: %d %q", code, body)
	}
	if got, want := e.source(src.ID).State.WebSubLeaseUntil, e.clock.Now().Add(5*24*time.Hour); !got.Equal(want) {
		t.Errorf("renewed lease until %v, want %v", got, want)
	}

	// The hub ends the subscription: polling goes back to its own pace.
	if code, _ := h.verify(t, callback, "unsubscribe", self, "bye"); code != http.StatusOK {
		t.Fatalf("unsubscribe verification: %d", code)
	}
	if !e.source(src.ID).State.WebSubLeaseUntil.IsZero() {
		t.Error("lease kept after unsubscribing")
	}
}

func TestWebSubWithoutPublicURLJustPolls(t *testing.T) {
	e := newEnv(t, "www.gov.example", "hub.example")
	o, ho := e.origin("www.gov.example"), e.origin("hub.example")
	h := &hub{lease: 3600}
	ho.handle("/hub", h)
	e.p.Poster = e.client
	e.p.Policy = PollPolicy{Min: 5 * time.Minute, Max: 6 * time.Hour, Initial: 30 * time.Minute}
	q, _ := e.openQueue(QueueOptions{})
	o.set("/feed.xml", "application/rss+xml", rss(o.URL+"/feed.xml", ho.URL+"/hub", feedItems(o, 0, 1, e.clock.Now())...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})
	if err := q.poll(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(h.requests()); n != 0 {
		t.Errorf("subscribed without a public base URL (%d requests)", n)
	}
	src = e.source(src.ID)
	if got := src.State.NextPoll.Sub(e.clock.Now()); got != 15*time.Minute {
		t.Errorf("next poll in %v, want the adaptive 15m", got)
	}
	// A push to a source that never subscribed is refused.
	cb := httptest.NewServer(q.WebSubHandler())
	t.Cleanup(cb.Close)
	if code := push(t, cb.URL+"/websub/"+strconv.FormatInt(src.ID, 10), "x", "<rss/>"); code != http.StatusGone {
		t.Errorf("push without a subscription answered %d, want 410", code)
	}
}

// A hub that verifies at once — before the subscriber has even had its
// answer, as a fast hub's verification can overtake the subscriber's
// bookkeeping — must find the subscription's secret, and the lease it grants
// must survive the end of the poll that subscribed.
func TestWebSubFastHub(t *testing.T) {
	e := newEnv(t, "www.gov.example", "hub.example")
	o, ho := e.origin("www.gov.example"), e.origin("hub.example")
	e.p.Poster = e.client
	e.p.Policy = PollPolicy{Min: 5 * time.Minute, Max: 6 * time.Hour, Initial: 30 * time.Minute}
	q, _ := e.openQueue(QueueOptions{})
	cb := httptest.NewServer(q.WebSubHandler())
	t.Cleanup(cb.Close)
	e.p.CallbackBase = cb.URL

	var mu sync.Mutex
	var verified []string // answers to the hub's verifications
	ho.handle("/hub", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		q := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {r.PostForm.Get("hub.topic")}, "hub.challenge": {"fast"}, "hub.lease_seconds": {"86400"}}
		resp, err := http.Get(r.PostForm.Get("hub.callback") + "?" + q.Encode())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mu.Lock()
		verified = append(verified, fmt.Sprintf("%d %s", resp.StatusCode, b))
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	self := o.URL + "/feed.xml"
	o.set("/feed.xml", "application/rss+xml", rss(self, ho.URL+"/hub", feedItems(o, 0, 1, e.clock.Now())...))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: self})
	if err := q.poll(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got := slices.Clone(verified)
	mu.Unlock()
	if len(got) != 1 || got[0] != "200 fast" {
		t.Fatalf("the hub's verification was answered %q, want [\"200 fast\"]", got)
	}
	st := e.source(src.ID).State
	if want := e.clock.Now().Add(24 * time.Hour); !st.WebSubLeaseUntil.Equal(want) {
		t.Errorf("lease until %v after the poll, want %v", st.WebSubLeaseUntil, want)
	}
	if got := st.NextPoll.Sub(e.clock.Now()); got != 6*time.Hour {
		t.Errorf("next poll in %v, want Policy.Max while subscribed", got)
	}
}

// A hub advertised in the HTTP Link header (not in the feed) is used, with
// the topic the header names.
func TestWebSubHubFromLinkHeader(t *testing.T) {
	e := newEnv(t, "www.gov.example", "hub.example")
	o, ho := e.origin("www.gov.example"), e.origin("hub.example")
	h := &hub{lease: 3600}
	ho.handle("/hub", h)
	e.p.Poster = e.client
	q, _ := e.openQueue(QueueOptions{})
	e.p.CallbackBase = "https://news.example.org/"
	topic := o.URL + "/topic/releases"
	body := rss("", "", feedItems(o, 0, 1, e.clock.Now())...)
	o.handle("/feed.xml", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", fmt.Sprintf(`<%s/hub>; rel="hub", <%s>; rel="self"`, ho.URL, topic))
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, body)
	}))
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})
	if err := q.poll(e.ctx, src.ID); err != nil {
		t.Fatal(err)
	}
	forms := h.requests()
	if len(forms) != 1 || forms[0].Get("hub.topic") != topic || forms[0].Get("hub.callback") != "https://news.example.org/websub/"+strconv.FormatInt(src.ID, 10) {
		t.Fatalf("subscription requests %v", forms)
	}
	if st := e.source(src.ID).State; st.HubURL != ho.URL+"/hub" || st.TopicURL != topic {
		t.Errorf("hub %q, topic %q", st.HubURL, st.TopicURL)
	}
}

// FuzzWebSubPush posts arbitrary bodies to the callback, signed or not:
// the handler never fails, and only a correctly signed body can enqueue
// anything.
func FuzzWebSubPush(f *testing.F) {
	e := newEnv(f, "www.gov.example")
	o := e.origin("www.gov.example")
	q, db := e.openQueue(QueueOptions{})
	src := e.addSource(communique.Source{Kind: communique.KindFeed, URL: o.URL + "/feed.xml"})
	src.State.WebSubSecret = "fuzz-secret"
	src.State.WebSubLeaseUntil = e.clock.Now().Add(time.Hour)
	if err := e.store.RecordPoll(e.ctx, src.ID, src.State); err != nil {
		f.Fatal(err)
	}
	h := q.WebSubHandler()
	path := "/websub/" + strconv.FormatInt(src.ID, 10)
	f.Add([]byte(rss(src.URL, "", feedItems(o, 0, 2, e.clock.Now())...)), true)
	f.Add([]byte(rss(src.URL, "", feedItems(o, 5, 6, e.clock.Now())...)), false)
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"/x"}]}`), true)
	f.Add([]byte("<rss><channel><item><link>"), true)
	f.Fuzz(func(t *testing.T, body []byte, signed bool) {
		var before int
		if err := db.QueryRow(`SELECT count(*) FROM river_job`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
		if signed {
			req.Header.Set("X-Hub-Signature", websub.Sign(body, "fuzz-secret"))
		} else {
			req.Header.Set("X-Hub-Signature", websub.Sign(body, "another-secret"))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusAccepted {
			t.Fatalf("push answered %d", w.Code)
		}
		var after int
		if err := db.QueryRow(`SELECT count(*) FROM river_job`).Scan(&after); err != nil {
			t.Fatal(err)
		}
		if !signed && after != before {
			t.Fatalf("a badly signed push enqueued %d jobs", after-before)
		}
	})
}
