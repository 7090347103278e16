package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/communique-news/communique"
)

// Bounds on the work of one query (as the SQLite store has): Total is exact
// up to CountCap matches and -1 beyond; relevance ranks the newest RankCap
// matches; facets count the newest FacetCap.
//
// Counting visits each match's row of release_search (2-10 µs at a million
// releases, from shared buffers or the operating system's cache); the
// words' posting lists, which every look at the matches reads again, cost
// more: 25 ms for a word in a fifth of the releases. A query with up to
// CountCap matches is answered in one look that counts them all and keeps
// the newest (see countUpTo); at 2,000 a word with an organisation filter
// (3,000 matches) counted, failed, and took two more looks through windows
// of dates, 120-190 ms instead of 50. CountCap is the SQLite store's.
// Facets of a larger result set are a sample of its newest 2,000 matches,
// which Total -1 says.
const (
	CountCap = 10000
	RankCap  = 1000
	FacetCap = 2000
)

// WindowFactor is how many times the releases a query needs the first
// window of newest releases holds, and how much each next window grows
// (see matcher.newest).
const WindowFactor = 16

// RecheckCap bounds the releases whose text vector a query re-reads. The
// GIN index answers words exactly, but not a phrase (it knows which
// releases have the words, not where), a title: restriction (nor which
// field) or an exclusion (a filter, not an index lookup): for those each
// candidate's vector is read from TOAST, ~50 µs at a million releases. A
// query with more candidates than RecheckCap is not counted (Total -1) and,
// by relevance, ranks the matches among the newest RecheckCap candidates.
// By date it stays exact, and takes the time its matches take to find.
const RecheckCap = 1000

// caps are the bounds in force (tests lower them).
type caps struct{ count, rank, facet, window, recheck int }

var defaultCaps = caps{count: CountCap, rank: RankCap, facet: FacetCap, window: WindowFactor, recheck: RecheckCap}

// compiler turns a Query into SQL over release_search r, with numbered
// arguments.
type compiler struct {
	args []any
	rank []leaf // the positive text leaves, for ranking and snippets
	// recheck is set when the index alone cannot decide a match (see
	// RecheckCap).
	recheck bool
	// loose compiles the candidates instead: a phrase as its words, a
	// title: restriction as the words anywhere, an exclusion as nothing
	// excluded. The index alone decides them.
	loose bool
}

// leaf is a tsquery constructor (with %s for its argument) and its argument.
type leaf struct{ fn, arg string }

// tsquery is the OR of the positive leaves, with their arguments added to c.
func (c *compiler) tsquery(leaves []leaf) string {
	parts := make([]string, len(leaves))
	for i, l := range leaves {
		parts[i] = fmt.Sprintf(l.fn, c.arg(l.arg))
	}
	return strings.Join(parts, " || ")
}

func (c *compiler) arg(v any) string {
	c.args = append(c.args, v)
	return "$" + strconv.Itoa(len(c.args))
}

// tokens splits text into the words the tsvector sees.
func tokens(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// lexquery builds to_tsquery text for words restricted to the title weight,
// joined by op ("<->" for a phrase, "&" for words).
func lexquery(words []string, op, suffix string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = "'" + strings.ReplaceAll(w, "'", "''") + "'" + suffix
	}
	return strings.Join(parts, " "+op+" ")
}

