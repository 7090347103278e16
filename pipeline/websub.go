package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/feed"
	"github.com/communique-news/communique/fetch"
	"github.com/communique-news/communique/websub"
)

// WebSub: where a feed advertises a hub and this installation has a public
// base URL, the pipeline subscribes, and the hub pushes new entries to
// /websub/{source id}. Polling goes on at the slowest rate as a safety net.

// Lease asked of hubs; subscriptions are renewed a day before they end.
const (
	webSubLease = 10 * 24 * time.Hour
	webSubRenew = 24 * time.Hour
)

// Poster is what WebSub subscription needs of the HTTP client (fetch.Client).
type Poster interface {
	Post(ctx context.Context, url, contentType string, body []byte) (*fetch.Response, error)
}

type formPoster struct{ p Poster }

// PostForm posts a form; a hub's refusal is a status, not an error.
func (f formPoster) PostForm(ctx context.Context, u string, form url.Values) (int, []byte, error) {
	resp, err := f.p.Post(ctx, u, "application/x-www-form-urlencoded", []byte(form.Encode()))
	var fe *fetch.Error
	if errors.As(err, &fe) && fe.Kind == fetch.KindStatus {
		return fe.Status, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	return resp.Status, resp.Body, nil
}

// subscribe (re)subscribes src to its hub when it has one and the lease is
// missing or about to end. It changes st; the caller records it.
func (q *Queue) subscribe(ctx context.Context, src *communique.Source, st *communique.PollState) {
	p := q.p
	if p.CallbackBase == "" || p.Poster == nil || st.HubURL == "" || src.Kind != communique.KindFeed {
		return
	}
	now := p.now()
	if !st.WebSubLeaseUntil.IsZero() && st.WebSubLeaseUntil.Sub(now) > webSubRenew {
		return
	}
	if st.WebSubSecret == "" {
		st.WebSubSecret = websub.NewSecret()
	}
	topic := st.TopicURL
	if topic == "" {
		topic = src.URL
	}
	// The hub may verify before this poll's state is recorded: the stored
	// state must know the secret and topic first (only those: the poll's
	// validators wait until its items are queued).
	if cur, err := p.Store.Source(ctx, src.ID); err == nil && (cur.State.WebSubSecret != st.WebSubSecret || cur.State.TopicURL != st.TopicURL) {
		cs := cur.State
		cs.WebSubSecret, cs.HubURL, cs.TopicURL = st.WebSubSecret, st.HubURL, st.TopicURL
		if err := p.Store.RecordPoll(ctx, src.ID, cs); err != nil {
			p.logger().Warn("websub subscription not requested", "source", src.ID, "err", err)
			return
		}
	}
	err := websub.Subscribe(ctx, formPoster{p.Poster}, websub.Request{
		Hub: st.HubURL, Topic: topic, Secret: st.WebSubSecret, Lease: webSubLease,
		Callback: strings.TrimRight(p.CallbackBase, "/") + "/websub/" + strconv.FormatInt(src.ID, 10),
	})
	if err != nil {
		p.logger().Warn("websub subscription failed; polling instead", "source", src.ID, "hub", st.HubURL, "err", err)
		return
	}
	p.logger().Info("websub subscription requested", "source", src.ID, "hub", st.HubURL)
}

// WebSubHandler serves the callbacks: GET for the hub's verification of
// intent, POST for pushed content. Mount it at /websub/.
func (q *Queue) WebSubHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/websub/"), 10, 64)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		src, err := q.p.Store.Source(r.Context(), id)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		switch r.Method {
		case http.MethodGet:
			q.verify(w, r, src)
		case http.MethodPost:
			q.push(w, r, src)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

func (q *Queue) verify(w http.ResponseWriter, r *http.Request, src *communique.Source) {
	v, err := websub.ParseVerification(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	st := src.State
	topic := st.TopicURL
	if topic == "" {
		topic = src.URL
	}
	switch {
	case v.Mode == "denied":
		st.WebSubLeaseUntil = time.Time{}
		q.p.logger().Warn("websub subscription denied", "source", src.ID, "reason", v.Reason)
	case v.Topic != topic || st.WebSubSecret == "":
		http.Error(w, "unknown topic", http.StatusNotFound)
		return
	case v.Mode == "subscribe":
		lease := v.Lease
		if lease <= 0 {
			lease = webSubLease
		}
		st.WebSubLeaseUntil = q.p.now().Add(lease)
	case v.Mode == "unsubscribe":
		st.WebSubLeaseUntil = time.Time{}
	}
	if err := q.p.Store.RecordPoll(r.Context(), src.ID, st); err != nil {
		http.Error(w, "could not record the subscription", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	io.WriteString(w, v.Challenge)
}

// push takes content a hub sent. A push whose signature does not match is
// ignored but acknowledged, as WebSub asks, so that a forger learns nothing.
func (q *Queue) push(w http.ResponseWriter, r *http.Request, src *communique.Source) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	if err != nil {
		http.Error(w, "could not read the body", http.StatusBadRequest)
		return
	}
	if src.State.WebSubSecret == "" {
		http.Error(w, "not subscribed", http.StatusGone)
		return
	}
	if err := websub.CheckSignature(r.Header.Get("X-Hub-Signature"), body, src.State.WebSubSecret); err != nil {
		q.p.logger().Warn("websub push ignored", "source", src.ID, "err", err)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	n, err := q.enqueueFeed(r.Context(), src, body, r.Header.Get("Content-Location"))
	if err != nil {
		q.p.logger().Warn("websub push not read", "source", src.ID, "err", err)
	} else {
		q.p.logger().Info("websub push", "source", src.ID, "new", n)
	}
	w.WriteHeader(http.StatusAccepted)
}

// enqueueFeed reads a pushed feed document and enqueues its unseen items.
func (q *Queue) enqueueFeed(ctx context.Context, src *communique.Source, body []byte, base string) (int, error) {
	if base == "" {
		base = src.URL
	}
	f, err := feed.Parse(body, base, q.p.now())
	if err != nil {
		return 0, fmt.Errorf("reading the pushed feed: %w", err)
	}
	all, seen, err := q.p.itemsSeen(ctx, src.ID, f.Items)
	if err != nil {
		return 0, err
	}
	var items []communique.Item
	for i, it := range all {
		if !seen[i] {
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return 0, nil
	}
	return len(items), q.enqueueIngests(ctx, src.ID, items)
}
