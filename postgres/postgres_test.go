package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/communique-news/communique"
	"github.com/communique-news/communique/internal/pgtest"
	"github.com/communique-news/communique/storetest"
)

// testDB opens a store in a schema of its own, dropped when the test ends,
// so that tests (and test packages) never see each other's rows.
func testDB(t testing.TB) *DB {
	t.Helper()
	db, err := OpenConfig(context.Background(), testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testSchema makes an empty schema, dropped when the test ends (after the
// test's own cleanups), and returns a pool configuration that works in it.
func testSchema(t testing.TB) *pgxpool.Config {
	t.Helper()
	url := pgtest.URL(t)
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	return cfg
}

func TestMigrationsTwice(t *testing.T) {
	db := testDB(t)
	if err := db.migrate(context.Background()); err != nil {
		t.Fatalf("migrating an up-to-date database: %v", err)
	}
}

func TestHostLimiterLease(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	l := &HostLimiter{DB: db, Delay: time.Hour}
	if ok, _, err := l.try(ctx, "a.example", 1, time.Hour); !ok || err != nil {
		t.Fatalf("a free host: %v %v", ok, err)
	}
	// While the request runs, nobody else gets the host, and the wait is
	// unknown (0: poll).
	if ok, wait, err := l.try(ctx, "a.example", 2, time.Hour); ok || wait != 0 || err != nil {
		t.Fatalf("a busy host: %v %v %v", ok, wait, err)
	}
	// Another host is not blocked.
	if ok, _, err := l.try(ctx, "b.example", 3, time.Hour); !ok || err != nil {
		t.Fatalf("another host: %v %v", ok, err)
	}
	// Only the holder ends the request; then the delay runs.
	l.release("a.example", 2)
	if ok, _, _ := l.try(ctx, "a.example", 4, time.Hour); ok {
		t.Fatal("a release by a non-holder freed the host")
	}
	l.release("a.example", 1)
	ok, wait, err := l.try(ctx, "a.example", 5, time.Hour)
	if ok || err != nil || wait < 59*time.Minute || wait > time.Hour {
		t.Fatalf("after a request, the host must wait its delay: %v %v %v", ok, wait, err)
	}
	// A holder that dies frees its host when the lease runs out.
	if ok, _, err := l.try(ctx, "c.example", 6, time.Microsecond); !ok || err != nil {
		t.Fatalf("c.example: %v %v", ok, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for ok := false; !ok; {
		if ok, _, err = l.try(ctx, "c.example", 7, time.Hour); err != nil {
			t.Fatal(err)
		}
		if !ok && time.Now().After(deadline) {
			t.Fatal("an expired lease still holds its host")
		}
	}
}

func TestHostLimiterSerialises(t *testing.T) {
	for _, hold := range []time.Duration{-1, DefaultHold} {
		t.Run(fmt.Sprint("hold ", hold), func(t *testing.T) { testHostLimiterSerialises(t, hold) })
	}
}

func testHostLimiterSerialises(t *testing.T, hold time.Duration) {
	db := testDB(t)
	ctx := context.Background()
	// Two limiters, as two worker processes would have, on one database.
	ls := []*HostLimiter{{DB: db, Hold: hold}, {DB: db, Hold: hold}}
	var inFlight atomic.Int32
	var overlap atomic.Bool
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				release, err := ls[g%2].Acquire(ctx, "a.example")
				if err != nil {
					t.Error(err)
					return
				}
				if inFlight.Add(1) > 1 {
					overlap.Store(true)
				}
				time.Sleep(time.Millisecond) // a request's worth of holding, so that overlaps would show
				inFlight.Add(-1)
				release()
			}
		}()
	}
	wg.Wait()
	if overlap.Load() {
		t.Error("two requests to one host ran at once")
	}
	for i, l := range ls {
		if n := len(l.hosts); n != 0 {
			t.Errorf("limiter %d still tracks %d hosts when no request runs", i, n)
		}
	}
	var holder int64
	if err := db.pool.QueryRow(ctx, `SELECT holder FROM hosts WHERE host = 'a.example'`).Scan(&holder); err != nil || holder != 0 {
		t.Errorf("after the last request the host is held by %d (%v)", holder, err)
	}
}

// waitFor waits until n requests of l wait for host's turn.
func waitFor(t *testing.T, l *HostLimiter, host string, n int) {
	t.Helper()
	for {
		l.mu.Lock()
		h := l.hosts[host]
		got := h != nil && h.waiting == n
		l.mu.Unlock()
		if got {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// A request that ends while another of its process waits for the host
// passes the lease on without a round trip; the last one gives it back.
// With Hold negative, each request takes the lease from the database.
func TestHostLimiterPassesLease(t *testing.T) {
	db, st := tracedDB(t)
	ctx := context.Background()
	holder := func() int64 {
		var h int64
		if err := db.pool.QueryRow(ctx, `SELECT holder FROM hosts WHERE host = 'a.example'`).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, c := range []struct {
		hold time.Duration
		want int32 // statements from the first request's end to the second's
	}{{DefaultHold, 0}, {-1, 2}} {
		l := &HostLimiter{DB: db, Hold: c.hold}
		first, err := l.Acquire(ctx, "a.example")
		if err != nil {
			t.Fatal(err)
		}
		held := holder()
		got := make(chan func(), 1)
		go func() {
			second, err := l.Acquire(ctx, "a.example")
			if err != nil {
				t.Error(err)
			}
			got <- second
		}()
		waitFor(t, l, "a.example", 1)
		st.n.Store(0)
		first()
		second := <-got
		if n := st.n.Load(); n != c.want {
			t.Errorf("hold %v: %d statements to pass the host on, want %d", c.hold, n, c.want)
		}
		if h := holder(); (h == held) != (c.want == 0) || h == 0 {
			t.Errorf("hold %v: the second request runs with holder %d, the first's %d", c.hold, h, held)
		}
		st.n.Store(0)
		second()
		if n := st.n.Load(); n != 1 {
			t.Errorf("hold %v: the last request's end sent %d statements, want 1", c.hold, n)
		}
		if h := holder(); h != 0 {
			t.Errorf("hold %v: after the last request the host is held by %d", c.hold, h)
		}
	}
}

// A waiter whose context ends gives its turn up; when the lease had been
// passed on to it, it gives the lease back, so that the host is not kept
// from other processes until the lease runs out.
func TestHostLimiterGiveUp(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	l := &HostLimiter{DB: db}
	other := &HostLimiter{DB: db}
	first, err := l.Acquire(ctx, "a.example")
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := l.Acquire(wctx, "a.example")
		done <- err
	}()
	waitFor(t, l, "a.example", 1)
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a waiter whose context ended got the host")
	}
	first()
	if ok, _, err := other.try(ctx, "a.example", 99, time.Hour); !ok || err != nil {
		t.Fatalf("after a waiter gave up and the request ended, another process cannot take the host: %v %v", ok, err)
	}
	other.release("a.example", 99)

	// The lease passed on to a waiter that then gives up (the order a race
	// between its turn and its context may take).
	token, err := l.take(ctx, "a.example")
	if err != nil {
		t.Fatal(err)
	}
	h := &hostTurn{turn: make(chan struct{}, 1), waiting: 1, held: true, token: token, since: time.Now()}
	l.hosts["a.example"] = h
	l.giveUp("a.example", h)
	if ok, _, err := other.try(ctx, "a.example", 98, time.Hour); !ok || err != nil {
		t.Fatalf("a lease passed on to a waiter that gave up still holds the host: %v %v", ok, err)
	}
	if len(l.hosts) != 0 {
		t.Errorf("the limiter still tracks %d hosts", len(l.hosts))
	}
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) communique.Store { return testDB(t) })
}

func TestCreateReleases(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	var rs []*communique.Release
	for i := range 50 {
		rs = append(rs, &communique.Release{URL: "https://a.example/" + strconv.Itoa(i), Title: "Release " + strconv.Itoa(i), Text: "security council meets", Licence: communique.LicenceFull})
	}
	rs[9].Entities = &communique.Entities{People: []communique.Person{{Name: "Mark Rutte"}}}
	if err := db.CreateReleases(ctx, rs); err != nil {
		t.Fatal(err)
	}
	page, err := db.Releases(ctx, communique.Query{Text: &communique.Node{Op: communique.OpTerm, Text: "council"}, Limit: 1})
	if err != nil || page.Total != 50 {
		t.Fatalf("after CreateReleases: %d found, %v", page.Total, err)
	}
	page, err = db.Releases(ctx, communique.Query{Text: &communique.Node{Op: communique.OpField, Field: "person", Text: "Mark Rutte"}, Limit: 5})
	if err != nil || len(page.Releases) != 1 || page.Releases[0].ID != rs[9].ID {
		t.Errorf("a bulk-loaded release's entities: %v, %v", page, err)
	}
	if revs, err := db.Revisions(ctx, rs[7].ID); err != nil || len(revs) != 1 {
		t.Errorf("revisions of a bulk-loaded release: %v %v", revs, err)
	}
	// All or nothing: a duplicate URL in the batch stores none of it.
	dup := []*communique.Release{{URL: "https://b.example/1", Licence: communique.LicenceFull}, {URL: "https://a.example/3", Licence: communique.LicenceFull}}
	if err := db.CreateReleases(ctx, dup); communique.ErrorCode(err) != communique.ECONFLICT {
		t.Errorf("duplicate in a batch: %v", err)
	}
	if _, err := db.ReleaseByURL(ctx, "https://b.example/1"); communique.ErrorCode(err) != communique.ENOTFOUND {
		t.Errorf("a failed batch left a release behind: %v", err)
	}
}

// BenchmarkHostLimiter is one request's politeness round trips on a free
// host: take the lease, give it back.
func BenchmarkHostLimiter(b *testing.B) {
	db := testDB(b)
	l := &HostLimiter{DB: db}
	ctx := context.Background()
	for b.Loop() {
		release, err := l.Acquire(ctx, "a.example")
		if err != nil {
			b.Fatal(err)
		}
		release()
	}
}

// A worker process commits without waiting for the WAL flush; the others,
// and a URL that says otherwise, keep PostgreSQL's default.
func TestOpenWorkerAsynchronousCommit(t *testing.T) {
	cfg := testSchema(t)
	base := pgtest.URL(t)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	base += sep + "search_path=" + url.QueryEscape(cfg.ConnConfig.RuntimeParams["search_path"])
	ctx := context.Background()
	for _, c := range []struct {
		name string
		open func(context.Context, string) (*DB, error)
		url  string
		want string
	}{
		{"Open", Open, base, "on"},
		{"OpenWorker", OpenWorker, base, "off"},
		{"OpenWorker with synchronous_commit in the URL", OpenWorker, base + "&synchronous_commit=on", "on"},
	} {
		db, err := c.open(ctx, c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got string
		err = db.pool.QueryRow(ctx, `SHOW synchronous_commit`).Scan(&got)
		db.Close()
		if err != nil || got != c.want {
			t.Errorf("%s: synchronous_commit %q (%v), want %q", c.name, got, err, c.want)
		}
	}
}

// roundTrips counts the statements a pool sends (BEGIN and COMMIT
// included), a batch as one.
type roundTrips struct{ n atomic.Int32 }

func (s *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.n.Add(1)
	return ctx
}

func (s *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	s.n.Add(1)
	return ctx
}

func (s *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (s *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// tracedDB is a store in a schema of its own whose statements are counted.
func tracedDB(t *testing.T) (*DB, *roundTrips) {
	t.Helper()
	cfg := testSchema(t)
	st := &roundTrips{}
	cfg.ConnConfig.Tracer = st
	db, err := OpenConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, st
}

// Round trips are what an ingest costs on PostgreSQL (ARCHITECTURE.md):
// storing a new release with its entities is one statement, and so are a
// look at a host another worker holds, looking up the items of a feed, and
// taking a decision's lock with its match.
func TestRoundTrips(t *testing.T) {
	db, st := tracedDB(t)
	ctx := context.Background()
	r := &communique.Release{URL: "https://a.example/1", Title: "Visit", Text: "The Secretary General visited Baghdad.", Licence: communique.LicenceFull,
		Entities: &communique.Entities{People: []communique.Person{{Name: "Mark Rutte"}}, Countries: []string{"IQ"}}}
	st.n.Store(0)
	if err := db.CreateRelease(ctx, r); err != nil {
		t.Fatal(err)
	}
	if n := st.n.Load(); n != 1 {
		t.Errorf("CreateRelease with entities sent %d statements, want 1", n)
	}
	l := &HostLimiter{DB: db}
	if ok, _, err := l.try(ctx, "a.example", 1, time.Hour); !ok || err != nil {
		t.Fatalf("a free host: %v %v", ok, err)
	}
	st.n.Store(0)
	if ok, _, err := l.try(ctx, "a.example", 2, time.Hour); ok || err != nil {
		t.Fatalf("a busy host: %v %v", ok, err)
	}
	if n := st.n.Load(); n != 1 {
		t.Errorf("a look at a busy host sent %d statements, want 1", n)
	}
	src := &communique.Source{Kind: communique.KindFeed, URL: "https://a.example/feed", Licence: communique.LicenceFull}
	if err := db.CreateSource(ctx, src); err != nil {
		t.Fatal(err)
	}
	st.n.Store(0)
	if _, err := db.ItemsSeen(ctx, src.ID, []communique.ItemRef{{Key: "1"}, {Key: "2", URL: "https://a.example/2"}, {Key: "3"}}); err != nil {
		t.Fatal(err)
	}
	if n := st.n.Load(); n != 1 {
		t.Errorf("looking up a feed's three items sent %d statements, want 1", n)
	}
	q := communique.MatchQuery{URLs: []string{r.URL, "https://b.example/2"}, Hash: "h", Fingerprint: r.Fingerprint, MaxDistance: 3}
	for i := range 2 { // the first on a connection also prepares the statements
		st.n.Store(0)
		unlock, m, err := db.LockDecision(ctx, []string{"url " + r.URL}, q)
		if err != nil {
			t.Fatal(err)
		}
		if n := st.n.Load(); i == 1 && n != 1 {
			t.Errorf("a decision's lock and match took %d round trips, want 1", n)
		}
		unlock()
		if m.ByURL[0] == nil || m.ByURL[0].ID != r.ID || len(m.Similar) != 1 {
			t.Errorf("the decision matched %+v, want release %d by URL and as similar", m, r.ID)
		}
	}
}

func TestCheckVersion(t *testing.T) {
	for v, ok := range map[string]bool{
		"15.20 (Debian 15.20-0+deb12u1)": true,
		"14.0":                           true,
		"17beta1":                        true,
		"13.16":                          false,
		"9.6.24":                         false,
		"":                               false,
	} {
		if err := checkVersion(v); (err == nil) != ok {
			t.Errorf("checkVersion(%q) = %v, want ok %v", v, err, ok)
		}
	}
}

// explain runs an EXPLAIN statement and returns its plan as text.
func explain(t *testing.T, db *DB, statement string, args ...any) string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), statement, args...)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
}