func (c *compiler) node(n *communique.Node, negated bool) (string, error) {
	switch n.Op {
	case communique.OpAnd, communique.OpOr:
		if len(n.Children) == 0 {
			return "TRUE", nil
		}
		parts := make([]string, 0, len(n.Children))
		for _, ch := range n.Children {
			p, err := c.node(ch, negated)
			if err != nil {
				return "", err
			}
			parts = append(parts, p)
		}
		op := " AND "
		if n.Op == communique.OpOr {
			op = " OR "
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case communique.OpNot:
		if len(n.Children) != 1 {
			return "", communique.Errorf(communique.EINVALID, "NOT takes one operand")
		}
		p, err := c.node(n.Children[0], !negated)
		if err != nil {
			return "", err
		}
		return "(NOT " + p + ")", nil
	case communique.OpTerm, communique.OpPhrase, communique.OpPrefix:
		return c.text(n, negated)
	case communique.OpField:
		return c.field(n)
	}
	return "", communique.Errorf(communique.EINVALID, "unknown query node %d", n.Op)
}

func (c *compiler) text(n *communique.Node, negated bool) (string, error) {
	words := tokens(n.Text)
	if len(words) == 0 {
		return "TRUE", nil
	}
	if negated {
		c.recheck = true
		if c.loose {
			return "FALSE", nil // under its NOT: nothing excluded
		}
	}
	var l leaf
	switch {
	case c.loose && n.Op == communique.OpPrefix:
		l = leaf{"to_tsquery('english', communique_fold(%s))", lexquery(words, "&", ":*")}
	case c.loose && (n.Field == "title" || n.Op == communique.OpPhrase):
		l = leaf{"plainto_tsquery('english', communique_fold(%s))", n.Text}
	case n.Op == communique.OpPrefix:
		suffix := ":*"
		if n.Field == "title" {
			suffix = ":*A"
		}
		l = leaf{"to_tsquery('english', communique_fold(%s))", lexquery(words, "<->", suffix)}
	case n.Field == "title":
		op := "&"
		if n.Op == communique.OpPhrase {
			op = "<->"
		}
		l = leaf{"to_tsquery('english', communique_fold(%s))", lexquery(words, op, ":A")}
	case n.Op == communique.OpPhrase:
		l = leaf{"phraseto_tsquery('english', communique_fold(%s))", n.Text}
	default:
		l = leaf{"plainto_tsquery('english', communique_fold(%s))", n.Text}
	}
	if n.Field == "title" || len(words) > 1 && n.Op != communique.OpTerm {
		c.recheck = true
	}
	if !negated {
		c.rank = append(c.rank, l)
	}
	return "r.search @@ " + fmt.Sprintf(l.fn, c.arg(l.arg)), nil
}

func (c *compiler) field(n *communique.Node) (string, error) {
	v := lower(n.Text)
	switch n.Field {
	case "org":
		a := c.arg(v)
		// Both sides are index conditions (a BitmapOr of the organisation
		// index and the primary key) rather than a subplan run per row.
		return "(lower(r.organization) = " + a + " OR r.id = ANY(ARRAY(SELECT e.release_id FROM release_entities e WHERE e.kind = 'org' AND e.key = " + a + ")))", nil
	case "source":
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			return "r.source_id = " + c.arg(id), nil
		}
		a := c.arg("%" + v + "%")
		return "EXISTS (SELECT 1 FROM sources s WHERE s.id = r.source_id AND (lower(s.url) LIKE " + a + " OR lower(s.title) LIKE " + a + " OR lower(s.organization) LIKE " + a + "))", nil
	case "country", "person", "region":
		return "EXISTS (SELECT 1 FROM release_entities e WHERE e.release_id = r.id AND e.kind = '" + n.Field + "' AND e.key = " + c.arg(v) + ")", nil
	case "lang":
		return "(lower(r.language) = " + c.arg(v) + " OR lower(r.language) LIKE " + c.arg(v+"-%") + ")", nil
	}
	return "", communique.Errorf(communique.EINVALID, "unknown field %q", n.Field)
}

// where compiles the filters of q (not the cursor).
func (c *compiler) where(q communique.Query) (string, error) {
	conds := []string{"TRUE"}
	if q.Text != nil {
		p, err := c.node(q.Text, false)
		if err != nil {
			return "", err
		}
		conds = append(conds, p)
	}
	if q.Organization != "" {
		conds = append(conds, "lower(r.organization) = "+c.arg(lower(q.Organization)))
	}
	if q.SourceID != 0 {
		conds = append(conds, "r.source_id = "+c.arg(q.SourceID))
	}
	if q.StoryID != 0 {
		conds = append(conds, "r.story_id = "+c.arg(q.StoryID))
	}
	if !q.Since.IsZero() {
		conds = append(conds, "r.published >= "+c.arg(q.Since))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "r.published < "+c.arg(q.Until))
	}
	return strings.Join(conds, " AND "), nil
}

// rankExpr is the relevance score of a match: how well its title (weight A)
// and lede (B) match, over a floor that every match has (the words may be in
// the body only), with a mild boost for recent releases (a release a year
// old keeps two thirds of its score). The body's text vector is not read:
// that is kilobytes from TOAST per match, fifty milliseconds for the
// thousand matches ranked at a million releases (the SQLite store ranks few
// matches by bm25 over the body too; a common word by title and lede alike).
func (c *compiler) rankExpr() string {
	return "(0.1 + ts_rank(r.head, " + c.tsquery(c.rank) + ")) * (1 + 0.5 / (1 + extract(epoch FROM (now() - r.published)) / 31557600.0))"
}

type cursor struct {
	published time.Time
	id        int64
	offset    int
}

func (k cursor) encode(sort communique.Sort) string {
	var s string
	if sort == communique.SortRelevance {
		s = "o:" + strconv.Itoa(k.offset)
	} else {
		s = "d:" + strconv.FormatInt(k.published.UnixNano(), 10) + ":" + strconv.FormatInt(k.id, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func decodeCursor(s string, sort communique.Sort) (cursor, error) {
	var k cursor
	if s == "" {
		return k, nil
	}
	bad := communique.Errorf(communique.EINVALID, "invalid cursor %q", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return k, bad
	}
	parts := strings.Split(string(raw), ":")
	switch {
	case sort == communique.SortRelevance && len(parts) == 2 && parts[0] == "o":
		if k.offset, err = strconv.Atoi(parts[1]); err != nil || k.offset < 0 {
			return k, bad
		}
	case sort != communique.SortRelevance && len(parts) == 3 && parts[0] == "d":
		ns, err1 := strconv.ParseInt(parts[1], 10, 64)
		id, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return k, bad
		}
		k.published, k.id = time.Unix(0, ns).UTC(), id
	default:
		return k, bad
	}
	return k, nil
}

func (db *DB) Releases(ctx context.Context, q communique.Query) (*communique.ResultPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 500)
	sort := q.Sort
	if sort == "" {
		sort = communique.SortDate
		if q.Text != nil {
			sort = communique.SortRelevance
		}
	}
	cur, err := decodeCursor(q.Cursor, sort)
	if err != nil {
		return nil, err
	}
	c := &compiler{}
	where, err := c.where(q)
	if err != nil {
		return nil, err
	}
	page := &communique.ResultPage{Total: -1}
	m := matcher{db: db, where: where, args: c.args, until: q.Until}
	// Counting reads the matches anyway: it keeps the newest that the
	// page needs (all of them for facets), so that a query with fewer
	// than caps.count matches reads them once.
	keep := 0
	if q.Facets {
		keep = db.caps.facet
	}
	if sort == communique.SortRelevance {
		keep = max(keep, db.caps.rank)
	} else if cur.published.IsZero() {
		keep = max(keep, limit+1)
	}
	counted, err := m.count(ctx, q, c.recheck, page, keep)
	if err != nil {
		return nil, err
	}
	if counted == nil && q.Facets && sort == communique.SortRelevance {
		// Facets count the newest matches and relevance ranks the newest:
		// one look finds both.
		if counted, err = m.newest(ctx, cursor{}, keep, false); err != nil {
			return nil, err
		}
	}
	if q.Facets {
		hits := counted
		if hits == nil {
			if hits, err = m.newest(ctx, cursor{}, db.caps.facet, false); err != nil {
				return nil, err
			}
		}
		if page.Facets, err = db.facets(ctx, hits[:min(len(hits), db.caps.facet)]); err != nil {
			return nil, err
		}
	}

	var hits []hit
	if sort == communique.SortRelevance {
		// Relevance ranks the newest caps.rank matches: ranking reads each
		// match's title+lede vector, and a common word matches much of the
		// corpus.
		if hits = counted; hits == nil {
			if hits, err = m.newest(ctx, cursor{}, db.caps.rank, false); err != nil {
				return nil, err
			}
		}
		hits = hits[:min(len(hits), db.caps.rank)]
	} else if hits = counted; hits == nil || !cur.published.IsZero() {
		if hits, err = m.newest(ctx, cur, limit+1, true); err != nil {
			return nil, err
		}
	} else {
		hits = hits[:min(len(hits), limit+1)]
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	if sort == communique.SortRelevance {
		if ids, err = db.rank(ctx, ids, c.rank, cur.offset, limit+1); err != nil {
			return nil, err
		}
	}
	if page.Releases, err = db.releasesByID(ctx, ids); err != nil {
		return nil, err
	}
	if len(page.Releases) > limit {
		page.Releases = page.Releases[:limit]
		last := page.Releases[limit-1]
		page.Next = cursor{published: last.Published, id: last.ID, offset: cur.offset + limit}.encode(sort)
	}
	if len(c.rank) > 0 && len(page.Releases) > 0 {
		if page.Snippets, err = db.snippets(ctx, page.Releases, c.rank); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// matcher finds the releases that match a compiled query.
type matcher struct {
	db    *DB
	where string
	args  []any
	// many is true when the query matches more than caps.count releases
	// (more than caps.recheck candidates when bounded).
	many bool
	// bounded is set for a query that re-reads text vectors (see
	// RecheckCap) with many candidates.
	bounded bool
	// bitmap is set for a text query that the planner expects to match
	// less than BitmapBelow of the releases (see matcher.with).
	bitmap bool
	// share is the share of releases the planner expects to match (0 when
	// unknown), which sizes the first window; all is how many releases
	// there are, by the planner's statistics.
	share, all float64
	// until is the query's upper date bound, where windows start.
	until time.Time
}

// BitmapBelow: a text query expected to match less than this share of the
// releases is answered through its index bitmaps only. The planner's other
// choice, walking the date index and testing each release's text vector,
// costs it next to nothing but reads the vector from TOAST (~17 µs): for a
// word in one release in forty (with an organisation filter), 0.9 s to find
// a thousand matches; 17-40 µs a row for a word in a third of the releases
// (2,000 matches: 240 ms with a cold cache). The bitmap reads the word's
// whole posting list (40 ms for half a million releases), then only the
// window's rows, which are neighbours when releases are stored as they are
// published. For a word in most releases walking is the better plan, and
// the planner's choice stands.
const BitmapBelow = 0.6

// querier is what matcher.with gives: the pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// with runs f on the pool or, when m.bitmap, in a transaction where the
// planner may not scan an index in order nor a whole table.
func (m matcher) with(ctx context.Context, f func(querier) error) error {
	if !m.bitmap {
		return f(m.db.pool)
	}
	return pgx.BeginFunc(ctx, m.db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_indexscan = off; SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		return f(tx)
	})
}

// count sets page.Total: exact up to caps.count matches, -1 beyond, and -1
// for a query that re-reads text vectors with more than caps.recheck
// candidates (counted exactly by the index alone).
//
// When it counted them all, it returns the newest keep matches (non-nil).
func (m *matcher) count(ctx context.Context, q communique.Query, recheck bool, page *communique.ResultPage, keep int) ([]hit, error) {
	where, args, limit := m.where, m.args, m.db.caps.count
	if recheck {
		lc := &compiler{loose: true}
		lwhere, err := lc.where(q)
		if err != nil {
			return nil, err
		}
		n, _, err := m.countUpTo(ctx, lwhere, lc.args, m.db.caps.recheck, 0, true, true)
		if err != nil {
			return nil, err
		}
		if n > m.db.caps.recheck {
			m.many, m.bounded = true, true
			return nil, nil
		}
	}
	if where == "TRUE" {
		// The whole store (the home page, a migration's check): exact.
		if err := m.db.pool.QueryRow(ctx, `SELECT count(*) FROM release_search`).Scan(&page.Total); err != nil {
			return nil, fmt.Errorf("counting: %w", err)
		}
		return nil, nil
	}
	n, hits, err := m.countUpTo(ctx, where, args, limit, keep, q.Text != nil, !recheck && q.Text != nil)
	if err != nil {
		return nil, err
	}
	if n > limit {
		// A listing without text walks the date index: no windows.
		m.many = q.Text != nil
		return nil, nil
	}
	page.Total = n
	if hits == nil {
		hits = []hit{}
	}
	return hits, nil
}

// hit is a match, with what facets count.
type hit struct {
	id        int64
	published time.Time
	org, lang string
}

const hitColumns = "r.id, r.published, r.organization, r.language"

func scanHit(row pgx.CollectableRow) (hit, error) {
	var h hit
	err := row.Scan(&h.id, &h.published, &h.org, &h.lang)
	return h, err
}

// EstimateFactor: a query the planner expects to match more than
// EstimateFactor times the count bound is not counted: a count that finds
// more than the bound is a look at the matches wasted (30-70 ms for 10,001
// at a million releases). The planner's estimate of a word comes from the
// column's statistics of its most common words, and of several words from
// theirs, assumed independent; it was within 15% on the benchmark's
// corpus, and a query it put at 9,187 matches had 10,508. At 0.75, an
// estimate a third too low still counts in one look.
const EstimateFactor = 0.75

// countUpTo counts the matches of where up to limit+1 (limit+1 meaning
// "more than limit") and returns the newest keep of them. With estimated
// (text queries), it skips the count when the planner expects many more;
// plan sets m.bitmap and m.share from the estimate.
func (m *matcher) countUpTo(ctx context.Context, where string, args []any, limit, keep int, estimated, plan bool) (int, []hit, error) {
	sqlText := `SELECT ` + hitColumns + ` FROM release_search r WHERE ` + where
	var est float64
	if estimated {
		var err error
		if est, err = m.db.estimate(ctx, sqlText, args); err != nil {
			return 0, nil, fmt.Errorf("searching: %w", err)
		}
	}
	if plan {
		var all float64
		if err := m.db.pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE oid = 'release_search'::regclass`).Scan(&all); err != nil {
			return 0, nil, fmt.Errorf("searching: %w", err)
		}
		m.bitmap = all > 0 && est < all*BitmapBelow
		m.all = all
		if all > 0 {
			m.share = min(1, est/all)
		}
	}
	if est > float64(limit)*EstimateFactor {
		return limit + 1, nil, nil
	}
	var n int
	var hits []hit
	err := m.with(ctx, func(q querier) error {
		if keep == 0 {
			return q.QueryRow(ctx, `SELECT count(*) FROM (`+sqlText+` LIMIT `+strconv.Itoa(limit+1)+`) m`, custom(args)...).Scan(&n)
		}
		rows, err := q.Query(ctx, `SELECT r.id, r.published, r.organization, r.language, count(*) OVER ()
			FROM (`+sqlText+` LIMIT `+strconv.Itoa(limit+1)+`) r ORDER BY r.published DESC, r.id DESC LIMIT `+strconv.Itoa(keep), custom(args)...)
		if err != nil {
			return err
		}
		hits, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (hit, error) {
			var h hit
			err := row.Scan(&h.id, &h.published, &h.org, &h.lang, &n)
			return h, err
		})
		return err
	})
	if err != nil {
		return 0, nil, fmt.Errorf("searching: %w", err)
	}
	return n, hits, nil
}

// custom has PostgreSQL plan a statement for its arguments. Prepared
// statements (pgx prepares each one on each connection) get a generic plan
// after five executions when the planner deems it no worse, and a generic
// plan of a text search knows nothing of how common its words are: two
// mid-frequency words took 330 ms instead of 60 at a million releases. The
// unnamed statement (an extra round trip, and planning each time, ~1 ms) is
// planned with its arguments every time. Statements whose plan does not
// depend on the words (by IDs) stay prepared.
func custom(args []any) []any {
	return append([]any{pgx.QueryExecModeDescribeExec}, args...)
}

// estimate is the planner's estimate of the rows query returns.
func (db *DB) estimate(ctx context.Context, query string, args []any) (float64, error) {
	var raw []byte
	if err := db.pool.QueryRow(ctx, `EXPLAIN (FORMAT JSON) `+query, custom(args)...).Scan(&raw); err != nil {
		return 0, err
	}
	var plan []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal(raw, &plan); err != nil || len(plan) == 0 {
		return 0, fmt.Errorf("reading the plan: %v", err)
	}
	return plan[0].Plan.Rows, nil
}

// newest returns the IDs of the newest n matches below the cursor, newest
// first; when the matcher is bounded and exact is false, those among the
// newest caps.recheck releases or so.
//
// Ordering matches by date reads the date of every match, and a common word
// matches half a million releases. When there are many, newest looks among
// the newest releases that should hold 2n matches by the planner's estimate
// (n×16 without one, n×128 at most) first — the date index gives the bound,
// the text index the matches — then among as many more as the share of
// matches it showed asks for, and so on. The result is exact: a window is
// only used when it holds n matches.
//
// The first window is bounded because the estimate errs both ways: a
// window too small costs one more round (the words' posting lists read
// again, 10-40 ms), one too large a visit to every match in it (a word the
// planner thought in 0.5% of the releases and found in 7.5% visited 30,000
// rows, 320 ms). At n×32 most queries of a word and an organisation took
// two rounds; at n×128 they take one, and a fifteenfold underestimate
// visits 10,000 rows (at n=1,000).
func (m matcher) newest(ctx context.Context, below cursor, n int, exact bool) ([]hit, error) {
	w := n * m.db.caps.window
	if m.share > 0 {
		// Twice the releases that hold n matches by the planner's estimate.
		w = max(n, int(min(2*float64(n)/m.share, float64(8*n*m.db.caps.window))))
	}
	if m.bounded && !exact {
		w = min(w, m.db.caps.recheck)
	}
	for m.many {
		bound, err := m.windowStart(ctx, below, w)
		if err != nil {
			return nil, fmt.Errorf("searching: %w", err)
		}
		if bound.IsZero() {
			break // the window would hold every release
		}
		c := &compiler{args: slices.Clone(m.args)}
		ids, err := m.ids(ctx, c.below(below)+" AND r.published >= "+c.arg(bound), c.args, n)
		if err != nil || len(ids) == n || m.bounded && !exact {
			return ids, err
		}
		// The window had k < n matches: the next holds 2n at the share it
		// showed (the planner's estimate for several words is often off).
		if k := len(ids); k > 0 {
			w = max(2*w, int(min(2*float64(n)*float64(w)/float64(k), 1e9)))
		} else {
			w *= m.db.caps.window
		}
	}
	c := &compiler{args: slices.Clone(m.args)}
	return m.ids(ctx, c.below(below), c.args, n)
}

// windowStart is the date after which about w releases were published
// below the cursor (and the query's until:), or zero when there are fewer.
//
// It reads the planner's histogram of dates (see DB.dates): the window
// need not hold exactly w releases, only be a cheap bound, and walking the
// date index to the w-th release costs a tenth of a millisecond per
// thousand. Without statistics (a table never analysed), it walks.
func (m matcher) windowStart(ctx context.Context, below cursor, w int) (time.Time, error) {
	upper := m.until
	if !below.published.IsZero() && (upper.IsZero() || below.published.Before(upper)) {
		upper = below.published
	}
	h, err := m.db.dates(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if len(h) >= 2 && m.all > 0 {
		return windowFrom(h, upper, float64(w)/m.all), nil
	}
	if m.all > 0 && float64(w) > m.all/4 {
		return time.Time{}, nil // finding the bound would cost more than the window saves
	}
	bc := &compiler{}
	cond := bc.below(below)
	if !m.until.IsZero() {
		cond += " AND r.published < " + bc.arg(m.until) // the window starts where the query's dates do
	}
	var bound time.Time
	err = m.db.pool.QueryRow(ctx, `SELECT r.published FROM release_search r WHERE TRUE`+cond+
		` ORDER BY r.published DESC, r.id DESC OFFSET `+strconv.Itoa(w)+` LIMIT 1`, custom(bc.args)...).Scan(&bound)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil // fewer releases than the window
	}
	return bound, err
}

// windowFrom is the date with share of the releases between it and upper
// (zero: no bound), by the histogram h: ascending dates with equal numbers
// of releases between each two; zero when the share reaches past the oldest.
func windowFrom(h []time.Time, upper time.Time, share float64) time.Time {
	buckets := float64(len(h) - 1)
	top := 1.0 // the share of releases published before upper
	if !upper.IsZero() {
		k, _ := slices.BinarySearchFunc(h, upper, func(a, b time.Time) int { return a.Compare(b) })
		switch {
		case k == 0:
			top = 0
		case k < len(h):
			top = (float64(k-1) + float64(upper.Sub(h[k-1]))/float64(max(1, h[k].Sub(h[k-1])))) / buckets
		}
	}
	at := (top - share) * buckets
	if at <= 0 {
		return time.Time{}
	}
	k := min(int(at), len(h)-2)
	return h[k].Add(time.Duration((at - float64(k)) * float64(h[k+1].Sub(h[k]))))
}

// dates is the planner's histogram of release_search.published (nil before
// the table is first analysed), read at most once a minute.
func (db *DB) dates(ctx context.Context) ([]time.Time, error) {
	db.hist.Lock()
	defer db.hist.Unlock()
	if time.Since(db.hist.read) < time.Minute {
		return db.hist.bounds, nil
	}
	var h []time.Time
	err := db.pool.QueryRow(ctx, `SELECT histogram_bounds::text::timestamptz[] FROM pg_stats
		WHERE schemaname = current_schema() AND tablename = 'release_search' AND attname = 'published'`).Scan(&h)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	db.hist.bounds, db.hist.read = h, time.Now()
	return h, nil
}

func (m matcher) ids(ctx context.Context, cond string, args []any, n int) ([]hit, error) {
	var ids []hit
	err := m.with(ctx, func(q querier) error {
		rows, err := q.Query(ctx, `SELECT `+hitColumns+` FROM release_search r WHERE `+m.where+cond+
			` ORDER BY r.published DESC, r.id DESC LIMIT `+strconv.Itoa(n), custom(args)...)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, scanHit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("searching: %w", err)
	}
	return ids, nil
}

// below is the condition that keeps releases after the cursor k in date
// order ("" for none).
func (c *compiler) below(k cursor) string {
	if k.published.IsZero() {
		return ""
	}
	p, id := c.arg(k.published), c.arg(k.id)
	return " AND (r.published < " + p + " OR (r.published = " + p + " AND r.id < " + id + "))"
}

// rank orders ids by relevance to the positive leaves and returns the n
// from offset on.
func (db *DB) rank(ctx context.Context, ids []int64, leaves []leaf, offset, n int) ([]int64, error) {
	if len(leaves) == 0 { // only filters or exclusions: newest first
		return ids[min(offset, len(ids)):min(offset+n, len(ids))], nil
	}
	c := &compiler{rank: leaves}
	score := c.rankExpr()
	rows, err := db.pool.Query(ctx, `SELECT r.id FROM release_search r WHERE r.id = ANY(`+c.arg(ids)+`)
		ORDER BY `+score+` DESC, r.published DESC, r.id DESC OFFSET `+c.arg(offset)+` LIMIT `+c.arg(n), c.args...)
	if err != nil {
		return nil, fmt.Errorf("ranking: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// snippets highlights the matches of the query's positive terms in each
// release of the page, with \x02 … \x03 around them.
func (db *DB) snippets(ctx context.Context, rs []*communique.Release, leaves []leaf) (map[int64]string, error) {
	var words []string
	for _, l := range leaves {
		words = append(words, tokens(lower(l.arg))...)
	}
	texts := make([]string, len(rs))
	for i, r := range rs {
		texts[i] = snippetWindow(r, words)
	}
	c := &compiler{}
	q := c.tsquery(leaves)
	rows, err := db.pool.Query(ctx, `SELECT ts_headline('english', u.t, `+q+`,
		'StartSel=`+"\x02"+`, StopSel=`+"\x03"+`, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "')
		FROM unnest(`+c.arg(texts)+`::text[]) WITH ORDINALITY AS u(t, i) ORDER BY u.i`, c.args...)
	if err != nil {
		return nil, fmt.Errorf("snippets: %w", err)
	}
	heads, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("snippets: %w", err)
	}
	out := make(map[int64]string, len(rs))
	for i, h := range heads {
		out[rs[i].ID] = h
	}
	return out, nil
}

// SnippetChars is how much of a release's text ts_headline reads: it parses
// all it is given, ~250 ns a character (20 ms for a page of 20 releases at
// 4,000 characters each).
const SnippetChars = 2000

// snippetWindow is the part of r's text (its lede when it has none) that
// its snippet is made from: SnippetChars bytes from a little before the
// first place where one of words appears, found by its first five letters
// (which English stemming keeps), so that a word deep in a long release is
// still highlighted; from the start when none does.
func snippetWindow(r *communique.Release, words []string) string {
	text := r.Text
	if text == "" {
		text = r.Lede
	}
	if len(text) <= SnippetChars {
		return text
	}
	low := strings.ToLower(text) // same byte offsets for ASCII; others only shift the window
	first := -1
	for _, w := range words {
		if len(w) > 5 {
			w = w[:5]
		}
		if k := strings.Index(low, w); k >= 0 && (first < 0 || k < first) {
			first = k
		}
	}
	start := 0
	if first > SnippetChars/4 && len(low) == len(text) {
		start = first - SnippetChars/4
		if sp := strings.IndexByte(text[start:first], ' '); sp >= 0 {
			start += sp + 1 // at a word
		}
		for !utf8.RuneStart(text[start]) {
			start++
		}
	}
	end := min(len(text), start+SnippetChars)
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end--
	}
	return text[start:end]
}

// facets counts hits (the newest caps.facet matches: exact for most
// result sets, bounded work for a common word, when Total says the set was
// not counted) by organisation, language, month and country.
func (db *DB) facets(ctx context.Context, hits []hit) (*communique.Facets, error) {
	orgs, langs, months := map[string]int{}, map[string]int{}, map[string]int{}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
		if h.org != "" {
			orgs[h.org]++
		}
		if h.lang != "" {
			langs[h.lang]++
		}
		months[h.published.UTC().Format("2006-01")]++
	}
	countries := map[string]int{}
	if len(ids) > 0 {
		rows, err := db.pool.Query(ctx, `SELECT upper(e.key), count(*) FROM release_entities e
			WHERE e.release_id = ANY($1) AND e.kind = 'country' GROUP BY 1`, ids)
		if err != nil {
			return nil, fmt.Errorf("facets: %w", err)
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return nil, err
			}
			countries[k] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return &communique.Facets{Organizations: communique.TopFacets(orgs, 20, false), Languages: communique.TopFacets(langs, 20, false),
		Countries: communique.TopFacets(countries, 20, false), Months: communique.TopFacets(months, 24, true)}, nil
}
